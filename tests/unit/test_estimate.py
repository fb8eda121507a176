"""The estimate's arithmetic: expected calls from pass rates, bounds, and rendering from the real prompts."""

from __future__ import annotations

import pytest

from copyloop.brief import load_brief
from copyloop.estimate import Behaviour, estimate, expected_counts
from copyloop.pricing import load_prices
from tests.e2e.conftest import EXAMPLE


def test_expected_counts_follow_the_pass_rates() -> None:
    always = Behaviour(first_gate_pass=1, later_gate_pass=1, critic_pass=1)
    assert expected_counts(3, always) == (1, 0)
    never = Behaviour(first_gate_pass=1, later_gate_pass=1, critic_pass=0)
    assert expected_counts(3, never) == (4, 3)
    gates_fail = Behaviour(first_gate_pass=0, later_gate_pass=0, critic_pass=1)
    assert expected_counts(2, gates_fail) == (0, 2)
    half = Behaviour(first_gate_pass=1, later_gate_pass=1, critic_pass=0.5)
    critic, revise = expected_counts(1, half)
    assert critic == pytest.approx(1.5) and revise == pytest.approx(0.5)


def test_no_revisions_means_one_or_two_calls_per_article() -> None:
    brief = load_brief(EXAMPLE).model_copy(update={"max_revisions": 0}).model_dump()
    result = estimate([brief], load_prices())
    assert result["calls"]["low"] == 1 + 7  # planner + writes (a draft outside the window gets no critique)
    assert result["calls"]["high"] == 1 + 14


def test_longer_windows_and_pro_cost_more() -> None:
    brief = load_brief(EXAMPLE).model_dump()
    longer = {**brief, "length": {"min": 800, "max": 1000}}
    prices = load_prices()
    base = estimate([brief], prices, now=0)
    assert estimate([longer], prices, now=0)["cost_cny"]["expected"] > base["cost_cny"]["expected"]
    assert (
        estimate([brief], prices, model="deepseek-v4-pro", now=0)["cost_cny"]["high"]
        > base["cost_cny"]["high"]
    )
    # the high case prices at peak, the low at off-peak, whatever the time now
    assert base["cost_cny"]["low"] < base["cost_cny"]["expected"] < base["cost_cny"]["high"]
