"""Large-mail memory benchmark for `nox -s bench`: what four 39 MB messages cost the worker and the API.

Four messages, each with a 39 MB text/plain body, go in over four SMTP connections at once. The worker's
peak resident memory is sampled while it stores them (target < 400 MiB: the Fargate tasks have 512 MiB),
then the API's memory growth and the response size of list pages and of one retrieve.
"""

from __future__ import annotations

import shutil
import smtplib
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import psutil

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from run import TOKEN, PeakMemory, children_named, free_port, start_dev, stop, wait_for  # noqa: E402

MESSAGES = 4
BODY_BYTES = 39 * 2**20
LINE = b"Large mail keeps arriving, and every byte of it must be stored and shown in bounded pages.\r\n"


def message(to: str, number: int) -> bytes:
    head = (
        f"From: big{number}@example.com\r\nTo: {to}\r\nSubject: large {number}\r\n"
        f"Message-ID: <large-{number}-{time.time_ns()}@example.com>\r\nMIME-Version: 1.0\r\n"
        "Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n"
    ).encode()
    return head + LINE * (BODY_BYTES // len(LINE))


def main() -> None:
    data_dir = Path(tempfile.mkdtemp(prefix="mailman-large-bench-"))
    api_port, smtp_port = free_port(), free_port()
    dev = start_dev(data_dir / "stack", api_port, smtp_port)
    peak = PeakMemory(dev, interval=0.05)
    try:
        base = f"http://127.0.0.1:{api_port}"
        wait_for(f"{base}/health", dev)
        api = httpx.Client(base_url=base, headers={"Authorization": f"Bearer {TOKEN}"}, timeout=300)
        inbox = api.post("/v1/inboxes", json={"name": "Large"}).json()
        bodies = [message(inbox["address"], n) for n in range(MESSAGES)]
        time.sleep(1)
        idle_worker = max(c.memory_info().rss for c in children_named(psutil.Process(dev.pid), "worker"))
        peak.start()

        def send(raw: bytes) -> None:
            with smtplib.SMTP("127.0.0.1", smtp_port, timeout=300) as smtp:
                smtp.sendmail("big@example.com", [inbox["address"]], raw)

        started = time.perf_counter()
        with ThreadPoolExecutor(MESSAGES) as pool:
            list(pool.map(send, bodies))
        deadline = time.monotonic() + 600
        while len(api.get(f"/v1/inboxes/{inbox['id']}/messages").json()["data"]) < MESSAGES:
            if time.monotonic() > deadline:
                sys.exit("the large messages were not stored within 10 minutes")
            time.sleep(0.5)
        stored = time.perf_counter() - started
        peak.stop()

        server = psutil.Process(dev.pid)
        before = server.memory_info().rss
        one = api.get(f"/v1/inboxes/{inbox['id']}/messages", params={"limit": 1})
        page = api.get(f"/v1/inboxes/{inbox['id']}/messages", params={"limit": MESSAGES})
        events = api.get("/v1/events", params={"limit": 20})
        listed_rss = server.memory_info().rss
        whole = api.get(f"/v1/messages/{one.json()['data'][0]['id']}")
        after = server.memory_info().rss

        mib = 2**20
        print(f"{MESSAGES} messages with a {BODY_BYTES // mib} MB text body, sent at once over SMTP:")
        print(f"  stored and listed after {stored:.1f} s")
        print(f"  worker peak RSS {peak.worker / mib:.0f} MiB (idle {idle_worker / mib:.0f} MiB; target < 400 MiB)")
        print(
            f"  list page: limit=1 {len(one.content) / 1024:.0f} KiB, limit={MESSAGES} {len(page.content) / 1024:.0f}"
            f" KiB; events page {len(events.content) / 1024:.0f} KiB; API RSS +{(listed_rss - before) / mib:.0f} MiB"
        )
        print(f"  retrieve one: {len(whole.content) / mib:.0f} MiB, API RSS +{(after - listed_rss) / mib:.0f} MiB")
    finally:
        peak.stop()
        stop(dev)
        shutil.rmtree(data_dir, ignore_errors=True)


if __name__ == "__main__":
    main()
