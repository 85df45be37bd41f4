"""Console sessions: the cookie, the principal it stands for, CSRF tokens and the headers every page gets.

The session id lives only in an ``HttpOnly``, ``SameSite=Strict`` cookie (``Secure`` over HTTPS); the database
keeps its SHA-256 (handlers/console.py). Every POST carries a CSRF token derived from the session id (before
signing in: one from a cookie of its own), so a form forged on another site is refused even where a browser
would send the cookie.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

from quart import Blueprint, Response, g, redirect, request, url_for

from ..api.http import Principal, reject_unstorable, services
from ..domain.errors import APIError
from ..handlers import console

SESSION_COOKIE = "mailman_session"
SIGN_IN_COOKIE = "mailman_sign_in"
PUBLIC = {"console.sign_in", "console.sign_in_form", "console.link", "console.redeem_link", "console.static"}
# The pages load nothing from elsewhere and run only console.js; the message frame has a policy of its own.
PAGE_POLICY = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self';"
    " frame-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'"
)


def https() -> bool:
    """Whether the browser reached us over HTTPS: directly, or through the load balancer (aws backend)."""
    if request.scheme in ("https", "wss"):
        return True
    behind_alb = services().settings.backend == "aws"
    return behind_alb and request.headers.get("X-Forwarded-Proto", "").lower() == "https"


def set_cookie(response: Response, name: str, value: str, max_age: int | None = None) -> None:
    response.set_cookie(name, value, max_age=max_age, path="/ui", secure=https(), httponly=True, samesite="Strict")


def csrf_token(session_id: str) -> str:
    return hmac.new(session_id.encode(), b"mailman console csrf", hashlib.sha256).hexdigest()


def sign_in_token() -> str:
    """The pre-session CSRF token of the sign-in forms, kept in its own cookie (set by the form's page)."""
    token: str = g.get("sign_in_token") or request.cookies.get(SIGN_IN_COOKIE) or secrets.token_urlsafe(24)
    g.sign_in_token = token
    return token


async def form_fields() -> dict[str, list[str]]:
    form = await request.form
    g.body_read = True
    fields = {key: form.getlist(key) for key in form}
    reject_unstorable(fields)  # a NUL would reach PostgreSQL: 422, as the API answers it
    return fields


def _refused() -> APIError:
    return APIError(403, "csrf_failed", "The form is not one this console gave you (its CSRF token is wrong).")


async def check_csrf(expected: str) -> None:
    given = (await form_fields()).get("csrf", [""])[0]
    if not given or not hmac.compare_digest(given, expected):
        raise _refused()


def init_app(blueprint: Blueprint) -> None:
    @blueprint.before_request
    async def authenticate() -> Response | None:
        if request.endpoint in PUBLIC:
            if request.method == "POST":
                cookie = request.cookies.get(SIGN_IN_COOKIE, "")
                if not cookie:
                    raise _refused()
                await check_csrf(cookie)
            return None
        svc = services()
        session_id = request.cookies.get(SESSION_COOKIE, "")
        found = None
        if session_id and len(session_id) < 100:
            found = await console.find_session(svc.database, session_id, svc.settings.api_token)
        if found is None:
            if request.method == "GET" and request.accept_mimetypes.accept_html:
                target = request.path + (f"?{request.query_string.decode()}" if request.query_string else "")
                return redirect(url_for("console.sign_in_form", next=target))  # type: ignore[return-value]
            raise APIError(401, "unauthorized", "Sign in to the console first.")
        g.principal = Principal(found.id, found.inbox_ids)
        g.console_session = session_id
        g.csrf = csrf_token(session_id)
        if request.method == "POST":
            await check_csrf(g.csrf)
        return None

    @blueprint.after_request
    async def secure_headers(response: Response) -> Response:
        headers = response.headers
        headers.setdefault("Content-Security-Policy", PAGE_POLICY)
        headers.setdefault("X-Frame-Options", "DENY")
        headers["X-Content-Type-Options"] = "nosniff"
        headers["Referrer-Policy"] = "no-referrer"
        if request.endpoint != "console.static":
            headers["Cache-Control"] = "no-store"
        if (token := g.get("sign_in_token")) and request.cookies.get(SIGN_IN_COOKIE) != token:
            set_cookie(response, SIGN_IN_COOKIE, token, max_age=3600)
        return response
