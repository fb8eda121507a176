"""Live progress: totals from stream events, and what the panel shows."""

from __future__ import annotations

import io
from typing import Any

from rich.console import Console

from copyloop.progress_view import LiveProgress, Tally, cost_cny, elapsed_text


def result(i: int, status: str = "passed") -> dict[str, Any]:
    return {
        "id": i,
        "persona": "宝妈",
        "selling_point": "空间",
        "platform": "xiaohongshu",
        "status": status,
        "drafts": 2,
        "chars": 300,
        "error": "boom" if status == "error" else None,
    }


USAGE = {"prompt_tokens": 1000, "completion_tokens": 200, "cache_hit_tokens": 800, "cache_miss_tokens": 200}


def test_tally_counts_events_once() -> None:
    tally = Tally(total=7)
    tally.update({"event": "update", "update": {"review_plan": {"assignments": [1, 2, 3, 4, 5]}}})
    for event in (
        {"event": "draft", "article": 1, "draft": 1, "chars": 300},
        {"event": "draft", "article": 1, "draft": 2, "chars": 300},
        {"event": "usage", "role": "write", "article": 1, "model": "m", "usage": USAGE},
        {"event": "usage", "role": "critic", "article": 1, "model": "m", "usage": USAGE},
        {"event": "finished", "article": 1, "result": result(1)},
        {"event": "finished", "article": 2, "result": result(2, "error")},
        {"event": "restored", "article": 2, "result": result(2, "error")},
        {"event": "restored", "article": 3, "result": result(3, "failed")},
    ):
        tally.update(event)
    assert tally.total == 5 and tally.done == 3 and tally.drafts == 2 and tally.calls == 2
    assert tally.outcomes == {"passed": 1, "failed": 1, "error": 1}
    assert tally.usage["prompt_tokens"] == 2000 and tally.usage["cache_hit_tokens"] == 1600
    assert (
        "passed 1 · failed 1 · error 1 · drafts 2 · calls 2 · tokens 2,000 in (1,600 cached) + 400 out"
        in (tally.summary())
    )


def test_without_a_price_list_there_is_no_cny() -> None:
    assert cost_cny(USAGE, "deepseek-flash") is None or isinstance(cost_cny(USAGE, "deepseek-flash"), float)


def test_the_live_panel_shows_done_total_lines_and_totals() -> None:
    screen = io.StringIO()
    console = Console(file=screen, force_terminal=True, width=140, color_system=None)
    with LiveProgress(3, console=console, earlier=[result(9)]) as live:
        live({"event": "draft", "article": 1, "draft": 1, "chars": 300})
        live({"event": "usage", "role": "write", "article": 1, "model": "m", "usage": USAGE})
        live({"event": "finished", "article": 1, "result": result(1)})
        live.pause()  # e.g. a prompt; the next event brings the panel back
        live({"event": "finished", "article": 2, "result": result(2, "failed")})
    text = screen.getvalue()
    assert "#1 宝妈·空间·小红书 passed (2 drafts, 300 字)" in text
    assert "#2 宝妈·空间·小红书 failed" in text
    assert "3/3 articles" in text
    assert "tokens 1,000 in (800 cached) + 200 out" in text


def test_elapsed_text() -> None:
    assert elapsed_text(5) == "0:05" and elapsed_text(125) == "2:05" and elapsed_text(3725) == "1:02:05"
