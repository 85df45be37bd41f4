"""A reply bot: answers every mail that reaches an inbox, driven by its `message.received` webhook.

    export MAILMAN_API_URL=http://127.0.0.1:8080 MAILMAN_API_TOKEN=$(cat .mailman/api_token)
    python examples/reply_bot.py --inbox inb_... --port 8001

It creates the webhook itself (for that inbox, pointing at this process), verifies every delivery with the
webhook's secret, replies in the thread, and deletes the webhook when it stops (Ctrl-C). The new part of the
sender's mail (`extracted_text`, quoted history removed) is quoted back in the answer.
"""

from __future__ import annotations

import argparse
import queue
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer

from mailman_sdk import Mailman, WebhookVerificationError
from mailman_sdk.types import MessageReceivedEvent


def answer(text: str | None) -> str:
    said = (text or "").strip() or "(an empty message)"
    quoted = "\n".join(f"> {line}" for line in said.splitlines()[:20])
    return f"Thanks for your mail. You wrote:\n\n{quoted}\n\nA person will follow up soon."


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--inbox", required=True, help="The inbox to answer for (inb_...).")
    parser.add_argument("--port", type=int, default=8001, help="Port this bot listens on for webhooks.")
    args = parser.parse_args()

    client = Mailman()  # MAILMAN_API_URL / MAILMAN_API_TOKEN
    webhook = client.webhooks.create(
        url=f"http://127.0.0.1:{args.port}/", events=["message.received"], inbox_ids=[args.inbox]
    )
    assert webhook.secret is not None  # shown once, at creation
    secret = webhook.secret
    received: queue.Queue[MessageReceivedEvent] = queue.Queue()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("content-length", 0)))
            try:
                event = client.webhooks.unwrap(body, dict(self.headers), secret=secret)
            except WebhookVerificationError:
                self.send_response(400)
                self.end_headers()
                return
            # Acknowledge at once and answer afterwards: Mailman waits for this response, not for the reply.
            self.send_response(204)
            self.end_headers()
            if isinstance(event, MessageReceivedEvent):
                received.put(event)

        def log_message(self, format: str, *args: object) -> None:
            pass

    def reply_forever() -> None:
        seen: set[str] = set()  # delivery is at least once: the same event may come twice
        while True:
            event = received.get()
            if event.id in seen:
                continue
            seen.add(event.id)
            message = event.data.message
            sent = client.messages.reply(message.id, text=answer(message.extracted_text))
            print(f"answered {message.from_.address}: {sent.subject}", flush=True)

    threading.Thread(target=reply_forever, daemon=True).start()
    print(f"answering mail to {args.inbox} (webhook {webhook.id})", flush=True)
    with HTTPServer(("127.0.0.1", args.port), Handler) as server:
        try:
            server.serve_forever()
        except KeyboardInterrupt:  # Ctrl-C is how this is meant to end
            pass
        finally:
            client.webhooks.delete(webhook.id)
            print("stopped", flush=True)


if __name__ == "__main__":
    main()
