"""Console benchmark for `nox -s bench`: the inbox page over an inbox of 100,000 messages.

Fills one inbox of `mailman-server dev` with ``--messages`` rows by direct SQL inserts into the real schema
(ids made the way the services make them: sortable by creation), signs in to the console like a browser
(sign-in form, CSRF cookie, session cookie), then GETs the inbox page ``--requests`` times for the first
page, a page 50,000 messages deep (keyset cursor) and a search. Prints p50/p99 of the server's time (the
access log's duration_ms) and of the client's. Target (issue 17): server p99 <= 100 ms.
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

import httpx
import psycopg

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from mailman_services.domain.ids import new_id  # noqa: E402
from mailman_services.domain.pagination import encode_cursor  # noqa: E402
from run import TOKEN, free_port, start_dev, stop, wait_for  # noqa: E402

# The vector as PostgreSQL built it before migration 0016 (without positions): the searched word is a plain one,
# which both it and domain/search.py index alike.
FILL = """
INSERT INTO messages (id, inbox_id, thread_id, direction, status, message_id, "from", "to", subject, text, html,
                      preview, verdicts, labels, size, search)
SELECT id, %(inbox)s, %(thread)s, 'inbound', 'received', message_id, sender, recipients, subject, text, html, preview,
       verdicts, labels, 2000, strip(to_tsvector('simple', subject || ' ada@example.com Ada ' || text))
FROM (
    SELECT %(prefix)s || lpad(n::text, 10, '0') AS id, '<bench-' || n || '@example.com>' AS message_id,
           '{"address": "ada@example.com", "name": "Ada"}'::jsonb AS sender,
           '[{"address": "bench@example.com", "name": null}]'::jsonb AS recipients,
           'Invoice ' || n || CASE WHEN n %% 1000 = 0 THEN ' quarterly' ELSE '' END AS subject,
           repeat('Hello, this is message ' || n || '. ', 40) AS text,
           '<p>' || repeat('Hello <b>HTML</b>. ', 40) || '</p>' AS html, 'Hello, this is message ' || n AS preview,
           '{"spf": "pass", "dkim": "pass", "dmarc": "pass"}'::jsonb AS verdicts,
           CASE WHEN n %% 10 = 0 THEN ARRAY['tagged'] ELSE ARRAY[]::text[] END AS labels
    FROM generate_series(1, %(count)s) AS n
) AS generated
"""
THREAD = "INSERT INTO threads (id, inbox_id, subject, message_count) VALUES (%(thread)s, %(inbox)s, 'Bench', %(count)s)"


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def sign_in(base: str) -> httpx.Client:
    client = httpx.Client(base_url=base, timeout=30)
    form = client.get("/ui/sign-in").text
    csrf = re.search(r'name="csrf" value="([^"]+)"', form)
    assert csrf, form
    answer = client.post("/ui/sign-in", data={"csrf": csrf.group(1), "token": TOKEN, "next": ""})
    assert answer.status_code == 303, answer.text
    return client


def server_times(log: Path, path: str, since: int) -> list[float]:
    times = []
    with log.open() as lines:
        lines.seek(since)
        for line in lines:
            if '"message":"request"' in line or '"message": "request"' in line:
                entry = json.loads(line)
                if entry.get("path") == path and entry.get("status") == 200:
                    times.append(float(entry["duration_ms"]))
    return times


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--messages", type=int, default=100_000)
    parser.add_argument("--requests", type=int, default=200)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="mailman-console-bench-"))
    api_port = free_port()
    dev = start_dev(work / "stack", api_port)
    try:
        base = f"http://127.0.0.1:{api_port}"
        wait_for(f"{base}/health", dev)
        api = httpx.Client(base_url=base, headers={"Authorization": f"Bearer {TOKEN}"}, timeout=30)
        inbox = api.post("/v1/inboxes", json={"name": "Bench"}).json()
        # Ids as new_id makes them, with a counter for the random part: sortable and distinct.
        prefix = new_id("msg")[:-10]
        started = time.perf_counter()
        with psycopg.connect(host=str(work / "stack" / "postgres"), user="postgres", dbname="postgres") as conn:
            values = {"thread": new_id("thr"), "inbox": inbox["id"], "count": args.messages, "prefix": prefix}
            conn.execute(THREAD, values)
            conn.execute(FILL, values)
            conn.commit()
            conn.execute("ANALYZE messages")
        print(f"filled {args.messages:,} messages in {time.perf_counter() - started:.1f} s")
        client = sign_in(base)
        deep = encode_cursor([f"{prefix}{args.messages // 2:010d}"])
        path = f"/ui/inboxes/{inbox['id']}"
        log = work / "stack" / "server.log"
        for label, params in (
            ("first page", {}),
            (f"page {args.messages // 2:,} deep", {"cursor": deep}),
            ("search q=quarterly", {"q": "quarterly"}),
            ("label filter", {"label": "tagged"}),
        ):
            for _ in range(10):  # warm-up
                client.get(path, params=params)
            since = log.stat().st_size
            client_ms = []
            for _ in range(args.requests):
                t0 = time.perf_counter()
                answer = client.get(path, params=params)
                client_ms.append((time.perf_counter() - t0) * 1000)
                assert answer.status_code == 200 and 'tr class="message' in answer.text, answer.status_code
            server_ms = server_times(log, path, since)
            # The same page from the API (JSON, bearer token), interleaved-free but in the same run: the ratio
            # says what the console adds (session, read marks, HTML) on this machine's load.
            since = log.stat().st_size
            api_path = f"/v1/inboxes/{inbox['id']}/messages"
            for _ in range(args.requests):
                assert api.get(api_path, params={"limit": 50, **params}).status_code == 200
            api_ms = server_times(log, api_path, since)
            print(
                f"inbox page, {label:<24} server p50 {statistics.median(server_ms):6.1f} ms"
                f"  p99 {percentile(server_ms, 99):6.1f} ms   client p50 {statistics.median(client_ms):6.1f} ms"
                f"  p99 {percentile(client_ms, 99):6.1f} ms  ({len(server_ms)} requests);"
                f"  API list of the same page: server p50 {statistics.median(api_ms):6.1f} ms"
                f"  p99 {percentile(api_ms, 99):6.1f} ms"
            )
    finally:
        stop(dev)
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
