"""The worker: one consumer loop per queue in an anyio task group, stopping gracefully on SIGTERM.

A job is deleted from its queue only after its handler succeeds; a failure leaves it to come back
after the visibility timeout, and after the queue's max receives it moves to the dead-letter queue. A job
that can never be handled (``PoisonMessage``) moves there at once.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime

import aiohttp
import anyio
import anyio.abc
import psycopg
from sqlalchemy.exc import DBAPIError

from .batching import Coalescer
from .bootstrap import Services
from .db.engine import listen_url
from .handlers import deletion, delivery, idempotency, inbound, jobs, outbound, schedule, telemetry, waiting
from .handlers.events import FAN_OUT_CHANNEL
from .handlers.messages import SCHEDULE_CHANNEL
from .ports import QUEUES, PoisonMessage, QueueMessage, QueueName, TemporaryFailure

log = logging.getLogger("mailman.worker")

# Jobs in flight per queue. Inbound jobs come in batches of up to 10, each stored in one transaction: several
# batches at once keep the worker busy while one waits on the database. Webhook deliveries mostly wait on
# other people's servers (up to 15 s each).
CONCURRENCY: dict[QueueName, int] = {"inbound": 64, "outbound": 16, "telemetry": 16, "webhooks": 64}
SHORT_POLL_WAIT = 1.0  # seconds an empty receive waits on short-polling queues (wait_seconds 0)
RETRY_SOON = 1  # seconds before a job whose database connection broke is tried again
PURGE_EVERY = 600.0  # seconds between sweeps of idempotency answers past their 24 h
RETENTION_EVERY = 60.0  # seconds between looks for mail past its retention (at once again while a backlog lasts)
SCHEDULE_RECHECK = 1.0  # seconds at most between due-scans, whatever the next send time (and stop is noticed)
SCHEDULE_MIN_WAIT = 0.02  # seconds at least between due-scans that took nothing

Handler = Callable[[QueueMessage], Awaitable[object]]
# Handles received jobs together; per job, None when it is done or the exception that leaves it queued.
BatchHandler = Callable[[list[QueueMessage]], Awaitable[list[Exception | None]]]


async def _handle_inbound(svc: Services, inboxes: inbound.Inboxes, jobs: list[QueueMessage]) -> list[Exception | None]:
    return await inbound.handle([job.body for job in jobs], svc.engine, svc.blobs, svc.queue, inboxes)


def handlers(svc: Services, deliverer: delivery.Deliverer) -> dict[QueueName, Handler]:

    async def handle_outbound(job: QueueMessage) -> object:
        last = job.receive_count >= QUEUES["outbound"].max_receives
        try:
            await outbound.handle(
                job.body,
                svc.engine,
                svc.blobs,
                svc.transport,
                last_attempt=last,
            )
        except TemporaryFailure:
            # Back off exponentially instead of waiting out the whole visibility timeout.
            delay = svc.settings.outbound_retry_seconds * 2 ** (job.receive_count - 1)
            await svc.queue.change_visibility("outbound", job.receipt, delay)
            raise
        return None

    async def handle_telemetry(job: QueueMessage) -> object:
        return await telemetry.handle(job.body, svc.engine)

    async def handle_webhooks(job: QueueMessage) -> object:
        return await deliverer.deliver(job.body, job.receipt)

    return {
        "outbound": handle_outbound,
        "telemetry": handle_telemetry,
        "webhooks": handle_webhooks,
    }


def _lost_connection(failure: BaseException) -> bool:
    """The database connection broke (a restart, a failover, a terminated backend): worth trying again soon."""
    if isinstance(failure, DBAPIError):
        return bool(failure.connection_invalidated) or isinstance(failure.orig, psycopg.OperationalError)
    return isinstance(failure, psycopg.OperationalError)


class Outage:
    """The retries of one loop that lost what it needs (the database, mostly): logged when the failures start
    and when they end rather than at every try, and paced by a backoff doubling from 1 s to 30 s."""

    def __init__(self, what: str, **extra: str) -> None:
        self.what = what
        self.extra = extra
        self.delay = 0.0  # 0: no outage

    async def failed(self, exc: Exception, stop: anyio.Event) -> None:
        """Note a failure and wait before the next try (less, if ``stop`` is set meanwhile)."""
        if not self.delay:
            log.error("%s failed; retrying until it works", self.what, exc_info=exc, extra=self.extra)
        self.delay = min(max(1.0, self.delay * 2), 30.0)
        with anyio.move_on_after(self.delay):
            await stop.wait()

    def over(self) -> None:
        if self.delay:
            log.info("%s works again", self.what, extra=self.extra)
            self.delay = 0.0


async def fan_out_forever(svc: Services, stop: anyio.Event) -> None:
    """Queue webhook deliveries for new events as soon as they are committed (NOTIFY), or every second."""
    url = listen_url(svc.engine)
    outage = Outage("fan-out")
    while not stop.is_set():
        try:
            async with await psycopg.AsyncConnection.connect(url, autocommit=True) as listener:
                await listener.execute(f"LISTEN {FAN_OUT_CHANNEL}")
                while not stop.is_set():
                    taken = await delivery.fan_out(svc.engine, svc.queue)
                    outage.over()
                    if not taken:
                        async for _ in listener.notifies(timeout=1.0, stop_after=1):
                            pass
        except Exception as exc:  # noqa: BLE001 - logged once per outage; connecting again is the remedy
            await outage.failed(exc, stop)


async def schedule_forever(svc: Services, stop: anyio.Event) -> None:
    """Queue scheduled messages as their send time comes: a due-scan, then a wait until the next ``send_at``
    (at most ``SCHEDULE_RECHECK``) or a NOTIFY that the schedule changed (a message scheduled or rescheduled)."""
    outage = Outage("scheduled sending")
    while not stop.is_set():
        try:
            async with await psycopg.AsyncConnection.connect(listen_url(svc.engine), autocommit=True) as listener:
                await listener.execute(f"LISTEN {SCHEDULE_CHANNEL}")
                while not stop.is_set():
                    taken = await schedule.release_due(svc.database, svc.queue)
                    outage.over()
                    if taken:
                        continue  # perhaps more are due
                    due = await schedule.next_due(svc.database)
                    wait = SCHEDULE_RECHECK
                    if due is not None:
                        # A due message another worker holds locked is not taken here: look again shortly.
                        wait = min(wait, max(SCHEDULE_MIN_WAIT, (due - datetime.now(UTC)).total_seconds()))
                    async for _ in listener.notifies(timeout=wait, stop_after=1):
                        pass
        except Exception as exc:  # noqa: BLE001 - logged once per outage; the schedule is kept in the database
            await outage.failed(exc, stop)


async def housekeeping_forever(svc: Services, stop: anyio.Event) -> None:
    """Relay the job outbox (jobs the API could not hand to SQS itself), delete the blobs of deleted mail
    (those the API could not delete itself) and number stored messages for waiters every second; purge
    expired idempotency answers every ten minutes and mail past its inbox's retention every minute."""
    purged_at = retained_at = -PURGE_EVERY
    outage = Outage("housekeeping")
    while not stop.is_set():
        try:
            relayed = await jobs.relay(svc.engine, svc.queue)
            relayed += await deletion.sweep(svc.engine, svc.blobs)
            # Waiters number stored messages before they look; numbering here too bounds what a first waiter
            # after a long quiet finds to do (handlers/waiting.py).
            await waiting.number_stored(svc.database)
            if anyio.current_time() - purged_at >= PURGE_EVERY:
                purged_at = anyio.current_time()
                if purged := await idempotency.purge(svc.engine):
                    log.info("purged expired idempotency keys", extra={"rows": purged})
            if anyio.current_time() - retained_at >= RETENTION_EVERY:
                expired = await deletion.purge_expired(svc.database, svc.blobs)
                if expired:
                    log.info("deleted mail past its retention", extra={"messages": expired})
                if expired < deletion.RETENTION_PASS:  # else a backlog: go on after the next relay
                    retained_at = anyio.current_time()
            outage.over()
        except Exception as exc:  # noqa: BLE001 - logged once per outage; the outbox keeps its jobs
            await outage.failed(exc, stop)
            continue
        if not relayed:
            with anyio.move_on_after(1.0):
                await stop.wait()


async def consume(
    svc: Services,
    name: QueueName,
    stop: anyio.Event,
    *,
    handler: Handler | None = None,
    batch_handler: BatchHandler | None = None,
) -> None:
    """Receive and handle jobs of one queue until ``stop`` is set; in-flight jobs are finished.

    A ``handler`` takes one job per task; a ``batch_handler`` takes each received batch in one task.
    """
    spec = QUEUES[name]
    # One slot per job in flight: the loop receives only as many jobs as it can start at once, so a
    # received job never waits here while its visibility timeout runs out.
    slots = anyio.Semaphore(CONCURRENCY[name])

    async def delete_together(receipts: list[str]) -> list[None]:
        await svc.queue.delete_batch(name, receipts)
        return [None] * len(receipts)

    delete = Coalescer(delete_together)  # jobs that end together are deleted together

    async def dead_letter(job: QueueMessage, why: PoisonMessage) -> bool:
        """Move a job that can never be handled to the dead-letter queue now; False when it stays queued."""
        try:
            moved = await svc.queue.dead_letter(name, job)
        except Exception:
            log.exception("could not dead-letter a job; it will be retried", extra={"queue": name})
            return False
        if moved:
            log.warning("job moved to the dead-letter queue", extra={"queue": name, "why": str(why)})
        return moved

    async def retry_soon(job: QueueMessage, failure: BaseException) -> None:
        """A job whose database connection broke under it comes back in a second, not a visibility timeout."""
        if _lost_connection(failure):
            try:
                await svc.queue.change_visibility(name, job.receipt, RETRY_SOON)
            except Exception:  # then it comes back after its visibility timeout
                log.warning("could not hand a job back early", extra={"queue": name}, exc_info=True)

    async def run(job: QueueMessage) -> bool:
        """Handle and delete one job; False when it stays queued for another try."""
        try:
            assert handler is not None
            await handler(job)
            await delete(job.receipt)
            return True
        except PoisonMessage as exc:
            return await dead_letter(job, exc)
        except TemporaryFailure as exc:
            log.warning("job will be retried", extra={"queue": name, "receives": job.receive_count, "why": str(exc)})
        except Exception as exc:
            log.exception("job failed; it will be retried", extra={"queue": name, "receives": job.receive_count})
            await retry_soon(job, exc)
        finally:
            slots.release()
        return False

    async def run_in_order(group: list[QueueMessage]) -> None:
        """One FIFO group's jobs of a receive, one after the other (SQS may hand out several at once).

        When one fails, the later ones are not handled: visible again, they come back after it.
        """
        for position, job in enumerate(group):
            if not await run(job):
                for later in group[position + 1 :]:
                    try:
                        await svc.queue.change_visibility(name, later.receipt, 0)
                    except Exception:
                        log.exception("could not give a job back", extra={"queue": name})
                    finally:
                        slots.release()
                return

    async def run_batch(batch: list[QueueMessage]) -> None:
        try:
            assert batch_handler is not None
            outcomes = await batch_handler(batch)
        except Exception as exc:  # noqa: BLE001 - logged below, per job
            outcomes = [exc] * len(batch)
        try:
            for job, failure in zip(batch, outcomes, strict=True):
                if isinstance(failure, PoisonMessage):
                    await dead_letter(job, failure)
                elif failure is not None:
                    extra = {"queue": name, "receives": job.receive_count}
                    log.error("job failed; it will be retried", exc_info=failure, extra=extra)
                    await retry_soon(job, failure)
            if done := [job.receipt for job, failure in zip(batch, outcomes, strict=True) if failure is None]:
                await svc.queue.delete_batch(name, done)
        except Exception:
            log.exception("could not delete handled jobs; they will be handled again", extra={"queue": name})
        finally:
            for _ in batch:
                slots.release()

    async def receive_forever(jobs: anyio.abc.TaskGroup) -> None:
        outage = Outage("receiving", queue=name)
        while True:
            await slots.acquire()
            free = 1
            while free < 10 and slots.value > 0:
                slots.acquire_nowait()
                free += 1
            try:
                batch = await svc.queue.receive(
                    name, max_messages=free, wait_seconds=spec.wait_seconds or SHORT_POLL_WAIT
                )
                outage.over()
            except Exception as exc:  # noqa: BLE001 - logged once per outage
                batch = []
                await outage.failed(exc, stop)
            for _ in range(free - len(batch)):
                slots.release()
            if batch_handler is not None:
                if batch:
                    jobs.start_soon(run_batch, batch)
            else:
                groups: dict[str | int, list[QueueMessage]] = {}
                for position, job in enumerate(batch):
                    groups.setdefault(job.group_id or position, []).append(job)
                for group in groups.values():
                    jobs.start_soon(run_in_order, group)

    # Jobs outlive the receiving: on stop, receiving is cancelled at once and the jobs finish.
    async with anyio.create_task_group() as jobs, anyio.create_task_group() as receiving:

        async def stop_receiving() -> None:
            await stop.wait()
            receiving.cancel_scope.cancel()

        receiving.start_soon(stop_receiving)
        receiving.start_soon(receive_forever, jobs)


async def run_worker(svc: Services, stop: anyio.Event) -> None:
    public_only = svc.settings.webhooks_public_only
    resolver = svc.webhook_resolver() if svc.webhook_resolver is not None else None
    connector = aiohttp.TCPConnector(limit=CONCURRENCY["webhooks"], resolver=resolver)
    async with aiohttp.ClientSession(connector=connector, trust_env=False) as http:
        deliverer = delivery.Deliverer(
            svc.engine, svc.queue, http, retry_scale=svc.settings.webhook_retry_scale, public_only=public_only
        )
        consumers = handlers(svc, deliverer)
        log.info("worker started", extra={"queues": sorted([*consumers, "inbound"])})
        async with anyio.create_task_group() as tg:
            tg.start_soon(fan_out_forever, svc, stop)
            tg.start_soon(housekeeping_forever, svc, stop)
            tg.start_soon(schedule_forever, svc, stop)
            tg.start_soon(
                functools.partial(
                    consume,
                    svc,
                    "inbound",
                    stop,
                    batch_handler=functools.partial(_handle_inbound, svc, inbound.Inboxes(svc.engine)),
                )
            )
            for name, handler in consumers.items():
                tg.start_soon(functools.partial(consume, svc, name, stop, handler=handler))
    log.info("worker stopped")
