"""Webhook endpoints: whsec_ secrets, validation, rotation, test events, deliveries and retries; events."""

from __future__ import annotations

import base64
import os
from typing import Any

import httpx
import pytest


@pytest.fixture
def webhook(api: httpx.Client) -> dict[str, Any]:
    response = api.post(
        "/v1/webhooks",
        json={"url": "https://app.example.com/hooks", "events": ["message.received"], "description": "main"},
    )
    assert response.status_code == 201
    result: dict[str, Any] = response.json()
    return result


def test_create_returns_the_secret_once(api: httpx.Client, webhook: dict[str, Any]) -> None:
    assert webhook["id"].startswith("whk_") and webhook["enabled"] is True and webhook["inbox_ids"] == []
    secret = webhook["secret"]
    assert secret.startswith("whsec_") and len(base64.b64decode(secret[6:])) == 32
    fetched = api.get(f"/v1/webhooks/{webhook['id']}").json()
    assert "secret" not in fetched and fetched["description"] == "main"
    listed = api.get("/v1/webhooks", params={"limit": 100}).json()["data"]
    assert webhook["id"] in [w["id"] for w in listed] and all("secret" not in w for w in listed)


def test_client_supplied_secret_and_validation(api: httpx.Client) -> None:
    mine = "whsec_" + base64.b64encode(os.urandom(24)).decode()
    created = api.post("/v1/webhooks", json={"url": "http://localhost:9/x", "events": ["webhook.test"], "secret": mine})
    assert created.status_code == 201 and created.json()["secret"] == mine

    def field_of(body: dict[str, Any]) -> str:
        response = api.post("/v1/webhooks", json=body)
        assert response.status_code == 422, response.text
        return str(response.json()["errors"][0]["field"])

    short = "whsec_" + base64.b64encode(os.urandom(8)).decode()
    assert field_of({"url": "https://a.example.com", "events": ["message.sent"], "secret": short}) == "secret"
    assert field_of({"url": "ftp://a.example.com", "events": ["message.sent"]}) == "url"
    assert field_of({"url": "https://a.example.com", "events": ["message.exploded"]}) == "events[0]"
    assert field_of({"url": "https://a.example.com", "events": []}) == "events"
    assert (
        field_of({"url": "https://a.example.com", "events": ["message.sent"], "inbox_ids": ["inb_x"]}) == "inbox_ids[0]"
    )


def test_update_rotate_and_delete(api: httpx.Client, webhook: dict[str, Any]) -> None:
    inbox = api.post("/v1/inboxes").json()
    updated = api.patch(
        f"/v1/webhooks/{webhook['id']}",
        json={
            "events": ["message.sent", "message.sent", "message.bounced"],
            "inbox_ids": [inbox["id"]],
            "enabled": False,
        },
    ).json()
    assert updated["events"] == ["message.sent", "message.bounced"]
    assert updated["inbox_ids"] == [inbox["id"]] and updated["enabled"] is False and "secret" not in updated
    rotated = api.patch(f"/v1/webhooks/{webhook['id']}", json={"rotate_secret": True}).json()
    assert rotated["secret"].startswith("whsec_") and rotated["secret"] != webhook["secret"]
    assert api.patch(f"/v1/webhooks/{webhook['id']}", json={"url": None}).status_code == 422
    assert api.delete(f"/v1/webhooks/{webhook['id']}").status_code == 204
    assert api.get(f"/v1/webhooks/{webhook['id']}").status_code == 404


def test_test_event_creates_a_pending_delivery_that_can_be_retried(api: httpx.Client, webhook: dict[str, Any]) -> None:
    response = api.post(f"/v1/webhooks/{webhook['id']}/test")
    assert response.status_code == 202
    delivery = response.json()
    assert delivery["status"] == "pending" and delivery["attempt"] == 1 and delivery["webhook_id"] == webhook["id"]

    event = api.get(f"/v1/events/{delivery['event_id']}").json()
    assert event["type"] == "webhook.test" and event["data"]["webhook_id"] == webhook["id"]
    assert event["id"] in [e["id"] for e in api.get("/v1/events", params={"type": "webhook.test"}).json()["data"]]

    retried = api.post(f"/v1/webhooks/{webhook['id']}/deliveries/{delivery['id']}/retry").json()
    assert retried["attempt"] == 2 and retried["event_id"] == delivery["event_id"]
    # Newest first. The worker may have recorded attempts of its own meanwhile (it retries within milliseconds
    # in tests), so only the order of these two is certain.
    ids = [d["id"] for d in api.get(f"/v1/webhooks/{webhook['id']}/deliveries").json()["data"]]
    assert ids.index(retried["id"]) < ids.index(delivery["id"])
    by_event = api.get(f"/v1/webhooks/{webhook['id']}/deliveries", params={"event_id": "evt_other"}).json()
    assert by_event["data"] == []
    assert api.post(f"/v1/webhooks/{webhook['id']}/deliveries/dlv_missing/retry").status_code == 404
    assert api.get("/v1/events/evt_missing").status_code == 404
