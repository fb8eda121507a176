"""Plan review node: pause after planning so a person can approve the assignment table, drop rows or change angles.

Active only when the batch input sets `review_plan: true`. It calls LangGraph's `interrupt()` with the table
(so a checkpointer is required) and is resumed with `Command(resume=decision)`, where `decision` is

    {"approve": true}                                   run the plan as it is
    {"drop": [3, 5], "angles": {"4": "新的角度"}}         apply the edits, then run (ids as ints or strings)
    {"drop": [3], "approve": false}                     apply the edits, then show the table again

A decision that cannot be applied (unknown id, blank angle, every row dropped) is answered by another interrupt
carrying `error`, with the table unchanged. Dropped rows are never written: their ids are missing from the outputs.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from langgraph.types import interrupt

from copyloop.graph.state import Assignment, BatchState

DECISION_KEYS = frozenset({"approve", "drop", "angles"})


def decision_problem(decision: Any, rows: list[Assignment]) -> str | None:
    """Return why a review decision cannot be applied to `rows`, or None when it can."""
    if not isinstance(decision, Mapping):
        return 'a decision is an object, e.g. {"approve": true} or {"drop": [3], "angles": {"4": "…"}}'
    unknown = set(decision) - DECISION_KEYS
    if unknown:
        return f"unknown key(s) {sorted(unknown)}; use approve, drop, angles"
    ids = {row["id"] for row in rows}
    try:
        drop = {int(i) for i in decision.get("drop") or []}
        angles = {int(k): v for k, v in (decision.get("angles") or {}).items()}
    except (TypeError, ValueError, AttributeError):
        return "drop is a list of article ids and angles an object of id → angle"
    missing = sorted((drop | set(angles)) - ids)
    if missing:
        return f"no article with id {', '.join(map(str, missing))} in the plan"
    if drop >= ids:
        return "that would drop every article; quit instead if nothing should be written"
    blank = sorted(i for i, angle in angles.items() if not isinstance(angle, str) or not angle.strip())
    if blank:
        return f"the new angle for {', '.join(map(str, blank))} is blank"
    clash = sorted(drop & set(angles))
    if clash:
        return f"article {', '.join(map(str, clash))} is both dropped and edited"
    return None


def apply_decision(rows: list[Assignment], decision: Mapping[str, Any]) -> list[Assignment]:
    """Return the rows left after a valid decision: dropped ones removed, new angles set (ids unchanged)."""
    drop = {int(i) for i in decision.get("drop") or []}
    angles = {int(k): " ".join(str(v).split()) for k, v in (decision.get("angles") or {}).items()}
    kept: list[Assignment] = []
    for row in rows:
        if row["id"] in drop:
            continue
        kept.append(Assignment(**{**row, "angle": angles.get(row["id"], row["angle"])}))
    return kept


def review_plan(state: BatchState) -> dict[str, Any]:
    """Show the plan for review (an interrupt) and apply the decision it is resumed with."""
    rows = list(state["assignments"])
    error: str | None = None
    while True:
        payload: dict[str, Any] = {"assignments": rows}
        if error:
            payload["error"] = error
        decision = interrupt(payload)
        error = decision_problem(decision, rows)
        if error:
            continue
        rows = apply_decision(rows, decision)
        if decision.get("approve", True):
            return {"assignments": rows}
