"""Retries, timeouts, idempotency keys and errors, driven through httpx.MockTransport."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import httpx
import pytest
from mailman_sdk import (
    APIConnectionError,
    APIStatusError,
    APITimeoutError,
    AuthenticationError,
    ConflictError,
    InternalServerError,
    Mailman,
    MailmanError,
    NotFoundError,
    RateLimitError,
    UnprocessableEntityError,
)

INBOX = {
    "id": "inb_1",
    "domain_id": "dom_1",
    "local_part": "support",
    "address": "support@mailman.test",
    "name": "Support",
    "created_at": "2026-01-01T00:00:00Z",
}


def problem(status: int, code: str, detail: str, **headers: str) -> httpx.Response:
    body = {"type": f"urn:mailman:error:{code}", "title": "x", "status": status, "code": code, "detail": detail}
    return httpx.Response(status, json=body, headers={"x-request-id": "req_test", **headers})


def client_for(handler: Callable[[httpx.Request], httpx.Response], **kwargs: Any) -> Mailman:
    transport = httpx.MockTransport(handler)
    return Mailman(
        base_url="http://mailman.test", api_key="mm_test", http_client=httpx.Client(transport=transport), **kwargs
    )


def test_retries_5xx_and_429_then_succeeds_with_one_idempotency_key() -> None:
    seen: list[httpx.Request] = []
    answers = [problem(503, "unavailable", "busy"), problem(429, "rate_limited", "slow down", **{"retry-after": "0"})]

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return answers.pop(0) if answers else httpx.Response(201, json=INBOX)

    inbox = client_for(handler).inboxes.create(name="Support")
    assert inbox.address == "support@mailman.test"
    assert len(seen) == 3
    keys = {r.headers["idempotency-key"] for r in seen}
    assert len(keys) == 1 and next(iter(keys))
    assert seen[0].headers["authorization"] == "Bearer mm_test"
    assert json.loads(seen[0].content) == {"name": "Support"}


def test_gives_up_after_max_retries_with_the_problem_details() -> None:
    calls = 0

    def handler(request: httpx.Request) -> httpx.Response:
        nonlocal calls
        calls += 1
        return problem(500, "internal_error", "boom", **{"retry-after": "0"})

    with pytest.raises(InternalServerError) as caught:
        client_for(handler, max_retries=1).inboxes.retrieve("inb_1")
    assert calls == 2
    assert caught.value.status_code == 500 and caught.value.code == "internal_error"
    assert caught.value.request_id == "req_test"
    assert "boom" in str(caught.value) and "req_test" in str(caught.value)


@pytest.mark.parametrize(
    ("status", "code", "error"),
    [
        (401, "unauthorized", AuthenticationError),
        (404, "not_found", NotFoundError),
        (422, "validation_failed", UnprocessableEntityError),
    ],
)
def test_client_errors_are_not_retried(status: int, code: str, error: type[APIStatusError]) -> None:
    calls = 0

    def handler(request: httpx.Request) -> httpx.Response:
        nonlocal calls
        calls += 1
        return problem(status, code, "nope")

    with pytest.raises(error):
        client_for(handler).inboxes.retrieve("inb_1")
    assert calls == 1


def test_conflict_honours_x_should_retry() -> None:
    calls = 0

    def handler(request: httpx.Request) -> httpx.Response:
        nonlocal calls
        calls += 1
        return problem(409, "inbox_address_taken", "taken", **{"x-should-retry": "false"})

    with pytest.raises(ConflictError):
        client_for(handler).inboxes.create(local_part="support")
    assert calls == 1


def test_rate_limit_error_after_retries() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return problem(429, "rate_limited", "slow down", **{"retry-after": "0"})

    with pytest.raises(RateLimitError) as caught:
        client_for(handler, max_retries=2).domains.list()
    assert caught.value.body["code"] == "rate_limited"


def test_connection_errors_and_timeouts() -> None:
    attempts = 0

    def refused(request: httpx.Request) -> httpx.Response:
        nonlocal attempts
        attempts += 1
        raise httpx.ConnectError("refused", request=request)

    with pytest.raises(APIConnectionError):
        client_for(refused, max_retries=0).inboxes.retrieve("inb_1")
    assert attempts == 1

    def slow(request: httpx.Request) -> httpx.Response:
        assert request.extensions["timeout"]["read"] == 1.5
        raise httpx.ReadTimeout("slow", request=request)

    with pytest.raises(APITimeoutError):
        client_for(slow, max_retries=0).inboxes.retrieve("inb_1", timeout=1.5)


def test_per_call_headers_and_unknown_fields_are_kept() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        assert request.headers["x-trace"] == "abc"
        return httpx.Response(200, json={**INBOX, "color": "blue"})

    inbox = client_for(handler).inboxes.retrieve("inb_1", extra_headers={"X-Trace": "abc"})
    assert inbox.model_extra == {"color": "blue"}
    assert inbox.to_dict()["color"] == "blue"
    assert json.loads(inbox.to_json())["created_at"] == "2026-01-01T00:00:00Z"


def test_empty_path_parameter_raises_before_any_request() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        raise AssertionError("no request expected")

    with pytest.raises(ValueError, match="inbox_id"):
        client_for(handler).inboxes.retrieve("")


def test_missing_configuration_is_a_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("MAILMAN_API_URL", raising=False)
    monkeypatch.delenv("MAILMAN_API_TOKEN", raising=False)
    with pytest.raises(MailmanError, match="MAILMAN_API_URL"):
        Mailman()
    with pytest.raises(MailmanError, match="MAILMAN_API_TOKEN"):
        Mailman(base_url="http://x")


def test_defaults_and_a_client_closed_before_its_first_request() -> None:
    client = Mailman(base_url="http://mailman.test/", api_key="mm_test")
    assert client.base_url == httpx.URL("http://mailman.test/") and str(client.base_url) == "http://mailman.test/"
    assert client.timeout == httpx.Timeout(60.0, connect=5.0)
    assert Mailman(base_url="http://x", api_key="k", timeout=3.0).timeout == 3.0
    client.close()
    with pytest.raises(RuntimeError, match="closed"):
        client.inboxes.retrieve("inb_1")
