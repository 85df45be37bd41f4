"""client.webhooks.unwrap/verify against signatures made by the `standardwebhooks` library."""

from __future__ import annotations

import base64
import json
import os
from datetime import UTC, datetime, timedelta

import pytest
from mailman_sdk import Mailman, WebhookVerificationError
from mailman_sdk.types import WebhookTestEvent
from standardwebhooks.webhooks import Webhook

SECRET = "whsec_" + base64.b64encode(os.urandom(32)).decode()
BODY = json.dumps(
    {
        "id": "evt_1",
        "type": "webhook.test",
        "timestamp": "2026-01-01T00:00:00Z",
        "data": {"webhook_id": "whk_1", "message": "hello"},
    }
)


def signed(body: str, when: datetime | None = None, msg_id: str = "evt_1") -> dict[str, str]:
    when = when or datetime.now(UTC)
    signature = Webhook(SECRET).sign(msg_id, when, body)
    return {"webhook-id": msg_id, "webhook-timestamp": str(int(when.timestamp())), "webhook-signature": signature}


@pytest.fixture
def client() -> Mailman:
    return Mailman(base_url="http://unused", api_key="mm_unused")


def test_unwrap_returns_a_typed_event(client: Mailman) -> None:
    event = client.webhooks.unwrap(BODY, signed(BODY), secret=SECRET)
    assert isinstance(event, WebhookTestEvent)
    assert event.data.webhook_id == "whk_1"
    client.webhooks.verify(BODY.encode(), {k.title(): v for k, v in signed(BODY).items()}, secret=SECRET)


def test_several_signatures_one_valid(client: Mailman) -> None:
    headers = signed(BODY)
    headers["webhook-signature"] = "v1,AAAA " + headers["webhook-signature"]
    client.webhooks.verify(BODY, headers, secret=SECRET)


@pytest.mark.parametrize(
    "tamper",
    [
        lambda h, b: (h, b.replace("hello", "HELLO")),
        lambda h, b: ({**h, "webhook-id": "evt_2"}, b),
        lambda h, b: ({**h, "webhook-signature": "v1," + base64.b64encode(b"x" * 32).decode()}, b),
        lambda h, b: ({k: v for k, v in h.items() if k != "webhook-signature"}, b),
    ],
)
def test_tampered_deliveries_fail(client: Mailman, tamper: object) -> None:
    headers, body = tamper(signed(BODY), BODY)  # type: ignore[operator]
    with pytest.raises(WebhookVerificationError):
        client.webhooks.unwrap(body, headers, secret=SECRET)


def test_old_and_future_timestamps_fail(client: Mailman) -> None:
    for offset in (timedelta(minutes=-6), timedelta(minutes=6)):
        when = datetime.now(UTC) + offset
        with pytest.raises(WebhookVerificationError, match="webhook-timestamp"):
            client.webhooks.verify(BODY, signed(BODY, when), secret=SECRET)
    client.webhooks.verify(BODY, signed(BODY, datetime.now(UTC) - timedelta(minutes=4)), secret=SECRET)


def test_wrong_secret_fails(client: Mailman) -> None:
    other = "whsec_" + base64.b64encode(os.urandom(32)).decode()
    with pytest.raises(WebhookVerificationError, match="no signature matches"):
        client.webhooks.verify(BODY, signed(BODY), secret=other)
