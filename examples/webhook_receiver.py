"""A webhook receiver: verifies each delivery with the SDK and prints the message it carries.

    export MAILMAN_WEBHOOK_SECRET=whsec_...   # printed when the webhook was created
    python examples/webhook_receiver.py --port 8000
    mailman webhooks create --url http://127.0.0.1:8000/ --events message.received

Answers 204 to deliveries it could verify and 400 to anything else (Mailman retries non-2xx answers).
"""

from __future__ import annotations

import argparse
import os
import sys
from http.server import BaseHTTPRequestHandler, HTTPServer

from mailman_sdk import Mailman, WebhookVerificationError
from mailman_sdk.types import MessageReceivedEvent


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--port", type=int, default=8000)
    args = parser.parse_args()
    secret = os.environ.get("MAILMAN_WEBHOOK_SECRET")
    if not secret:
        sys.exit("set MAILMAN_WEBHOOK_SECRET to the webhook's secret (whsec_...)")
    # unwrap() makes no request, so the client needs no real API address here.
    webhooks = Mailman(base_url="http://unused", api_key="unused").webhooks

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("content-length", 0)))
            try:
                event = webhooks.unwrap(body, dict(self.headers), secret=secret)
            except WebhookVerificationError as exc:
                print(f"rejected: {exc}", flush=True)
                self.send_response(400)
                self.end_headers()
                return
            # Acknowledge first, then work: Mailman waits for the answer, not for what the receiver does.
            self.send_response(204)
            self.end_headers()
            if isinstance(event, MessageReceivedEvent):
                message = event.data.message
                print(f"{event.type} {message.from_.address} -> {message.inbox_id}: {message.subject}", flush=True)
            else:
                print(f"{event.type} {event.id}", flush=True)

        def log_message(self, format: str, *args: object) -> None:
            pass

    print(f"listening on http://127.0.0.1:{args.port}/", flush=True)
    with HTTPServer(("127.0.0.1", args.port), Handler) as server:
        try:
            server.serve_forever()
        except KeyboardInterrupt:  # Ctrl-C is how this is meant to end
            print("stopped", flush=True)


if __name__ == "__main__":
    main()
