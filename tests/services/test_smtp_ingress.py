"""The local SMTP listener over a raw socket: how the data is framed and unstuffed, its limits, and that a 250
means stored (the listener stores before it answers)."""

from __future__ import annotations

import socket
import uuid
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.conftest import Stack
from tests.services.test_blobs import data_runs


class Session:
    """One SMTP session spoken byte by byte, so that the test decides how the data is cut into writes."""

    def __init__(self, port: int) -> None:
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=30)
        self.buffer = b""
        assert self.reply().startswith("220")
        assert self.command("EHLO test.example").startswith("250")

    def reply(self) -> str:
        while True:
            lines = self.buffer.split(b"\r\n")
            for number, line in enumerate(lines[:-1]):
                if line[3:4] == b" ":
                    self.buffer = b"\r\n".join(lines[number + 1 :])
                    return b"\r\n".join(lines[: number + 1]).decode()
            chunk = self.sock.recv(65536)
            assert chunk, "the server closed the connection"
            self.buffer += chunk

    def command(self, line: str) -> str:
        self.sock.sendall(line.encode() + b"\r\n")
        return self.reply()

    def send(self, to: str, data: bytes, cut: int | None = None) -> str:
        """MAIL, RCPT, DATA and ``data`` (already stuffed and ended), in two writes split at ``cut``."""
        assert self.command("MAIL FROM:<ada@example.com>").startswith("250")
        assert self.command(f"RCPT TO:<{to}>").startswith("250")
        assert self.command("DATA").startswith("354")
        if cut is None:
            self.sock.sendall(data)
        else:
            self.sock.sendall(data[:cut])
            self.sock.sendall(data[cut:])
        return self.reply()

    def close(self) -> None:
        self.command("QUIT")
        self.sock.close()


@pytest.fixture
def inbox(api: httpx.Client) -> Any:
    created = api.post("/v1/inboxes").json()
    yield created
    api.delete(f"/v1/inboxes/{created['id']}")


def _raws(api: httpx.Client, inbox_id: str) -> list[bytes]:
    """The raw bytes of the inbox's messages, oldest first, read at once: a 250 means stored."""
    listed = api.get(f"/v1/inboxes/{inbox_id}/messages", params={"limit": 100}).json()["data"]
    return [api.get(f"/v1/messages/{m['id']}/raw").content for m in reversed(listed)]


def _message(subject: str, *body_lines: str) -> bytes:
    return (f"From: ada@example.com\r\nSubject: {subject}\r\n\r\n" + "".join(f"{b}\r\n" for b in body_lines)).encode()


def _stuffed(message: bytes) -> bytes:
    lines = message.split(b"\r\n")
    return b"\r\n".join(b"." + line if line.startswith(b".") else line for line in lines) + b".\r\n"


def test_lines_of_dots_come_back_unstuffed_however_the_writes_are_cut(
    stack: Stack, api: httpx.Client, inbox: Any
) -> None:
    """Lines that start with a dot were sent with one more (RFC 5321 4.5.2); sentences end with dots; the end of
    the data is a lone dot on its line, however TCP cuts it."""
    message = _message("dots", ".", "..", "...leading", "an ending.", " .", "x.", ".\t.", "last.")
    data = _stuffed(message)
    session = Session(stack.smtp_port)
    try:
        cuts = [None, *range(len(data) - 8, len(data))]  # every cut through the ending "last.\r\n.\r\n"
        for cut in cuts:
            assert session.send(inbox["address"], data, cut).startswith("250"), cut
    finally:
        session.close()
    assert _raws(api, inbox["id"]) == [message] * len(cuts)


def test_the_shortest_messages_end_where_they_should(stack: Stack, api: httpx.Client, inbox: Any) -> None:
    """No data at all, one line, one empty line, and a message whose last line has no line break."""
    session = Session(stack.smtp_port)
    try:
        for data in (b".\r\n", b"Subject: one\r\n.\r\n", b"\r\n.\r\n", b"Subject: open-ended\r\n.\r\n"):
            assert session.send(inbox["address"], data).startswith("250"), data
    finally:
        session.close()
    assert _raws(api, inbox["id"]) == [b"", b"Subject: one\r\n", b"\r\n", b"Subject: open-ended\r\n"]


def test_a_bare_line_feed_dot_does_not_end_the_data(stack: Stack, api: httpx.Client, inbox: Any) -> None:
    message = b"Subject: lf\r\n\r\nfirst\n.\nstill the body\r\n"
    session = Session(stack.smtp_port)
    try:
        assert session.send(inbox["address"], message + b".\r\n").startswith("250")
    finally:
        session.close()
    assert _raws(api, inbox["id"]) == [message]


def test_a_line_longer_than_the_read_buffer_is_kept_whole(stack: Stack, api: httpx.Client, inbox: Any) -> None:
    """Past RFC 5321's 1,000 bytes and past the 1 MB the listener buffers while it looks for the end."""
    long_line = "word." * 500_000  # 2.5 MB, a dot every five bytes
    message = _message("long", long_line, "after")
    session = Session(stack.smtp_port)
    try:
        assert session.send(inbox["address"], _stuffed(message)).startswith("250")
    finally:
        session.close()
    assert _raws(api, inbox["id"]) == [message]


def test_mail_over_the_size_limit_is_refused_and_the_session_goes_on(
    stack: Stack, api: httpx.Client, inbox: Any
) -> None:
    too_big = _message("big", *(["x" * 998] * 43_000))  # 43 MB, past 40 MiB
    session = Session(stack.smtp_port)
    try:
        assert session.send(inbox["address"], _stuffed(too_big)).startswith("552")
        assert session.send(inbox["address"], _stuffed(_message("small", "fits"))).startswith("250")
    finally:
        session.close()
    assert _raws(api, inbox["id"]) == [_message("small", "fits")]


def test_mail_for_an_inbox_deleted_after_rcpt_is_not_accepted_and_leaves_nothing(
    stack: Stack, api: httpx.Client
) -> None:
    """The store finds the inbox gone: the sender is told to try again (451), and nothing of the raw message stays
    behind (no file, no data in a pack); the next try is refused at RCPT TO."""
    inbox = api.post("/v1/inboxes").json()
    before = _raw_data(stack.data_dir / "blobs")
    session = Session(stack.smtp_port)
    try:
        assert session.command("MAIL FROM:<ada@example.com>").startswith("250")
        assert session.command(f"RCPT TO:<{inbox['address']}>").startswith("250")
        assert api.delete(f"/v1/inboxes/{inbox['id']}").status_code == 204
        assert session.command("DATA").startswith("354")
        session.sock.sendall(_stuffed(_message("gone", f"{uuid.uuid4()}")))
        assert session.reply()[:3] in ("451", "550")
        assert session.command("RSET").startswith("250")
        assert session.command("MAIL FROM:<ada@example.com>").startswith("250")
        assert session.command(f"RCPT TO:<{inbox['address']}>").startswith("550")
    finally:
        session.close()
    assert _raw_data(stack.data_dir / "blobs") == before


def _raw_data(blobs: Path) -> set[tuple[str, int, int]]:
    """Each raw message file, and each run of data blocks in a pack (files.PACKS), as (path, start, end)."""
    found: set[tuple[str, int, int]] = set()
    for path in (blobs / "raw").rglob("*"):
        if path.suffix == ".pack":
            found.update((str(path), start, end) for start, end in data_runs(path))
        elif path.is_file():
            found.add((str(path), 0, path.stat().st_size))
    return found


def test_paths_read_by_the_fast_path_are_what_aiosmtpd_reads() -> None:
    """MAIL FROM and RCPT TO paths: the listener's direct reading of the plain form agrees with aiosmtpd's own on
    every input (seeded), plain or not."""
    import random

    from aiosmtpd.smtp import SMTP
    from mailman_services.smtp import LenientSMTP

    theirs, ours = SMTP.__new__(SMTP), LenientSMTP.__new__(LenientSMTP)
    rng = random.Random(2026)
    atext = "abcXYZ019!#$%&'*+/=?^_`{|}~-"
    samples = ["<>", '<"q x"@b.c>', "<a@[1.2.3.4]>", "<@x,@y:a@b>", "<a..b@c>", "<.a@b>", "<a@b..c>", "<ü@b.c>"]
    for _ in range(5000):
        local = ".".join("".join(rng.choice(atext) for _ in range(rng.randint(1, 6))) for _ in range(rng.randint(1, 3)))
        host = ".".join("".join(rng.choice("ab9-") for _ in range(rng.randint(1, 5))) for _ in range(rng.randint(1, 3)))
        params = rng.choice(["", " SIZE=1200", "  BODY=8BITMIME SMTPUTF8", "\tSIZE=1 ", "x"])
        sample = f"{rng.choice(['', ' '])}<{local}@{host}>{params}"
        samples.append(sample if rng.random() < 0.9 else sample.replace(rng.choice(sample), rng.choice(' "<>@.'), 1))
    for sample in samples:
        assert LenientSMTP._getaddr(ours, sample) == SMTP._getaddr(theirs, sample), sample


def test_a_sender_hanging_up_before_the_reply_leaves_no_message_without_its_raw_bytes(
    stack: Stack, api: httpx.Client, inbox: Any
) -> None:
    """The store of a message whose sender hangs up at the end of the data is cancelled for the session, but may
    still commit with its batch: whatever was stored has its raw message."""
    for number in range(30):
        session = Session(stack.smtp_port)
        assert session.command("MAIL FROM:<ada@example.com>").startswith("250")
        assert session.command(f"RCPT TO:<{inbox['address']}>").startswith("250")
        assert session.command("DATA").startswith("354")
        session.sock.sendall(_stuffed(_message(f"hung up {number}", "bye")))
        session.sock.close()
    session = Session(stack.smtp_port)  # the listener goes on; and this session's message comes after them all
    try:
        assert session.send(inbox["address"], _stuffed(_message("last", "after"))).startswith("250")
    finally:
        session.close()
    raws = _raws(api, inbox["id"])
    assert raws[-1] == _message("last", "after")
    assert all(raw.startswith(b"From: ada@example.com\r\nSubject: hung up ") for raw in raws[:-1])


def test_a_killed_parser_is_started_again_and_no_message_is_lost(stack: Stack, api: httpx.Client, inbox: Any) -> None:
    """SIGKILL one of the listener's parser processes: a message it was to parse gets 451 at worst (the sender
    tries again), and the next ones are parsed by a new process in its place."""
    import psutil

    def parsers() -> list[psutil.Process]:
        children = psutil.Process(stack.process.pid).children()
        return [p for p in children if "mailman_services.parser_process" in " ".join(p.cmdline())]

    parser, *others = parsers()
    parser.kill()
    parser.wait(10)
    session = Session(stack.smtp_port)
    try:
        replies = [session.send(inbox["address"], _stuffed(_message(f"after {n}", "x")))[:3] for n in range(3)]
    finally:
        session.close()
    assert set(replies) <= {"250", "451"} and replies[-1] == "250"
    assert _raws(api, inbox["id"]) == [_message(f"after {n}", "x") for n, reply in enumerate(replies) if reply == "250"]
    assert len(parsers()) == 1 + len(others) and parser.pid not in [p.pid for p in parsers()]
