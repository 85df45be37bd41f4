"""Batch-send benchmark for `nox -s bench`: 100 messages as one batch request next to 100 single sends.

Each round sends 100 messages one request at a time (`POST /v1/inboxes/{id}/messages`), then 100 as one
`POST /v1/inboxes/{id}/messages/batch`, strict and permissive, on one local stack, and prints the wall time of
each and their same-round ratio (singles ÷ batch). The worker sends as it goes, so both compete with it alike.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

import httpx

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from run import TOKEN, free_port, start_dev, stop, wait_for  # noqa: E402


def item(round_number: int, n: int) -> dict[str, object]:
    return {
        "to": [f"bench-{round_number}-{n}@example.com"],
        "subject": f"Receipt {n}",
        "text": "Thanks for your order.",
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--size", type=int, default=100)
    args = parser.parse_args()
    data_dir = Path(tempfile.mkdtemp(prefix="mailman-batch-bench-"))
    api_port = free_port()
    dev = start_dev(data_dir / "stack", api_port)
    try:
        base = f"http://127.0.0.1:{api_port}"
        wait_for(f"{base}/health", dev)
        with httpx.Client(base_url=base, headers={"Authorization": f"Bearer {TOKEN}"}, timeout=300) as api:
            inbox = api.post("/v1/inboxes", json={"name": "Bench"}).json()
            path = f"/v1/inboxes/{inbox['id']}/messages"
            api.post(path, json=item(-1, 0)).raise_for_status()  # warm up
            print(f"batch send: {args.size} messages, {args.rounds} rounds, load average {os.getloadavg()}")
            for r in range(args.rounds):
                started = time.perf_counter()
                for n in range(args.size):
                    api.post(path, json=item(r, n)).raise_for_status()
                singles = time.perf_counter() - started
                timings = {}
                for mode in ("strict", "permissive"):
                    started = time.perf_counter()
                    body = {"messages": [item(r, n) for n in range(args.size)], "mode": mode}
                    answer = api.post(f"{path}/batch", json=body)
                    timings[mode] = time.perf_counter() - started
                    assert answer.status_code == 202 and len(answer.json()["data"]) == args.size, answer.text
                print(
                    f"  round {r + 1}: {args.size} singles {singles * 1000:.0f} ms, "
                    f"strict batch {timings['strict'] * 1000:.0f} ms (x{singles / timings['strict']:.1f}), "
                    f"permissive batch {timings['permissive'] * 1000:.0f} ms (x{singles / timings['permissive']:.1f})"
                )
            print(f"  load average after: {os.getloadavg()}")
    finally:
        stop(dev)
        shutil.rmtree(data_dir, ignore_errors=True)


if __name__ == "__main__":
    main()
