"""The local backend's SMTP ingress (aiosmtpd): accept mail for known inboxes, store it, then answer.

Unknown recipients are refused at RCPT TO (550 5.1.1), mail over 40 MB at DATA (552). Accepted mail is read
and stored by the same code as mail received by SES and queued (``handlers/inbound.py``), without the queue:
the ``250`` comes after the commit, so mail that got one is stored, and mail that could not be stored gets a
``451`` (try again later) and leaves nothing behind. Parsing runs in processes of their own (``Parsers``), so
that it takes another core than the sessions and the store.
"""

from __future__ import annotations

import asyncio
import logging
import multiprocessing
import os
import re
import signal
import threading
import time
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import Any

from aiosmtpd.smtp import SMTP, Envelope, Session
from sqlalchemy.ext.asyncio import AsyncEngine

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


class Parsers:
    """``inbound.read_all`` in processes of their own, spawned fresh (none of this process's threads, loop or
    connections): parsing takes a core of its own, and a message that makes the parser spin or crash holds up
    no SMTP session but its own. A pool whose process died is replaced; the calls it had fail (``451``)."""

    def __init__(self, processes: int) -> None:
        self.processes = processes
        self._pool = self._start()

    def _start(self) -> ProcessPoolExecutor:
        context = multiprocessing.get_context("spawn")
        pool = ProcessPoolExecutor(
            self.processes, mp_context=context, initializer=_parser_started, initargs=(os.getpid(),)
        )
        for _ in range(self.processes):
            pool.submit(int)  # started now, in the background, rather than by the first message
        return pool

    async def __call__(self, raws: list[bytes]) -> list[inbound.Read | Exception]:
        pool = self._pool
        try:
            return await asyncio.get_running_loop().run_in_executor(pool, inbound.read_all, raws)
        except BrokenProcessPool:
            if self._pool is pool:
                log.error("a parser process died; starting another")
                self._pool = self._start()
            raise

    def close(self) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)


def _parser_started(parent: int) -> None:
    """In a parser process: Ctrl-C is the parent's to handle, and the parser ends with the parent, even a killed one."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(0.5)
        os._exit(0)

    threading.Thread(target=watch, name="parent-watch", daemon=True).start()


class SmtpServer:
    """The listener and what it needs, closed together."""

    def __init__(self, server: asyncio.Server, ingest: inbound.Ingest, parsers: Parsers | None) -> None:
        self.server, self.ingest, self.parsers = server, ingest, parsers

    async def aclose(self) -> None:
        self.server.close()
        await self.ingest.aclose()
        if self.parsers is not None:
            self.parsers.close()


async def start_smtp(
    engine: AsyncEngine, blobs: BlobStore, queue: Queue, host: str, port: int, hostname: str, parsers: int
) -> SmtpServer:
    """Listen for SMTP on ``host:port`` in the running event loop; ``parsers`` processes parse (0: a thread)."""
    pool = Parsers(parsers) if parsers > 0 else None
    ingest = inbound.Ingest(engine, blobs, queue, pool or inbound.read_in_thread)
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
            pool.close()
        raise
    return SmtpServer(server, ingest, pool)
