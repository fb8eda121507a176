"""Cost and speed through the simulator: the bill is exact, the prefix cache is used, estimates bracket runs, the
budget holds and resumes."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import pytest
import yaml

from copyloop.brief import load_briefs
from copyloop.estimate import estimate
from copyloop.ledger import read_ledger
from copyloop.pricing import load_prices
from copyloop.runner import execute, settings_for
from copyloop.sim import SimConfig, SimServer
from copyloop.usage import USAGE_KEYS
from tests.e2e.conftest import EXAMPLE, read_jsonl, run_cli

pytestmark = pytest.mark.e2e

# Peak and off-peak at the same rates, so a test's money does not depend on the hour it runs at.
FLAT_PRICES = """
models:
  deepseek-flash:
    peak: {cache_hit: 0.04, cache_miss: 2, output: 8}
    off_peak: {cache_hit: 0.04, cache_miss: 2, output: 8}
"""


def run_offline(tmp: Path, count: int, seed: int, **sim: Any) -> dict[str, Any]:
    """Run the example brief with `count` articles on the in-process simulator; return the report."""
    brief = load_briefs([EXAMPLE])[0].model_copy(update={"count": count})
    settings = settings_for([brief], offline=True, seed=seed, sim=sim)
    return asyncio.run(execute(settings, tmp)).report


def test_the_bill_matches_the_simulators_own_count(tmp_path: Path, example_brief: Path) -> None:
    with SimServer(SimConfig(seed=5, error_rate=0.1)) as sim:
        env = {
            "DEEPSEEK_API_KEY": "sk-test",
            "DEEPSEEK_BASE_URL": sim.base_url,
            "COPYLOOP_RETRY_BASE_DELAY": "0.01",
        }
        result = run_cli("run", str(example_brief), "--out", str(tmp_path / "o"), env=env)
        stats = sim.stats()
    assert result.returncode == 0, result.stderr
    assert "CNY" in result.stdout
    out = tmp_path / "o"
    report = json.loads((out / "report.json").read_text(encoding="utf-8"))
    articles = read_jsonl(out / "articles.jsonl")
    ledger = read_ledger(out / "ledger.jsonl")
    # calls and tokens per node add up to the server's totals
    assert sum(report["llm_calls_by_node"].values()) == stats["responses"] == len(ledger)
    for key in USAGE_KEYS:
        assert sum(u[key] for u in report["usage_by_node"].values()) == stats["usage"][key]
    # per article: usage and calls by node from the ledger; the planner is the only call outside articles
    for article in articles:
        mine = [e for e in ledger if e.article_id == article["id"]]
        for key in USAGE_KEYS:
            assert article["usage"][key] == sum(e.usage[key] for e in mine)  # type: ignore[literal-required]
    # money: each call at the rate of its own time, summed
    prices = load_prices()
    total = sum(prices.cost(e.model, e.usage, e.time) for e in ledger)
    assert report["cost_cny"] == pytest.approx(total, abs=1e-6)
    assert sum(a["cost_cny"] for a in articles) + report["cost_by_node"]["planner"] == pytest.approx(
        report["cost_cny"], abs=1e-5
    )
    usage = stats["usage"]
    assert report["cache_hit_share"] == round(usage["cache_hit_tokens"] / usage["prompt_tokens"], 4)
    assert report["cost_per_passed_article"] == pytest.approx(report["cost_cny"] / report["passed"], abs=1e-6)
    assert set(report["calls_per_article_by_node"]) == {"write", "critic", "revise"}
    assert report["pricing"]["peak_calls"] + report["pricing"]["off_peak_calls"] == len(ledger)


def test_prefix_cache_share_goal_and_growth_with_batch_size(tmp_path: Path) -> None:
    # A little latency, so the first wave of articles really is in flight at once (as against DeepSeek).
    small = run_offline(tmp_path / "7", 7, seed=1, latency=0.02)
    large = run_offline(tmp_path / "28", 28, seed=1, latency=0.02)
    assert small["cache_hit_share"] >= 0.60
    assert large["cache_hit_share"] > small["cache_hit_share"]


def test_every_request_starts_with_the_same_tools_and_system_prefix(tmp_path: Path) -> None:
    """The planner's first call is the only one that finds nothing in the cache."""
    run_offline(tmp_path / "o", 7, seed=2, latency=0.02)
    ledger = read_ledger(tmp_path / "o" / "ledger.jsonl")
    planner, *rest = sorted(ledger, key=lambda e: e.time)
    assert planner.node == "planner" and planner.usage["cache_hit_tokens"] == 0
    shared = min(e.usage["cache_hit_tokens"] for e in rest)
    assert shared >= 0.8 * planner.usage["prompt_tokens"]  # tools + system message: most of every prompt


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_estimate_brackets_a_run(tmp_path: Path, seed: int) -> None:
    brief = load_briefs([EXAMPLE])[0].model_copy(update={"count": 10})
    predicted = estimate([brief.model_dump()], load_prices(), max_concurrency=16)
    report = run_offline(tmp_path, 10, seed=seed, latency=0.01 * seed)
    assert predicted["calls"]["low"] <= report["llm_calls"] <= predicted["calls"]["high"]
    assert predicted["cost_cny"]["low"] <= report["cost_cny"] <= predicted["cost_cny"]["high"]
    tokens = predicted["tokens"]
    assert tokens["prompt"]["low"] <= report["usage"]["prompt_tokens"] <= tokens["prompt"]["high"]
    assert tokens["completion"]["low"] <= report["usage"]["completion_tokens"] <= tokens["completion"]["high"]


def test_estimate_learns_from_history(tmp_path: Path) -> None:
    run_offline(tmp_path / "past", 12, seed=4)
    brief = load_briefs([EXAMPLE])[0].model_copy(update={"count": 12})
    learned = estimate([brief.model_dump()], load_prices(), history=[tmp_path / "past"])
    report = run_offline(tmp_path / "now", 12, seed=5)
    assert learned["assumptions"]["behaviour"]["source"].startswith("history: 1 runs, 12 articles")
    # with the simulator's own pass rates and reply sizes, the expected figures land close to a fresh run
    assert learned["calls"]["expected"] == pytest.approx(report["llm_calls"], rel=0.25)
    assert learned["cost_cny"]["expected"] == pytest.approx(report["cost_cny"], rel=0.35)


def brief_file(tmp_path: Path, count: int) -> Path:
    brief = {
        "product": {
            "name": "远岚 V7",
            "materials": "轴距 2950 mm，6 个安全气囊，后备箱 520 L，CLTC 纯电续航 210 km。",
        },
        "personas": ["宝妈", "孝子", "小夫妻"],
        "selling_points": ["空间", "安全"],
        "count": count,
    }
    path = tmp_path / "brief.yaml"
    path.write_text(yaml.safe_dump(brief, allow_unicode=True), encoding="utf-8")
    return path


def test_budget_stops_the_batch_and_resume_with_more_finishes_it(tmp_path: Path) -> None:
    out, prices = tmp_path / "o", tmp_path / "prices.yaml"
    prices.write_text(FLAT_PRICES, encoding="utf-8")
    budget = 0.04  # the 10 articles cost about 0.09 at these rates
    with SimServer(SimConfig(seed=3, latency=0.02)) as sim:
        env = {"DEEPSEEK_API_KEY": "sk-test", "DEEPSEEK_BASE_URL": sim.base_url}
        first = run_cli(
            "run",
            str(brief_file(tmp_path, 10)),
            "--out",
            str(out),
            "--budget",
            str(budget),
            "--prices",
            str(prices),
            env=env,
        )
        assert first.returncode == 3, first.stderr
        assert f"copyloop resume {out} --budget" in first.stderr and "Traceback" not in first.stderr
        report = json.loads((out / "report.json").read_text(encoding="utf-8"))
        assert report["stopped"] == "budget" and report["budget_cny"] == budget
        assert report["cost_cny"] <= budget  # each request in flight was reserved at its ceiling
        articles = read_jsonl(out / "articles.jsonl")
        assert [a["id"] for a in articles] == list(range(1, 11))
        unfinished = {a["id"] for a in articles if a["status"] == "error"}
        assert unfinished and all(a["error"] == "budget" for a in articles if a["id"] in unfinished)
        finished = {a["id"] for a in read_jsonl(out / "progress.jsonl")}
        assert finished and not finished & unfinished  # never marked finished
        assert json.loads((out / "run.json").read_text(encoding="utf-8"))["budget"] == budget
        calls_before = len(read_jsonl(out / "ledger.jsonl"))

        sim.reset()
        second = run_cli("resume", str(out), "--budget", "5", env=env)
        stats = sim.stats()
    assert second.returncode == 0, second.stderr
    assert json.loads((out / "run.json").read_text(encoding="utf-8"))["budget"] == 5
    ledger = read_jsonl(out / "ledger.jsonl")
    after = ledger[calls_before:]
    assert len(after) == stats["responses"]
    assert not [e for e in after if e["article_id"] in finished or e["node"] == "planner"]
    articles = read_jsonl(out / "articles.jsonl")
    assert all(a["status"] in {"passed", "failed"} for a in articles) and len(articles) == 10


def test_a_budget_too_small_for_the_first_call_still_reports_every_article(tmp_path: Path) -> None:
    out = tmp_path / "o"
    result = run_cli(
        "run", str(brief_file(tmp_path, 4)), "--out", str(out), "--offline", "--budget", "0.0001"
    )
    assert result.returncode == 3, result.stderr
    articles = read_jsonl(out / "articles.jsonl")
    assert [a["error"] for a in articles] == ["budget"] * 4
    assert not (out / "ledger.jsonl").exists() or not read_jsonl(out / "ledger.jsonl")
