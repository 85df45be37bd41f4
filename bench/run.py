"""`nox -s bench`: numbers for the foundation issue's targets, measured in one run on this machine.

* requests/s with wrk for GET /v1/messages/{id} and GET /v1/inboxes/{id} (API key auth) against one
  hypercorn worker, as a ratio to a bare Quart JSON endpoint served the same way (target ≥ 0.5);
* latency of listing 50 messages of an inbox holding 100,000 (target p99 ≤ 50 ms), plus deep pages,
  a label filter and a full-text search over the same inbox.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import random
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path

import httpx
import psutil
import psycopg
from mailman_services.domain.ids import new_id

HERE = Path(__file__).resolve().parent
TOKEN = "bench-bootstrap-token-0123456789"
WORDS = [
    *("invoice", "order", "shipping", "refund", "meeting", "friday", "lunch"),
    *("report", "quarterly", "budget", "hello", "thanks", "update"),
]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_for(url: str, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            sys.exit(f"server exited early with {process.returncode}")
        try:
            httpx.get(url, timeout=1)
            return
        except httpx.TransportError:
            time.sleep(0.1)
    sys.exit(f"{url} did not answer within 60 s")


def start_dev(data_dir: Path, api_port: int, smtp_port: int | None = None) -> subprocess.Popen[bytes]:
    """`mailman-server dev` on ``data_dir`` with rate limits off, logging to ``data_dir/server.log``."""
    env = {**os.environ, "MAILMAN_API_TOKEN": TOKEN, "MAILMAN_RATE_LIMIT_PER_SECOND": "0", "MAILMAN_LOG_FORMAT": "json"}
    data_dir.mkdir(parents=True, exist_ok=True)
    command = [sys.executable, "-m", "mailman_services.cli", "dev", "--data-dir", str(data_dir)]
    command += ["--api-port", str(api_port), "--smtp-port", str(smtp_port or free_port())]
    with (data_dir / "server.log").open("wb") as log:
        return subprocess.Popen(command, env=env, stdout=log, stderr=subprocess.STDOUT)


class PeakRSS:
    """Peak resident memory of named processes, sampled every ``interval`` seconds in a thread."""

    def __init__(self, interval: float = 0.1) -> None:
        self.interval = interval
        self.processes: dict[str, Callable[[], list[psutil.Process]]] = {}
        self.peak: dict[str, int] = {}
        self._done = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)

    def watch(self, name: str, processes: Callable[[], list[psutil.Process]]) -> None:
        self.processes[name] = processes
        self.peak.setdefault(name, 0)

    def _sample(self) -> None:
        while not self._done.wait(self.interval):
            for name, processes in list(self.processes.items()):
                for process in processes():
                    with contextlib.suppress(psutil.Error):
                        self.peak[name] = max(self.peak[name], process.memory_info().rss)

    def __enter__(self) -> PeakRSS:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._done.set()
        self._thread.join()


class PeakMemory(PeakRSS):
    """Peak resident memory of the dev process (API + SMTP), of its worker child and of its SMTP parsers, from
    ``start()`` to ``stop()``."""

    def __init__(self, dev: subprocess.Popen[bytes], interval: float = 0.2) -> None:
        super().__init__(interval)
        process = psutil.Process(dev.pid)
        self.watch("dev", lambda: [process])
        self.watch("worker", lambda: children_named(process, "worker"))
        self.watch("parser", lambda: children_named(process, "mailman_services.parser_process"))

    @property
    def dev(self) -> int:
        return self.peak["dev"]

    @property
    def worker(self) -> int:
        return self.peak["worker"]

    @property
    def parser(self) -> int:
        return self.peak["parser"]

    def start(self) -> None:
        self.__enter__()

    def stop(self) -> None:
        self.__exit__()


def children_named(process: psutil.Process, marker: str) -> list[psutil.Process]:
    """The children of ``process`` whose command line holds ``marker`` (dev's worker, its SMTP parsers)."""
    with contextlib.suppress(psutil.Error):
        return [p for p in process.children() if marker in " ".join(p.cmdline())]
    return []


def stop(*processes: subprocess.Popen[bytes]) -> None:
    """SIGTERM each process and wait for it (30 s, then SIGKILL)."""
    for process in processes:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()


def require_wrk() -> str:
    found = shutil.which("wrk")
    if found:
        return found
    if os.geteuid() == 0 and shutil.which("apt-get"):
        print("installing wrk from Debian ...", flush=True)
        subprocess.run(["apt-get", "update", "-qq"], check=True)
        subprocess.run(["apt-get", "install", "-y", "-qq", "wrk"], check=True)
        return "wrk"
    sys.exit("wrk is needed for the throughput benchmark: apt-get install wrk")


def wrk(url: str, seconds: int, connections: int, headers: dict[str, str]) -> float:
    command = [require_wrk(), "-t1", f"-c{connections}", f"-d{seconds}s"]
    for name, value in headers.items():
        command += ["-H", f"{name}: {value}"]
    output = subprocess.run([*command, url], capture_output=True, text=True, check=True).stdout
    non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    if non_2xx:
        sys.exit(f"wrk saw {non_2xx.group(1)} failed responses from {url}:\n{output}")
    match = re.search(r"Requests/sec:\s+([\d.]+)", output)
    assert match, output
    return float(match.group(1))


def seed_messages(socket_dir: Path, inbox_id: str, address: str, count: int) -> None:
    """``count`` inbound messages in one inbox, written with COPY (the API would take minutes)."""
    rng = random.Random(7)
    with psycopg.connect(host=str(socket_dir), user="postgres", dbname="postgres") as conn:
        thread_id = new_id("thr")
        conn.execute(
            "INSERT INTO threads (id, inbox_id, subject, message_count) VALUES (%s, %s, 'bench', %s)",
            (thread_id, inbox_id, count),
        )
        columns = (
            'id, inbox_id, thread_id, direction, status, message_id, "from", "to", subject, text, preview, '
            "labels, size, verdicts"
        )
        verdicts = json.dumps(dict.fromkeys(("spam", "virus", "spf", "dkim", "dmarc"), "not_checked"))
        with conn.cursor() as cursor, cursor.copy(f"COPY messages ({columns}) FROM STDIN") as copy:
            for i in range(count):
                pk = new_id("msg")
                subject = " ".join(rng.choices(WORDS, k=5))
                text = " ".join(rng.choices(WORDS, k=80))
                sender = json.dumps({"name": f"Sender {i % 500}", "address": f"sender{i % 500}@example.com"})
                labels = "{" + ",".join(rng.sample(["inbox", "billing", "support", "vip"], k=rng.randint(0, 2))) + "}"
                copy.write_row(
                    (
                        pk,
                        inbox_id,
                        thread_id,
                        "inbound",
                        "received",
                        f"<{pk}@example.com>",
                        sender,
                        json.dumps([{"name": None, "address": address}]),
                        subject,
                        text,
                        text[:200],
                        labels,
                        len(text) + 500,
                        verdicts,
                    )
                )
        conn.execute("ANALYZE messages")


def latency(label: str, seconds: list[float]) -> str:
    """A line of p50, p99, max and min of ``seconds``, in milliseconds, after ``label``."""
    if len(seconds) < 2:
        return f"  {label:26s} (too few samples: {len(seconds)})"
    ordered = sorted(seconds)
    cuts = statistics.quantiles(ordered, n=100)
    p50, p99, top, low = cuts[49] * 1000, cuts[98] * 1000, ordered[-1] * 1000, ordered[0] * 1000
    return f"  {label:26s} p50 {p50:6.0f} ms   p99 {p99:6.0f} ms   max {top:6.0f} ms   min {low:5.0f} ms"


def percentiles(samples: list[float]) -> str:
    ordered = sorted(samples)
    p = lambda q: ordered[min(len(ordered) - 1, int(q * len(ordered)))]  # noqa: E731
    return f"p50 {p(0.50):6.2f} ms   p99 {p(0.99):6.2f} ms   max {ordered[-1]:6.2f} ms   (n={len(ordered)})"


def timed(client: httpx.Client, path: str, params: dict[str, object], n: int) -> list[float]:
    samples = []
    for _ in range(n):
        started = time.perf_counter()
        response = client.get(path, params=params)
        samples.append((time.perf_counter() - started) * 1000)
        response.raise_for_status()
    return samples


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--messages", type=int, default=100_000)
    parser.add_argument("--seconds", type=int, default=10, help="wrk duration per endpoint")
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--samples", type=int, default=500, help="requests per latency measurement")
    args = parser.parse_args()

    data_dir = Path(tempfile.mkdtemp(prefix="mailman-bench-"))
    api_port, bare_port = free_port(), free_port()
    api = start_dev(data_dir, api_port)
    bare = subprocess.Popen([sys.executable, str(HERE / "bare_app.py"), str(bare_port)])
    try:
        base = f"http://127.0.0.1:{api_port}"
        wait_for(f"{base}/health", api)
        wait_for(f"http://127.0.0.1:{bare_port}/ping", bare)
        admin = httpx.Client(base_url=base, headers={"Authorization": f"Bearer {TOKEN}"}, timeout=30)
        inbox = admin.post("/v1/inboxes", json={"name": "Bench"}).json()
        sent = admin.post(f"/v1/inboxes/{inbox['id']}/messages", json={"to": ["a@example.com"], "text": "hi"})
        message = sent.json()
        key = admin.post("/v1/api-keys", json={"name": "bench"}).json()["key"]
        auth = {"Authorization": f"Bearer {key}"}

        print(f"{os.cpu_count()} cores; wrk -t1 -c{args.connections} -d{args.seconds}s; one hypercorn worker each")
        baseline = wrk(f"http://127.0.0.1:{bare_port}/ping", args.seconds, args.connections, {})
        print(f"bare Quart JSON endpoint          {baseline:9.0f} req/s")
        for label, path in (
            ("GET /v1/messages/{id}", f"/v1/messages/{message['id']}"),
            ("GET /v1/inboxes/{id}", f"/v1/inboxes/{inbox['id']}"),
        ):
            rate = wrk(base + path, args.seconds, args.connections, auth)
            print(f"{label:33s} {rate:9.0f} req/s   ratio {rate / baseline:.2f}  (target >= 0.5)")

        print(f"\nseeding {args.messages:,} messages into one inbox ...", flush=True)
        started = time.perf_counter()
        big = admin.post("/v1/inboxes", json={"name": "Big"}).json()
        seed_messages(data_dir / "postgres", big["id"], big["address"], args.messages)
        print(f"seeded in {time.perf_counter() - started:.1f} s")

        with httpx.Client(base_url=base, headers=auth, timeout=30) as client:
            path = f"/v1/inboxes/{big['id']}/messages"
            timed(client, path, {"limit": 50}, 20)  # warm the connection and PostgreSQL's caches
            for label, params in (
                ("list 50 newest", {"limit": 50}),
                ("list 50 with label=vip", {"limit": 50, "label": "vip"}),
                ("list 50 with q='invoice friday'", {"limit": 50, "q": "invoice friday"}),
            ):
                print(f"{label:33s} {percentiles(timed(client, path, params, args.samples))}  (target p99 <= 50 ms)")
            cursor, deep = None, []
            for _ in range(min(args.samples, args.messages // 50 - 1)):
                started = time.perf_counter()
                page = client.get(path, params={"limit": 50, **({"cursor": cursor} if cursor else {})}).json()
                deep.append((time.perf_counter() - started) * 1000)
                cursor = page["next_cursor"]
            print(f"{'list 50, walking the cursor':33s} {percentiles(deep)}")
    finally:
        stop(api, bare)
        shutil.rmtree(data_dir, ignore_errors=True)


if __name__ == "__main__":
    main()
