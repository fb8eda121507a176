"""`copyloop run` end to end through the simulator over real HTTP."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from copyloop.counting import count_chars
from copyloop.sim import SimConfig, SimServer
from tests.e2e.conftest import read_jsonl, run_cli

pytestmark = pytest.mark.e2e

ARTICLE_KEYS = {
    "id",
    "product",
    "persona",
    "selling_point",
    "platform",
    "angle",
    "status",
    "title",
    "text",
    "chars",
    "drafts",
    "scores",
    "problems",
    "usage",
    "error",
}
REPORT_KEYS = {
    "articles",
    "passed",
    "failed",
    "errors",
    "first_pass_rate",
    "final_pass_rate",
    "llm_calls",
    "usage",
    "wall_seconds",
    "model",
}
USAGE_KEYS = {"prompt_tokens", "completion_tokens", "cache_hit_tokens", "cache_miss_tokens"}


def test_offline_run_writes_the_three_outputs_by_contract(tmp_path: Path, example_brief: Path) -> None:
    out = tmp_path / "out"
    result = run_cli("run", str(example_brief), "--out", str(out), "--offline", "--seed", "3")
    assert result.returncode == 0, result.stderr
    assert "articles.jsonl" in result.stdout
    articles = read_jsonl(out / "articles.jsonl")
    assert [a["id"] for a in articles] == list(range(1, 8))
    for article in articles:
        assert set(article) >= ARTICLE_KEYS
        assert article["status"] in {"passed", "failed"}
        assert article["chars"] == count_chars(article["text"])
        assert article["drafts"] >= 1
        assert {"scene", "emotion"} <= set(article["scores"]) or article["status"] == "failed"
        assert set(article["usage"]) == USAGE_KEYS
        if article["status"] == "passed":
            assert article["problems"] == []
            assert 250 <= article["chars"] <= 350
            assert min(article["scores"].values()) >= 8
        assert article["error"] is None
    report = json.loads((out / "report.json").read_text(encoding="utf-8"))
    assert set(report) >= REPORT_KEYS
    assert report["articles"] == 7
    assert report["passed"] + report["failed"] + report["errors"] == 7
    assert report["model"] == "deepseek-flash"
    assert (out / "articles.md").read_text(encoding="utf-8").startswith("# copyloop batch")


def test_same_seed_gives_the_same_batch(tmp_path: Path, example_brief: Path) -> None:
    runs = []
    for name in ("a", "b"):
        result = run_cli(
            "run", str(example_brief), "--out", str(tmp_path / name), "--offline", "--seed", "11"
        )
        assert result.returncode == 0, result.stderr
        runs.append(
            [(a["id"], a["text"], a["drafts"]) for a in read_jsonl(tmp_path / name / "articles.jsonl")]
        )
    assert runs[0] == runs[1]


def test_report_totals_equal_what_the_server_counted(tmp_path: Path, example_brief: Path) -> None:
    """Run against a standalone server as if it were DeepSeek; the report must match the server's own count."""
    with SimServer(SimConfig(seed=5)) as sim:
        env = {"DEEPSEEK_API_KEY": "sk-test-not-a-real-key", "DEEPSEEK_BASE_URL": sim.base_url}
        result = run_cli("run", str(example_brief), "--out", str(tmp_path / "o"), env=env)
        assert result.returncode == 0, result.stderr
        stats = sim.stats()
    report = json.loads((tmp_path / "o" / "report.json").read_text(encoding="utf-8"))
    assert report["llm_calls"] == stats["responses"]
    assert report["usage"] == stats["usage"]
    articles = read_jsonl(tmp_path / "o" / "articles.jsonl")
    article_prompt = sum(a["usage"]["prompt_tokens"] for a in articles)
    assert article_prompt < report["usage"]["prompt_tokens"]  # the planner's calls are the difference


def test_a_fast_article_finishes_before_a_slow_ones_first_reply(tmp_path: Path) -> None:
    brief = {
        "product": {"name": "远岚 V7", "materials": "轴距 2950 mm，6 个安全气囊，后备箱 520 L。"},
        "personas": ["宝妈", "慢郎中"],
        "selling_points": ["空间"],
        "max_revisions": 2,
    }
    path = tmp_path / "brief.yaml"
    path.write_text(yaml.safe_dump(brief, allow_unicode=True), encoding="utf-8")
    # Every request about the slow persona takes 2.5 s; the others 0.05 s.
    sim_knobs = {"latency": 0.05, "latency_rules": [["人群：慢郎中", 2.5]]}
    with SimServer(SimConfig(seed=2, **sim_knobs)) as sim:  # type: ignore[arg-type]
        env = {"DEEPSEEK_API_KEY": "sk-test", "DEEPSEEK_BASE_URL": sim.base_url}
        result = run_cli("run", str(path), "--out", str(tmp_path / "o"), env=env)
    assert result.returncode == 0, result.stderr
    ledger = read_jsonl(tmp_path / "o" / "ledger.jsonl")
    articles = {a["persona"]: a["id"] for a in read_jsonl(tmp_path / "o" / "articles.jsonl")}
    fast = [e["time"] for e in ledger if e["article_id"] == articles["宝妈"]]
    slow = [e["time"] for e in ledger if e["article_id"] == articles["慢郎中"]]
    assert fast and slow
    assert max(fast) < min(slow), (
        "the fast article's whole chain should finish before the slow one's first reply"
    )
    progress = read_jsonl(tmp_path / "o" / "progress.jsonl")
    assert [p["persona"] for p in progress] == ["宝妈", "慢郎中"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["run", "missing.yaml", "--out", "o", "--offline"], "brief file not found"),
        (["run", "EXAMPLE", "--out", "o"], "DEEPSEEK_API_KEY is not set"),
    ],
)
def test_bad_invocations_exit_2_with_one_line(
    tmp_path: Path, example_brief: Path, args: list[str], message: str
) -> None:
    args = [str(example_brief) if a == "EXAMPLE" else a for a in args]
    args = [str(tmp_path / a) if a in {"o", "missing.yaml"} else a for a in args]
    result = run_cli(*args)
    assert result.returncode == 2
    assert message in result.stderr
    assert "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
