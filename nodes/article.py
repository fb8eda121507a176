"""Article node: run one article's subgraph; an article that fails for good ends as `error`, the batch goes on.

This plays the part of LangGraph's per-node `error_handler`, with one difference that resume needs: a fatal API
error or a requested stop is NOT turned into a result. It propagates, the run ends, and the article stays
unfinished in the checkpoint, so `copyloop resume` runs it again. (An error handler always marks its task done.)
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from langchain_core.runnables import RunnableConfig
from langgraph.graph.state import CompiledStateGraph
from langgraph.runtime import Runtime

from copyloop.errors import FatalAPIError, StopRequested
from copyloop.graph.context import Context
from copyloop.graph.state import ArticleInput
from copyloop.nodes.finish import error_result
from copyloop.progress import emit

ArticleNode = Callable[[ArticleInput, RunnableConfig, Runtime[Context]], Awaitable[dict[str, Any]]]


def article_node(subgraph: CompiledStateGraph) -> ArticleNode:
    """Return the parent-level node that runs `subgraph` for one assignment and contains its failures."""

    async def article(state: ArticleInput, config: RunnableConfig, runtime: Runtime[Context]) -> dict[str, Any]:
        """Write, judge and revise one article (or return it as it finished in an earlier session)."""
        earlier = runtime.context.finished.get(state["assignment"]["id"]) if runtime.context else None
        if earlier is not None:
            emit({"event": "restored", "article": earlier["id"], "result": earlier})
            return {"articles": [earlier]}
        try:
            # The subgraph keeps no checkpoints of its own; "sync" durability from the parent trips LangGraph.
            return await subgraph.ainvoke(state, config, durability="async")  # type: ignore[no-any-return]
        except (FatalAPIError, StopRequested):
            raise
        except Exception as error:  # one article's failure must not fail the batch
            result = error_result(state, error)
            emit({"event": "finished", "article": result["id"], "result": result})
            return {"articles": [result]}

    return article
