"""``mailman-server``: run the local stack (``dev``) or one part of it, migrate, and create API keys."""

from __future__ import annotations

import contextlib
import errno
import functools
import logging
import os
import secrets
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import anyio
import anyio.abc
import click

from . import gctune, logs
from .config import ConfigError, Settings, load_settings

if TYPE_CHECKING:
    from .bootstrap import Services

log = logging.getLogger("mailman")
# uvloop where it is installed (Linux, macOS): a faster event loop for the same code.
EVENT_LOOP = {"use_uvloop": True}
READY_FD = "MAILMAN_READY_FD"  # a pipe a parent process waits on: "ready" once this one serves
STOP_WITH_PARENT = "MAILMAN_STOP_WITH_PARENT"  # "1": stop when the parent process is gone (dev's worker, nox)
RESTART_DELAY, MAX_RESTART_DELAY = 1.0, 30.0  # seconds before dev starts an exited worker again, doubling


def _settings(**overrides: Any) -> Settings:
    try:
        settings = load_settings()
    except ConfigError as exc:
        click.echo(f"mailman-server: {exc}", err=True)
        sys.exit(2)
    return settings.with_overrides(**{k: v for k, v in overrides.items() if v is not None})


def _database(settings: Settings, *, migrate_embedded: bool = True) -> str:
    """The database URL, starting the embedded PostgreSQL (and migrating it) when none is configured."""
    from .db.engine import database_url, migrate

    url = database_url(settings.database_url, settings.data_dir)
    if settings.database_url is None and migrate_embedded:
        migrate(url)
    return url


async def _serve_until_signal(serve: Callable[[anyio.Event], Awaitable[None]]) -> None:
    stop = anyio.Event()
    async with anyio.create_task_group() as tg:

        async def watch_signals() -> None:
            # Listening until the end: a second signal while stopping (Ctrl-C reaches dev's worker too, then
            # dev's SIGTERM) must not kill the process before it cleans up.
            # SIGHUP: the terminal closed; like SIGINT (Ctrl-C) and SIGTERM (IDEs, process managers), it stops all.
            with anyio.open_signal_receiver(signal.SIGINT, signal.SIGTERM, signal.SIGHUP) as received:
                async for _ in received:
                    if not stop.is_set():
                        log.info("stopping")
                        stop.set()

        tg.start_soon(watch_signals)
        await serve(stop)
        tg.cancel_scope.cancel()


async def _run(
    settings: Settings,
    url: str,
    *,
    api: tuple[str, int] | None = None,
    worker: bool = False,
    worker_process: WorkerProcess | None = None,
    smtp: tuple[str, int] | None = None,
    ready_message: str | None = None,
    console_url: str | None = None,
) -> None:
    """Run the chosen parts in one event loop until SIGINT or SIGTERM, then stop them cleanly.

    ``worker_process`` runs the worker as a child process instead (``dev``), started and ready first.
    ``console_url``: the ready message names the web console with a one-time sign-in link (``dev``).
    """
    from .bootstrap import build
    from .handlers.domains import ensure_default

    services = build(settings, url)
    if settings.default_domain:
        async with services.engine.begin() as conn:
            await ensure_default(conn, services.domains, settings.default_domain)
    if worker_process is not None:
        await worker_process.start(settings)
    servers = []
    if smtp is not None:
        from .smtp import start_smtp

        servers.append(
            await start_smtp(
                services.engine,
                services.blobs,
                services.blob_root,
                services.queue,
                *smtp,
                settings.smtp_hostname,
                settings.smtp_parsers,
            )
        )
        log.info("smtp listening", extra={"host": smtp[0], "port": smtp[1]})

    gctune.tune()

    async def run(stop: anyio.Event) -> None:
        try:
            await serve(stop)
        finally:
            with anyio.CancelScope(shield=True):
                for server in servers:
                    await server.aclose()
                if worker_process is not None:
                    await worker_process.stop()
                await services.aclose()

    async def serve(stop: anyio.Event) -> None:
        async with anyio.create_task_group() as parts:
            parts.start_soon(stop.wait)  # an SMTP-only process has no task of its own to wait on
            if worker_process is not None:
                parts.start_soon(worker_process.watch, stop)
            if api is not None:
                parts.start_soon(_serve_api, services, api, stop)
            if worker:
                from .worker import run_worker

                parts.start_soon(run_worker, services, stop)
            if api is not None and not await _until_listening(api, stop):
                return  # stopped before it answered: no banner
            if ready_message:
                banner = ready_message
                if console_url is not None and settings.api_token is not None:
                    from .handlers.console import CODE_LIFETIME, create_sign_in_code

                    code = await create_sign_in_code(services.database, settings.api_token)
                    minutes = int(CODE_LIFETIME.total_seconds() // 60)
                    once = f"{console_url}/ui/link/{code}"
                    link = f"  Console: {console_url}/ui/  (sign in once within {minutes} min: {once})"
                    banner = banner.replace("\n", "\n" + link + "\n", 1)
                click.echo(banner)
            if ready_fd := os.environ.pop(READY_FD, None):  # a parent (dev) waits for this line
                os.write(int(ready_fd), b"ready\n")
                os.close(int(ready_fd))

    await _serve_until_signal(run)


async def _until_listening(bind: tuple[str, int], stop: anyio.Event) -> bool:
    """Whether the API accepts connections before ``stop`` is set: the banner and "ready" promise one that does."""
    host = "127.0.0.1" if bind[0] in ("0.0.0.0", "") else bind[0]  # noqa: S104 - a wildcard bind answers on loopback
    while not stop.is_set():
        try:
            stream = await anyio.connect_tcp(host, bind[1])
        except OSError:
            await anyio.sleep(0.02)
            continue
        await stream.aclose()
        return True
    return False


def _ports_free(*ports: tuple[str, int, str]) -> None:
    """Exit with one line when a port is taken, before anything starts (nothing is then left running)."""
    for host, port, option in ports:
        with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET) as probe:
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as the servers bind
            try:
                probe.bind((host, port))
            except OSError as exc:
                taken = exc.errno == errno.EADDRINUSE
                why = "is in use (another mailman-server dev?)" if taken else f"cannot be used ({exc.strerror})"
                click.echo(f"mailman-server: port {port} on {host} {why}: pass {option}", err=True)
                sys.exit(1)


def _stop_with_parent() -> None:
    """Stop (as on SIGTERM) once the process that started this one is gone, even SIGKILLed: a child of ``dev``
    must never outlive it, and neither may ``nox -s dev``'s stack outlive nox. Polled, which works everywhere."""
    parent = os.getppid()

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(0.5)
        os.kill(os.getpid(), signal.SIGTERM)

    threading.Thread(target=watch, name="parent-watch", daemon=True).start()


class WorkerProcess:
    """``dev``'s worker in a process of its own, as in the containers: the queues get a core to themselves.

    A worker that exits on its own (it lost its database, say) is started again after a backoff, as a container
    would be: the API and the SMTP listener carry on meanwhile.
    """

    def __init__(self) -> None:
        self.process: anyio.abc.Process | None = None
        self.settings: Settings | None = None

    async def start(self, settings: Settings) -> None:
        self.settings = settings
        read_end, write_end = os.pipe()
        env = {
            **os.environ,
            "MAILMAN_DATA_DIR": str(settings.data_dir),
            "MAILMAN_API_TOKEN": settings.api_token or "",
            "MAILMAN_LOG_FORMAT": settings.log_format,
            READY_FD: str(write_end),
            STOP_WITH_PARENT: "1",
        }
        command = [sys.executable, "-m", "mailman_services.cli", "worker"]
        try:
            self.process = await anyio.open_process(
                command, env=env, pass_fds=[write_end], stdin=subprocess.DEVNULL, stdout=None, stderr=None
            )
        finally:
            os.close(write_end)
        try:
            ready = await anyio.to_thread.run_sync(os.read, read_end, 16)  # empty: it exited first
        finally:
            os.close(read_end)
        if not ready:
            raise RuntimeError(f"the worker process exited at start with code {await self.process.wait()}")

    async def watch(self, stop: anyio.Event) -> None:
        """Start the worker again whenever it exits on its own, until ``stop`` is set."""
        assert self.settings is not None
        delay = RESTART_DELAY
        while True:
            started = anyio.current_time()
            code = await self._exit_or(stop)
            if code is None:
                return
            if anyio.current_time() - started > MAX_RESTART_DELAY:  # it had been working: this is a new failure
                delay = RESTART_DELAY
            log.error("the worker process exited with code %s; starting it again in %.0f s", code, delay)
            with anyio.move_on_after(delay):
                await stop.wait()
            if stop.is_set():
                return
            delay = min(delay * 2, MAX_RESTART_DELAY)
            with contextlib.suppress(RuntimeError):  # it exited at start: the next round tells
                await self.start(self.settings)

    async def _exit_or(self, stop: anyio.Event) -> int | None:
        """The worker's exit code once it exits, or None once ``stop`` is set."""
        code: int | None = None
        async with anyio.create_task_group() as watching:

            async def exited() -> None:
                nonlocal code
                assert self.process is not None
                code = await self.process.wait()
                watching.cancel_scope.cancel()

            watching.start_soon(exited)
            await stop.wait()
            watching.cancel_scope.cancel()
        return None if stop.is_set() else code

    async def stop(self) -> None:
        if self.process is None or self.process.returncode is not None:
            return
        with contextlib.suppress(ProcessLookupError):
            self.process.terminate()
        with anyio.move_on_after(30):
            await self.process.wait()
            return
        self.process.kill()
        await self.process.wait()


async def _serve_api(services: Services, bind: tuple[str, int], stop: anyio.Event) -> None:
    from hypercorn.asyncio import serve
    from hypercorn.config import Config

    from .api import stream
    from .api.app import create_app

    config = Config()
    config.bind = [f"{bind[0]}:{bind[1]}"]
    config.accesslog = None
    config.errorlog = logging.getLogger("hypercorn.error")
    config.graceful_timeout = 10
    # WebSocket pings as the stream's heartbeat: idle subscriptions stay open through the load balancer.
    config.websocket_ping_interval = services.settings.stream_heartbeat_seconds
    app = create_app(services)

    async def stopping() -> None:
        await stop.wait()
        await stream.shutdown(app)  # open event streams end now rather than hold up the graceful shutdown

    log.info("api listening", extra={"host": bind[0], "port": bind[1]})
    await serve(app, config, shutdown_trigger=stopping)


def _dev_token(data_dir: Path) -> str:
    """A token kept in the data dir, so restarting ``dev`` keeps working scripts working."""
    path = data_dir / "api_token"
    if path.exists():
        return path.read_text().strip()
    token = "mm_dev_" + secrets.token_urlsafe(24)
    data_dir.mkdir(parents=True, exist_ok=True)
    path.write_text(token + "\n")
    path.chmod(0o600)
    return token


@click.group()
def main() -> None:
    """Run and administer a Mailman deployment."""


@main.command()
@click.option("--api-port", type=int, default=8080, show_default=True)
@click.option("--smtp-port", type=int, default=2525, show_default=True, help="Port of the SMTP listener.")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address the API and SMTP listen on.")
@click.option(
    "--data-dir", type=click.Path(path_type=Path), help="Local state (default: MAILMAN_DATA_DIR or .mailman)."
)
def dev(api_port: int, smtp_port: int, host: str, data_dir: Path | None) -> None:
    """The whole local stack: embedded PostgreSQL, migrations, API and SMTP, and the worker in a child process."""
    _ports_free((host, api_port, "--api-port"), (host, smtp_port, "--smtp-port"))
    if os.environ.pop(STOP_WITH_PARENT, "") == "1":
        _stop_with_parent()
    settings = _settings(data_dir=data_dir)
    if "MAILMAN_LOG_FORMAT" not in os.environ:
        settings = settings.with_overrides(log_format="console")
    logs.configure(settings.log_format)
    token = settings.api_token or _dev_token(settings.data_dir)
    settings = settings.with_overrides(api_token=token)
    url = _database(settings)
    message = (
        f"Mailman is running ({settings.backend} backend)\n"
        f"  API:    http://{host}:{api_port}\n"
        f"  SMTP:   {host}:{smtp_port}\n"
        f"  Token:  {token}\n"
        f"  Data:   {settings.data_dir}\n"
        f"  Domain: {settings.default_domain or '(none)'}\n"
        f"Try: curl -H 'Authorization: Bearer {token}' http://{host}:{api_port}/v1/inboxes\n"
        "Press Ctrl-C to stop."
    )
    worker = WorkerProcess()
    run = functools.partial(
        _run,
        settings,
        url,
        api=(host, api_port),
        worker_process=worker,
        smtp=(host, smtp_port),
        ready_message=message,
        console_url=f"http://{host}:{api_port}",
    )
    anyio.run(run, backend_options=EVENT_LOOP)


@main.command()
@click.option("--host", default="0.0.0.0", show_default=True)  # noqa: S104 - containers listen on all interfaces
@click.option("--port", type=int, default=8080, show_default=True)
def api(host: str, port: int) -> None:
    """The HTTP API alone (what the API container runs)."""
    settings = _settings()
    logs.configure(settings.log_format)
    url = _database(settings)
    if settings.database_url is not None:
        _require_current_schema(url)
    anyio.run(functools.partial(_run, settings, url, api=(host, port)), backend_options=EVENT_LOOP)


@main.command()
def worker() -> None:
    """The worker alone: consumes the queues (what the worker container runs)."""
    # Named in pg_stat_activity: the worker's connections can be told from the API's on the same database.
    os.environ.setdefault("PGAPPNAME", "mailman-worker")
    if os.environ.pop(STOP_WITH_PARENT, "") == "1":
        _stop_with_parent()
    settings = _settings()
    logs.configure(settings.log_format)
    url = _database(settings)
    if settings.database_url is not None:
        _require_current_schema(url)
    try:
        anyio.run(functools.partial(_run, settings, url, worker=True), backend_options=EVENT_LOOP)
    finally:
        if settings.database_url is None:
            from .db.engine import forget_dead_users

            # A dev killed outright left its claim on the embedded server: the last one out stops it.
            forget_dead_users(settings.data_dir)


@main.command()
@click.option("--host", default="0.0.0.0", show_default=True)  # noqa: S104 - a mail server listens widely
@click.option("--port", type=int, default=2525, show_default=True)
def smtp(host: str, port: int) -> None:
    """The SMTP ingress alone (local backend): accepts mail for known inboxes."""
    settings = _settings()
    logs.configure(settings.log_format)
    url = _database(settings)
    anyio.run(functools.partial(_run, settings, url, smtp=(host, port)), backend_options=EVENT_LOOP)


def _require_current_schema(url: str) -> None:
    from alembic.script import ScriptDirectory
    from sqlalchemy import create_engine, text

    from .db.engine import MIGRATIONS

    head = ScriptDirectory(str(MIGRATIONS)).get_current_head()
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            current = conn.execute(text("SELECT version_num FROM alembic_version")).scalar()
    except Exception:  # noqa: BLE001 - any failure here means the schema is not usable
        current = None
    finally:
        engine.dispose()
    if current != head:
        click.echo(
            f"mailman-server: the database schema is at {current or 'nothing'}, not {head}; "
            "run `mailman-server migrate`",
            err=True,
        )
        sys.exit(2)


@main.command()
def migrate() -> None:
    """Bring the database schema up to date."""
    from .db.engine import migrate as run_migrations

    settings = _settings()
    logs.configure(settings.log_format)
    url = _database(settings, migrate_embedded=False)
    run_migrations(url)
    click.echo("database schema is up to date")


@main.group("api-keys")
def api_keys() -> None:
    """Manage API keys from the command line (to bootstrap a deployment)."""


@api_keys.command("create")
@click.option("--name", required=True, help="What the key is for.")
@click.option("--inbox", "inbox_ids", multiple=True, help="Limit the key to this inbox (repeatable).")
def api_keys_create(name: str, inbox_ids: tuple[str, ...]) -> None:
    """Create an API key and print it (it is shown only once)."""
    from .db.engine import Database, create_engine
    from .db.reads import FastReads
    from .domain.errors import APIError
    from .handlers.api_keys import create as create_key

    settings = _settings()
    logs.configure(settings.log_format)
    url = _database(settings)

    async def create() -> str:
        database = Database(create_engine(url, pool_size=1), FastReads(url))
        try:
            key: str = (await create_key(database, name, list(inbox_ids) or None))["key"]
        except APIError as exc:
            raise click.ClickException(exc.detail) from None
        finally:
            await database.aclose()
        return key

    click.echo(anyio.run(create))


if __name__ == "__main__":
    main()
