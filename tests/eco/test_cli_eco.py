"""The CLI end to end: plan review driven through stdin, quit and resume at the review, report.html written."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest

from tests.e2e.conftest import COPYLOOP, EXAMPLE, ROOT, read_jsonl

pytestmark = pytest.mark.e2e


def cli(*args: str, stdin: str = "", env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """Run `copyloop ARGS` with `stdin` as its input (not a terminal), in a clean environment."""
    base = {k: v for k, v in os.environ.items() if not k.startswith(("DEEPSEEK_", "COPYLOOP_", "LANGSMITH_"))}
    return subprocess.run(
        [*COPYLOOP, *args],
        input=stdin,
        env={**base, **(env or {})},
        capture_output=True,
        text=True,
        timeout=120,
        cwd=ROOT / "tests",
    )


def test_review_plan_from_stdin_drops_and_edits_before_writing(tmp_path: Path) -> None:
    out = tmp_path / "o"
    result = cli(
        "run", str(EXAMPLE), "--out", str(out), "--offline", "--seed", "3", "--review-plan",
        stdin="d 2 5\ne 4 雨夜去机场接爸妈回家\na\n",
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert "Plan: 7 articles" in result.stderr and "雨夜去机场接爸妈回家 ✎" in result.stderr
    articles = read_jsonl(out / "articles.jsonl")
    assert [a["id"] for a in articles] == [1, 3, 4, 6, 7]
    assert next(a for a in articles if a["id"] == 4)["angle"] == "雨夜去机场接爸妈回家"
    report = json.loads((out / "report.json").read_text(encoding="utf-8"))
    assert report["articles"] == 5 and report["planned"] == 5
    assert "[5/5]" in result.stderr  # the plain progress lines count what is left after the review
    assert (out / "report.html").read_text(encoding="utf-8").count("<article") == 5


def test_quit_at_the_review_keeps_the_run_resumable(tmp_path: Path) -> None:
    out = tmp_path / "o"
    quit_ = cli(
        "run", str(EXAMPLE), "--out", str(out), "--offline", "--seed", "3", "--review-plan", stdin="q\n"
    )
    assert quit_.returncode == 130, quit_.stderr
    assert f"copyloop resume {out}" in quit_.stderr and "plan awaits review" in quit_.stderr
    assert read_jsonl(out / "articles.jsonl") == []
    ledger_before = len(read_jsonl(out / "ledger.jsonl"))  # the planner's calls only

    resumed = cli("resume", str(out), stdin="d 1\na\n")
    assert resumed.returncode == 0, resumed.stderr
    assert "Plan: 7 articles" in resumed.stderr
    assert [a["id"] for a in read_jsonl(out / "articles.jsonl")] == [2, 3, 4, 5, 6, 7]
    planner_calls = [e for e in read_jsonl(out / "ledger.jsonl") if e["node"] == "planner"]
    assert len(planner_calls) == ledger_before  # the plan was not made again
