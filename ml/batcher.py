"""Micro-batching: tickets that arrive together share one model call.

Each caller awaits its own answer; the batcher gathers what arrives within a few milliseconds
(or until the batch is full) and runs the batch function once, in a thread, off the event loop.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Generic, TypeVar

log = logging.getLogger(__name__)

In = TypeVar("In")
Out = TypeVar("Out")


@dataclass
class _Pending(Generic[In, Out]):
    item: In
    future: asyncio.Future[Out] = field(
        default_factory=lambda: asyncio.get_running_loop().create_future()
    )


class MicroBatcher(Generic[In, Out]):
    def __init__(
        self, run: Callable[[list[In]], list[Out]], max_batch: int = 32, max_wait: float = 0.005
    ) -> None:
        self.run = run
        self.max_batch = max_batch
        self.max_wait = max_wait
        self._queue: list[_Pending[In, Out]] = []
        self._flusher: asyncio.Task[None] | None = None
        self._tasks: set[asyncio.Task[None]] = set()
        self.batches = 0  # how many model calls were made, for metrics and tests

    async def submit(self, item: In) -> Out:
        pending: _Pending[In, Out] = _Pending(item)
        self._queue.append(pending)
        if len(self._queue) >= self.max_batch:
            batch, self._queue = self._queue, []
            self._tasks.add(task := asyncio.create_task(self._execute(batch)))
            task.add_done_callback(self._tasks.discard)
        elif self._flusher is None or self._flusher.done():
            self._flusher = asyncio.create_task(self._flush_later())
        return await pending.future

    async def _flush_later(self) -> None:
        await asyncio.sleep(self.max_wait)
        while self._queue:
            batch, self._queue = self._queue[: self.max_batch], self._queue[self.max_batch :]
            await self._execute(batch)

    async def _execute(self, batch: list[_Pending[In, Out]]) -> None:
        if not batch:
            return
        self.batches += 1
        try:
            results = await asyncio.to_thread(self.run, [p.item for p in batch])
        except Exception as err:  # every waiting caller gets the failure, none hangs
            for pending in batch:
                if not pending.future.done():
                    pending.future.set_exception(err)
            return
        for pending, result in zip(batch, results, strict=True):
            if not pending.future.done():
                pending.future.set_result(result)
