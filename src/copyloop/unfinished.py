"""Articles a stopped run did not finish, reported as `error` — never saved as finished, so resume redoes them."""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from typing import Any

from copyloop.graph.state import ArticleInput, ArticleResult, Assignment
from copyloop.ledger import Ledger
from copyloop.nodes.finish import error_result
from copyloop.nodes.planner import table_for


def unfinished_results(
    briefs: list[dict[str, Any]],
    assignments: Sequence[Assignment] | None,
    finished: Iterable[ArticleResult],
    ledger: Ledger,
    reason: str,
) -> list[ArticleResult]:
    """Return an `error` result with `reason` for every planned article that did not finish.

    The plan is the run's own when the planner finished, else the table it would have made (fallback angles).
    Each result carries what the ledger already holds for its article (calls by node), so nothing paid is hidden.
    """
    done = {a["id"] for a in finished}
    rows = list(assignments) if assignments else table_for(briefs)
    calls: dict[int, dict[str, int]] = {}
    for entry in ledger.entries:
        if entry.article_id is not None:
            by_node = calls.setdefault(entry.article_id, {})
            by_node[entry.node] = by_node.get(entry.node, 0) + 1
    results = []
    for row in rows:
        if row["id"] in done:
            continue
        result = error_result(ArticleInput(assignment=row, brief=briefs[row["brief_index"]]), RuntimeError())
        result["error"] = reason
        result["calls"] = calls.get(row["id"], {})
        results.append(result)
    return results


def suggested_budget(limit: float, spent: float, finished: int, unfinished: int) -> float:
    """Return a budget likely to finish the rest: what finished articles cost on average, with headroom."""
    per_article = spent / finished if finished else limit
    return math.ceil(max(2 * limit, spent + 1.5 * per_article * unfinished) * 100) / 100


def budget_message(out: Any, limit: float, spent: float, finished: int, unfinished: int) -> str:
    """Tell the user the budget stopped the run, and how to continue it with a larger one."""
    more = suggested_budget(limit, spent, finished, unfinished)
    return (
        f"stopped: the budget of {limit:g} CNY is reached ({spent:.4f} CNY spent, requests in flight "
        f'included); {unfinished} articles are unfinished (status error, error "budget") and {finished} are saved '
        f"in {out}. Continue with a larger budget: copyloop resume {out} --budget {more:g}"
    )
