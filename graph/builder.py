"""Wire the graphs: the per-article loop as a subgraph, and the batch graph that plans and fans out to it."""

from __future__ import annotations

from typing import Any, Literal

from langgraph.graph import END, START, StateGraph
from langgraph.graph.state import CompiledStateGraph
from langgraph.types import Send

from copyloop.graph.context import Context
from copyloop.graph.state import ArticleInput, ArticleOutput, ArticleState, BatchState
from copyloop.nodes.article import article_node
from copyloop.nodes.critic import critic, route_after_critic
from copyloop.nodes.finish import finish
from copyloop.nodes.paced import paced
from copyloop.nodes.planner import plan
from copyloop.nodes.review import review_plan
from copyloop.nodes.reviser import revise
from copyloop.nodes.writer import write
from copyloop.portal import sync_and_async


def build_article_graph() -> StateGraph[ArticleState, Context, ArticleInput, ArticleOutput]:
    """Return the uncompiled per-article graph: write → critic → (finish | revise → critic …)."""
    builder = StateGraph(
        ArticleState, context_schema=Context, input_schema=ArticleInput, output_schema=ArticleOutput
    )
    builder.add_node("write", write)
    builder.add_node("critic", critic)
    builder.add_node("revise", revise)
    builder.add_node("finish", finish)
    builder.add_edge(START, "write")
    builder.add_edge("write", "critic")
    builder.add_conditional_edges("critic", route_after_critic)
    builder.add_edge("revise", "critic")
    builder.add_edge("finish", END)
    return builder


def fan_out(state: BatchState) -> list[Send]:
    """Send every assignment to its own article subgraph, each with its brief."""
    briefs = state["briefs"]
    return [
        Send("article", ArticleInput(assignment=row, brief=briefs[row["brief_index"]]))
        for row in state["assignments"]
    ]


def route_after_plan(state: BatchState) -> Literal["review_plan"] | list[Send]:
    """Stop for a plan review when the input asks for one (`review_plan: true`); else fan out to the articles."""
    if state.get("review_plan"):
        return "review_plan"
    return fan_out(state)


def build_graph(article_checkpointer: Any = False) -> StateGraph[BatchState, Context, BatchState, BatchState]:
    """Return the uncompiled batch graph: plan → (review_plan →) one `article` subgraph per assignment, in parallel.

    The article loop lives inside the subgraph so articles never wait for each other between rounds.
    `article_checkpointer=False` (default) restarts an interrupted article from its first step on resume and keeps
    checkpoints small; `None` lets it inherit the parent's checkpointer and resume mid-loop.
    """
    article = build_article_graph().compile(checkpointer=article_checkpointer, name="article")
    builder = StateGraph(BatchState, context_schema=Context)
    # The parent-level nodes also get sync twins (see copyloop.portal) so `graph.invoke` works as well.
    builder.add_node("plan", sync_and_async(plan, "plan"))
    article_task = sync_and_async(paced(article_node(article)), "article")
    builder.add_node("article", article_task, input_schema=ArticleInput)
    builder.add_node("review_plan", review_plan)
    builder.add_edge(START, "plan")
    builder.add_conditional_edges("plan", route_after_plan, ["review_plan", "article"])
    builder.add_conditional_edges("review_plan", fan_out, ["article"])
    builder.add_edge("article", END)
    return builder


builder = build_graph()
graph: CompiledStateGraph[BatchState, Context, BatchState, BatchState] = builder.compile(name="copyloop")
"""The batch graph, compiled without a checkpointer (for `ainvoke`, notebooks and `langgraph dev`)."""
