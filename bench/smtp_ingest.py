"""SMTP ingest benchmark for `nox -s bench`: messages/s from SMTP 250 to stored and queryable.

10 concurrent senders push 20 KB messages into `mailman-server dev`, then into a bare aiosmtpd server
that only writes each message to a file; the ratio of the two rates is the figure (target >= 0.6).
Resident memory of the dev process (API + SMTP) and of its worker child is sampled during the run.
"""

from __future__ import annotations

import email.policy
import shutil
import smtplib
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from email.message import EmailMessage
from pathlib import Path

import httpx
import psycopg

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from run import TOKEN, PeakMemory, free_port, start_dev, stop, wait_for  # noqa: E402

SENDERS = 10
MESSAGES = 2000
BODY = "\n".join(["The quick brown fox jumps over the lazy dog, again and again."] * 320)  # ~20 KB


def message(to: str, number: int) -> bytes:
    msg = EmailMessage()
    msg["From"] = f"sender{number % SENDERS}@example.com"
    msg["To"] = to
    msg["Subject"] = f"load {number}"
    msg["Message-ID"] = f"<load-{number}-{time.time_ns()}@example.com>"
    msg.set_content(BODY)
    return msg.as_bytes(policy=email.policy.SMTP)


def blast(port: int, to: str, count: int) -> float:
    """Seconds for SENDERS connections to deliver ``count`` messages (each waits for its 250)."""

    def sender(offset: int) -> None:
        with smtplib.SMTP("127.0.0.1", port, timeout=60) as smtp:
            for number in range(offset, count, SENDERS):
                smtp.sendmail(f"sender{offset}@example.com", [to], message(to, number))

    started = time.perf_counter()
    with ThreadPoolExecutor(SENDERS) as pool:
        list(pool.map(sender, range(SENDERS)))
    return time.perf_counter() - started


BARE = """
import asyncio, sys, uuid
from pathlib import Path
from aiosmtpd.controller import Controller

class Save:
    async def handle_DATA(self, server, session, envelope):
        Path(sys.argv[2], uuid.uuid4().hex).write_bytes(envelope.original_content)
        return "250 OK"

controller = Controller(Save(), hostname="127.0.0.1", port=int(sys.argv[1]))
controller.start()
asyncio.new_event_loop().run_forever()
"""


def main() -> None:
    data_dir = Path(tempfile.mkdtemp(prefix="mailman-smtp-bench-"))
    api_port, smtp_port, bare_port = free_port(), free_port(), free_port()
    dev = start_dev(data_dir / "stack", api_port, smtp_port)
    bare_dir = data_dir / "bare"
    bare_dir.mkdir()
    bare = subprocess.Popen([sys.executable, "-c", BARE, str(bare_port), str(bare_dir)])
    peak = PeakMemory(dev)
    try:
        base = f"http://127.0.0.1:{api_port}"
        wait_for(f"{base}/health", dev)
        time.sleep(1)  # the bare server starts in a thread
        api = httpx.Client(base_url=base, headers={"Authorization": f"Bearer {TOKEN}"}, timeout=30)
        inbox = api.post("/v1/inboxes", json={"name": "Load"}).json()
        peak.start()

        bare_seconds = blast(bare_port, "anyone@example.com", MESSAGES)
        bare_rate = MESSAGES / bare_seconds

        started = time.perf_counter()
        accepted = blast(smtp_port, inbox["address"], MESSAGES)
        # Stored is polled in PostgreSQL (cheap); walking the API's pages every 0.1 s would load the server
        # being measured. That all of them are queryable through the API is checked once, after the clock.
        with psycopg.connect(f"postgresql://postgres@/postgres?host={data_dir / 'stack' / 'postgres'}") as db:
            count = "SELECT count(*) FROM messages WHERE inbox_id = %s"
            while (db.execute(count, (inbox["id"],)).fetchone() or (0,))[0] < MESSAGES:
                time.sleep(0.02)
        total = time.perf_counter() - started
        listed = _count(api, inbox["id"])
        if listed != MESSAGES:
            sys.exit(f"{listed} messages listed through the API, {MESSAGES} expected")
        rate = MESSAGES / total
        print(f"{MESSAGES} messages of 20 KB, {SENDERS} concurrent SMTP senders:")
        print(f"  bare aiosmtpd writing files      {bare_rate:8.0f} msg/s")
        print(f"  Mailman, until stored+queryable  {rate:8.0f} msg/s   ratio {rate / bare_rate:.2f}  (target >= 0.6)")
        print(f"    (all 250s received after {accepted:.1f} s; stored after {total:.1f} s)")
        print(
            f"  peak RSS: API + SMTP {peak.dev / 2**20:.0f} MiB, worker {peak.worker / 2**20:.0f} MiB"
            "  (target <= 200 MiB each)"
        )
    finally:
        peak.stop()
        stop(dev, bare)
        shutil.rmtree(data_dir, ignore_errors=True)


def _count(api: httpx.Client, inbox_id: str) -> int:
    count, cursor = 0, None
    while True:
        params: dict[str, object] = {"limit": 100, **({"cursor": cursor} if cursor else {})}
        page = api.get(f"/v1/inboxes/{inbox_id}/messages", params=params).json()
        count += len(page["data"])
        cursor = page["next_cursor"]
        if not cursor:
            return count


if __name__ == "__main__":
    main()
