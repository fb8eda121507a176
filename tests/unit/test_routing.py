from typing import Any

from copyloop.nodes.critic import route_after_critic
from copyloop.nodes.finish import draft_rank


def state(passed: list[bool], max_revisions: int = 3) -> dict[str, Any]:
    return {
        "brief": {"max_revisions": max_revisions},
        "drafts": [{"number": i + 1} for i in range(len(passed))],
        "reviews": [{"passed": p} for p in passed],
    }


def test_a_passing_draft_finishes() -> None:
    assert route_after_critic(state([True])) == "finish"  # type: ignore[arg-type]


def test_a_failing_draft_is_revised_while_rounds_remain() -> None:
    assert route_after_critic(state([False])) == "revise"  # type: ignore[arg-type]
    assert route_after_critic(state([False, False, False])) == "revise"  # type: ignore[arg-type]


def test_revisions_run_out() -> None:
    assert route_after_critic(state([False, False, False, False])) == "finish"  # type: ignore[arg-type]
    assert route_after_critic(state([False], max_revisions=0)) == "finish"  # type: ignore[arg-type]


def test_best_draft_prefers_gate_clean_then_highest_lowest_score() -> None:
    draft: Any = {}
    gate_failed = {"passed": False, "problems": [{"rule": "length"}], "scores": {}}
    low = {"passed": False, "problems": [], "scores": {"scene": 6, "emotion": 9}}
    better = {"passed": False, "problems": [], "scores": {"scene": 7, "emotion": 7}}
    ranked = sorted([gate_failed, low, better], key=lambda r: draft_rank(draft, r), reverse=True)  # type: ignore[arg-type]
    assert ranked == [better, low, gate_failed]
