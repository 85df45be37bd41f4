"""SDK benchmarks for `nox -s bench`: cold import time and per-call overhead over raw httpx.

* ``python -c "import mailman_sdk"`` and what users type, ``from mailman_sdk import Mailman;
  Mailman(base_url=..., api_key=...)``: medians of 10 cold runs (target <= 150 ms each), beside ``pass``,
  ``from mailman_sdk import Mailman`` and ``import openai`` measured the same way, with each one's
  ratio to ``import openai``;
* ``client.inboxes.retrieve(id)`` against ``httpx.Client.get`` of the same URL on a local server,
  interleaved, as a ratio of medians (target <= 1.15).
"""

from __future__ import annotations

import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from run import TOKEN, free_port, start_dev, stop, wait_for  # noqa: E402


def cold_import_ms(code: str, runs: int = 10) -> float | None:
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        result = subprocess.run([sys.executable, "-c", code], capture_output=True)
        samples.append((time.perf_counter() - started) * 1000)
        if result.returncode != 0:
            return None
    return statistics.median(samples)


CONSTRUCT = "from mailman_sdk import Mailman; Mailman(base_url='http://127.0.0.1:9', api_key='mm_bench')"
TARGETS = {"import mailman_sdk", CONSTRUCT}


def main() -> None:
    print("cold imports, median of 10 runs (whole `python -c` process):")
    cases = (
        ("python -c pass", "pass"),
        ("import mailman_sdk", "import mailman_sdk"),
        ("from mailman_sdk import Mailman", "from mailman_sdk import Mailman"),
        ("... Mailman(base_url=..., api_key=...)", CONSTRUCT),
        ("import openai", "import openai"),
    )
    results = {code: cold_import_ms(code) for _, code in cases}
    openai_ms = results["import openai"]
    for label, code in cases:
        ms = results[code]
        shown = f"{ms:7.1f} ms" if ms is not None else "   not installed"
        ratio = f"  {ms / openai_ms:5.2f} x openai" if ms is not None and openai_ms and "mailman_sdk" in code else ""
        target = "  (target <= 150 ms)" if code in TARGETS else ""
        print(f"  {label:40s}{shown}{ratio}{target}")

    data_dir = Path(tempfile.mkdtemp(prefix="mailman-sdk-bench-"))
    port = free_port()
    server = start_dev(data_dir, port)
    try:
        base = f"http://127.0.0.1:{port}"
        wait_for(f"{base}/health", server)
        from mailman_sdk import Mailman

        client = Mailman(base_url=base, api_key=TOKEN)
        inbox = client.inboxes.create(name="Bench")
        raw = httpx.Client(headers={"Authorization": f"Bearer {TOKEN}"})
        url = f"{base}/v1/inboxes/{inbox.id}"
        sdk_ms, raw_ms = [], []
        for _ in range(200):  # warm both connections
            client.inboxes.retrieve(inbox.id)
            raw.get(url).json()
        for _ in range(2000):
            started = time.perf_counter()
            raw.get(url).json()
            raw_ms.append((time.perf_counter() - started) * 1000)
            started = time.perf_counter()
            client.inboxes.retrieve(inbox.id)
            sdk_ms.append((time.perf_counter() - started) * 1000)
        sdk, plain = statistics.median(sdk_ms), statistics.median(raw_ms)
        print("\nper call against a local server, median of 2000 interleaved calls:")
        print(f"  httpx.Client.get(...).json()      {plain:7.3f} ms")
        print(f"  client.inboxes.retrieve(id)       {sdk:7.3f} ms   ratio {sdk / plain:.3f}  (target <= 1.15)")
        client.close()
        raw.close()
    finally:
        stop(server)
        shutil.rmtree(data_dir, ignore_errors=True)


if __name__ == "__main__":
    main()
