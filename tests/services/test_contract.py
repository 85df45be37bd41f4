"""openapi.yaml is the contract: it validates, it matches the routes, and the live API honours it."""

from __future__ import annotations

import base64
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml
from mailman_services.api.app import create_app
from mailman_services.bootstrap import build
from mailman_services.config import Settings
from openapi_spec_validator import validate

from tests.conftest import ROOT, Stack, Zone, start_stack

SPEC_PATH = ROOT / "openapi.yaml"
METHODS = {"get", "post", "put", "patch", "delete"}


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory, dns_zone: tuple[Zone, int]) -> Iterator[Stack]:
    """A stack of this module's own (conftest's `api` then talks to it): schemathesis reads every list, so what
    other tests left on the shared stack, in whatever order a worker ran them, stays out of its judgement."""
    running = start_stack(tmp_path_factory.mktemp("contract"), {"MAILMAN_DNS_RESOLVER": f"127.0.0.1:{dns_zone[1]}"})
    yield running
    assert running.stop() == 0


@pytest.fixture(scope="module")
def spec() -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load(SPEC_PATH.read_text())
    return loaded


def test_spec_validates(spec: dict[str, Any]) -> None:
    validate(spec)
    assert spec["openapi"] == "3.0.3"


def test_every_operation_is_documented_for_the_generators(spec: dict[str, Any]) -> None:
    ids = []
    for path, item in spec["paths"].items():
        for method, operation in item.items():
            if method not in METHODS:
                continue
            ids.append(operation["operationId"])
            assert len(operation["tags"]) == 1, (method, path)
            assert operation["x-mailman-resource"] and operation["x-mailman-method"], (method, path)
            assert operation.get("summary") and operation.get("description"), (method, path)
            if path.startswith("/v1/") and method == "post":
                refs = [p.get("$ref") for p in operation.get("parameters", [])]
                assert "#/components/parameters/IdempotencyKey" in refs, path
    assert len(ids) == len(set(ids))


def test_every_operation_has_a_route_and_every_route_an_operation(spec: dict[str, Any]) -> None:
    app = create_app(build(Settings(), "postgresql+psycopg://nobody@/nothing"))  # no connection is made
    routes = set()
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static" or rule.rule.startswith("/ui"):
            continue  # /ui is the web console's pages (docs/console.md), not API operations
        path = re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", rule.rule)
        routes |= {(method.lower(), path) for method in rule.methods or () if method not in ("HEAD", "OPTIONS")}
    operations = {(method, path) for path, item in spec["paths"].items() for method in item if method in METHODS}
    assert routes == operations


def _seed(api: httpx.Client) -> dict[str, str]:
    """Real ids for the path parameters, so generated requests reach past the 404s."""
    inbox = api.post("/v1/inboxes", json={"name": "Contract"}).json()
    content = base64.b64encode(b"contract attachment").decode()
    attachment = {"filename": "a.txt", "content_type": "text/plain", "content": content}
    message = api.post(
        f"/v1/inboxes/{inbox['id']}/messages",
        json={"to": ["someone@example.com"], "subject": "Contract", "text": "hi", "attachments": [attachment]},
    ).json()
    webhook = api.post("/v1/webhooks", json={"url": "https://example.com/hook", "events": ["message.sent"]}).json()
    delivery = api.post(f"/v1/webhooks/{webhook['id']}/test").json()
    domain = api.post("/v1/domains", json={"name": "contract.example.com"}).json()
    key = api.post("/v1/api-keys", json={"name": "contract"}).json()
    api.post("/v1/suppressions", json={"address": "contract@example.com"})
    return {
        "path.inbox_id": inbox["id"],
        "path.message_id": message["id"],
        "path.attachment_id": message["attachments"][0]["id"],
        "path.thread_id": message["thread_id"],
        "path.webhook_id": webhook["id"],
        "path.delivery_id": delivery["id"],
        "path.event_id": delivery["event_id"],
        "path.domain_id": domain["id"],
        "path.key_id": key["id"],
        "path.address": "contract@example.com",
    }


# A batch in `permissive` mode answers an item that breaks the schema with 207 and that item's 422 in its place
# (openapi.yaml), where negative_data_rejection wants the whole request refused: 207 is a rejection there too.
PERMISSIVE_BATCH = """
[[operations]]
include-path = "/v1/inboxes/{inbox_id}/messages/batch"
checks.negative_data_rejection.expected-statuses = [
  "207", "400", "401", "403", "404", "405", "406", "409", "415", "422", "428", "429", "5xx",
]
"""


def _schemathesis(stack: Stack, config: Path, *extra: str) -> subprocess.Popen[str]:
    command = [
        sys.executable,
        "-m",
        "schemathesis.cli",
        "--config-file",
        str(config),
        "run",
        str(SPEC_PATH),
        "--url",
        stack.url,
        "--header",
        f"Authorization: Bearer {stack.token}",
        # Every check but positive_data_acceptance: the API rightly answers 422 to schema-valid input
        # that the schema cannot judge (an unknown inbox id, a made-up cursor, a reused idempotency key);
        # and ensure_resource_availability: an Idempotency-Key reused with the same body replays the 201 of a
        # resource deleted since, as Stripe's keys do, which that check takes for a create that failed.
        "--checks",
        "all",
        "--exclude-checks",
        "positive_data_acceptance,ensure_resource_availability",
        "--max-examples",
        "15",
        "--workers",
        "1",
        "--seed",
        "20261127",
        # Streams never end by themselves; tests/services/test_stream.py tests them.
        "--exclude-path",
        "/v1/events/stream",
        "--exclude-path",
        "/v1/ws",
        *extra,
    ]
    return subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, cwd=config.parent)


@pytest.fixture
def no_webhooks_left(api: httpx.Client) -> Iterator[None]:
    """Schemathesis creates webhooks to made-up hosts for every event; left enabled, their deliveries would keep
    the shared stack's webhook queue busy for the tests after this one."""
    before = {w["id"] for w in _all(api, "/v1/webhooks")}
    yield
    for webhook in _all(api, "/v1/webhooks"):
        if webhook["id"] not in before:
            api.delete(f"/v1/webhooks/{webhook['id']}")


def _all(api: httpx.Client, path: str) -> list[dict[str, Any]]:
    items, cursor = [], None
    while True:
        page = api.get(path, params={"limit": 100, **({"cursor": cursor} if cursor else {})}).json()
        items += page["data"]
        if not (cursor := page["next_cursor"]):
            return items


@pytest.mark.slow
def test_schemathesis_finds_no_server_error_and_no_spec_violation(
    stack: Stack, api: httpx.Client, tmp_path: Path, no_webhooks_left: None
) -> None:
    # Long polls of a second at most: each example on a real inbox (the seeded one, or one the bare run creates
    # and follows a link to) would otherwise wait up to 60 s, past schemathesis's 10 s request timeout.
    bare = tmp_path / "bare.toml"
    bare.write_text('[parameters]\n"query.wait" = "1"\n' + PERMISSIVE_BATCH)
    seeded = tmp_path / "seeded.toml"
    parameters = {**_seed(api), "query.wait": "1"}
    seeded.write_text("[parameters]\n" + "".join(f'"{k}" = "{v}"\n' for k, v in parameters.items()) + PERMISSIVE_BATCH)
    # Both runs at once (each a process mostly waiting on the API): the bare one only ever sees made-up ids,
    # so it cannot delete what the seeded one reaches.
    whole = _schemathesis(stack, bare)
    # Deleting the seeded resources first would send the rest back to 404s.
    with_data = _schemathesis(stack, seeded, "--exclude-method", "DELETE")
    try:
        whole_out, _ = whole.communicate(timeout=600)
        with_data_out, _ = with_data.communicate(timeout=600)
    finally:
        for run in (whole, with_data):
            run.kill()
    assert whole.returncode == 0, whole_out[-20000:]
    assert with_data.returncode == 0, with_data_out[-20000:]
    assert "Server error" not in with_data_out
