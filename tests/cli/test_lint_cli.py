"""`copyloop lint` contract: JSON lines per file, exit 0/1/2, --format text, --platform, duplicates.

The first three tests run the real command as a subprocess; the rest call the same click command in-process
(`CliRunner`), which checks the same contract without paying the package's import time per case.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner

from copyloop.cli import main
from tests.fakes import body_of_length

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "examples" / "yuanlan_v7.yaml"


@dataclass
class Outcome:
    returncode: int
    stdout: str
    stderr: str


def lint_process(*args: str | Path) -> Outcome:
    """Run `python -m copyloop lint ARGS` as a subprocess."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DEEPSEEK_", "COPYLOOP_"))}
    done = subprocess.run(
        [sys.executable, "-m", "copyloop", "lint", *map(str, args)],
        capture_output=True,
        text=True,
        timeout=60,
        env=env,
        cwd=ROOT / "tests",
    )
    return Outcome(done.returncode, done.stdout, done.stderr)


def lint(*args: str | Path) -> Outcome:
    """Run the `lint` click command in-process, with stdout and stderr apart."""
    result = CliRunner().invoke(main, ["lint", *map(str, args)])
    if result.exception and not isinstance(result.exception, SystemExit):
        raise result.exception
    return Outcome(result.exit_code, result.stdout, result.stderr)


def lines(result: Outcome) -> list[dict[str, Any]]:
    return [json.loads(line) for line in result.stdout.splitlines()]


def body(seed: str) -> str:
    """A 300-字 body that clears every gate of the example brief, mentioning grounded specs and trap words."""
    return (
        "第一次带娃自驾，第二排独立座椅可前后滑动 220 mm，一家人坐得下。"
        + body_of_length(260, seed)
        + "L2 级辅助驾驶。"
    )


@pytest.fixture
def files(tmp_path: Path) -> dict[str, Path]:
    clean = tmp_path / "clean.txt"
    clean.write_text(body("a"), encoding="utf-8")
    post = tmp_path / "post.txt"
    post.write_text(
        f"<title>二胎家庭的周末</title>\n<body>\n{body('b')}\n</body>\n<tags>#宝妈 #七座 #用车</tags>\n",
        "utf-8",
    )
    bad = tmp_path / "bad.txt"
    bad.write_text(
        "<title>" + "宝" * 22 + "</title><body>这是最安全的车，后备箱 1480 L。</body><tags>#宝妈</tags>",
        "utf-8",
    )
    copy = tmp_path / "copy.txt"
    copy.write_text(body("a").replace("一家人", "全家人"), encoding="utf-8")
    return {"clean": clean, "post": post, "bad": bad, "copy": copy}


def test_process_clean_files_exit_zero_with_one_json_line_each(files: dict[str, Path]) -> None:
    result = lint_process(EXAMPLE, files["clean"], files["post"])
    assert result.returncode == 0, result.stderr
    out = lines(result)
    assert [o["file"] for o in out] == [str(files["clean"]), str(files["post"])]
    assert all(o["problems"] == [] and 250 <= o["chars"] <= 350 for o in out)
    assert result.stderr == ""


def test_process_problems_exit_one_with_rule_detail_span(files: dict[str, Path]) -> None:
    result = lint_process(EXAMPLE, files["bad"])
    assert result.returncode == 1
    (out,) = lines(result)
    assert set(out) == {"file", "chars", "problems"}
    assert [p["rule"] for p in out["problems"]] == [
        "length",
        "title",
        "tags",
        "banned_term",
        "unsupported_number",
    ]
    for problem in out["problems"]:
        assert set(problem) == {"rule", "detail", "span"}
        assert problem["span"] is None or (isinstance(problem["span"], list) and len(problem["span"]) == 2)
    number = out["problems"][-1]
    text = "这是最安全的车，后备箱 1480 L。"
    assert text[number["span"][0] : number["span"][1]] == "1480 L"


def test_process_bad_input_and_text_format(files: dict[str, Path]) -> None:
    missing = lint_process(EXAMPLE, "missing.txt", "--format", "text")
    assert missing.returncode == 2 and missing.stdout == ""
    assert missing.stderr.strip() == "copyloop: missing.txt: file not found"
    text = lint_process(EXAMPLE, files["bad"], "--format", "text")
    assert (
        text.returncode == 1
        and text.stdout.startswith(f"{files['bad']}: ")
        and "  banned_term [" in text.stdout
    )


def test_duplicates_across_files_are_reported_on_the_later_file(files: dict[str, Path]) -> None:
    result = lint(EXAMPLE, files["clean"], files["copy"])
    assert result.returncode == 1
    first, second = lines(result)
    assert first["problems"] == []
    assert [p["rule"] for p in second["problems"]] == ["duplicate"]
    assert str(files["clean"]) in second["problems"][0]["detail"]


def test_plain_text_skips_title_and_tags_but_a_tagged_post_does_not(
    files: dict[str, Path], tmp_path: Path
) -> None:
    tagged = tmp_path / "tagged.txt"
    tagged.write_text(f"<body>{body('c')}</body>", encoding="utf-8")
    result = lint(EXAMPLE, files["clean"], tagged)
    plain, post = lines(result)
    assert plain["problems"] == []
    assert [p["rule"] for p in post["problems"]] == ["title", "tags"]


def test_platform_option_switches_rules(files: dict[str, Path]) -> None:
    assert lint(EXAMPLE, files["post"], "--platform", "douyin").returncode == 0
    result = lint(EXAMPLE, files["bad"], "--platform", "generic")
    assert [p["rule"] for p in lines(result)[0]["problems"]] == [
        "length",
        "banned_term",
        "unsupported_number",
    ]


def test_text_format_for_people(files: dict[str, Path]) -> None:
    result = lint(EXAMPLE, files["clean"], files["bad"], "--format", "text")
    assert result.returncode == 1
    text = result.stdout
    assert f"{files['clean']}: " in text and ", ok" in text
    assert "  banned_term [" in text and "  length: " in text


def test_brief_extensions_apply(files: dict[str, Path], tmp_path: Path) -> None:
    brief = yaml.safe_load(EXAMPLE.read_text("utf-8"))
    brief["banned_terms"] = ["带娃自驾"]
    custom = tmp_path / "brief.yaml"
    custom.write_text(yaml.safe_dump(brief, allow_unicode=True), encoding="utf-8")
    result = lint(custom, files["clean"])
    assert result.returncode == 1
    assert [p["rule"] for p in lines(result)[0]["problems"]] == ["banned_term"]


@pytest.mark.parametrize(
    "args",
    [
        ("missing-brief.yaml", "FILE"),
        ("BRIEF", "missing.txt"),
        ("INVALID", "FILE"),
        ("BRIEF", "FILE", "--platform", "weibo"),
    ],
)
def test_bad_input_exits_two_with_one_line(
    args: tuple[str, ...], files: dict[str, Path], tmp_path: Path
) -> None:
    invalid = tmp_path / "invalid.yaml"
    invalid.write_text("product: {name: x}\n", encoding="utf-8")
    mapping = {"BRIEF": str(EXAMPLE), "FILE": str(files["clean"]), "INVALID": str(invalid)}
    result = lint(*[mapping.get(a, a) for a in args])
    assert result.returncode == 2
    assert result.stdout == ""
    assert len(result.stderr.strip().splitlines()) == 1 and "Traceback" not in result.stderr
