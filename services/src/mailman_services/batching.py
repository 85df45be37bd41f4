"""Coalescing: concurrent calls for one kind of work are served together, one round trip per batch.

Calls made in the same event-loop iteration, or while the previous batch is in flight, wait for the next
batch. Nobody waits for a timer: a lone call goes out at once, and under load batches grow by themselves.
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

    def __init__(self, flush: Callable[[list[Item]], Awaitable[Sequence[Result]]]) -> None:
        self._flush = flush
        self._waiting: list[tuple[Item, asyncio.Future[Result]]] = []
        self._runner: asyncio.Task[None] | None = None

    async def __call__(self, item: Item) -> Result:
        loop = asyncio.get_running_loop()
        done: asyncio.Future[Result] = loop.create_future()
        self._waiting.append((item, done))
        if self._runner is None or self._runner.done():
            self._runner = loop.create_task(self._run())
        return await done

    async def aclose(self) -> None:
        """Wait for the batches already started."""
        if self._runner is not None:
            await self._runner

    async def _run(self) -> None:
        await asyncio.sleep(0)  # calls started in this loop iteration join the first batch
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
