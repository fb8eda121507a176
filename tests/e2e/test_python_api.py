"""The graph from Python, through the simulator over HTTP: ainvoke in fresh event loops, and sync invoke."""

from __future__ import annotations

import asyncio

import pytest

from copyloop.brief import load_brief
from copyloop.graph.builder import graph
from copyloop.graph.context import Context
from copyloop.sim import SimConfig, SimServer
from tests.e2e.conftest import EXAMPLE

pytestmark = pytest.mark.e2e


def test_ainvoke_twice_in_separate_event_loops_then_invoke() -> None:
    brief = load_brief(EXAMPLE).model_dump()
    with SimServer(SimConfig(seed=1)) as sim:
        ctx = Context(base_url=sim.base_url, api_key="sk-test", max_concurrency=4)
        first = asyncio.run(graph.ainvoke({"briefs": [brief]}, context=ctx))
        second = asyncio.run(graph.ainvoke({"briefs": [brief]}, context=ctx))
        third = graph.invoke({"briefs": [brief]}, context=ctx)
        stats = sim.stats()
    for state in (first, second, third):
        assert sorted(a["id"] for a in state["articles"]) == list(range(1, 8))
        assert all(a["status"] != "error" for a in state["articles"]), [a["error"] for a in state["articles"]]
    assert stats["max_in_flight"] <= 4
    # same seed and prompts: the simulator answers alike, so the three batches are identical
    texts = [sorted((a["id"], a["text"]) for a in s["articles"]) for s in (first, second, third)]
    assert texts[0] == texts[1] == texts[2]
