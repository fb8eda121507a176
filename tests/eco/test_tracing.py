"""LangSmith tracing against a local stand-in: names, tags and metadata per batch, article and draft; no secrets."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from copyloop.sim import SimConfig, SimServer
from tests.e2e.conftest import EXAMPLE, read_jsonl, run_cli
from tests.langsmith_fake import FakeLangSmith, metadata_of

pytestmark = pytest.mark.e2e

SECRET = "sk-live-9f8e7d6c5b4a39281706f5e4d3c2b1a0"


def test_a_traced_run_sends_filterable_runs_and_no_secret(tmp_path: Path) -> None:
    with FakeLangSmith() as langsmith, SimServer(SimConfig(seed=3, api_key=SECRET)) as sim:
        env = {
            "DEEPSEEK_API_KEY": SECRET,
            "DEEPSEEK_BASE_URL": sim.base_url,
            "LANGSMITH_TRACING": "true",
            "LANGSMITH_ENDPOINT": langsmith.url,
            "LANGSMITH_API_KEY": "lsv2-test-key",
            "LANGSMITH_PROJECT": "copyloop-tests",
        }
        result = run_cli("run", str(EXAMPLE), "--out", str(tmp_path / "o"), env=env)
        assert result.returncode == 0, result.stderr
        runs = langsmith.runs()  # the CLI flushed before exiting: everything has arrived
        raw = langsmith.raw_text()
    batch_id = json.loads((tmp_path / "o" / "run.json").read_text(encoding="utf-8"))["thread_id"]
    articles = {a["id"]: a for a in read_jsonl(tmp_path / "o" / "articles.jsonl")}

    assert SECRET not in raw and SECRET[-12:] not in raw  # the DeepSeek key never leaves the process
    assert "lsv2-test-key" not in raw

    (batch,) = [r for r in runs if r.get("name") == "copyloop · 远岚 V7 · 7 articles"]
    assert metadata_of(batch)["batch_id"] == batch_id and "copyloop" in batch["tags"]
    assert batch["session_name"] == "copyloop-tests" and batch["end_time"]

    for article_id, article in articles.items():
        name = f"article {article_id} · {article['persona']} · {article['selling_point']} · 小红书"
        (run,) = [r for r in runs if r.get("name") == name]
        meta = metadata_of(run)
        assert meta["batch_id"] == batch_id and meta["article_id"] == article_id
        assert (meta["persona"], meta["selling_point"], meta["platform"]) == (
            article["persona"],
            article["selling_point"],
            "xiaohongshu",
        )
        assert f"persona:{article['persona']}" in run["tags"]

        # Every model call of the article inherits its metadata and carries its draft number.
        calls = [
            r for r in runs if r.get("run_type") == "llm" and metadata_of(r).get("article_id") == article_id
        ]
        drafts = sorted(metadata_of(r)["draft"] for r in calls if metadata_of(r)["role"] == "write")
        assert drafts == [1]
        assert all(metadata_of(r)["persona"] == article["persona"] for r in calls)
        assert all(f"draft:{metadata_of(r)['draft']}" in r["tags"] for r in calls)

        (outcome,) = [
            r for r in runs if r.get("name") == "outcome" and metadata_of(r).get("article_id") == article_id
        ]
        assert f"status:{article['status']}" in outcome["tags"]

    # "all 宝妈 drafts that failed length" is a filter on tags: one `gates` run per draft.
    gates = [r for r in runs if r.get("name") == "gates"]
    assert len(gates) == sum(a["drafts"] for a in articles.values())
    length_failed = [r for r in gates if "gate:length" in r["tags"] and "persona:宝妈" in r["tags"]]
    history = [json.loads(line) for line in (tmp_path / "o" / "drafts.jsonl").read_text().splitlines()]
    expected = sum(
        1
        for h in history
        if articles[h["id"]]["persona"] == "宝妈"
        for step in h["history"]
        if any(p["rule"] == "length" for p in step["review"]["problems"])
    )
    assert expected > 0 and len(length_failed) == expected


def test_without_tracing_nothing_is_sent(tmp_path: Path) -> None:
    with FakeLangSmith() as langsmith:
        env = {"LANGSMITH_ENDPOINT": langsmith.url, "LANGSMITH_API_KEY": "lsv2-test-key"}
        result = run_cli("run", str(EXAMPLE), "--out", str(tmp_path / "o"), "--offline", env=env)
        assert result.returncode == 0, result.stderr
        assert langsmith.runs() == []
