"""Article node: run one article's subgraph; an article that fails for good ends as `error`, the batch goes on.

This plays the part of LangGraph's per-node `error_handler`, with one difference that resume needs: a fatal API
error or a requested stop is NOT turned into a result. It propagates, the run ends, and the article stays
unfinished in the checkpoint, so `copyloop resume` runs it again. (An error handler always marks its task done.)
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from langchain_core.runnables import RunnableConfig
from langgraph._internal._constants import CONFIG_KEY_DURABILITY
from langgraph.config import get_config
from langgraph.graph.state import CompiledStateGraph
from langgraph.runtime import Runtime

from copyloop.errors import FatalAPIError, StopRequested
from copyloop.graph.context import Context
from copyloop.graph.state import ArticleInput
from copyloop.nodes.finish import error_result
from copyloop.progress import emit
from copyloop.tracing import article_config, mark_outcome

ArticleNode = Callable[[ArticleInput, Runtime[Context]], Awaitable[dict[str, Any]]]


def _subgraph_config() -> RunnableConfig:
    # The subgraph keeps no checkpoints of its own; the parent's "sync" durability, inherited through the config,
    # makes LangGraph 1.2 wait for a checkpoint write that never exists (AttributeError _put_checkpoint_fut).
    config = get_config()
    configurable = {k: v for k, v in config.get("configurable", {}).items() if k != CONFIG_KEY_DURABILITY}
    return {**config, "configurable": configurable}


def article_node(subgraph: CompiledStateGraph[Any, Any, Any, Any]) -> ArticleNode:
    """Return the parent-level node that runs `subgraph` for one assignment and contains its failures."""

    async def article(state: ArticleInput, runtime: Runtime[Context]) -> dict[str, Any]:
        """Write, judge and revise one article (or return it as it finished in an earlier session)."""
        earlier = runtime.context.finished.get(state["assignment"]["id"]) if runtime.context else None
        if earlier is not None:
            emit({"event": "restored", "article": earlier["id"], "result": earlier})
            return {"articles": [earlier]}
        # The run name, tags and metadata this article's runs carry in LangSmith.
        traced = article_config(_subgraph_config(), state["assignment"])
        try:
            output: dict[str, Any] = await subgraph.ainvoke(state, traced)
        except (FatalAPIError, StopRequested):
            raise
        except Exception as error:  # one article's failure must not fail the batch
            failed = error_result(state, error)
            emit({"event": "finished", "article": failed["id"], "result": failed})
            output = {"articles": [failed]}
        await mark_outcome(output["articles"][-1], traced)
        return output

    return article
