"""Inboxes: default domain, chosen and random local parts, uniqueness, pagination, updates."""

from __future__ import annotations

import uuid

import httpx
import pytest

from tests.conftest import InProcess


def test_create_inbox_without_domain_uses_the_default_domain(api: httpx.Client) -> None:
    response = api.post("/v1/inboxes")
    assert response.status_code == 201
    inbox = response.json()
    assert inbox["id"].startswith("inb_")
    assert inbox["address"] == f"{inbox['local_part']}@mailman.test"
    assert len(inbox["local_part"]) == 12 and inbox["name"] is None


def test_create_inbox_on_a_domain_with_a_chosen_local_part(api: httpx.Client) -> None:
    domain = api.post("/v1/domains", json={"name": f"i{uuid.uuid4().hex[:8]}.example.net"}).json()
    inbox = api.post("/v1/inboxes", json={"domain_id": domain["id"], "local_part": "Support", "name": "Help"}).json()
    assert inbox["address"] == f"support@{domain['name']}" and inbox["domain_id"] == domain["id"]
    taken = api.post("/v1/inboxes", json={"domain_id": domain["id"], "local_part": "support"})
    assert taken.status_code == 409 and taken.json()["code"] == "inbox_address_taken"
    assert "support@" in taken.json()["detail"]


@pytest.mark.anyio
async def test_bad_inbox_bodies_name_the_field(app_api: InProcess) -> None:
    for body, field in (
        ({"domain_id": "dom_nope"}, "domain_id"),
        ({"local_part": "has space"}, "local_part"),
        ({"local_part": "a+b"}, None),
        ({"colour": "blue"}, "colour"),
        ({"name": 7}, "name"),
    ):
        response = await app_api.post("/v1/inboxes", json=body)
        assert response.status_code == 422, body
        if field is not None:
            assert (await response.get_json())["errors"][0]["field"] == field, body


@pytest.mark.anyio
async def test_page_through_150_inboxes_with_cursor(app_api: InProcess) -> None:
    domain = await app_api.json("POST", "/v1/domains", json={"name": f"p{uuid.uuid4().hex[:8]}.example.net"})
    created = [
        (await app_api.json("POST", "/v1/inboxes", json={"domain_id": domain["id"], "local_part": f"user{i}"}))["id"]
        for i in range(150)
    ]
    seen: list[str] = []
    cursor = None
    pages = 0
    while True:
        params = {"domain_id": domain["id"], "limit": 40, **({"cursor": cursor} if cursor else {})}
        page = await app_api.json("GET", "/v1/inboxes", query_string=params)
        seen += [inbox["id"] for inbox in page["data"]]
        pages += 1
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert pages == 4
    assert seen == list(reversed(created))  # newest first, nothing lost or repeated


def test_retrieve_update_delete_inbox(api: httpx.Client) -> None:
    inbox = api.post("/v1/inboxes", json={"name": "Before"}).json()
    renamed = api.patch(f"/v1/inboxes/{inbox['id']}", json={"name": "After"})
    assert renamed.status_code == 200 and renamed.json()["name"] == "After"
    unchanged = api.patch(f"/v1/inboxes/{inbox['id']}", json={})
    assert unchanged.json()["name"] == "After"
    cleared = api.patch(f"/v1/inboxes/{inbox['id']}", json={"name": None})
    assert cleared.json()["name"] is None
    deleted = api.delete(f"/v1/inboxes/{inbox['id']}")
    assert deleted.status_code == 204 and deleted.content == b"" and "content-type" not in deleted.headers
    missing = api.get(f"/v1/inboxes/{inbox['id']}")
    assert missing.status_code == 404
    body = missing.json()
    assert body["code"] == "not_found" and body["type"] == "urn:mailman:error:not_found"
    assert missing.headers["content-type"] == "application/problem+json"


def test_list_inboxes_by_address(api: httpx.Client) -> None:
    local = f"find-{uuid.uuid4().hex[:8]}"
    inbox = api.post("/v1/inboxes", json={"local_part": local}).json()
    found = api.get("/v1/inboxes", params={"address": f"  {local.upper()}@Mailman.Test"}).json()
    assert [i["id"] for i in found["data"]] == [inbox["id"]] and found["next_cursor"] is None
    assert api.get("/v1/inboxes", params={"address": f"nobody-{local}@mailman.test"}).json()["data"] == []
