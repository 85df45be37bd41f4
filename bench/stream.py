"""Event stream benchmark for `nox -s bench`, against `mailman-server dev`.

Mail is sent over SMTP at a steady rate over 10 connections while ``--subscribers`` streams are open on
`GET /v1/events/stream` (all of them receiving every event); one of them times each message from the SMTP
250 after DATA to its `message.received` event. Prints p50/p99 and the dev process's peak RSS (API + SMTP).
Targets (issue 16): 1 subscriber at 100 msg/s p50 <= 30 ms, p99 <= 150 ms; 1,000 subscribers with RSS
<= 300 MiB and p99 <= 500 ms.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import shutil
import smtplib
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

import httpx

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from run import TOKEN, PeakMemory, free_port, start_dev, stop, wait_for  # noqa: E402
from webhooks import SENDERS, mail  # noqa: E402


async def subscribe(base: str, count: int, arrivals: dict[str, float], opened: threading.Event) -> None:
    """``count`` streams; the first records when each message's event arrives, the others only read."""
    limits = httpx.Limits(max_connections=count + 10, max_keepalive_connections=0)
    headers = {"Authorization": f"Bearer {TOKEN}"}
    timeout = httpx.Timeout(30, read=None)
    ready = 0

    async def one(client: httpx.AsyncClient, timing: bool) -> None:
        nonlocal ready
        params = {"type": "message.received"}
        async with client.stream("GET", "/v1/events/stream", params=params) as response:
            ready += 1
            if ready == count:
                opened.set()
            async for line in response.aiter_lines():
                if timing and line.startswith("data: "):
                    envelope = json.loads(line[6:])
                    if "data" not in envelope:  # the server ended the stream (stopped after the run)
                        return
                    subject = envelope["data"]["message"]["subject"]
                    arrivals[subject.removeprefix("X-Bench ")] = time.time()

    async with httpx.AsyncClient(base_url=base, headers=headers, timeout=timeout, limits=limits) as client:
        await asyncio.gather(*(one(client, n == 0) for n in range(count)))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rate", type=float, default=100, help="messages/s")
    parser.add_argument("--seconds", type=float, default=30, help="how long mail is sent")
    parser.add_argument("--subscribers", type=int, nargs="+", default=[1, 1000], help="open streams, per run")
    parser.add_argument("--size", type=int, default=2000, help="body bytes of each message")
    args = parser.parse_args()
    for subscribers in args.subscribers:
        run(subscribers, args.rate, args.seconds, args.size)


def run(subscribers: int, rate: float, seconds: float, size: int) -> None:
    work = Path(tempfile.mkdtemp(prefix="mailman-stream-bench-"))
    api_port, smtp_port = free_port(), free_port()
    dev = start_dev(work / "stack", api_port, smtp_port)
    try:
        base = f"http://127.0.0.1:{api_port}"
        wait_for(f"{base}/health", dev)
        api = httpx.Client(base_url=base, headers={"Authorization": f"Bearer {TOKEN}"}, timeout=30)
        inboxes = [api.post("/v1/inboxes", json={"name": f"Stream {n}"}).json() for n in range(10)]
        arrivals: dict[str, float] = {}
        opened = threading.Event()
        loop = asyncio.new_event_loop()
        reader = threading.Thread(
            target=lambda: loop.run_until_complete(subscribe(base, subscribers, arrivals, opened)), daemon=True
        )
        reader.start()
        if not opened.wait(120):
            sys.exit(f"{subscribers} streams did not open within 2 minutes")
        memory = PeakMemory(dev)
        memory.start()
        total = int(rate * seconds)
        accepted: dict[str, float] = {}
        started = time.time() + 0.5

        def sender(offset: int) -> None:
            with smtplib.SMTP("127.0.0.1", smtp_port, timeout=60) as smtp:
                for mark in range(offset, total, SENDERS):
                    pause = started + mark / rate - time.time()
                    if pause > 0:
                        time.sleep(pause)
                    to = inboxes[mark % len(inboxes)]["address"]
                    smtp.sendmail("load@example.com", [to], mail(to, mark, size))
                    accepted[str(mark)] = time.time()

        threads = [threading.Thread(target=sender, args=(n,)) for n in range(SENDERS)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        deadline = time.monotonic() + 60
        while len(arrivals) < total and time.monotonic() < deadline:
            time.sleep(0.05)
        memory.stop()
        waits = sorted(arrivals[mark] - at for mark, at in accepted.items() if mark in arrivals)
        print(f"SMTP 250 → SSE event, {total} messages at {rate:.0f}/s, {subscribers} open streams:")
        if len(waits) < total:
            print(f"  only {len(waits)} of {total} events arrived within a minute")
        if len(waits) >= 2:
            centiles = statistics.quantiles(waits, n=100)
            print(
                f"  p50 {centiles[49] * 1000:6.0f} ms   p99 {centiles[98] * 1000:6.0f} ms"
                f"   max {waits[-1] * 1000:6.0f} ms   API+SMTP process peak RSS {memory.dev / 2**20:.0f} MiB"
            )
    finally:
        stop(dev)
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
