"""The quickstart flow replayed from cassettes recorded against the real local API.

`nox -s record` starts `mailman-server dev` on RECORD_URL and re-records them (`--record-mode=rewrite`);
`nox -s tests` replays them with no server at all, so the SDK's parsing is checked against real answers.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from mailman_sdk import Mailman, NotFoundError, UnprocessableEntityError
from mailman_sdk.types import Message, ThreadWithMessages

from tests.conftest import start_stack

RECORD_PORT = 18765
RECORD_URL = f"http://127.0.0.1:{RECORD_PORT}"
RECORD_TOKEN = "recording-token-0123456789"


@pytest.fixture(scope="module")
def vcr_config() -> dict[str, Any]:
    return {"filter_headers": ["authorization", "idempotency-key"], "decode_compressed_response": True}


@pytest.fixture(scope="module")
def client(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Mailman]:
    recording = request.config.getoption("--record-mode") not in (None, "none")
    stack = None
    if recording:
        stack = start_stack(tmp_path_factory.mktemp("record"), {"MAILMAN_API_TOKEN": RECORD_TOKEN}, port=RECORD_PORT)
    with Mailman(base_url=RECORD_URL, api_key=RECORD_TOKEN, max_retries=0) as client:
        yield client
    if stack is not None:
        assert stack.stop() == 0


@pytest.mark.vcr
def test_quickstart_flow(client: Mailman) -> None:
    inbox = client.inboxes.create(name="Support", local_part="support")
    assert inbox.address == "support@mailman.test"
    sent = client.inboxes.messages.send(
        inbox.id, to=["Ada <ada@example.com>"], subject="Welcome", text="Hello Ada", html="<p>Hello Ada</p>"
    )
    assert isinstance(sent, Message) and sent.status == "queued"
    assert sent.to[0].name == "Ada" and sent.verdicts.spf == "not_checked"
    reply = client.messages.reply(sent.id, text="One more thing")
    assert reply.subject == "Re: Welcome" and reply.in_reply_to == sent.message_id
    listed = list(client.inboxes.messages.list(inbox.id))
    assert [m.id for m in listed] == [reply.id, sent.id]
    thread = client.threads.retrieve(sent.thread_id)
    assert isinstance(thread, ThreadWithMessages) and thread.message_count == 2


@pytest.mark.vcr
def test_errors_carry_the_problem(client: Mailman) -> None:
    with pytest.raises(NotFoundError) as missing:
        client.inboxes.retrieve("inb_00000000000000000000000000")
    assert missing.value.code == "not_found"
    with pytest.raises(UnprocessableEntityError) as invalid:
        client.domains.create(name="not a domain")
    assert invalid.value.errors == [{"field": "name", "message": "must be a domain name such as mail.example.com"}]


def test_cassettes_hold_no_secrets() -> None:
    for cassette in (Path(__file__).parent / "cassettes" / "test_recorded").glob("*.yaml"):
        text = cassette.read_text()
        assert RECORD_TOKEN not in text
        assert "authorization" not in text.lower()
