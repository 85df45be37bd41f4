"""A webhook receiver for the benchmarks: answers 200 at once and notes when each delivery arrived.

Run as a process of its own (`python bench/receiver.py PORT OUT`), so it never competes with the benchmark
for the interpreter. HTTP/1.1 keep-alive, nothing parsed but the headers it needs. On SIGTERM it writes
one line per delivery to OUT: arrival time (epoch seconds), the `webhook-id` header and the `X-Bench`
value found in the body (the benchmark puts it in the subject), or `-`.
"""

from __future__ import annotations

import asyncio
import re
import signal
import sys
import time

OK = b"HTTP/1.1 200 OK\r\ncontent-length: 0\r\n\r\n"
MARK = re.compile(rb"X-Bench (\d+)")


class Receiver(asyncio.Protocol):
    arrivals: list[tuple[float, bytes, bytes]] = []

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport
        self.buffer = b""

    def data_received(self, data: bytes) -> None:
        self.buffer += data
        while True:
            head_end = self.buffer.find(b"\r\n\r\n")
            if head_end < 0:
                return
            head = self.buffer[:head_end].lower()
            length = int(re.search(rb"content-length: *(\d+)", head).group(1)) if b"content-length" in head else 0
            end = head_end + 4 + length
            if len(self.buffer) < end:
                return
            body = self.buffer[head_end + 4 : end]
            self.buffer = self.buffer[end:]
            webhook_id = re.search(rb"webhook-id: *(\S+)", head)
            mark = MARK.search(body)
            self.arrivals.append(
                (time.time(), webhook_id.group(1) if webhook_id else b"-", mark.group(1) if mark else b"-")
            )
            self.transport.write(OK)  # type: ignore[attr-defined]


async def serve(port: int) -> None:
    loop = asyncio.get_running_loop()
    stop = asyncio.Event()
    loop.add_signal_handler(signal.SIGTERM, stop.set)
    server = await loop.create_server(Receiver, "127.0.0.1", port)
    print("ready", flush=True)
    await stop.wait()
    server.close()


if __name__ == "__main__":
    asyncio.run(serve(int(sys.argv[1])))
    with open(sys.argv[2], "w") as handle:
        for at, webhook_id, mark in Receiver.arrivals:
            handle.write(f"{at:.6f} {webhook_id.decode()} {mark.decode()}\n")
