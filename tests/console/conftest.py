"""Fixtures of the console's browser tests: a stack of their own, the Debian chromium driven by Playwright,
a local HTTP receiver (webhooks, remote images, forged pages), and axe-core from npm."""

from __future__ import annotations

import http.server
import os
import re
import shutil
import subprocess
import tarfile
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, Playwright, sync_playwright

from tests.conftest import ROOT, TOKEN, Stack, start_stack

AXE_CACHE = ROOT / ".cache" / "axe-core"  # git-ignored; filled from npm once per machine
SCREENSHOTS = ROOT / "docs" / "screenshots"


@pytest.fixture(scope="module")
def console_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    running = start_stack(tmp_path_factory.mktemp("console"), {"MAILMAN_STREAM_HEARTBEAT_SECONDS": "1"})
    yield running
    assert running.stop() == 0


@pytest.fixture(scope="module")
def playwright() -> Iterator[Playwright]:
    with sync_playwright() as running:
        yield running


@pytest.fixture(scope="module")
def browser(playwright: Playwright) -> Iterator[Browser]:
    executable = shutil.which("chromium")
    if executable is None:
        pytest.fail("chromium is not installed: `apt-get install -y chromium` (nox -s tests does it)")
    launched = playwright.chromium.launch(executable_path=executable, args=["--no-sandbox"])
    yield launched
    launched.close()


def sign_in(context: BrowserContext, stack: Stack, token: str = TOKEN) -> Page:
    page = context.new_page()
    page.goto(f"{stack.url}/ui/")
    page.fill("#token", token)
    page.click("button[type=submit]")
    page.wait_for_url(re.compile(r".*/ui/inboxes$"))
    return page


@pytest.fixture
def context(browser: Browser) -> Iterator[BrowserContext]:
    opened = browser.new_context()
    yield opened
    opened.close()


@pytest.fixture
def page(context: BrowserContext, console_stack: Stack) -> Page:
    return sign_in(context, console_stack)


@dataclass
class Receiver:
    """A local HTTP server that records every request and answers 200 (or the page it is given)."""

    url: str
    hits: list[str] = field(default_factory=list)
    pages: dict[str, str] = field(default_factory=dict)
    arrived: threading.Condition = field(default_factory=threading.Condition)

    def wait_for(self, path_prefix: str, timeout: float = 20) -> None:
        with self.arrived:
            ok = self.arrived.wait_for(lambda: any(h.startswith(path_prefix) for h in self.hits), timeout)
        assert ok, f"no request for {path_prefix} reached the receiver: {self.hits}"


@pytest.fixture(scope="module")
def receiver() -> Iterator[Receiver]:
    found = Receiver("")

    class Handler(http.server.BaseHTTPRequestHandler):
        def _answer(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            if length:
                self.rfile.read(length)
            with found.arrived:
                found.hits.append(self.path)
                found.arrived.notify_all()
            page = found.pages.get(self.path)
            body = (page or "ok").encode()
            self.send_response(200)
            self.send_header("Content-Type", "text/html" if page else "text/plain")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        do_GET = do_POST = _answer

        def log_message(self, *args: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    found.url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield found
    server.shutdown()
    server.server_close()
    thread.join()


def axe_source() -> str:
    """axe-core's browser build, from the npm registry at test time (`npm pack`), cached under .cache/."""
    script = AXE_CACHE / "package" / "axe.min.js"
    if not script.exists():
        npm = shutil.which("npm")
        if npm is None:
            pytest.fail("npm is needed to fetch axe-core for the accessibility checks: `apt-get install -y npm`")
        AXE_CACHE.mkdir(parents=True, exist_ok=True)
        packed = subprocess.run(
            [npm, "pack", "axe-core@4", "--silent", "--pack-destination", str(AXE_CACHE)],
            check=True,
            capture_output=True,
            text=True,
        ).stdout.split()[-1]
        with tarfile.open(AXE_CACHE / packed) as archive:
            archive.extract("package/axe.min.js", AXE_CACHE, filter="data")
    return script.read_text()


def screenshot(page: Page, name: str) -> None:
    """With MAILMAN_SCREENSHOTS=1 (`nox -s screenshots`), the page as docs/screenshots/<name>.png for the README."""
    if os.environ.get("MAILMAN_SCREENSHOTS") == "1":
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=False)


def fresh_inbox(stack: Stack, local_part: str, name: str | None = None) -> dict[str, str]:
    with stack.client() as api:
        response = api.post("/v1/inboxes", json={"local_part": local_part, "name": name or local_part})
        assert response.status_code == 201, response.text
        inbox: dict[str, str] = response.json()
        return inbox


def wait_listed(stack: Stack, inbox_id: str, count: int) -> list[dict[str, Any]]:
    """The inbox's messages once it lists ``count`` of them (waiting on the API's long poll)."""
    with stack.client() as api:
        listed: list[dict[str, Any]] = []
        for _ in range(40):
            listed = api.get(f"/v1/inboxes/{inbox_id}/messages", params={"limit": 100}).json()["data"]
            if len(listed) >= count:
                return listed
            wait: dict[str, str | int] = {"wait": 1}
            if listed:
                wait["after"] = listed[0]["id"]
            api.get(f"/v1/inboxes/{inbox_id}/messages", params=wait)
    raise AssertionError(f"{inbox_id} lists {len(listed)} messages, not {count}")
