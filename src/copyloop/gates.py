"""Deterministic quality gates, run in code before the LLM critic. Each finding carries a stable rule code."""

from __future__ import annotations

from typing import Any

from copyloop.counting import count_chars
from copyloop.graph.state import Draft, Problem


def length_problem(chars: int, window: dict[str, int]) -> Problem | None:
    """Return a `length` problem with the exact arithmetic to fix it, or None when the body is in the window."""
    low, high = window["min"], window["max"]
    middle = (low + high) // 2
    if chars > high:
        detail = f"当前 {chars} 字，超出上限 {high} 字，需删去至少 {chars - high} 字（目标约 {middle} 字）"
    elif chars < low:
        detail = f"当前 {chars} 字，低于下限 {low} 字，需增加至少 {low - chars} 字（目标约 {middle} 字）"
    else:
        return None
    return Problem(rule="length", detail=detail, span=None)


def check_draft(draft: Draft, brief: dict[str, Any], platform: str) -> list[Problem]:
    """Run every gate on a draft and return its problems (empty when it clears them all)."""
    problems: list[Problem] = []
    found = length_problem(count_chars(draft["text"]), brief["length"])
    if found:
        problems.append(found)
    return problems


def format_problem(problem: Problem) -> str:
    """Render a problem as one line: `rule: detail`."""
    return f"{problem['rule']}: {problem['detail']}"
