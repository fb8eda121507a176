"""Critic node: code gates first, then the LLM rubric; the pass decision is made here, in code."""

from __future__ import annotations

from typing import Any, Literal

from langgraph.runtime import Runtime

from copyloop.brief import SCORE_DIMENSIONS
from copyloop.gates import check_draft
from copyloop.graph.context import Context, default_context
from copyloop.graph.state import ArticleState, Review
from copyloop.llm import call_model
from copyloop.nodes.common import assignment_block, messages_for, render_draft
from copyloop.nodes.duplicates import duplicate_check
from copyloop.nodes.schemas import BATCH_TOOLS, CriticReview
from copyloop.progress import emit
from copyloop.prompts import prompt_for
from copyloop.tracing import mark_gates


def failing_dimensions(scores: dict[str, int], brief: dict[str, Any]) -> list[str]:
    """Return the dimensions whose score is below the brief's threshold for it."""
    return [d for d in SCORE_DIMENSIONS if scores.get(d, 0) < threshold(brief, d)]


def threshold(brief: dict[str, Any], dimension: str) -> int:
    """Return the minimum score for a dimension: the brief's `min_score`, overall or per dimension."""
    min_score = brief["min_score"]
    if isinstance(min_score, int):
        return min_score
    return int(min_score.get(dimension, min_score.get("default", 8)))


async def critic(state: ArticleState, runtime: Runtime[Context]) -> dict[str, Any]:
    """Judge the latest draft: gates in code; if they pass, ask the model for rubric scores."""
    assignment, brief = state["assignment"], state["brief"]
    draft = state["drafts"][-1]
    problems = check_draft(draft, brief, assignment["platform"])
    await mark_gates(draft["number"], problems)  # `gate:<rule>` tags in LangSmith
    index = (runtime.context or default_context()).diversity
    if not problems and (repeated := duplicate_check(index, assignment, brief, draft, claim=False)):
        problems = [repeated]
    if problems:
        # A draft that fails a gate is revised anyway; spend no critic call on it.
        review = Review(
            draft=draft["number"], problems=problems, scores={}, reasons={}, suggestions=[], passed=False
        )
        emit({"event": "review", "article": assignment["id"], "draft": draft["number"], "passed": False})
        return {"reviews": [review]}

    prompt = prompt_for(runtime.context, "critic").format(
        assignment=assignment_block(assignment, brief), draft=render_draft(draft)
    )
    result = await call_model(
        runtime.context,
        role="critic",
        messages=messages_for(brief, prompt),
        schema=CriticReview,
        tools=BATCH_TOOLS,
        max_tokens=1200,
        article_id=assignment["id"],
        draft=draft["number"],
    )
    verdict: CriticReview = result.value
    scores = {d: getattr(verdict, d).score for d in SCORE_DIMENSIONS}
    reasons = {d: getattr(verdict, d).reason for d in SCORE_DIMENSIONS}
    passed = not failing_dimensions(scores, brief)
    problems = []
    # Only a draft about to pass is registered; the first to pass keeps its wording.
    if passed and (repeated := duplicate_check(index, assignment, brief, draft, claim=True)):
        passed, problems = False, [repeated]
    review = Review(
        draft=draft["number"],
        problems=problems,
        scores=scores,
        reasons=reasons,
        suggestions=[s for s in verdict.suggestions if s.strip()],
        passed=passed,
    )
    emit({"event": "review", "article": assignment["id"], "draft": draft["number"], "passed": passed})
    return {"reviews": [review], "usage": result.usage, "calls": {"critic": result.responses}}


def route_after_critic(state: ArticleState) -> Literal["revise", "finish"]:
    """Finish when the latest draft passed or the revision budget is spent; otherwise revise."""
    if state["reviews"][-1]["passed"]:
        return "finish"
    revisions_done = len(state["drafts"]) - 1
    if revisions_done >= state["brief"]["max_revisions"]:
        return "finish"
    return "revise"
