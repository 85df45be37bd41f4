"""Coalescing: concurrent calls for one kind of work are served together, one round trip per batch.

Calls made in the same event-loop iteration, or while the previous batch is in flight, wait for the next
batch. Nobody waits for a timer: a lone call goes out at once, and under load batches grow by themselves.
With ``concurrency`` above one, that many batches may be in flight at once (a call waits only while all are).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from typing import Generic, TypeVar

Item = TypeVar("Item")
Result = TypeVar("Result")


class Coalescer(Generic[Item, Result]):
    """``await coalescer(item)`` returns ``flush([..., item, ...])``'s result for ``item``.

    ``flush`` returns one result per item, in order; if it raises, every caller of that batch gets the error.
    """

    def __init__(self, flush: Callable[[list[Item]], Awaitable[Sequence[Result]]], concurrency: int = 1) -> None:
        self._flush = flush
        self._concurrency = concurrency
        self._waiting: list[tuple[Item, asyncio.Future[Result]]] = []
        self._runners: set[asyncio.Task[None]] = set()
        self._starting = False  # a runner started in this loop iteration has not taken its batch yet

    async def __call__(self, item: Item) -> Result:
        loop = asyncio.get_running_loop()
        done: asyncio.Future[Result] = loop.create_future()
        self._waiting.append((item, done))
        if not self._starting and len(self._runners) < self._concurrency:
            self._starting = True
            self._runners.add(loop.create_task(self._run()))
        return await done

    async def aclose(self) -> None:
        """Wait for the batches already started."""
        while self._runners:
            await asyncio.gather(*self._runners)

    async def _run(self) -> None:
        try:
            await asyncio.sleep(0)  # calls started in this loop iteration join the first batch
            self._starting = False
            await self._serve()
        finally:
            # Before the task ends, in the same step: a call made from now on starts another runner.
            self._runners.discard(asyncio.current_task())

    async def _serve(self) -> None:
        while self._waiting:
            batch, self._waiting = self._waiting, []
            try:
                results = await self._flush([item for item, _ in batch])
            except Exception as exc:  # noqa: BLE001 - handed to every caller of the batch
                for _, done in batch:
                    if not done.done():
                        done.set_exception(exc)
            except BaseException:
                for _, done in batch:
                    done.cancel()
                raise
            else:
                for (_, done), result in zip(batch, results, strict=True):
                    if not done.done():
                        done.set_result(result)
