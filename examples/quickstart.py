"""Quickstart: an inbox, a message, its thread. Run it against `nox -s dev`:

export MAILMAN_API_URL=http://127.0.0.1:8080 MAILMAN_API_TOKEN=$(cat .mailman/api_token)
python examples/quickstart.py
"""

from __future__ import annotations

from mailman_sdk import Mailman, NotFoundError


def main() -> None:
    with Mailman() as client:  # MAILMAN_API_URL and MAILMAN_API_TOKEN
        inbox = client.inboxes.create(name="Support")
        print(f"created {inbox.address} ({inbox.id})")

        sent = client.inboxes.messages.send(
            inbox.id,
            to=["Ada Lovelace <ada@example.com>"],
            subject="Your order has shipped",
            text="Hi Ada,\n\nYour order is on its way.",
        )
        print(f"sent {sent.id}: {sent.status}")

        follow_up = client.messages.reply(sent.id, text="Tracking number: 1Z999")
        print(f"replied {follow_up.subject!r} in thread {follow_up.thread_id}")

        for message in client.inboxes.messages.list(inbox.id):
            print(f"  {message.created_at:%H:%M:%S}  {message.direction:8}  {message.subject}")

        thread = client.threads.retrieve(sent.thread_id)
        print(f"thread {thread.subject!r}: {thread.message_count} messages, with {', '.join(thread.participants)}")

        try:
            client.messages.retrieve("msg_00000000000000000000000000")
        except NotFoundError as exc:
            print(f"as expected: {exc.code}")


if __name__ == "__main__":
    main()
