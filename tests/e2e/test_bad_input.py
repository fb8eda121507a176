"""Every kind of bad input ends with exit 2, one line naming the field or file, and no model call."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner

from copyloop.cli import main
from copyloop.sim import SimConfig, SimServer
from tests.e2e.conftest import read_jsonl, run_cli

GOOD: dict[str, Any] = {
    "product": {"name": "远岚 V7", "materials": "轴距 2950 mm，6 个安全气囊。"},
    "personas": ["宝妈"],
    "selling_points": ["空间"],
}


def with_(**changes: Any) -> dict[str, Any]:
    brief = {**GOOD, **changes}
    return {k: v for k, v in brief.items() if v is not None}


CASES: list[tuple[str, Any, str]] = [
    ("yaml syntax", "product: {name: x\npersonas: [a", "YAML syntax error at line"),
    ("missing product", with_(product=None), "product is required"),
    ("missing materials", with_(product={"name": "x"}), "product.materials is required"),
    ("empty materials", with_(product={"name": "x", "materials": "  "}), "product.materials"),
    ("empty personas", with_(personas=[]), "personas"),
    ("missing selling points", with_(selling_points=None), "selling_points is required"),
    ("persona wrong type", with_(personas=[3]), "personas[0]"),
    ("personas not a list", with_(personas="宝妈"), "personas"),
    ("count zero", with_(count=0), "count"),
    ("count too big", with_(count=1001), "count"),
    ("count wrong type", with_(count="many"), "count"),
    (
        "length reversed",
        with_(length={"min": 400, "max": 300}),
        "length: min (400) must not exceed max (300)",
    ),
    ("min_score too high", with_(min_score=11), "min_score"),
    ("min_score zero", with_(min_score=0), "min_score"),
    ("negative revisions", with_(max_revisions=-1), "max_revisions"),
    ("unknown platform", with_(platforms=["tiktok"]), "unknown platform 'tiktok'"),
    ("unknown setting", with_(colour="red"), "unknown setting 'colour'"),
    ("unknown nested setting", with_(length={"min": 1, "max": 2, "avg": 1}), "unknown setting 'length.avg'"),
    ("control character in name", with_(personas=["宝\x07妈"]), "personas[0].name"),
    ("not a mapping", ["a", "b"], "must be a mapping"),
]


@pytest.fixture(scope="module")
def sim() -> Any:
    with SimServer(SimConfig(seed=0)) as server:
        yield server


def _invoke(args: list[str], sim: SimServer, key: bool = True) -> Any:
    env = {"DEEPSEEK_BASE_URL": sim.base_url, "DEEPSEEK_API_KEY": "sk-test" if key else ""}
    return CliRunner().invoke(main, args, env=env, catch_exceptions=False)


@pytest.mark.parametrize(("name", "content", "expected"), CASES, ids=[c[0] for c in CASES])
def test_bad_brief_is_refused_cleanly(
    tmp_path: Path, sim: SimServer, name: str, content: Any, expected: str
) -> None:
    path = tmp_path / "brief.yaml"
    text = content if isinstance(content, str) else yaml.safe_dump(content, allow_unicode=True)
    path.write_text(text, encoding="utf-8")
    before = sim.stats()["requests"]
    result = _invoke(["run", str(path), "--out", str(tmp_path / "out")], sim)
    assert result.exit_code == 2, result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and expected in lines[0] and str(path) in lines[0], result.stderr
    assert sim.stats()["requests"] == before
    assert not (tmp_path / "out").exists()


def test_missing_brief_file(tmp_path: Path, sim: SimServer) -> None:
    result = _invoke(["run", str(tmp_path / "nope.yaml"), "--out", str(tmp_path / "o")], sim)
    assert result.exit_code == 2 and "nope.yaml: brief file not found" in result.stderr


def test_out_is_an_existing_file(tmp_path: Path, sim: SimServer) -> None:
    brief = tmp_path / "b.yaml"
    brief.write_text(yaml.safe_dump(GOOD, allow_unicode=True), encoding="utf-8")
    (tmp_path / "taken").write_text("x")
    result = _invoke(["run", str(brief), "--out", str(tmp_path / "taken")], sim)
    assert result.exit_code == 2 and "is an existing file" in result.stderr


def test_missing_api_key_says_how_to_set_it(tmp_path: Path, sim: SimServer) -> None:
    brief = tmp_path / "b.yaml"
    brief.write_text(yaml.safe_dump(GOOD, allow_unicode=True), encoding="utf-8")
    result = _invoke(["run", str(brief), "--out", str(tmp_path / "o")], sim, key=False)
    assert result.exit_code == 2
    assert "DEEPSEEK_API_KEY is not set" in result.stderr and ".env" in result.stderr
    assert not (tmp_path / "o").exists()


def test_bad_option_value_exits_2(tmp_path: Path, sim: SimServer) -> None:
    brief = tmp_path / "b.yaml"
    brief.write_text(yaml.safe_dump(GOOD, allow_unicode=True), encoding="utf-8")
    result = _invoke(["run", str(brief), "--out", str(tmp_path / "o"), "--max-concurrency", "0"], sim)
    assert result.exit_code == 2


@pytest.mark.e2e
def test_names_with_path_characters_never_escape_the_output_folder(tmp_path: Path) -> None:
    brief = with_(
        product={"name": "../../evil/远岚", "materials": "轴距 2950 mm。"},
        personas=["../宝妈", "a/b"],
        selling_points=["..", "空间/安全"],
        count=2,
    )
    path = tmp_path / "brief.yaml"
    path.write_text(yaml.safe_dump(brief, allow_unicode=True), encoding="utf-8")
    out = tmp_path / "nest" / "out"
    result = run_cli("run", str(path), "--out", str(out), "--offline")
    assert result.returncode == 0, result.stderr
    everything = {p.relative_to(tmp_path) for p in tmp_path.rglob("*")}
    assert everything <= {
        Path("brief.yaml"),
        Path("nest"),
        *(p.relative_to(tmp_path) for p in out.rglob("*")),
        Path("nest/out"),
    }
    assert {a["persona"] for a in read_jsonl(out / "articles.jsonl")} == {"../宝妈", "a/b"}
