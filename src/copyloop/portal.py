"""Run async nodes from LangGraph's sync API (`graph.invoke`) on one long-lived event loop.

Sync `invoke` runs each task in a worker thread. Giving every call its own `asyncio.run` would break what must
be shared across the batch — the HTTP client pool and the in-flight request cap are bound to one event loop — so
every sync call is handed to a single background loop (the "portal"), with the caller's context variables
(LangGraph's config, stream writer) carried along.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextvars
import threading
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any, TypeVar

from langgraph._internal._runnable import RunnableCallable
from langgraph.runtime import Runtime

T = TypeVar("T")

_lock = threading.Lock()
_loop: asyncio.AbstractEventLoop | None = None


def portal_loop() -> asyncio.AbstractEventLoop:
    """Return the background event loop, starting its thread on first use."""
    global _loop
    with _lock:
        if _loop is None:
            loop = asyncio.new_event_loop()
            threading.Thread(target=loop.run_forever, name="copyloop-portal", daemon=True).start()
            _loop = loop
        return _loop


def run_in_portal(coroutine: Coroutine[Any, Any, T]) -> T:
    """Run a coroutine on the portal loop with the caller's context variables; block until it is done."""
    loop = portal_loop()
    context = contextvars.copy_context()
    result: concurrent.futures.Future[T] = concurrent.futures.Future()

    def settle(task: asyncio.Task[T]) -> None:
        if task.cancelled():
            result.cancel()
        elif (error := task.exception()) is not None:
            result.set_exception(error)
        else:
            result.set_result(task.result())

    def start() -> None:
        loop.create_task(coroutine, context=context).add_done_callback(settle)

    loop.call_soon_threadsafe(start)
    return result.result()


def sync_and_async(node: Callable[[Any, Runtime[Any]], Awaitable[Any]], name: str) -> RunnableCallable:
    """Return a node usable from both `invoke` and `ainvoke`: the async function, plus a sync twin via the portal."""

    def sync_node(state: Any, runtime: Runtime[Any]) -> Any:
        return run_in_portal(node(state, runtime))  # type: ignore[arg-type]

    async def async_node(state: Any, runtime: Runtime[Any]) -> Any:
        return await node(state, runtime)

    return RunnableCallable(sync_node, async_node, name=name)
