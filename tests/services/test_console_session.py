"""The console's cookies in process (Quart's test client): Secure exactly when the browser came over HTTPS."""

from __future__ import annotations

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
