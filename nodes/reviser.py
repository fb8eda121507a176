"""Reviser node: rewrite the latest draft with exact arithmetic, the critic's reasons, and what to keep."""

from __future__ import annotations

from typing import Any

from langgraph.runtime import Runtime

from copyloop.brief import SCORE_DIMENSIONS
from copyloop.graph.context import Context
from copyloop.graph.state import ArticleState, Review
from copyloop.llm import call_model
from copyloop.nodes.common import assignment_block, messages_for, output_format, parse_draft, render_draft
from copyloop.nodes.critic import threshold
from copyloop.nodes.schemas import BATCH_TOOLS
from copyloop.nodes.writer import draft_max_tokens
from copyloop.progress import emit
from copyloop.prompts import prompt_for

DIMENSION_LABELS = {
    "scene": "场景化",
    "emotion": "情感共鸣",
    "selling_point": "卖点清晰",
    "persona": "人设匹配",
    "platform": "平台感",
}


def fixes_and_keeps(
    review: Review, earlier: list[Review], brief: dict[str, Any]
) -> tuple[list[str], list[str]]:
    """Return what must change (gate problems, low scores with reasons, suggestions) and what to keep."""
    fixes = [f"{p['rule']}：{p['detail']}" for p in review["problems"]]
    scored = review if review["scores"] else next((r for r in reversed(earlier) if r["scores"]), None)
    keeps: list[str] = []
    if scored:
        for dim in SCORE_DIMENSIONS:
            score, need = scored["scores"][dim], threshold(brief, dim)
            line = f"{dim}（{DIMENSION_LABELS[dim]}）{score}/10：{scored['reasons'][dim]}"
            if score < need:
                fixes.append(f"{line}（需要 ≥{need}）")
            else:
                keeps.append(line)
        fixes += [f"建议：{s}" for s in scored["suggestions"]]
    if not keeps:
        keeps.append("人群、卖点和角度不变；材料中的事实和数字不变。")
    return fixes, keeps


async def revise(state: ArticleState, runtime: Runtime[Context]) -> dict[str, Any]:
    """Write the next draft from the latest one and its review."""
    assignment, brief = state["assignment"], state["brief"]
    draft, review = state["drafts"][-1], state["reviews"][-1]
    fixes, keeps = fixes_and_keeps(review, state["reviews"][:-1], brief)
    prompt = prompt_for(runtime.context, "reviser").format(
        assignment=assignment_block(assignment, brief),
        draft=render_draft(draft),
        fixes="\n".join(f"- {f}" for f in fixes),
        keep="\n".join(f"- {k}" for k in keeps),
        output_format=output_format(assignment["platform"]),
    )
    result = await call_model(
        runtime.context,
        role="revise",
        messages=messages_for(brief, prompt),
        tools=BATCH_TOOLS,  # declared, not called: keeps the prompt prefix identical to the other calls
        max_tokens=draft_max_tokens(brief),
        article_id=assignment["id"],
        draft=draft["number"] + 1,
    )
    new_draft = parse_draft(result.value, draft["number"] + 1, assignment["platform"])
    emit(
        {
            "event": "draft",
            "article": assignment["id"],
            "draft": new_draft["number"],
            "chars": new_draft["chars"],
        }
    )
    return {"drafts": [new_draft], "usage": result.usage, "calls": {"revise": result.responses}}
