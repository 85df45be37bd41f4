"""Cross-cutting HTTP behaviour: problem+json, validation, body limit, request ids, idempotency, rate limits."""

from __future__ import annotations

import base64
import json
import time
import uuid

import anyio
import httpx
import psycopg
import pytest

from tests.conftest import InProcess, Stack, Zone, in_process_app, in_process_settings


@pytest.mark.anyio
async def test_bad_query_parameters_get_field_errors(app_api: InProcess) -> None:
    inbox = await app_api.json("POST", "/v1/inboxes")
    for params, field in (
        ({"limit": 0}, "limit"),
        ({"limit": 101}, "limit"),
        ({"limit": "ten"}, "limit"),
        ({"cursor": "garbage!"}, "cursor"),
        ({"direction": "sideways"}, "direction"),
        ({"after": "yesterday"}, "after"),
        ({"before": "0.5"}, "before"),
    ):
        response = await app_api.get(f"/v1/inboxes/{inbox['id']}/messages", query_string=params)
        assert response.status_code == 422, params
        assert response.content_type == "application/problem+json"
        problem = await response.get_json()
        assert problem["code"] == "validation_failed"
        assert [e["field"] for e in problem["errors"]] == [field], params


@pytest.mark.anyio
async def test_bad_bodies_get_400_or_422(app_api: InProcess) -> None:
    malformed = await app_api.post("/v1/domains", data=b"{not json", headers={"Content-Type": "application/json"})
    assert malformed.status_code == 400 and (await malformed.get_json())["code"] == "malformed_json"
    not_object = await app_api.post("/v1/domains", json=["a"])
    assert not_object.status_code == 422 and (await not_object.get_json())["errors"][0]["field"] == "body"
    missing = await app_api.post("/v1/domains", json={})
    assert missing.status_code == 422
    assert (await missing.get_json())["errors"] == [{"field": "name", "message": "Field required"}]


def test_oversized_body_gets_413(api: httpx.Client) -> None:
    inbox = api.post("/v1/inboxes").json()
    body = b'{"to": ["a@example.com"], "text": "' + b"x" * (41 * 1024 * 1024) + b'"}'
    response = api.post(
        f"/v1/inboxes/{inbox['id']}/messages", content=body, headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 413
    assert response.json()["code"] == "payload_too_large"


def test_every_response_carries_a_request_id(stack: Stack, api: httpx.Client) -> None:
    ok = api.get("/v1/domains")
    assert ok.headers["x-request-id"].startswith("req_")
    missing = api.get("/v1/domains/dom_missing")
    assert missing.json()["request_id"] == missing.headers["x-request-id"]
    echoed = api.get("/v1/domains", headers={"X-Request-Id": "trace-abc-123"})
    assert echoed.headers["x-request-id"] == "trace-abc-123"
    assert httpx.get(f"{stack.url}/v1/nothing-here").headers["x-request-id"]
    unknown_route = api.get("/v1/nothing-here")
    assert unknown_route.status_code == 404 and unknown_route.json()["code"] == "not_found"
    wrong_method = api.put("/v1/domains")
    assert wrong_method.status_code == 405 and "GET" in wrong_method.headers["allow"]


def test_idempotency_key_replays_and_refuses_reuse(api: httpx.Client) -> None:
    key = str(uuid.uuid4())
    body = {"name": f"idem{uuid.uuid4().hex[:8]}.example.com"}
    first = api.post("/v1/domains", json=body, headers={"Idempotency-Key": key})
    assert first.status_code == 201 and "idempotent-replayed" not in first.headers
    second = api.post("/v1/domains", json=body, headers={"Idempotency-Key": key})
    assert second.status_code == 201
    assert second.headers["idempotent-replayed"] == "true"
    assert second.json() == first.json()
    other = api.post("/v1/domains", json={"name": "other.example.com"}, headers={"Idempotency-Key": key})
    assert other.status_code == 422 and other.json()["code"] == "idempotency_key_reused"
    too_long = api.post("/v1/domains", json=body, headers={"Idempotency-Key": "k" * 256})
    assert too_long.status_code == 422 and too_long.json()["errors"][0]["field"] == "Idempotency-Key"
    # An error is replayed too: the request is not executed a second time.
    conflict_key = str(uuid.uuid4())
    again = api.post("/v1/domains", json=body, headers={"Idempotency-Key": conflict_key})
    assert again.status_code == 409
    replayed = api.post("/v1/domains", json=body, headers={"Idempotency-Key": conflict_key})
    assert replayed.status_code == 409 and replayed.headers["idempotent-replayed"] == "true"


@pytest.mark.anyio
async def test_rate_limit_answers_429_with_headers(stack: Stack, dns_zone: tuple[Zone, int]) -> None:
    # The API in this process on the stack's database, limited (the stack's own is not).
    env = in_process_settings(stack, dns_zone[1], MAILMAN_RATE_LIMIT_PER_SECOND="1", MAILMAN_RATE_LIMIT_BURST="3")
    async for limited in in_process_app(stack, env):
        statuses = [(await limited.get("/v1/domains")).status_code for _ in range(5)]
        assert statuses[:3] == [200, 200, 200] and statuses[-1] == 429
        blocked = await limited.get("/v1/domains")
        assert blocked.status_code == 429
        assert (await blocked.get_json())["code"] == "rate_limited"
        assert int(blocked.headers["retry-after"]) >= 1
        assert blocked.headers["ratelimit-limit"] == "3"
        assert blocked.headers["ratelimit-remaining"] == "0"
        assert "ratelimit-reset" in blocked.headers
        # Guessing tokens (or sending none): 20 from one address are answered 401, then 429 without a lookup each.
        # The bucket refills 1 per second, so a slow machine may see a few more 401s first.
        guesses: list[int] = []
        while 429 not in guesses:
            token = f"mm_guess{len(guesses)}" if len(guesses) % 2 else ""
            guesses.append((await limited.get("/v1/domains", token=token)).status_code)
            assert len(guesses) < 200, guesses
        assert guesses[:20] == [401] * 20 and set(guesses) == {401, 429}
        await anyio.sleep(1.1)  # the token's own bucket refills; a known token is never held back by strangers
        assert (await limited.get("/v1/domains")).status_code == 200
    with stack.client() as client:
        assert client.get("/v1/domains").status_code == 200  # the shared database outlived the second API


def test_text_postgresql_cannot_store_is_refused_not_crashed_on(api: httpx.Client) -> None:
    assert api.get("/v1/messages/msg%00x").status_code == 404
    inbox = api.post("/v1/inboxes").json()
    response = api.patch(f"/v1/inboxes/{inbox['id']}", json={"name": "bad\u0000name"})
    assert response.status_code == 422
    assert response.json()["errors"] == [
        {"field": "name", "message": "must not contain NUL characters or unpaired surrogates"}
    ]
    query = api.get(f"/v1/inboxes/{inbox['id']}/messages", params={"q": "a\x00b"})
    assert query.status_code == 422 and query.json()["errors"][0]["field"] == "q"


def forged_cursor(*parts: str) -> str:
    return base64.urlsafe_b64encode(json.dumps(list(parts)).encode()).decode().rstrip("=")


@pytest.mark.anyio
async def test_forged_cursors_and_dates_out_of_range_get_422(app_api: InProcess) -> None:
    inbox = await app_api.json("POST", "/v1/inboxes")
    lists = {
        "/v1/inboxes": 1,
        f"/v1/inboxes/{inbox['id']}/messages": 1,
        f"/v1/inboxes/{inbox['id']}/threads": 2,
        "/v1/suppressions": 2,
        "/v1/events": 1,
    }
    for path, arity in lists.items():
        for bad in ("a\x00b", "\ud800"):
            cursor = forged_cursor(*(["2026-01-01T00:00:00+00:00"] * (arity - 1)), bad)
            response = await app_api.get(path, query_string={"cursor": cursor})
            assert response.status_code == 422, (path, await response.get_data(as_text=True))
            assert (await response.get_json())["errors"][0]["field"] == "cursor"
    for field, value in (("after", "9999-12-31T23:59:59-23:59"), ("before", "0001-01-01T00:00:00+23:59")):
        response = await app_api.get(f"/v1/inboxes/{inbox['id']}/messages", query_string={field: value})
        assert response.status_code == 422, await response.get_data(as_text=True)
        assert (await response.get_json())["errors"][0]["field"] == field


def test_idempotent_answers_keep_no_secret_readable(stack: Stack, api: httpx.Client) -> None:
    key = f"key-{uuid.uuid4()}"
    created = api.post("/v1/api-keys", json={"name": "ci"}, headers={"Idempotency-Key": key})
    secret = created.json()["key"]
    hook_key = f"key-{uuid.uuid4()}"
    hook = api.post(
        "/v1/webhooks",
        json={"url": "https://example.com/hook", "events": ["message.received"]},
        headers={"Idempotency-Key": hook_key},
    )
    assert created.status_code == 201 and hook.status_code == 201
    with psycopg.connect(host=str(stack.data_dir / "postgres"), user="postgres", dbname="postgres") as conn:
        # Every column, the sealed answer last (migrations add columns after it).
        rows = conn.execute(
            "SELECT principal, key, request_hash, response_status, created_at, resource_ids, response_body"
            " FROM idempotency_keys"
        ).fetchall()
    stored = b"".join(repr(row).encode() + (row[-1] or b"") for row in rows)
    assert rows and secret.encode() not in stored and hook.json()["secret"].encode() not in stored
    assert key.encode() not in stored and hook_key.encode() not in stored

    replayed = api.post("/v1/api-keys", json={"name": "ci"}, headers={"Idempotency-Key": key})
    assert replayed.headers["idempotent-replayed"] == "true" and replayed.json()["key"] == secret
    assert api.get("/v1/domains", headers={"Authorization": f"Bearer {secret}"}).status_code == 200


def test_a_claim_is_released_when_the_client_goes_away(
    api: httpx.Client, stack: Stack, dns_zone: tuple[Zone, int]
) -> None:
    zone, _ = dns_zone
    domain = api.post("/v1/domains", json={"name": f"slow{uuid.uuid4().hex[:8]}.example.com"}).json()
    zone.stall(domain["name"], 2.5)  # the first verify waits on DNS long enough for its client to give up
    headers = {"Idempotency-Key": str(uuid.uuid4())}
    with pytest.raises(httpx.ReadTimeout):
        api.post(f"/v1/domains/{domain['id']}/verify", headers=headers, timeout=0.5)
    # The retry a client makes at once is answered, not refused for the abandoned claim (409 for 5 minutes).
    deadline = time.monotonic() + 2
    while (retried := api.post(f"/v1/domains/{domain['id']}/verify", headers=headers)).status_code == 409:
        assert time.monotonic() < deadline, retried.text
        time.sleep(0.05)
    assert retried.status_code == 200 and "idempotent-replayed" not in retried.headers, retried.text


def test_an_early_answer_to_a_post_never_drops_the_next_request_on_the_connection(stack: Stack) -> None:
    body = b'{"name": "' + b"x" * 60_000 + b'"}'  # more than one read: the rest would be taken for a request
    with httpx.Client(base_url=stack.url) as client:
        for _ in range(5):
            refused = client.post("/v1/inboxes", content=body, headers={"Authorization": "Bearer mm_unknown"})
            assert refused.status_code == 401 and refused.headers["connection"] == "close"
            assert client.get("/health").status_code == 200


def test_a_route_that_answers_before_reading_the_body_ends_the_connection(stack: Stack, api: httpx.Client) -> None:
    """A 404 for an inbox the key may not see comes before the body is read, like a 401."""
    mine = api.post("/v1/inboxes", json={"name": "Mine"}).json()
    other = api.post("/v1/inboxes", json={"name": "Other"}).json()
    key = api.post("/v1/api-keys", json={"name": "scoped", "inbox_ids": [mine["id"]]}).json()
    with stack.client(key["key"]) as scoped:
        for _ in range(5):
            refused = scoped.post(f"/v1/inboxes/{other['id']}/messages", json={"to": ["x@example.com"], "text": "no"})
            assert refused.status_code == 404 and refused.headers["connection"] == "close"
            assert scoped.get("/v1/events").status_code == 200
        read = scoped.post(f"/v1/inboxes/{mine['id']}/messages", json={"to": ["x@example.com"]})
        assert read.status_code == 422 and "connection" not in read.headers  # its body was read: the connection stays


def test_problems_say_what_is_wrong(api: httpx.Client, stack: Stack) -> None:
    unknown = httpx.get(f"{stack.url}/v1/domains", headers={"Authorization": "Bearer mm_not_a_key"})
    missing = httpx.get(f"{stack.url}/v1/domains")
    assert unknown.status_code == missing.status_code == 401
    assert "not recognised" in unknown.json()["detail"] and "Authorization: Bearer" in missing.json()["detail"]

    broken = api.post("/v1/inboxes", content=b'{"name": "a",}', headers={"Content-Type": "application/json"})
    assert broken.status_code == 400 and "line 1 column 13" in broken.json()["detail"]
    form = api.post("/v1/inboxes", content=b'{"name": "curl -d"}', headers={"Content-Type": "x-www-form-urlencoded"})
    assert form.status_code == 201  # curl's default -d content type still carries JSON

    inbox = api.post("/v1/inboxes").json()
    many = [f"user{i}@example.com" for i in range(51)]
    for split in ({"to": many}, {"to": many[:20], "cc": many[20:40], "bcc": many[40:]}):
        response = api.post(f"/v1/inboxes/{inbox['id']}/messages", json={**split, "text": "x"})
        assert response.status_code == 422 and response.json()["code"] == "too_many_recipients", split
