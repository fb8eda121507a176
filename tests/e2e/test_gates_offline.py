"""Gates through the simulator: the revise loop fixes a gate failure, near-identical drafts are caught,
and every passed article is clean of gate problems and no near-copy of another."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml

from copyloop.brief import parse_brief
from copyloop.disclosure import AI_DISCLOSURE
from copyloop.diversity import DiversityIndex
from copyloop.gates import check_draft
from copyloop.graph.builder import graph
from copyloop.graph.context import Context
from copyloop.runner import execute, settings_for
from copyloop.sim import SimConfig, SimServer
from tests.e2e.conftest import EXAMPLE, read_jsonl

pytestmark = pytest.mark.e2e


def example(**changes: Any) -> dict[str, Any]:
    brief = yaml.safe_load(EXAMPLE.read_text(encoding="utf-8"))
    return parse_brief({**brief, **changes}).model_dump()


async def run_batch(brief: dict[str, Any], **knobs: Any) -> list[dict[str, Any]]:
    with SimServer(SimConfig(**knobs)) as server:
        ctx = Context(
            base_url=server.base_url, api_key="sk-offline", model="deepseek-flash", max_concurrency=8
        )
        state = await graph.ainvoke({"briefs": [brief]}, context=ctx)
    return sorted(state["articles"], key=lambda a: a["id"])


def assert_passed_are_clean(articles: list[dict[str, Any]], brief: dict[str, Any]) -> None:
    passed = [a for a in articles if a["status"] == "passed"]
    for article in passed:
        draft = {k: article[k] for k in ("title", "text", "tags", "chars")} | {"number": 0}
        assert check_draft(draft, brief, article["platform"]) == [], article["id"]  # type: ignore[arg-type]
        assert article["problems"] == []
    index = DiversityIndex()
    materials = brief["product"]["materials"]
    assert all(index.claim(a["id"], str(a["id"]), a["text"], ignore=materials) is None for a in passed)


def rules_in_history(article: dict[str, Any]) -> list[list[str]]:
    return [[p["rule"] for p in step["review"]["problems"]] for step in article["history"]]


async def test_banned_term_from_the_brief_is_revised_away() -> None:
    # The simulator's stock sentence 家里人脸上的笑容说明了一切 turns up in about a quarter of its drafts.
    brief = example(banned_terms=["笑容说明"])
    articles = await run_batch(brief, seed=1)
    fixed = [
        a
        for a in articles
        if a["status"] == "passed" and any("banned_term" in rules for rules in rules_in_history(a)[:-1])
    ]
    assert fixed, [rules_in_history(a) for a in articles]
    assert all("笑容说明" not in a["text"] for a in fixed)
    for article in fixed:
        step = next(
            s for s in article["history"] if any(p["rule"] == "banned_term" for p in s["review"]["problems"])
        )
        assert "“笑容说明”违反客户要求" in next(
            p["detail"] for p in step["review"]["problems"] if p["rule"] == "banned_term"
        )
    assert_passed_are_clean(articles, brief)


async def test_near_identical_drafts_are_caught_and_sent_back() -> None:
    brief = example()
    articles = await run_batch(brief, seed=1, duplicate_rate=1.0)
    passed = [a for a in articles if a["status"] == "passed"]
    assert len(passed) <= 1  # every reply is the same text: only the first to pass may keep it
    others = [a for a in articles if a["status"] != "passed"]
    assert others and all(any("duplicate" in rules for rules in rules_in_history(a)) for a in others)
    assert any(p.startswith("duplicate: ") for a in others for p in a["problems"])
    assert_passed_are_clean(articles, brief)


async def test_honest_simulated_batch_passes_clean() -> None:
    brief = example()
    articles = await run_batch(brief, seed=3)
    assert sum(a["status"] == "passed" for a in articles) >= 4
    assert_passed_are_clean(articles, brief)


async def test_offline_run_writes_digest_and_disclosure(tmp_path: Path) -> None:
    raw = yaml.safe_load(EXAMPLE.read_text(encoding="utf-8"))
    brief = parse_brief({**raw, "platforms": ["wechat"], "count": 2, "ai_label": True})
    outcome = await execute(settings_for([brief], offline=True, seed=2), tmp_path)
    assert outcome.exit_code == 0
    records = read_jsonl(tmp_path / "articles.jsonl")
    assert len(records) == 2
    for record in records:
        assert record["disclosure"] == AI_DISCLOSURE and AI_DISCLOSURE not in record["text"]
        assert record["digest"] and len(record["digest"]) <= 120
    assert AI_DISCLOSURE in (tmp_path / "articles.md").read_text(encoding="utf-8")
    assert json.loads((tmp_path / "report.json").read_text(encoding="utf-8"))["articles"] == 2
