"""Tell the budget when an article ends, so that it can pace how many articles are open at once."""

from __future__ import annotations

from typing import Any

from langgraph.runtime import Runtime

from copyloop.graph.context import Context
from copyloop.graph.state import ArticleInput
from copyloop.nodes.article import ArticleNode


def paced(node: ArticleNode) -> ArticleNode:
    """Wrap the article node: whatever way the article ends, its budget allowance is given back."""

    async def article(state: ArticleInput, runtime: Runtime[Context]) -> dict[str, Any]:
        """Run one article; then note in the budget (if any) that it no longer needs room."""
        try:
            return await node(state, runtime)
        finally:
            if runtime.context is not None and runtime.context.budget is not None:
                runtime.context.budget.article_ended(state["assignment"]["id"])

    return article
