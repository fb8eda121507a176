"""Progress events from inside the graph, delivered through LangGraph's custom stream."""

from __future__ import annotations

from typing import Any

from langgraph.config import get_stream_writer


def emit(event: dict[str, Any]) -> None:
    """Send a progress event to whoever streams the run with stream_mode="custom"; no-op otherwise."""
    try:
        writer = get_stream_writer()
    except RuntimeError:  # called outside a graph run
        return
    writer(event)
