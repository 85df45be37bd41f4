"""Tokens: the bootstrap token, API keys (hashed, shown once) and inbox-scoped keys."""

from __future__ import annotations

import httpx
import pytest

from tests.conftest import InProcess, Stack


@pytest.mark.anyio
async def test_requests_without_a_valid_token_get_401(app_api: InProcess) -> None:
    bare = await app_api.get("/v1/inboxes", token="")
    assert bare.status_code == 401
    assert (await bare.get_json())["code"] == "unauthorized"
    assert bare.headers["www-authenticate"].startswith("Bearer")
    wrong = await app_api.get("/v1/inboxes", token="mm_not-a-real-key")
    assert wrong.status_code == 401
    basic = await app_api.get("/v1/inboxes", token="", headers={"Authorization": f"Basic {app_api.token}"})
    assert basic.status_code == 401
    assert (await app_api.get("/health", token="")).status_code == 200
    spec = await app_api.get("/openapi.yaml", token="")
    assert spec.status_code == 200 and (await spec.get_data(as_text=True)).startswith("# Mailman API contract")


def test_api_key_is_shown_once_and_works_until_deleted(stack: Stack, api: httpx.Client) -> None:
    created = api.post("/v1/api-keys", json={"name": "ci"}).json()
    key = created["key"]
    assert key.startswith("mm_") and len(key) >= 35 and created["prefix"] == key[:8]
    assert created["inbox_ids"] is None and created["last_used_at"] is None
    listed = api.get("/v1/api-keys", params={"limit": 100}).json()["data"]
    mine = next(k for k in listed if k["id"] == created["id"])
    assert "key" not in mine

    with stack.client(key) as as_key:
        assert as_key.get("/v1/domains").status_code == 200
    used = next(k for k in api.get("/v1/api-keys", params={"limit": 100}).json()["data"] if k["id"] == created["id"])
    assert used["last_used_at"] is not None

    assert api.delete(f"/v1/api-keys/{created['id']}").status_code == 204
    with stack.client(key) as as_key:
        assert as_key.get("/v1/domains").status_code == 401
    assert api.delete(f"/v1/api-keys/{created['id']}").status_code == 404


def test_inbox_scoped_key_sees_only_its_inboxes(stack: Stack, api: httpx.Client) -> None:
    mine = api.post("/v1/inboxes", json={"name": "Mine"}).json()
    other = api.post("/v1/inboxes", json={"name": "Other"}).json()
    sent = api.post(f"/v1/inboxes/{other['id']}/messages", json={"to": ["x@example.com"], "text": "hi"}).json()
    key = api.post("/v1/api-keys", json={"name": "scoped", "inbox_ids": [mine["id"]]}).json()
    assert key["inbox_ids"] == [mine["id"]]

    with stack.client(key["key"]) as scoped:
        listed = scoped.get("/v1/inboxes").json()
        assert [i["id"] for i in listed["data"]] == [mine["id"]]
        assert scoped.get(f"/v1/inboxes/{mine['id']}").status_code == 200
        assert scoped.patch(f"/v1/inboxes/{mine['id']}", json={"name": "Renamed"}).status_code == 200
        for path in (
            f"/v1/inboxes/{other['id']}",
            f"/v1/inboxes/{other['id']}/messages",
            f"/v1/inboxes/{other['id']}/threads",
            f"/v1/messages/{sent['id']}",
            f"/v1/threads/{sent['thread_id']}",
        ):
            assert scoped.get(path).status_code == 404, path
        assert (
            scoped.post(f"/v1/inboxes/{other['id']}/messages", json={"to": ["x@example.com"], "text": "no"}).status_code
            == 404
        )
        assert all(
            e["data"].get("message", {}).get("inbox_id") != other["id"] for e in scoped.get("/v1/events").json()["data"]
        )
        for method, path in (
            ("GET", "/v1/webhooks"),
            ("POST", "/v1/webhooks"),
            ("GET", "/v1/domains"),
            ("POST", "/v1/domains"),
            ("GET", "/v1/api-keys"),
            ("POST", "/v1/api-keys"),
            ("GET", "/v1/suppressions"),
            ("POST", "/v1/inboxes"),
            ("DELETE", f"/v1/inboxes/{mine['id']}"),
        ):
            response = scoped.request(method, path, json={} if method == "POST" else None)
            assert response.status_code == 403, (method, path)
            assert response.json()["code"] == "forbidden"


def test_api_key_for_unknown_inbox_is_refused(api: httpx.Client) -> None:
    response = api.post("/v1/api-keys", json={"name": "x", "inbox_ids": ["inb_missing"]})
    assert response.status_code == 422
    assert response.json()["errors"] == [{"field": "inbox_ids[0]", "message": "no such inbox"}]
