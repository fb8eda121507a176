"""The budget: spending priced from the ledger, reservations at each request's ceiling, pacing, and the gate."""

from __future__ import annotations

import asyncio
import time

import pytest

from copyloop.budget import BUDGET_STOP, Budget
from copyloop.errors import StopRequested
from copyloop.ledger import Ledger
from copyloop.llm import RequestGate
from copyloop.pricing import parse_prices
from copyloop.usage import Usage

# 1 CNY per 1M tokens of anything, at any hour: costs are token counts / 1e6.
FLAT = parse_prices(
    {"models": {"m": {"peak": {"cache_hit": 1, "cache_miss": 1, "output": 1}}}, "peak": {"holidays": []}},
    "test",
    None,
)


def used(tokens: int) -> Usage:
    return Usage(prompt_tokens=tokens, completion_tokens=0, cache_hit_tokens=0, cache_miss_tokens=tokens)


def test_spent_follows_the_ledger_and_reservations_must_fit() -> None:
    ledger = Ledger()
    budget = Budget(0.01, FLAT, ledger)  # 10 000 tokens
    ledger.record("planner", None, "m", used(4000))
    assert budget.spent() == pytest.approx(0.004)
    assert budget.try_reserve(0.005)
    assert not budget.try_reserve(0.002)  # 0.004 + 0.005 + 0.002 > 0.01
    budget.release(0.005)
    ledger.record("write", 1, "m", used(1000))  # the reply cost less than its reservation
    assert budget.try_reserve(0.005)
    assert budget.ceiling("m", 1000, 500) == pytest.approx(0.0015)


def test_new_articles_need_room_to_finish_the_open_ones() -> None:
    budget = Budget(0.01, FLAT, Ledger())
    assert budget.try_reserve(0.002, starts=1)  # needs 0.002 + 1 x 0.002
    assert budget.try_reserve(0.002, starts=2)  # needs 0.002 (reserved) + 0.002 + 2 x 0.002
    assert not budget.try_reserve(0.002, starts=3)  # would need 0.004 + 0.002 + 3 x 0.002
    assert budget.try_reserve(0.002)  # a later call of an open article needs no headroom
    budget.article_ended(1)
    budget.release(0.006)
    assert budget.try_reserve(0.002, starts=3)


async def test_gate_waits_for_requests_in_flight_then_stops_with_reason_budget() -> None:
    ledger = Ledger()
    gate = RequestGate(4, Budget(0.01, FLAT, ledger))
    order: list[str] = []

    async def call(name: str, cost: float, real: int, hold: float) -> None:
        async with gate.slot(cost):
            order.append(f"start {name}")
            await asyncio.sleep(hold)
        ledger.record("write", None, "m", used(real))  # what call_model does right after the slot

    first = asyncio.create_task(call("a", 0.008, 1000, 0.05))
    await asyncio.sleep(0.01)
    # b does not fit while a's 0.008 is reserved; it waits, and fits once a came back costing 0.001
    await call("b", 0.008, 8000, 0)
    await first
    assert order == ["start a", "start b"]
    started = time.monotonic()
    with pytest.raises(StopRequested):  # 0.009 spent: 0.005 never fits, with nothing in flight
        await call("c", 0.005, 0, 0)
    assert gate.stop_reason == BUDGET_STOP
    assert time.monotonic() - started < 1
