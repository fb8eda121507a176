"""Gates inside the graph (fake model): failures are revised with the exact fix, duplicates are caught
and passed articles carry no gate problems."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from copyloop.brief import parse_brief
from copyloop.disclosure import AI_DISCLOSURE
from copyloop.gates import check_draft
from copyloop.graph.builder import build_article_graph, graph
from copyloop.graph.context import Context
from copyloop.nodes.planner import table_for
from copyloop.outputs import write_outputs
from tests.fakes import PromptFakeChatModel, body_of_length, copy_responder

BRIEF: dict[str, Any] = {
    "product": {"name": "远岚 V7", "materials": "轴距 2950 mm，6 个安全气囊，后备箱 520 L。"},
    "personas": ["宝妈", "孝子"],
    "selling_points": ["空间", "安全"],
}
SAME_BODY = "第1版" + body_of_length(297, "everyone writes this")


def responder(first_draft: str) -> Any:
    """Answer like `copy_responder`, but every first draft is `first_draft` (revisions stay distinct)."""
    base = copy_responder(long_personas=())

    def respond(prompt: str, schema: type[BaseModel] | None) -> Any:
        answer = base(prompt, schema)
        last = prompt.split("</materials>")[-1]
        if schema is None and "<previous_draft>" not in last and "<task>" in last and "字数：" in last:
            return answer.split("<body>")[0] + f"<body>\n{first_draft}\n</body>" + answer.split("</body>")[1]
        return answer

    return respond


async def run(brief: dict[str, Any], first_draft: str) -> tuple[dict[str, Any], PromptFakeChatModel]:
    model = PromptFakeChatModel(responder=responder(first_draft), prompts=[])
    state = await graph.ainvoke(
        {"briefs": [parse_brief(brief).model_dump()]}, context=Context(chat_model=model, api_key="sk-test")
    )
    return state, model


def gate_problems(article: dict[str, Any], brief: dict[str, Any]) -> list[str]:
    draft = {k: article[k] for k in ("title", "text", "tags", "chars", "digest")} | {"number": 1}
    return [p["rule"] for p in check_draft(draft, parse_brief(brief).model_dump(), article["platform"])]  # type: ignore[arg-type]


async def test_identical_first_drafts_one_keeps_its_text_the_rest_are_revised() -> None:
    state, model = await run(BRIEF, SAME_BODY)
    articles = sorted(state["articles"], key=lambda a: a["id"])
    assert all(a["status"] == "passed" for a in articles)
    kept = [a for a in articles if a["drafts"] == 1]
    assert len(kept) == 1 and kept[0]["text"] == SAME_BODY
    revised = [a for a in articles if a["drafts"] == 2]
    assert len(revised) == 3 and all(a["text"] != SAME_BODY for a in revised)
    for article in revised:
        review = article["history"][0]["review"]
        assert [p["rule"] for p in review["problems"]] == ["duplicate"]
        assert f"第 {kept[0]['id']} 篇" in review["problems"][0]["detail"]
    revise_prompts = [p for p in model.prompts if "<previous_draft>" in p]
    assert len(revise_prompts) == 3 and all("- duplicate：" in p for p in revise_prompts)
    # A near-copy is caught before the critic when the original was accepted already, else when it is about to
    # pass (check and register in one step); so 1 + (0..3) + 3 critic calls, depending on timing.
    assert 4 <= sum(a["calls"].get("critic", 0) for a in articles) <= 7


async def test_a_draft_repeating_an_accepted_text_is_caught_before_the_critic() -> None:
    model = PromptFakeChatModel(responder=responder(SAME_BODY), prompts=[])
    ctx = Context(chat_model=model, api_key="sk-test")
    assert ctx.diversity is not None
    ctx.diversity.add(99, "第 99 篇", SAME_BODY)  # e.g. accepted in an earlier session of a resumed run
    article_graph = build_article_graph().compile()
    brief = parse_brief(BRIEF).model_dump()
    rows = table_for([brief])
    results = [await article_graph.ainvoke({"assignment": row, "brief": brief}, context=ctx) for row in rows]
    for article in (r["articles"][0] for r in results):
        first = article["history"][0]["review"]
        assert [p["rule"] for p in first["problems"]] == ["duplicate"] and first["scores"] == {}
        assert "第 99 篇" in first["problems"][0]["detail"]
        assert article["status"] == "passed" and article["calls"]["critic"] == 1


async def test_a_reused_context_starts_each_batch_with_an_empty_index() -> None:
    model = PromptFakeChatModel(responder=responder(SAME_BODY), prompts=[])
    ctx = Context(chat_model=model, api_key="sk-test")
    assert ctx.diversity is not None
    await graph.ainvoke({"briefs": [parse_brief(BRIEF).model_dump()]}, context=ctx)
    assert len(ctx.diversity) == 4
    one = {**BRIEF, "personas": ["宝妈"], "selling_points": ["空间"]}
    state = await graph.ainvoke({"briefs": [parse_brief(one).model_dump()]}, context=ctx)
    assert len(ctx.diversity) == 1 and state["articles"][0]["drafts"] == 1


async def test_gate_failure_is_revised_with_the_exact_fix() -> None:
    bad = "第1版" + body_of_length(280, "bad") + "这是最安全的车，后备箱 1480 L。"
    state, model = await run({**BRIEF, "personas": ["宝妈"], "selling_points": ["空间"]}, bad)
    (article,) = state["articles"]
    assert article["status"] == "passed" and article["drafts"] == 2 and not article["first_pass"]
    first = article["history"][0]["review"]["problems"]
    assert [p["rule"] for p in first] == ["banned_term", "unsupported_number"]
    (prompt,) = [p for p in model.prompts if "<previous_draft>" in p]
    assert "- banned_term：“最安全”违反《广告法》第九条第三项" in prompt
    assert "- unsupported_number：“1480 L”在材料中找不到，删去或改用材料中的数字" in prompt


async def test_exhausted_revisions_keep_the_gate_problem_and_passed_articles_are_clean() -> None:
    brief = {**BRIEF, "max_revisions": 0}
    state, _ = await run(brief, SAME_BODY)
    passed = [a for a in state["articles"] if a["status"] == "passed"]
    failed = [a for a in state["articles"] if a["status"] == "failed"]
    assert len(passed) == 1 and len(failed) == 3
    assert all(a["problems"][0].startswith("duplicate: ") for a in failed)
    assert all(gate_problems(a, brief) == [] for a in passed)


async def test_diversity_can_be_turned_off() -> None:
    model = PromptFakeChatModel(responder=responder(SAME_BODY), prompts=[])
    ctx = Context(chat_model=model, api_key="sk-test", diversity=None)
    state = await graph.ainvoke({"briefs": [parse_brief(BRIEF).model_dump()]}, context=ctx)
    assert all(a["drafts"] == 1 and a["status"] == "passed" for a in state["articles"])


async def test_wechat_digest_and_ai_label_reach_the_outputs(tmp_path: Path) -> None:
    brief = {
        **BRIEF,
        "personas": ["宝妈"],
        "selling_points": ["空间"],
        "platforms": ["wechat"],
        "ai_label": True,
    }
    state, model = await run(brief, "第1版" + body_of_length(297, "wechat"))
    (article,) = state["articles"]
    assert any("<digest>" in p for p in model.prompts)
    assert article["disclosure"] == AI_DISCLOSURE and AI_DISCLOSURE not in article["text"]
    assert article["digest"] == article["text"][:54]  # the fake writes no digest: WeChat's own rule applies
    report = {
        "articles": 1,
        "passed": 1,
        "failed": 0,
        "errors": 0,
        "first_pass_rate": 1.0,
        "final_pass_rate": 1.0,
        "model": "fake",
        "llm_calls": 3,
        "wall_seconds": 0.1,
    }
    write_outputs(tmp_path, state["articles"], report)
    record = json.loads((tmp_path / "articles.jsonl").read_text("utf-8"))
    assert record["disclosure"] == AI_DISCLOSURE and record["digest"] == article["digest"]
    markdown = (tmp_path / "articles.md").read_text("utf-8")
    assert AI_DISCLOSURE in markdown and "摘要：" in markdown
