"""The coalescer that shares round trips between concurrent jobs."""

from __future__ import annotations

import asyncio

from mailman_services.batching import Coalescer


class Flushes:
    """A flush that records its batches and how many ran at once; each takes one event-loop turn or more."""

    def __init__(self, fail_on: int | None = None) -> None:
        self.batches: list[list[int]] = []
        self.running = 0
        self.most_at_once = 0
        self.fail_on = fail_on

    async def __call__(self, items: list[int]) -> list[int]:
        self.batches.append(items)
        self.running += 1
        self.most_at_once = max(self.most_at_once, self.running)
        try:
            await asyncio.sleep(0.01)
            if self.fail_on in items:
                raise ValueError(f"bad item {self.fail_on}")
            return [item * 10 for item in items]
        finally:
            self.running -= 1


def test_calls_of_one_turn_share_a_batch_and_later_ones_wait_for_the_next() -> None:
    async def main() -> tuple[list[int], Flushes]:
        flush = Flushes()
        coalescer = Coalescer(flush)
        first = asyncio.gather(*(coalescer(n) for n in range(3)))
        await asyncio.sleep(0.001)  # the first batch is in flight
        later = asyncio.gather(*(coalescer(n) for n in range(3, 6)))
        results = [*await first, *await later]
        await coalescer.aclose()
        return results, flush

    results, flush = asyncio.run(main())
    assert results == [0, 10, 20, 30, 40, 50]
    assert flush.batches == [[0, 1, 2], [3, 4, 5]] and flush.most_at_once == 1


def test_a_failed_batch_fails_each_of_its_callers_and_no_other() -> None:
    async def main() -> list[object]:
        coalescer = Coalescer(Flushes(fail_on=1))
        failed = await asyncio.gather(coalescer(0), coalescer(1), return_exceptions=True)
        return [*failed, await coalescer(2)]

    first, second, third = asyncio.run(main())
    assert isinstance(first, ValueError) and isinstance(second, ValueError) and third == 20


def test_with_a_concurrency_of_two_a_call_goes_out_while_one_batch_is_in_flight() -> None:
    async def main() -> tuple[list[int], Flushes]:
        flush = Flushes()
        coalescer = Coalescer(flush, concurrency=2)
        first = asyncio.gather(*(coalescer(n) for n in range(3)))
        await asyncio.sleep(0.001)  # the first batch is in flight: the next call goes out at once, beside it
        second = asyncio.ensure_future(coalescer(3))
        await asyncio.sleep(0.001)  # both are in flight: these wait for the first to end
        third = asyncio.gather(*(coalescer(n) for n in range(4, 6)))
        results = [*await first, await second, *await third]
        await coalescer.aclose()
        return results, flush

    results, flush = asyncio.run(main())
    assert results == [0, 10, 20, 30, 40, 50]
    assert flush.batches == [[0, 1, 2], [3], [4, 5]] and flush.most_at_once == 2


def test_a_call_made_as_the_last_batch_ends_is_not_left_waiting() -> None:
    """Each call is answered, whenever it comes: every time one lands right after a batch ends."""

    async def main() -> list[int]:
        coalescer = Coalescer(Flushes())
        answers = []
        for n in range(20):
            answers.append(await coalescer(n))  # the runner of the previous call is ending just now
        return answers

    assert asyncio.run(main()) == [n * 10 for n in range(20)]
