from typing import Any

from copyloop.brief import parse_brief
from copyloop.graph.builder import builder, graph
from copyloop.graph.context import Context
from tests.fakes import PromptFakeChatModel, copy_responder

BRIEF = {
    "product": {"name": "远岚 V7", "materials": "轴距 2950 mm，6 个安全气囊，后备箱 520 L。"},
    "personas": [{"name": "宝妈", "description": "两个孩子的妈妈"}, "孝子"],
    "selling_points": ["空间", "安全"],
}


async def run(brief: dict[str, Any], **responder: Any) -> dict[str, Any]:
    model = PromptFakeChatModel(responder=copy_responder(**responder))
    ctx = Context(chat_model=model, api_key="sk-test", max_concurrency=4)
    return await graph.ainvoke({"briefs": [parse_brief(brief).model_dump()]}, context=ctx)


async def test_batch_plans_every_combination_and_finishes_every_article() -> None:
    state = await run(BRIEF)
    assert [a["id"] for a in state["assignments"]] == [1, 2, 3, 4]
    combos = {(a["persona"], a["selling_point"]) for a in state["assignments"]}
    assert combos == {("宝妈", "空间"), ("宝妈", "安全"), ("孝子", "空间"), ("孝子", "安全")}
    assert sorted(a["id"] for a in state["articles"]) == [1, 2, 3, 4]
    assert all(a["status"] == "passed" for a in state["articles"])


async def test_long_first_draft_is_revised_into_the_window() -> None:
    state = await run(BRIEF, long_personas=("孝子",))
    by_persona = {a["persona"]: a for a in state["articles"]}
    son = [a for a in state["articles"] if a["persona"] == "孝子"]
    assert all(a["drafts"] == 2 and not a["first_pass"] for a in son)
    assert by_persona["宝妈"]["drafts"] == 1 and by_persona["宝妈"]["first_pass"]
    assert all(250 <= a["chars"] <= 350 for a in state["articles"])
    # the failed first draft never reached the LLM critic: code gates come first
    assert all(a["calls"] == {"write": 1, "revise": 1, "critic": 1} for a in son)


async def test_low_score_gets_revised_with_reasons() -> None:
    model = PromptFakeChatModel(responder=copy_responder(long_personas=(), low_scores=("宝妈",)))
    ctx = Context(chat_model=model, api_key="sk-test")
    state = await graph.ainvoke({"briefs": [parse_brief(BRIEF).model_dump()]}, context=ctx)
    mom = [a for a in state["articles"] if a["persona"] == "宝妈"]
    assert all(a["drafts"] == 2 and a["status"] == "passed" for a in mom)
    revise_prompts = [p for p in model.prompts if "<previous_draft>" in p]
    assert revise_prompts and all("场景笼统" in p and "需要 ≥8" in p for p in revise_prompts)


async def test_exhausted_revisions_end_failed_with_best_draft() -> None:
    brief = {**BRIEF, "max_revisions": 0}
    state = await run(brief, long_personas=("孝子",))
    son = [a for a in state["articles"] if a["persona"] == "孝子"]
    assert all(a["status"] == "failed" and a["drafts"] == 1 for a in son)
    assert all(a["problems"] and a["problems"][0].startswith("length:") for a in son)


async def test_uncompiled_builder_compiles_with_a_checkpointer() -> None:
    from langgraph.checkpoint.memory import InMemorySaver

    compiled = builder.compile(checkpointer=InMemorySaver())
    model = PromptFakeChatModel(responder=copy_responder())
    state = await compiled.ainvoke(
        {"briefs": [parse_brief(BRIEF).model_dump()]},
        {"configurable": {"thread_id": "t1"}},
        context=Context(chat_model=model, api_key="k"),
    )
    assert len(state["articles"]) == 4


def test_sync_invoke_works_too() -> None:
    model = PromptFakeChatModel(responder=copy_responder())
    state = graph.invoke(
        {"briefs": [parse_brief(BRIEF).model_dump()]}, context=Context(chat_model=model, api_key="k")
    )
    assert sorted(a["id"] for a in state["articles"]) == [1, 2, 3, 4]


async def test_sync_invoke_inside_a_running_event_loop_like_jupyter() -> None:
    model = PromptFakeChatModel(responder=copy_responder())
    state = graph.invoke(
        {"briefs": [parse_brief(BRIEF).model_dump()]}, context=Context(chat_model=model, api_key="k")
    )
    assert len(state["articles"]) == 4


async def test_one_failing_article_ends_as_error_and_the_rest_finish() -> None:
    responder = copy_responder()

    def flaky(prompt: str, schema: Any) -> Any:
        if schema is None and "人群：孝子" in prompt.split("</materials>")[-1]:
            raise ValueError("boom")
        return responder(prompt, schema)

    ctx = Context(chat_model=PromptFakeChatModel(responder=flaky), api_key="k", max_attempts=1)
    state = await graph.ainvoke({"briefs": [parse_brief(BRIEF).model_dump()]}, context=ctx)
    by_status = {a["persona"]: a["status"] for a in state["articles"]}
    assert by_status == {"宝妈": "passed", "孝子": "error"}
    errors = [a for a in state["articles"] if a["status"] == "error"]
    assert all("boom" in (a["error"] or "") for a in errors) and len(errors) == 2


async def test_every_call_of_a_brief_starts_with_the_same_system_prefix() -> None:
    seen: list[str] = []
    responder = copy_responder(long_personas=("孝子",), low_scores=("宝妈",))

    def record(prompt: str, schema: Any) -> Any:
        seen.append(prompt.split("</materials>")[0])
        return responder(prompt, schema)

    ctx = Context(chat_model=PromptFakeChatModel(responder=record), api_key="k")
    await graph.ainvoke({"briefs": [parse_brief(BRIEF).model_dump()]}, context=ctx)
    assert len(seen) > 8 and len(set(seen)) == 1
    assert "轴距 2950 mm" in seen[0] and "宝妈" not in seen[0].split("<materials")[1]


async def test_malformed_plan_falls_back_with_a_warning() -> None:
    responder = copy_responder()

    def bad_plan(prompt: str, schema: Any) -> Any:
        if schema is not None and "angles" in schema.model_fields:
            n = int(prompt.split("共 ")[1].split(" 条")[0])
            return {"angles": ["同一个角度"] * n}
        return responder(prompt, schema)

    ctx = Context(chat_model=PromptFakeChatModel(responder=bad_plan), api_key="k")
    state = await graph.ainvoke({"briefs": [parse_brief(BRIEF).model_dump()]}, context=ctx)
    assert state["warnings"] and "fallback" in state["warnings"][0]
    assert len({a["angle"] for a in state["assignments"]}) == 4
    assert len(state["articles"]) == 4
