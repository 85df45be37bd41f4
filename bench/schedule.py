"""Scheduled-send lateness for `nox -s bench`, against `mailman-server dev` relaying to a local SMTP sink.

``--messages`` messages are scheduled with ``send_at`` spread over ``--spread`` seconds, a tenth of them at one
and the same instant; the dev stack relays outbound mail (``MAILMAN_SMTP_RELAY``) to an SMTP sink in this
process, which notes when each one arrives. Lateness is that arrival minus ``send_at``: the moment the mail
really left Mailman, after the due-scan, the outbound queue, rendering and the relay's 250. (The message's
``sent_at``, recorded as the relay answers, is printed too: it should be the same give or take the sink's
own handling.) Target (issue 16): p99 <= 1 s.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
from aiosmtpd.controller import Controller

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from run import TOKEN, free_port, latency, start_dev, stop, wait_for  # noqa: E402

SUBJECT = re.compile(rb"^Subject: Scheduled (\d+)\r?$", re.MULTILINE)


class Sink:
    """An SMTP server that notes the arrival time of each benchmark message by its number."""

    def __init__(self) -> None:
        self.arrived: dict[int, float] = {}
        self.lock = threading.Lock()

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        at = time.time()
        if match := SUBJECT.search(envelope.content):
            with self.lock:
                self.arrived.setdefault(int(match.group(1)), at)
        return "250 OK"


def rfc3339(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--messages", type=int, default=300)
    parser.add_argument("--spread", type=float, default=25, help="seconds the send times are spread over")
    parser.add_argument("--lead", type=float, default=15, help="seconds from now to the first send time")
    args = parser.parse_args()

    sink = Sink()
    controller = Controller(sink, hostname="127.0.0.1", port=free_port())
    controller.start()
    work = Path(tempfile.mkdtemp(prefix="mailman-schedule-bench-"))
    os.environ["MAILMAN_SMTP_RELAY"] = f"smtp://127.0.0.1:{controller.port}"
    api_port = free_port()
    dev = start_dev(work / "stack", api_port)
    try:
        base = f"http://127.0.0.1:{api_port}"
        wait_for(f"{base}/health", dev)
        headers = {"Authorization": f"Bearer {TOKEN}"}
        with httpx.Client(base_url=base, headers=headers, timeout=30) as api:
            inbox = api.post("/v1/inboxes", json={"name": "Schedule bench"}).json()
        first = datetime.now(UTC) + timedelta(seconds=args.lead)
        crowd = args.messages // 10  # these share one send_at, halfway
        send_at = {
            n: first + timedelta(seconds=args.spread / 2 if n < crowd else args.spread * n / args.messages)
            for n in range(args.messages)
        }
        local = threading.local()

        def schedule(n: int) -> None:
            if not hasattr(local, "api"):
                local.api = httpx.Client(base_url=base, headers=headers, timeout=30)
            body = {"to": [f"later{n}@example.com"], "subject": f"Scheduled {n}", "text": "Later."}
            answer = local.api.post(
                f"/v1/inboxes/{inbox['id']}/messages", json={**body, "send_at": rfc3339(send_at[n])}
            )
            answer.raise_for_status()
            ids[n] = answer.json()["id"]

        ids: dict[int, str] = {}
        started = time.time()
        with ThreadPoolExecutor(8) as pool:
            list(pool.map(schedule, range(args.messages)))
        took = time.time() - started
        print(
            f"{os.cpu_count()} cores; {args.messages} messages scheduled in {took:.1f} s over"
            f" {args.spread:.0f} s of send times ({crowd} at one instant); load average {os.getloadavg()[0]:.2f}"
        )
        if datetime.now(UTC) > first:
            print("  (scheduling took longer than the lead: the first ones were due before they were all in)")
        deadline = time.monotonic() + args.lead + args.spread + 60
        while len(sink.arrived) < args.messages and time.monotonic() < deadline:
            time.sleep(0.1)
        if len(sink.arrived) < args.messages:
            print(f"  only {len(sink.arrived)} of {args.messages} arrived at the sink")
        late = [sink.arrived[n] - send_at[n].timestamp() for n in sink.arrived]
        print(latency("send_at → at the relay", late))
        with httpx.Client(base_url=base, headers=headers, timeout=30) as api:
            sent = []
            for n, message_id in ids.items():
                sent_at = api.get(f"/v1/messages/{message_id}").json().get("sent_at")
                if sent_at:
                    sent.append((datetime.fromisoformat(sent_at.replace("Z", "+00:00")) - send_at[n]).total_seconds())
        if sent:
            print(latency("send_at → sent_at", sent))
        if min(late) < 0:
            print(f"  {sum(1 for x in late if x < 0)} arrived before their send_at")
    finally:
        stop(dev)
        controller.stop()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
