"""Request scheduling: priority slots, the gate's order (planner, longest chains, first drafts), planner chunks."""

from __future__ import annotations

import asyncio

from copyloop.llm import RequestGate
from copyloop.nodes.planner import PLAN_CHUNK, WARM_UP_ROWS, plan_chunks, table_for
from copyloop.slots import PrioritySlots


async def test_waiters_are_served_by_priority_then_arrival() -> None:
    slots = PrioritySlots(1)
    await slots.acquire()
    served: list[str] = []

    async def wait(name: str, priority: float) -> None:
        async with slots.hold(priority):
            served.append(name)

    tasks = [asyncio.create_task(wait(n, p)) for n, p in [("c", 0), ("a", -2), ("d", 0), ("b", -1)]]
    await asyncio.sleep(0)
    slots.release()
    await asyncio.gather(*tasks)
    assert served == ["a", "b", "c", "d"]


async def test_a_cancelled_waiter_does_not_lose_the_slot() -> None:
    slots = PrioritySlots(1)
    await slots.acquire()
    waiter = asyncio.create_task(slots.acquire())
    await asyncio.sleep(0)
    waiter.cancel()
    slots.release()
    await asyncio.sleep(0)
    await asyncio.wait_for(slots.acquire(), 1)  # the slot went back to the pool


def test_gate_orders_planner_then_deeper_articles() -> None:
    gate = RequestGate(4)
    assert gate.priority("planner", None) < gate.priority("write", 1)
    gate.priority("critic", 2)
    gate.priority("revise", 2)
    assert gate.priority("critic", 2) < gate.priority("write", 3)


def test_the_first_planner_request_is_small_and_chunks_cover_every_row() -> None:
    brief = {
        "product": {"name": "车", "materials": "轴距 2950 mm"},
        "personas": [{"name": "宝妈", "description": ""}],
        "selling_points": [{"name": "空间", "description": ""}],
        "platforms": ["xiaohongshu"],
        "count": 100,
        "length": {"min": 250, "max": 350},
        "min_score": 8,
        "max_revisions": 3,
    }
    rows = table_for([brief, {**brief, "count": 50}])
    chunks = plan_chunks(rows, 2)
    assert len(chunks[0]) == WARM_UP_ROWS
    assert all(len(c) <= PLAN_CHUNK and len({r["brief_index"] for r in c}) == 1 for c in chunks)
    assert [r["id"] for c in chunks for r in c] == [r["id"] for r in rows]
