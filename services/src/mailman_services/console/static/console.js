// The console's only script: live arrival on an inbox page, keyboard navigation, confirmations.
// Pages work without it; it never builds HTML from mail (rows come rendered and escaped by the server).
"use strict";

(function () {
  function rowsOf(table) {
    return Array.prototype.slice.call(table.tBodies[0].rows).filter(function (r) { return r.dataset.href; });
  }

  // --- live arrival: the inbox's event stream (SSE), and polling whenever the stream is down ----------------
  function live(table) {
    var rowsUrl = table.dataset.rows;
    var busy = false, again = false, pollTimer = null;

    function newestId() {
      var ids = rowsOf(table).map(function (r) { return r.dataset.id; }).sort();
      return ids.length ? ids[ids.length - 1] : "";
    }

    function refresh() {
      if (busy) { again = true; return; }
      busy = true;
      var after = newestId();
      var url = rowsUrl + (rowsUrl.indexOf("?") >= 0 ? "&" : "?") + (after ? "after=" + encodeURIComponent(after) : "");
      fetch(url, { credentials: "same-origin", headers: { Accept: "text/html" } })
        .then(function (response) { return response.ok ? response.text() : ""; })
        .then(function (html) {
          if (!html.trim()) return;
          var body = document.createElement("tbody");
          body.innerHTML = html;  // server-rendered rows, every value escaped by Jinja
          var tbody = table.tBodies[0];
          var fresh = Array.prototype.slice.call(body.rows).filter(function (row) {
            return !tbody.querySelector('tr[data-id="' + row.dataset.id + '"]');
          });
          for (var i = fresh.length - 1; i >= 0; i--) tbody.insertBefore(fresh[i], tbody.firstChild);
          var empty = document.querySelector(".empty");
          if (empty && fresh.length) empty.remove();
        })
        .catch(function () {})
        .finally(function () {
          busy = false;
          if (again) { again = false; refresh(); }
        });
    }

    function poll() {
      if (pollTimer === null) pollTimer = setInterval(refresh, 2000);
    }

    function stopPolling() {
      if (pollTimer !== null) { clearInterval(pollTimer); pollTimer = null; }
    }

    if (!window.EventSource) { poll(); return; }
    var source = new EventSource(table.dataset.live);
    source.onopen = function () { stopPolling(); refresh(); };
    source.onmessage = refresh;
    source.onerror = poll;  // EventSource reconnects by itself; until then, poll
    source.addEventListener("ended", function () { poll(); });
    table.dataset.liveState = "connecting";
    source.addEventListener("open", function () { table.dataset.liveState = "open"; });
  }

  // --- keyboard: j / k move, Enter opens, / searches --------------------------------------------------------
  function keyboard(table) {
    var current = -1;
    function select(index) {
      var rows = rowsOf(table);
      if (!rows.length) return;
      current = Math.max(0, Math.min(rows.length - 1, index));
      rows.forEach(function (r, i) {
        r.classList.toggle("selected", i === current);
        if (i === current) r.setAttribute("aria-selected", "true"); else r.removeAttribute("aria-selected");
      });
      rows[current].scrollIntoView({ block: "nearest" });
    }
    document.addEventListener("keydown", function (event) {
      var target = event.target;
      var typing = target && (target.tagName === "INPUT" || target.tagName === "TEXTAREA" || target.tagName === "SELECT");
      if (typing || event.ctrlKey || event.metaKey || event.altKey) return;
      var rows = rowsOf(table);
      if (event.key === "j") { select(current + 1); event.preventDefault(); }
      else if (event.key === "k") { select(current - 1); event.preventDefault(); }
      else if (event.key === "Enter" && current >= 0 && rows[current]) { window.location.href = rows[current].dataset.href; }
      else if (event.key === "/") {
        var search = document.getElementById("q");
        if (search) { search.focus(); event.preventDefault(); }
      }
    });
    table.addEventListener("click", function (event) {
      var row = event.target.closest("tr[data-href]");
      if (row && event.target.tagName !== "A") window.location.href = row.dataset.href;
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    var table = document.getElementById("messages");
    if (table) {
      keyboard(table);
      if (table.dataset.live) live(table);
    }
    document.addEventListener("submit", function (event) {
      var button = event.submitter;
      if (button && button.dataset.confirm && !window.confirm(button.dataset.confirm)) event.preventDefault();
    });
  });
})();
