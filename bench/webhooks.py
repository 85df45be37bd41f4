"""Webhook benchmarks for `nox -s bench`, against `mailman-server dev` and a receiver that answers 200 at once.

* deliveries/s: events are written to the outbox table the way the inbound worker writes them (copies of a
  real `message.received` event), 10 webhooks x 10 inboxes (100 FIFO groups); the clock runs from their
  commit to the last delivery's arrival (target >= 1,000/s);
* latency from the SMTP 250 after DATA to the webhook's arrival, with mail sent at a steady rate over
  10 connections (target at 100 messages/s for 60 s: p50 <= 50 ms, p99 <= 250 ms).
"""

from __future__ import annotations

import argparse
import email.policy
import json
import shutil
import signal
import smtplib
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime
from email.message import EmailMessage
from pathlib import Path

import httpx
import psycopg
from mailman_services.domain.ids import new_id

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from run import TOKEN, free_port, start_dev, stop, wait_for  # noqa: E402

HOOKS = 10
INBOXES = 10
SENDERS = 10
LATENCY_INBOXES = 100  # ordering is per (webhook, inbox): traffic spread over inboxes, as it is in use


def start_receiver(out: Path) -> tuple[subprocess.Popen[str], str]:
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, str(HERE / "receiver.py"), str(port), str(out)], stdout=subprocess.PIPE, text=True
    )
    assert process.stdout is not None and process.stdout.readline().strip() == "ready"
    return process, f"http://127.0.0.1:{port}"


def arrivals(receiver: subprocess.Popen[str], out: Path) -> list[tuple[float, str, str]]:
    receiver.send_signal(signal.SIGTERM)
    receiver.wait(timeout=30)
    rows = [line.split() for line in out.read_text().splitlines()]
    return [(float(at), webhook_id, mark) for at, webhook_id, mark in rows]


def mail(to: str, mark: int, size: int) -> bytes:
    msg = EmailMessage()
    msg["From"] = "load@example.com"
    msg["To"] = to
    msg["Subject"] = f"X-Bench {mark}"
    msg["Message-ID"] = f"<bench-{mark}-{time.time_ns()}@example.com>"
    msg.set_content(("Webhook latency benchmark. " * (size // 27 + 1))[:size])
    return msg.as_bytes(policy=email.policy.SMTP)


def wait_until(check: object, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if check():  # type: ignore[operator]
            return True
        time.sleep(0.02)
    return False


def deliveries_per_second(
    api: httpx.Client, db: psycopg.Connection[tuple[object, ...]], smtp_port: int, work: Path, events: int
) -> None:
    receiver, url = start_receiver(work / "throughput.txt")
    inboxes = [api.post("/v1/inboxes", json={"name": f"Bench {n}"}).json() for n in range(INBOXES)]
    for n in range(HOOKS):
        api.post("/v1/webhooks", json={"url": f"{url}/hook/{n}", "events": ["message.received"]}).raise_for_status()
    with smtplib.SMTP("127.0.0.1", smtp_port) as smtp:  # one real message: its event is the template
        smtp.sendmail("load@example.com", [inboxes[0]["address"]], mail(inboxes[0]["address"], 0, 20_000))
    succeeded = "SELECT count(*) FROM deliveries WHERE status = 'succeeded'"
    if not wait_until(lambda: db.execute(succeeded).fetchone() == (HOOKS,), 30):
        sys.exit("the template message was not delivered to every webhook")
    event_type, data, message_id = db.execute("SELECT type, data, message_id FROM events LIMIT 1").fetchone()  # type: ignore[misc]
    template = json.dumps(data)
    rows = [
        (new_id("evt"), event_type, inboxes[n % INBOXES]["id"], message_id, template, datetime.now(UTC))
        for n in range(events)
    ]
    started = time.time()
    with db.transaction():
        with db.cursor() as cursor:
            cursor.executemany(
                "INSERT INTO events (id, type, inbox_id, message_id, data, created_at) VALUES (%s, %s, %s, %s, %s, %s)",
                rows,
            )
        db.execute("NOTIFY mailman_events")
    expected = HOOKS * (events + 1)
    done = wait_until(lambda: db.execute(succeeded).fetchone() == (expected,), 300)
    arrived = [at for at, _, _ in arrivals(receiver, work / "throughput.txt") if at >= started]
    if not done or len(arrived) < HOOKS * events:
        sys.exit(f"only {len(arrived)} of {HOOKS * events} deliveries arrived")
    seconds = max(arrived) - started
    print(f"{HOOKS * events} deliveries ({events} events x {HOOKS} webhooks, {INBOXES} inboxes, 20 KB messages):")
    rate = HOOKS * events / seconds
    print(f"  {rate:8.0f} deliveries/s  (all arrived {seconds:.1f} s after the commit; target >= 1,000/s)")
    for hook in api.get("/v1/webhooks", params={"limit": 100}).json()["data"]:
        api.delete(f"/v1/webhooks/{hook['id']}")


def latency(
    api: httpx.Client,
    db: psycopg.Connection[tuple[object, ...]],
    smtp_port: int,
    work: Path,
    rate: float,
    seconds: float,
    size: int,
) -> None:
    receiver, url = start_receiver(work / "latency.txt")
    inboxes = [api.post("/v1/inboxes", json={"name": f"Latency {n}"}).json() for n in range(LATENCY_INBOXES)]
    hook = api.post("/v1/webhooks", json={"url": f"{url}/latency", "events": ["message.received"]}).json()
    total = int(rate * seconds)
    accepted: dict[str, float] = {}
    started = time.time() + 0.5

    def sender(offset: int) -> None:
        with smtplib.SMTP("127.0.0.1", smtp_port, timeout=60) as smtp:
            for mark in range(offset, total, SENDERS):
                pause = started + mark / rate - time.time()
                if pause > 0:
                    time.sleep(pause)
                to = inboxes[mark % LATENCY_INBOXES]["address"]
                smtp.sendmail("load@example.com", [to], mail(to, mark, size))
                accepted[str(mark)] = time.time()

    threads = [threading.Thread(target=sender, args=(n,)) for n in range(SENDERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    sent_for = max(accepted.values()) - started
    succeeded = "SELECT count(*) FROM deliveries WHERE webhook_id = %s AND status = 'succeeded'"
    wait_until(lambda: db.execute(succeeded, (hook["id"],)).fetchone() == (total,), 120)
    got = arrivals(receiver, work / "latency.txt")
    waits = sorted(at - accepted[mark] for at, _, mark in got if mark in accepted)
    print(
        f"SMTP 250 → webhook arrival, {len(accepted)} messages of {size // 1000} KB at {rate:.0f}/s"
        f" to {LATENCY_INBOXES} inboxes (sent in {sent_for:.0f} s):"
    )
    if len(waits) < total:
        sys.exit(f"only {len(waits)} of {total} webhooks arrived within 2 minutes")
    centiles = statistics.quantiles(waits, n=100)
    print(
        f"  p50 {centiles[49] * 1000:6.0f} ms   p99 {centiles[98] * 1000:6.0f} ms   max {waits[-1] * 1000:6.0f} ms"
        "   (target at 100/s for 60 s: p50 <= 50 ms, p99 <= 250 ms)"
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--events", type=int, default=1000, help="events for the deliveries/s part")
    parser.add_argument("--rate", type=float, default=100, help="messages/s for the latency part")
    parser.add_argument("--seconds", type=float, default=60, help="how long the latency part sends")
    parser.add_argument("--size", type=int, default=2000, help="body bytes of the latency part's messages")
    parser.add_argument("--only", choices=("throughput", "latency"), help="run one part")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="mailman-webhook-bench-"))
    api_port, smtp_port = free_port(), free_port()
    dev = start_dev(work / "stack", api_port, smtp_port)
    try:
        base = f"http://127.0.0.1:{api_port}"
        wait_for(f"{base}/health", dev)
        api = httpx.Client(base_url=base, headers={"Authorization": f"Bearer {TOKEN}"}, timeout=30)
        database = f"postgresql://postgres@/postgres?host={work / 'stack' / 'postgres'}"
        with psycopg.connect(database, autocommit=True) as db:
            if args.only != "latency":
                deliveries_per_second(api, db, smtp_port, work, args.events)
            if args.only != "throughput":
                latency(api, db, smtp_port, work, args.rate, args.seconds, args.size)
    finally:
        stop(dev)
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
