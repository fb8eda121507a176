"""Plan review from Python: the graph pauses with the table, and `Command(resume=...)` applies the decision."""

from __future__ import annotations

from typing import Any

import pytest
from langgraph.checkpoint.memory import InMemorySaver
from langgraph.types import Command

from copyloop.brief import parse_brief
from copyloop.graph.builder import builder
from copyloop.graph.context import Context
from tests.fakes import PromptFakeChatModel, copy_responder
from tests.graph.test_batch_graph import BRIEF


@pytest.fixture
def session() -> tuple[Any, dict[str, Any], Context, PromptFakeChatModel]:
    model = PromptFakeChatModel(responder=copy_responder())
    model.prompts = []
    return (
        builder.compile(checkpointer=InMemorySaver()),
        {"configurable": {"thread_id": "review"}},
        Context(chat_model=model, api_key="sk-test"),
        model,
    )


async def test_the_plan_waits_for_approval_before_any_article_is_written(session: Any) -> None:
    compiled, config, ctx, model = session
    state = await compiled.ainvoke(
        {"briefs": [parse_brief(BRIEF).model_dump()], "review_plan": True}, config, context=ctx
    )
    (pause,) = state["__interrupt__"]
    assert [row["id"] for row in pause.value["assignments"]] == [1, 2, 3, 4]
    assert not state.get("articles")
    assert not [p for p in model.prompts if "<assignment>" in p]  # nothing written yet
    assert (await compiled.aget_state(config)).next == ("review_plan",)

    # A decision that cannot be applied is answered by another pause, with the reason.
    state = await compiled.ainvoke(Command(resume={"drop": [9]}), config, context=ctx)
    assert "no article with id 9" in state["__interrupt__"][0].value["error"]

    # Edits without approval show the edited table again.
    state = await compiled.ainvoke(Command(resume={"drop": [2], "approve": False}), config, context=ctx)
    assert [row["id"] for row in state["__interrupt__"][0].value["assignments"]] == [1, 3, 4]

    state = await compiled.ainvoke(Command(resume={"angles": {"3": "雨夜接老人回家"}}), config, context=ctx)
    assert "__interrupt__" not in state
    assert sorted(a["id"] for a in state["articles"]) == [1, 3, 4]  # dropped ids are simply missing
    assert next(a for a in state["articles"] if a["id"] == 3)["angle"] == "雨夜接老人回家"
    assert any("角度：雨夜接老人回家" in p for p in model.prompts)  # the writer got the new angle


async def test_without_review_plan_the_graph_does_not_pause(session: Any) -> None:
    compiled, config, ctx, _ = session
    state = await compiled.ainvoke({"briefs": [parse_brief(BRIEF).model_dump()]}, config, context=ctx)
    assert "__interrupt__" not in state and len(state["articles"]) == 4


async def test_prompt_overrides_in_context_reach_the_model(session: Any) -> None:
    compiled, config, _, model = session
    variant = (
        "<task>变体B：只写这一篇。</task>\n{assignment}\n<output_format>\n{output_format}\n</output_format>"
    )
    ctx = Context(chat_model=model, api_key="sk-test", prompts={"writer": variant})
    await compiled.ainvoke({"briefs": [parse_brief(BRIEF).model_dump()]}, config, context=ctx)
    assert sum("变体B" in p for p in model.prompts) == 4  # one first draft per article
