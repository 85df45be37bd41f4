"""Event stream benchmark for `nox -s bench`, against `mailman-server dev`.

Mail is sent over SMTP at a steady rate over 10 connections (by `bench/smtpload`) while streams are open on
`GET /v1/events/stream`, held by a compiled client (`bench/streamload`, built here from source with `go build`)
so the load generator's own lag stays out of the numbers. Each message is timed from the SMTP 250 after DATA
to its `message.received` event on the streams: on the first and on the last stream it reached (every
stream it should reach has it then). The time splits at the event's own timestamp (taken as the worker
records it, just before its commit): 250 → recorded is the queue pickup and the ingest, recorded → arrival is
the commit, the NOTIFY and the stream. Two shapes of subscribers:

* ``all``: every stream gets every event (the harsh case: 1,000 streams, 1,000 writes per message);
* ``own``: each stream filters on an inbox of its own (``inbox_id=``), mail spread over those inboxes (the
  realistic case: one write per message).

Targets (issue 16): 1 subscriber at 100 msg/s p50 <= 30 ms, p99 <= 150 ms; 1,000 subscribers with RSS
<= 300 MiB and p99 <= 500 ms. Also printed: the CPU the dev process (API + SMTP), its worker, the Go client
and the Go SMTP sender (`bench/smtpload`) used, as a share of one core over the run.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import httpx
import psutil

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from run import TOKEN, PeakMemory, children_named, free_port, latency, start_dev, stop, wait_for  # noqa: E402
from webhooks import SENDERS, mail  # noqa: E402


def build_clients(into: Path) -> tuple[Path, Path]:
    """The Go subscriber and the Go SMTP sender, built from their source (stdlib only: no module downloads)."""
    for name in ("streamload", "smtpload"):
        subprocess.run(["go", "build", "-o", str(into / name), "."], cwd=HERE / name, check=True)
    return into / "streamload", into / "smtpload"


@dataclass(frozen=True)
class Arrival:
    recorded: float  # the event's timestamp (unix seconds)
    first: float  # its arrival on the first stream
    last: float  # and on the last one
    count: int


class CPU:
    """CPU seconds (user + system) a process and its children used between ``__init__`` and ``used()``."""

    def __init__(self, pid: int) -> None:
        self.process = psutil.Process(pid)
        self.start = self._now()

    def _now(self) -> float:
        times = self.process.cpu_times()
        return times.user + times.system

    def used(self) -> float:
        return self._now() - self.start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rates", type=float, nargs="+", default=[100], help="messages/s, one run each")
    parser.add_argument("--seconds", type=float, default=20, help="how long mail is sent")
    parser.add_argument(
        "--runs", nargs="+", default=["1:all", "1000:all", "1000:own"], help="<streams>:<all|own>, one run each"
    )
    parser.add_argument("--size", type=int, default=2000, help="body bytes of each message")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="mailman-streamload-") as built:
        client, sender = build_clients(Path(built))
        print(f"{os.cpu_count()} cores; load average {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
        for shape in args.runs:
            count, _, mode = shape.partition(":")
            for rate in args.rates:
                run(client, sender, int(count), mode or "all", rate, args.seconds, args.size)


def run(client: Path, sender: Path, subscribers: int, mode: str, rate: float, seconds: float, size: int) -> None:
    work = Path(tempfile.mkdtemp(prefix="mailman-stream-bench-"))
    api_port, smtp_port = free_port(), free_port()
    dev = start_dev(work / "stack", api_port, smtp_port)
    try:
        base = f"http://127.0.0.1:{api_port}"
        wait_for(f"{base}/health", dev)
        api = httpx.Client(base_url=base, headers={"Authorization": f"Bearer {TOKEN}"}, timeout=30)
        own = mode == "own"
        inboxes = [
            api.post("/v1/inboxes", json={"name": f"Stream {n}"}).json() for n in range(subscribers if own else 10)
        ]
        total = int(rate * seconds)
        # Mail goes to inbox n mod len(inboxes); with "own", stream n filters on inbox n: one stream per message.
        copies = 1 if own else subscribers
        command = [str(client), "-url", base, "-token", TOKEN, "-streams", str(subscribers)]
        command += ["-expect", str(total * copies)]
        if own:
            command += ["-inboxes", ",".join(inbox["id"] for inbox in inboxes)]
        load = subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        assert load.stdout is not None
        if load.stdout.readline().strip() != "ready":
            sys.exit(f"{subscribers} streams did not open")
        # Written before the clock starts, then paced by the Go sender over 10 connections (a Python sender took
        # a quarter of a core at 100 msg/s).
        outbox = work / "mail"
        outbox.mkdir()
        recipients = [inboxes[mark % len(inboxes)]["address"] for mark in range(total)]
        for mark, to in enumerate(recipients):
            (outbox / f"{mark:06d}.eml").write_bytes(mail(to, mark, size))
        memory = PeakMemory(dev)
        memory.start()
        server = CPU(dev.pid)
        [worker_pid] = [c.pid for c in children_named(psutil.Process(dev.pid), "worker")]
        worker = CPU(worker_pid)
        machine = psutil.cpu_times()
        times = work / "accepted.txt"
        started = time.time()
        smtp_command = [str(sender), "-addr", f"127.0.0.1:{smtp_port}", "-c", str(SENDERS), "-rate", str(rate)]
        smtp_command += ["-to", ",".join(recipients[: len(inboxes)]), "-times", str(times), str(outbox)]
        sent = subprocess.run(
            smtp_command,
            capture_output=True,
            text=True,
            check=True,
        )
        sending = time.time() - started
        sender_cpu = float(json.loads(sent.stdout)["cpu_seconds"])
        accepted = {int(mark): int(at) / 1e9 for mark, at in (line.split() for line in times.read_text().splitlines())}
        report: list[str] = []
        reading = threading.Thread(target=lambda: report.append(load.stdout.read()), daemon=True)  # type: ignore[union-attr]
        reading.start()
        reading.join(timeout=90)  # it reports once every arrival is in
        if reading.is_alive():
            load.stdin.close()  # type: ignore[union-attr]  # then it reports what came
            reading.join()
        output = report[0]
        load.wait()
        elapsed = time.time() - started
        memory.stop()
        server_cpu, worker_cpu = server.used(), worker.used()
        now = psutil.cpu_times()
        machine_busy = sum(now) - now.idle - (sum(machine) - machine.idle)
        arrivals: dict[int, Arrival] = {}
        client_cpu = 0.0
        for line in output.splitlines():
            fields = line.split()
            if fields[0] == "cpu":
                client_cpu = float(fields[1])
                continue
            mark, recorded, first, last, count = (int(field) for field in fields)
            arrivals[mark] = Arrival(recorded / 1e9, first / 1e9, last / 1e9, count)
        timed = [(accepted[mark], arrival) for mark, arrival in arrivals.items() if mark in accepted]
        shape = "every stream gets every event" if not own else "each stream filters on its own inbox"
        print(f"\nSMTP 250 → SSE event, {total} messages at {rate:.0f}/s, {subscribers} streams ({shape}):")
        complete = sum(1 for _, arrival in timed if arrival.count >= copies)
        if complete < total:
            print(f"  only {complete} of {total} messages reached every stream within 90 s of the last 250")
        print(latency("250 → first stream", [a.first - at for at, a in timed]))
        print(latency("250 → last stream", [a.last - at for at, a in timed]))
        print(latency("  250 → event recorded", [a.recorded - at for at, a in timed]))
        print(latency("  recorded → first", [a.first - a.recorded for _, a in timed]))
        print(latency("  recorded → last", [a.last - a.recorded for _, a in timed]))
        share = lambda cpu: f"{cpu / elapsed * 100:3.0f}%"  # noqa: E731
        print(
            f"  peak RSS: API+SMTP {memory.dev / 2**20:.0f} MiB, worker {memory.worker / 2**20:.0f} MiB,"
            f" SMTP parser {memory.parser / 2**20:.0f} MiB;"
            f" CPU of a core over {elapsed:.0f} s: API+SMTP {share(server_cpu)}, worker {share(worker_cpu)},"
            f" Go client {share(client_cpu)}, Go SMTP sender {share(sender_cpu)}"
            f", the whole machine {share(machine_busy)} (sending took {sending:.1f} s);"
            f" load average {os.getloadavg()[0]:.2f}"
        )
    finally:
        with contextlib.suppress(Exception):
            load.kill()
        stop(dev)
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
