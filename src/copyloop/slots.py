"""A counting semaphore that serves its waiters by priority, then in arrival order."""

from __future__ import annotations

import asyncio
import heapq
import itertools
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager


class PrioritySlots:
    """At most `limit` holders; when full, the waiter with the lowest priority value gets the next free slot."""

    def __init__(self, limit: int) -> None:
        self._free = max(1, limit)
        self._waiters: list[tuple[float, int, asyncio.Future[None]]] = []
        self._order = itertools.count()

    async def acquire(self, priority: float = 0.0) -> None:
        """Take a slot, waiting behind every waiter with a lower priority value (or equal and earlier)."""
        if self._free > 0 and not self._waiters:
            self._free -= 1
            return
        granted: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        heapq.heappush(self._waiters, (priority, next(self._order), granted))
        try:
            await granted
        except asyncio.CancelledError:
            if granted.done() and not granted.cancelled():
                self.release()  # the slot was handed over just as we were cancelled: pass it on
            raise

    def release(self) -> None:
        """Give a slot back: straight to the first waiter still waiting, else to the pool."""
        while self._waiters:
            _, _, granted = heapq.heappop(self._waiters)
            if not granted.done():
                granted.set_result(None)
                return
        self._free += 1

    @asynccontextmanager
    async def hold(self, priority: float = 0.0) -> AsyncIterator[None]:
        """Hold a slot for the duration of the block."""
        await self.acquire(priority)
        try:
            yield
        finally:
            self.release()
