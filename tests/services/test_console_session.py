"""The console's cookies in process (Quart's test client): Secure exactly when the browser came over HTTPS."""

from __future__ import annotations

import re

import pytest

from tests.conftest import InProcess


@pytest.mark.anyio
async def test_console_cookies_are_secure_over_https_and_not_over_http(app_api: InProcess) -> None:
    app_api.client.cookie_jar = None  # each request as a first visit
    plain = await app_api.client.get("/ui/sign-in")
    cookie = plain.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Strict" in cookie and "Path=/ui" in cookie
    assert "Secure" not in cookie
    secure = await app_api.client.get("/ui/sign-in", scheme="https")
    assert "Secure" in secure.headers["Set-Cookie"]
    # The local backend trusts no proxy: a forwarded scheme from anyone is not taken for HTTPS.
    forwarded = await app_api.client.get("/ui/sign-in", headers={"X-Forwarded-Proto": "https"})
    assert "Secure" not in forwarded.headers["Set-Cookie"]
    assert plain.headers["X-Frame-Options"] == "DENY"
    assert "frame-ancestors 'none'" in plain.headers["Content-Security-Policy"]


@pytest.mark.anyio
async def test_nul_characters_in_a_console_form_or_path_get_4xx_not_500(app_api: InProcess) -> None:
    client = app_api.client
    page = await client.get("/ui/sign-in")
    csrf = page.headers["Set-Cookie"].split(";")[0].split("=", 1)[1]
    posted = await client.post("/ui/sign-in", form={"csrf": csrf, "token": "mm_\x00", "next": "/ui/"})
    assert posted.status_code == 422
    assert (await client.get("/ui/messages/msg_%00")).status_code == 404


async def signed_in(app_api: InProcess) -> str:
    """Signs the test client in; returns the CSRF token the console's forms carry."""
    client = app_api.client
    page = await client.get("/ui/sign-in")
    csrf = page.headers["Set-Cookie"].split(";")[0].split("=", 1)[1]
    assert (
        await client.post("/ui/sign-in", form={"csrf": csrf, "token": app_api.token, "next": "/ui/"})
    ).status_code == 303
    found = re.search(r'name="csrf" value="([^"]+)"', await (await client.get("/ui/inboxes")).get_data(as_text=True))
    assert found
    return found.group(1)


@pytest.mark.anyio
async def test_console_forms_and_filters_are_checked_by_the_api_models(app_api: InProcess) -> None:
    """Labels past the API's limits (length, count), a bad reply or forward and a delivery status that is none
    answer the page's 422 and store nothing: the same rules as /v1."""
    client = app_api.client
    csrf = await signed_in(app_api)
    inbox = await app_api.json("POST", "/v1/inboxes", json={"name": "Console rules"})
    sent = await app_api.json(
        "POST",
        f"/v1/inboxes/{inbox['id']}/messages",
        json={"to": ["someone@example.com"], "subject": "Hi", "text": "x"},
    )
    labels = f"/ui/messages/{sent['id']}/labels"
    too_long = await client.post(labels, form={"csrf": csrf, "add": "l" * 65})
    assert too_long.status_code == 422 and "add_labels[0]" in await too_long.get_data(as_text=True)
    too_many = await client.post(labels, form={"csrf": csrf, "remove": [f"r{n}" for n in range(51)]})
    assert too_many.status_code == 422 and "remove_labels" in await too_many.get_data(as_text=True)
    assert (await app_api.json("GET", f"/v1/messages/{sent['id']}"))["labels"] == []
    assert (await client.post(labels, form={"csrf": csrf, "add": "kept"})).status_code == 303
    assert (await app_api.json("GET", f"/v1/messages/{sent['id']}"))["labels"] == ["kept"]

    nobody = await client.post(f"/ui/messages/{sent['id']}/forward", form={"csrf": csrf, "to": "", "text": "fwd"})
    assert nobody.status_code == 422 and "to:" in await nobody.get_data(as_text=True)
    before = len((await app_api.json("GET", f"/v1/inboxes/{inbox['id']}/messages"))["data"])
    replied = await client.post(f"/ui/messages/{sent['id']}/reply", form={"csrf": csrf, "text": "r", "reply_all": "x"})
    assert replied.status_code == 303  # a checkbox's value other than "on" is unticked, as browsers send it
    assert len((await app_api.json("GET", f"/v1/inboxes/{inbox['id']}/messages"))["data"]) == before + 1

    webhook = await app_api.json(
        "POST",
        "/v1/webhooks",
        json={"url": "https://example.com/hook", "events": ["message.bounced"], "inbox_ids": [inbox["id"]]},
    )
    for status in ("bogus", "\x00"):
        page = await client.get(f"/ui/webhooks/{webhook['id']}", query_string={"status": status})
        assert page.status_code == 422, status
    assert (await client.get(f"/ui/webhooks/{webhook['id']}", query_string={"status": "failed"})).status_code == 200
    await app_api.request("DELETE", f"/v1/webhooks/{webhook['id']}")
