"""Shared fixtures: a real `mailman-server dev` (embedded PostgreSQL) and a real DNS server, both on loopback."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import httpx
import pytest
from dnslib import QTYPE, RR, DNSRecord
from dnslib.server import BaseResolver, DNSLogger, DNSServer

if TYPE_CHECKING:  # `nox -s infra` loads this file without the services installed
    from quart.typing import TestClientProtocol
    from quart.wrappers import Response

ROOT = Path(__file__).resolve().parent.parent
TOKEN = "test-bootstrap-token-0123456789"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Zone(BaseResolver):  # type: ignore[misc]
    """An authoritative answer for whatever records a test publishes; NXDOMAIN otherwise."""

    def __init__(self) -> None:
        self.records: list[str] = []
        self.stalled: dict[str, float] = {}

    def publish(self, *zone_lines: str) -> None:
        self.records.extend(zone_lines)

    def stall(self, name: str, seconds: float) -> None:
        """The next query for ``name`` is answered only after ``seconds`` (a slow name server)."""
        self.stalled[name.lower()] = seconds

    def resolve(self, request: DNSRecord, handler: object) -> DNSRecord:
        reply = request.reply()
        qname = str(request.q.qname).rstrip(".").lower()
        if (delay := self.stalled.pop(qname, None)) is not None:
            time.sleep(delay)
        qtype = QTYPE[request.q.qtype]
        found = False
        for line in self.records:
            for rr in RR.fromZone(line):
                if str(rr.rname).rstrip(".").lower() == qname:
                    found = True
                    if QTYPE[rr.rtype] == qtype:
                        reply.add_answer(rr)
        if not found:
            reply.header.rcode = 3  # NXDOMAIN
        return reply


@pytest.fixture(scope="session")
def dns_zone() -> Iterator[tuple[Zone, int]]:
    zone = Zone()
    port = free_port()
    server = DNSServer(zone, port=port, address="127.0.0.1", logger=DNSLogger(logf=lambda _: None))
    server.start_thread()
    yield zone, port
    server.stop()


@dataclass
class Stack:
    url: str
    token: str
    data_dir: Path
    process: subprocess.Popen[bytes]
    smtp_port: int

    @property
    def log(self) -> str:
        return (self.data_dir / "server.log").read_text()

    def client(self, token: str | None = None) -> httpx.Client:
        headers = {"Authorization": f"Bearer {token or self.token}"}
        return httpx.Client(base_url=self.url, headers=headers, timeout=30)

    def stop(self) -> int:
        self.process.send_signal(signal.SIGTERM)
        try:
            return self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            raise


def start_stack(data_dir: Path, env: dict[str, str] | None = None, port: int | None = None) -> Stack:
    """`mailman-server dev` in a subprocess, returned once /health answers 200."""
    port = port or free_port()
    smtp_port = free_port()
    environ = {
        **os.environ,
        "MAILMAN_API_TOKEN": TOKEN,
        "MAILMAN_RATE_LIMIT_PER_SECOND": "0",
        "MAILMAN_LOG_FORMAT": "json",
        # Webhook retries 10,000 times sooner than in production (10 h becomes 3.6 s): tests see all 7 attempts.
        "MAILMAN_WEBHOOK_RETRY_SCALE": "0.0001",
        **(env or {}),
    }
    environ.pop("MAILMAN_DATABASE_URL", None)
    data_dir.mkdir(parents=True, exist_ok=True)
    with (data_dir / "server.log").open("ab") as log:
        process = subprocess.Popen(
            [
                *(sys.executable, "-m", "mailman_services.cli", "dev", "--data-dir", str(data_dir)),
                *("--api-port", str(port), "--smtp-port", str(smtp_port)),
            ],
            env=environ,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    stack = Stack(f"http://127.0.0.1:{port}", environ["MAILMAN_API_TOKEN"], data_dir, process, smtp_port)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"mailman-server dev exited with {process.returncode}:\n{stack.log}")
        try:
            if httpx.get(f"{stack.url}/health", timeout=1).status_code == 200:
                return stack
        except httpx.TransportError:
            pass
        time.sleep(0.1)
    process.kill()
    raise RuntimeError("mailman-server dev did not become healthy within 60 s")


@pytest.fixture(scope="session")
def stack(tmp_path_factory: pytest.TempPathFactory, dns_zone: tuple[Zone, int]) -> Iterator[Stack]:
    running = start_stack(tmp_path_factory.mktemp("stack"), {"MAILMAN_DNS_RESOLVER": f"127.0.0.1:{dns_zone[1]}"})
    yield running
    assert running.stop() == 0


@pytest.fixture
def api(stack: Stack) -> Iterator[httpx.Client]:
    with stack.client() as client:
        yield client


class InProcess:
    """The API as `create_app` builds it, in this process: Quart's test client, no HTTP server and no worker,
    over the stack's embedded PostgreSQL. For API behaviour (validation, auth, pagination) that needs neither;
    `json()` is the body, decoded."""

    def __init__(self, client: TestClientProtocol, token: str) -> None:
        self.client = client
        self.token = token

    async def request(
        self, method: str, path: str, *, token: str | None = None, headers: dict[str, str] | None = None, **kwargs: Any
    ) -> Response:
        """``token=""`` sends no Authorization header."""
        authorization = {"Authorization": f"Bearer {token or self.token}"} if token != "" else {}
        response: Response = await self.client.open(
            path, method=method, headers={**authorization, **(headers or {})}, **kwargs
        )
        return response

    async def get(self, path: str, **kwargs: Any) -> Response:
        return await self.request("GET", path, **kwargs)

    async def post(self, path: str, **kwargs: Any) -> Response:
        return await self.request("POST", path, **kwargs)

    async def json(self, method: str, path: str, **kwargs: Any) -> Any:
        return await (await self.request(method, path, **kwargs)).get_json()


def in_process_settings(stack: Stack, dns_port: int, **env: str) -> dict[str, str]:
    return {
        "MAILMAN_API_TOKEN": TOKEN,
        "MAILMAN_RATE_LIMIT_PER_SECOND": "0",
        "MAILMAN_DATA_DIR": str(stack.data_dir),
        "MAILMAN_DNS_RESOLVER": f"127.0.0.1:{dns_port}",
        **env,
    }


async def in_process_app(stack: Stack, env: dict[str, str]) -> AsyncIterator[InProcess]:
    from mailman_services.api.app import create_app
    from mailman_services.bootstrap import build
    from mailman_services.config import load_settings

    services = build(load_settings(env), f"postgresql+psycopg://postgres@/postgres?host={stack.data_dir / 'postgres'}")
    try:
        app = create_app(services)
        async with app.test_app() as running:
            yield InProcess(running.test_client(), TOKEN)
    finally:
        await services.aclose()


@pytest.fixture
async def app_api(stack: Stack, dns_zone: tuple[Zone, int]) -> AsyncIterator[InProcess]:
    """`InProcess` on the session stack's database (migrated, its default domain created), its settings."""
    async for running in in_process_app(stack, in_process_settings(stack, dns_zone[1])):
        yield running
