"""Micro-batching: tickets arriving together share one model call; failures reach every caller."""

from __future__ import annotations

import asyncio

import pytest

from ml.batcher import MicroBatcher

pytestmark = pytest.mark.asyncio(loop_scope="session")


async def test_concurrent_requests_share_batches_and_keep_their_answers() -> None:
    calls: list[list[int]] = []

    def square(batch: list[int]) -> list[int]:
        calls.append(batch)
        return [n * n for n in batch]

    batcher = MicroBatcher(square, max_batch=8, max_wait=0.01)
    results = await asyncio.gather(*(batcher.submit(n) for n in range(20)))
    assert results == [n * n for n in range(20)]
    assert len(calls) <= 4 and max(len(c) for c in calls) <= 8
    assert sorted(n for c in calls for n in c) == list(range(20))


async def test_a_lone_request_is_answered_after_the_wait() -> None:
    def text(batch: list[int]) -> list[str]:
        return [str(n) for n in batch]

    batcher = MicroBatcher(text, max_wait=0.001)
    assert await batcher.submit(7) == "7"


async def test_a_failing_batch_fails_every_caller_instead_of_hanging() -> None:
    def broken(_batch: list[int]) -> list[int]:
        raise RuntimeError("model exploded")

    batcher = MicroBatcher(broken, max_wait=0.001)
    outcomes = await asyncio.gather(*(batcher.submit(n) for n in range(3)), return_exceptions=True)
    assert all(isinstance(o, RuntimeError) for o in outcomes)
