"""Finish node: choose the article's final draft and hand the result to the batch."""

from __future__ import annotations

from typing import Any

from copyloop.disclosure import disclosure_for
from copyloop.errors import ModelCallError
from copyloop.formats import published_digest
from copyloop.gates import format_problem
from copyloop.graph.state import ArticleInput, ArticleResult, ArticleState, Draft, Review
from copyloop.nodes.critic import failing_dimensions, threshold
from copyloop.progress import emit
from copyloop.usage import empty_usage


def draft_rank(draft: Draft, review: Review) -> tuple[int, int, int]:
    """Rank drafts for keeping: passed first, then clear of gate problems, then the highest lowest score."""
    lowest = min(review["scores"].values()) if review["scores"] else 0
    return (int(review["passed"]), int(not review["problems"]), lowest)


def problems_of(review: Review, brief: dict[str, Any]) -> list[str]:
    """Return why a draft did not pass, one line each: gate problems, then low scores with the critic's reason."""
    lines = [format_problem(p) for p in review["problems"]]
    for dim in failing_dimensions(review["scores"], brief) if review["scores"] else []:
        lines.append(f"{dim}: {review['scores'][dim]} < {threshold(brief, dim)}: {review['reasons'][dim]}")
    return lines


def finish(state: ArticleState) -> dict[str, Any]:
    """Pick the final draft (the passing one, else the best) and emit the article's result."""
    assignment, brief = state["assignment"], state["brief"]
    pairs = list(zip(state["drafts"], state["reviews"], strict=True))
    passed = pairs[-1][1]["passed"]
    draft, review = pairs[-1] if passed else max(pairs, key=lambda pair: draft_rank(*pair))
    result = ArticleResult(
        id=assignment["id"],
        brief_index=assignment["brief_index"],
        product=assignment["product"],
        persona=assignment["persona"],
        selling_point=assignment["selling_point"],
        platform=assignment["platform"],
        angle=assignment["angle"],
        status="passed" if passed else "failed",
        title=draft["title"],
        text=draft["text"],
        tags=draft["tags"],
        chars=draft["chars"],
        digest=published_digest(draft, assignment["platform"]),
        disclosure=disclosure_for(brief),
        drafts=len(state["drafts"]),
        first_pass=pairs[0][1]["passed"],
        scores=dict(review["scores"]),
        problems=[] if passed else problems_of(review, brief),
        usage=state.get("usage") or empty_usage(),
        calls=dict(state.get("calls") or {}),
        error=None,
        history=[{"draft": d, "review": r} for d, r in pairs],
    )
    emit({"event": "finished", "article": assignment["id"], "result": result})
    return {"articles": [result]}


def error_result(state: ArticleInput, cause: BaseException) -> ArticleResult:
    """Return the result of an article that failed for good: status `error` with the reason."""
    assignment = state["assignment"]
    message = str(cause) if isinstance(cause, ModelCallError) else f"{type(cause).__name__}: {cause}"
    return ArticleResult(
        id=assignment["id"],
        brief_index=assignment["brief_index"],
        product=assignment["product"],
        persona=assignment["persona"],
        selling_point=assignment["selling_point"],
        platform=assignment["platform"],
        angle=assignment["angle"],
        status="error",
        title="",
        text="",
        tags=[],
        chars=0,
        digest="",
        disclosure="",
        drafts=0,
        first_pass=False,
        scores={},
        problems=[],
        usage=cause.usage if isinstance(cause, ModelCallError) else empty_usage(),
        calls={},
        error=message[:500],
        history=[],
    )
