"""Plan review: decisions validated and applied, CLI commands parsed, the terminal reviewer driven by stdin."""

from __future__ import annotations

import io
from typing import Any

import pytest
from rich.console import Console

from copyloop.nodes.review import apply_decision, decision_problem
from copyloop.plan_review import TerminalReviewer, parse_command, pending_interrupt


def rows(n: int = 4) -> list[Any]:
    return [
        {
            "id": i,
            "brief_index": 0,
            "product": "远岚 V7",
            "persona": "宝妈",
            "persona_description": "",
            "selling_point": "空间",
            "selling_point_description": "",
            "platform": "xiaohongshu",
            "angle": f"角度{i}",
        }
        for i in range(1, n + 1)
    ]


@pytest.mark.parametrize(
    ("decision", "problem"),
    [
        ({"approve": True}, None),
        ({"drop": [2], "angles": {"3": "新角度"}}, None),
        ({"drop": ["2"], "angles": {3: "新角度"}, "approve": False}, None),
        ({"drop": [9]}, "no article with id 9"),
        ({"angles": {"7": "x"}}, "no article with id 7"),
        ({"drop": [1, 2, 3, 4]}, "drop every article"),
        ({"angles": {"2": "  "}}, "blank"),
        ({"drop": [2], "angles": {"2": "新"}}, "both dropped and edited"),
        ({"aprove": True}, "unknown key"),
        ("yes", "a decision is an object"),
        ({"drop": "x"}, "drop is a list"),
    ],
)
def test_decisions_are_checked(decision: Any, problem: str | None) -> None:
    found = decision_problem(decision, rows())
    assert (found is None) if problem is None else (problem in (found or ""))


def test_a_decision_drops_rows_and_changes_angles_keeping_ids() -> None:
    kept = apply_decision(rows(), {"drop": [2], "angles": {"3": "  周末 露营  "}})
    assert [(r["id"], r["angle"]) for r in kept] == [(1, "角度1"), (3, "周末 露营"), (4, "角度4")]


@pytest.mark.parametrize(
    ("line", "parsed"),
    [
        ("a", ("approve", None)),
        ("q", ("quit", None)),
        ("d 3 5", ("drop", [3, 5])),
        ("d 3,5", ("drop", [3, 5])),
        ("e 4 周末带娃去露营 顺便试驾", ("edit", (4, "周末带娃去露营 顺便试驾"))),
    ],
)
def test_commands_parse(line: str, parsed: tuple[str, Any]) -> None:
    assert parse_command(line) == parsed


@pytest.mark.parametrize("line", ["", "x", "d", "d a", "e 4", "e x 新"])
def test_bad_commands_say_why(line: str) -> None:
    with pytest.raises(ValueError):
        parse_command(line)


def drive(lines: str, payload: dict[str, Any]) -> tuple[dict[str, Any] | None, str]:
    screen = io.StringIO()
    reviewer = TerminalReviewer(Console(file=screen, width=120), stdin=io.StringIO(lines))
    return reviewer(payload), screen.getvalue()


def test_the_reviewer_collects_edits_until_approve() -> None:
    decision, screen = drive("d 2\nd 9\ne 3 新角度\na\n", {"assignments": rows()})
    assert decision == {"approve": True, "drop": [2], "angles": {3: "新角度"}}
    assert "no article with id 9" in screen and "新角度 ✎" in screen and "dropped: 2" in screen


def test_plain_approve_and_quit_and_end_of_input() -> None:
    assert drive("a\n", {"assignments": rows()})[0] == {"approve": True}
    assert drive("d 1\nq\n", {"assignments": rows()})[0] is None
    assert drive("d 1\n", {"assignments": rows()})[0] is None  # end of input means quit


def test_an_error_from_the_graph_is_shown() -> None:
    _, screen = drive("a\n", {"assignments": rows(), "error": "no article with id 8 in the plan"})
    assert "refused the last decision" in screen


def test_pending_interrupt_reads_root_updates() -> None:
    from langgraph.types import Interrupt

    found = Interrupt(value={"assignments": rows(2)}, id="i1")
    assert pending_interrupt({"__interrupt__": (found,)}) == {"assignments": rows(2)}
    assert pending_interrupt({"plan": {"assignments": []}}) is None
