"""The local backend's SMTP ingress (aiosmtpd): accept mail for known inboxes, store it, then answer.

Unknown recipients are refused at RCPT TO (550 5.1.1), mail over 40 MB at DATA (552). Accepted mail is read
and stored by the same code as mail received by SES and queued (``handlers/inbound.py``), without the queue:
the ``250`` comes after the commit, so mail that got one is stored, and mail that could not be stored gets a
``451`` (try again later) and leaves nothing behind. Parsing, and writing the raw message and its attachments
to the file blob store, run in processes of their own (``Parsers``), so that they take another core than the
sessions and the store, and a slow file system never stalls the sessions.
"""

from __future__ import annotations

import asyncio
import logging
import pickle
import re
import sys
from asyncio.subprocess import PIPE
from functools import partial
from pathlib import Path
from typing import Any

from aiosmtpd.smtp import SMTP, Envelope, Session
from sqlalchemy.ext.asyncio import AsyncEngine

from . import parser_process
from .domain.addresses import base_address
from .handlers import inbound
from .ports import BlobStore, PoisonMessage, Queue

log = logging.getLogger("mailman.smtp")

MAX_MESSAGE_BYTES = 40 * 1024 * 1024
_END = b".\r\n"  # the end of the data, when it starts a line (RFC 5321 4.1.1.4)
_ATOM = r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+"
_LABEL = r"[A-Za-z0-9-]+"
# <dot-atom@host> and the parameters after it: what nearly every client sends in MAIL FROM and RCPT TO.
_PLAIN_PATH = re.compile(rf"\s*<({_ATOM}(?:\.{_ATOM})*@{_LABEL}(?:\.{_LABEL})*)>\s*(.*)", re.DOTALL)


class LenientSMTP(SMTP):
    """aiosmtpd's server, reading the message data in blocks rather than line by line.

    RFC 5321 caps lines at 1,000 bytes, but real senders exceed it, and refusing would lose their mail: lines of
    any length are taken; the 40 MB limit on the whole data bounds memory.
    """

    line_length_limit = 1024 * 1024  # of a command; and how much is buffered while looking for the end of data

    def _getaddr(self, arg: str) -> tuple[str | None, str | None]:
        # aiosmtpd reads every path with the email package's header parser (and makes a class on each call); the
        # plain form gives the same address and rest read directly.
        plain = None if self.local_part_limit else _PLAIN_PATH.fullmatch(arg)
        return (plain[1], plain[2]) if plain else super()._getaddr(arg)

    async def smtp_DATA(self, arg: str) -> None:
        if await self.check_helo_needed() or await self.check_auth_needed("DATA"):
            return
        assert self.envelope is not None
        if not self.envelope.rcpt_tos:
            await self.push("503 Error: need RCPT command")
            return
        if arg:
            await self.push("501 Syntax: DATA")
            return
        await self.push("354 End data with <CR><LF>.<CR><LF>")
        data = await self._read_data()
        if data is None:
            self._set_post_data_state()  # type: ignore[no-untyped-call]
            await self.push("552 Error: Too much mail data")
            return
        self.envelope.content = self.envelope.original_content = data
        status = await self._call_handler_hook("DATA")
        self._set_post_data_state()  # type: ignore[no-untyped-call]
        await self.push(status)

    async def _read_data(self) -> bytes | None:
        """The data up to the line that is a lone dot, dot-unstuffed (RFC 5321 4.5.2); None if it passed the size
        limit (read to its end all the same, so that the session goes on)."""
        blocks: list[bytes] = []
        size, limit = 0, self.data_size_limit or MAX_MESSAGE_BYTES
        before = b"\r\n"  # the last two bytes read: at first, the end of the DATA command's line
        while True:
            try:
                # Each read ends at a dot closing a line; whether that line is the lone dot is decided here.
                block = await self._reader.readuntil(_END)
            except asyncio.LimitOverrunError as exc:
                block = await self._reader.readexactly(exc.consumed)
            size += len(block)
            if size <= limit:
                blocks.append(block)
            else:
                blocks.clear()
            if block.endswith(_END) and (before + block[:-3])[-2:] == b"\r\n":
                break
            before = (before + block)[-2:]
        if size > limit:
            return None
        return (b"\r\n" + b"".join(blocks)[:-3]).replace(b"\r\n.", b"\r\n")[2:]


class IngressHandler:
    def __init__(self, ingest: inbound.Ingest) -> None:
        self.ingest = ingest

    async def handle_RCPT(
        self, server: SMTP, session: Session, envelope: Envelope, address: str, rcpt_options: list[str]
    ) -> str:
        target = base_address(address)
        if target not in await self.ingest.inboxes.find([target]):
            return f"550 5.1.1 <{address}>: no such mailbox here"
        envelope.rcpt_tos.append(address)
        return "250 2.1.5 OK"

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        raw = envelope.original_content or b""
        try:
            message_id = await self.ingest(raw, envelope.mail_from or "", list(envelope.rcpt_tos))
        except PoisonMessage:
            return "550 5.1.1 No such mailbox here any more"
        except Exception:
            log.exception("could not store a message")
            return "451 4.3.0 Could not store the message; try again later"
        log.info("stored", extra={"bytes": len(raw), "recipients": len(envelope.rcpt_tos), "id": message_id})
        return "250 2.0.0 Message accepted for delivery"


class ParserGone(Exception):
    """The parser process ended while it had a request (it is started again for the next one)."""


class _Parser:
    """One parser process (``parser_process``), started when first needed and again after it died."""

    def __init__(self, blob_root: Path) -> None:
        self.blob_root = blob_root
        self.process: asyncio.subprocess.Process | None = None

    async def start(self) -> None:
        if self.process is None or self.process.returncode is not None:
            command = [sys.executable, "-m", "mailman_services.parser_process", str(self.blob_root)]
            self.process = await asyncio.create_subprocess_exec(*command, stdin=PIPE, stdout=PIPE)

    async def ask(self, messages: list[tuple[str, bytes]]) -> list[inbound.Read | Exception]:
        await self.start()
        process = self.process
        assert process is not None and process.stdin is not None and process.stdout is not None
        try:
            process.stdin.write(parser_process.frame(messages))
            await process.stdin.drain()
            length = int.from_bytes(await process.stdout.readexactly(parser_process.LENGTH), "big")
            answer: list[inbound.Read | Exception] = pickle.loads(await process.stdout.readexactly(length))  # noqa: S301 - our child
        except (OSError, asyncio.IncompleteReadError) as exc:
            log.error("a parser process ended; another is started for the next messages")
            self.kill()
            await process.wait()  # reaped: the next request starts another
            raise ParserGone(f"the parser process ended ({process.returncode})") from exc
        return answer

    def kill(self) -> None:
        if self.process is not None and self.process.returncode is None:
            self.process.kill()

    async def aclose(self) -> None:
        process = self.process
        if process is None or process.stdin is None:
            return
        process.stdin.close()  # it ends at the end of its input
        try:
            await asyncio.wait_for(process.wait(), 10)
        except TimeoutError:
            self.kill()
            await process.wait()


class Parsers:
    """``inbound.keep_all`` with the file blob store at ``blob_root`` in processes of their own: parsing and
    creating files take another core than the SMTP sessions and the store, and a message that makes the parser
    spin or crash holds up only the sessions whose mail it was parsing (they get ``451``). Requests go to an idle
    process, one at a time each, over a pipe; no thread of this process is involved. A request whose caller was
    cancelled is still answered (the pipe stays in step).
    """

    def __init__(self, processes: int, blob_root: Path) -> None:
        self._parsers = [_Parser(blob_root) for _ in range(processes)]
        self._idle: asyncio.Queue[_Parser] = asyncio.Queue()
        for parser in self._parsers:
            self._idle.put_nowait(parser)

    async def start(self) -> None:
        """Start the processes now rather than with the first message (each takes about half a second)."""
        for parser in self._parsers:
            await parser.start()

    async def __call__(self, messages: list[tuple[str, bytes]]) -> list[inbound.Read | Exception]:
        parser = await self._idle.get()
        return await asyncio.shield(asyncio.ensure_future(self._ask(parser, messages)))

    async def _ask(self, parser: _Parser, messages: list[tuple[str, bytes]]) -> list[inbound.Read | Exception]:
        try:
            return await parser.ask(messages)
        finally:
            self._idle.put_nowait(parser)

    async def aclose(self) -> None:
        for parser in self._parsers:
            await parser.aclose()


class SmtpServer:
    """The listener and what it needs, closed together."""

    def __init__(self, server: asyncio.Server, ingest: inbound.Ingest, parsers: Parsers | None) -> None:
        self.server, self.ingest, self.parsers = server, ingest, parsers

    async def aclose(self) -> None:
        self.server.close()
        await self.ingest.aclose()
        if self.parsers is not None:
            await self.parsers.aclose()


async def start_smtp(
    engine: AsyncEngine,
    blobs: BlobStore,
    blob_root: Path | None,
    queue: Queue,
    host: str,
    port: int,
    hostname: str,
    parsers: int,
) -> SmtpServer:
    """Listen for SMTP on ``host:port`` in the running event loop; ``parsers`` processes parse and write files.

    ``blob_root``: the folder of ``blobs`` when it is the file blob store, which the processes write to. With
    no processes (0), or another blob store, the listener parses in a thread and writes through ``blobs``.
    """
    pool = Parsers(parsers, blob_root) if parsers > 0 and blob_root is not None else None
    if pool is not None:
        await pool.start()
    keep = pool or partial(inbound.keep_with, blobs, inbound.read_in_thread)
    ingest = inbound.Ingest(engine, blobs, queue, keep, parsers if pool else 1)
    handler = IngressHandler(ingest)

    def factory() -> Any:
        return LenientSMTP(
            handler,
            hostname=hostname,
            data_size_limit=MAX_MESSAGE_BYTES,
            enable_SMTPUTF8=True,
            decode_data=False,
        )

    loop = asyncio.get_running_loop()
    try:
        server = await loop.create_server(factory, host=host, port=port)
    except BaseException:
        if pool is not None:
            await pool.aclose()
        raise
    return SmtpServer(server, ingest, pool)
