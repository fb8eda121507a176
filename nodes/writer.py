"""Writer node: the first draft of one article."""

from __future__ import annotations

from typing import Any

from langgraph.runtime import Runtime

from copyloop.graph.context import Context
from copyloop.graph.state import ArticleState
from copyloop.llm import call_model
from copyloop.nodes.common import assignment_block, messages_for, output_format, parse_draft
from copyloop.nodes.schemas import BATCH_TOOLS
from copyloop.progress import emit
from copyloop.prompts import prompt_for


def draft_max_tokens(brief: dict[str, Any]) -> int:
    """Return the output-token allowance for one draft: ~0.6 tokens per 字, doubled, plus title and tags."""
    return int(brief["length"]["max"] * 1.2) + 300


async def write(state: ArticleState, runtime: Runtime[Context]) -> dict[str, Any]:
    """Write the first draft of the article."""
    assignment, brief = state["assignment"], state["brief"]
    prompt = prompt_for(runtime.context, "writer").format(
        assignment=assignment_block(assignment, brief), output_format=output_format(assignment["platform"])
    )
    result = await call_model(
        runtime.context,
        role="write",
        messages=messages_for(brief, prompt),
        tools=BATCH_TOOLS,  # declared, not called: keeps the prompt prefix identical to the other calls
        max_tokens=draft_max_tokens(brief),
        article_id=assignment["id"],
        draft=1,
    )
    draft = parse_draft(result.value, 1, assignment["platform"])
    emit({"event": "draft", "article": assignment["id"], "draft": 1, "chars": draft["chars"]})
    return {"drafts": [draft], "usage": result.usage, "calls": {"write": result.responses}}
