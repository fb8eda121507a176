"""`copyloop estimate`: JSON by default, text for people, exit 2 on bad input, no key and no model call."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from copyloop.cli import main

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "yuanlan_v7.yaml"


@pytest.fixture
def runner(monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    for name in ("DEEPSEEK_API_KEY", "DEEPSEEK_BASE_URL", "COPYLOOP_PRICES", "COPYLOOP_MAX_CONCURRENCY"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("DEEPSEEK_BASE_URL", "http://127.0.0.1:9")  # nothing listens: a model call would fail
    return CliRunner()


def test_json_without_a_key(runner: CliRunner) -> None:
    result = runner.invoke(main, ["estimate", str(EXAMPLE)])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["articles"] == 7
    calls, cost = data["calls"], data["cost_cny"]
    assert calls["low"] <= calls["expected"] <= calls["high"]
    assert 0 < cost["low"] < cost["expected"] < cost["high"]
    assert calls["by_node"]["planner"] == {"low": 1, "expected": 1.0, "high": 1}
    assert calls["by_node"]["write"]["high"] == 7
    assert calls["by_node"]["critic"]["high"] == 7 * 4  # max_revisions 3: four drafts, each critiqued
    assert set(data["tokens"]) == {"prompt", "cache_hit", "completion"}


def test_text_for_people(runner: CliRunner) -> None:
    result = runner.invoke(main, ["estimate", str(EXAMPLE), "--format", "text"])
    assert result.exit_code == 0, result.output
    assert "cost CNY" in result.output and "expected" in result.output


def test_more_articles_cost_more_and_planner_chunks_count(runner: CliRunner, tmp_path: Path) -> None:
    text = EXAMPLE.read_text(encoding="utf-8").replace("count: 7", "count: 100")
    brief = tmp_path / "big.yaml"
    brief.write_text(text, encoding="utf-8")
    data = json.loads(runner.invoke(main, ["estimate", str(brief)]).output)
    assert data["calls"]["by_node"]["planner"]["low"] == 4  # 8 rows first, then 40 per planner call


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["missing.yaml"], "brief file not found"),
        (["EXAMPLE", "--history", "nowhere"], "not a folder"),
        (["EXAMPLE", "--prices", "nowhere.yaml"], "not found"),
    ],
)
def test_bad_input_exits_2_with_one_line(runner: CliRunner, args: list[str], message: str) -> None:
    args = [str(EXAMPLE) if a == "EXAMPLE" else a for a in args]
    result = runner.invoke(main, ["estimate", *args])
    assert result.exit_code == 2
    assert message in result.output
    assert len(result.output.strip().splitlines()) == 1


def test_run_refuses_a_bad_budget_or_price_table(runner: CliRunner, tmp_path: Path) -> None:
    bad = runner.invoke(
        main, ["run", str(EXAMPLE), "--out", str(tmp_path / "o"), "--offline", "--budget", "0"]
    )
    assert bad.exit_code == 2
    table = tmp_path / "p.yaml"
    table.write_text("models: {}\n", encoding="utf-8")
    bad = runner.invoke(
        main, ["run", str(EXAMPLE), "--out", str(tmp_path / "o"), "--offline", "--prices", str(table)]
    )
    assert bad.exit_code == 2 and "models" in bad.output
    assert not (tmp_path / "o" / "run.json").exists()
