"""Faults injected at the simulator: transient ones absorbed, fatal ones stop fast, kill -9 and Ctrl-C resume."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time
from pathlib import Path
from typing import Any

import pytest
import yaml

from copyloop.sim import SimConfig, SimServer
from tests.e2e.conftest import COPYLOOP, ROOT, read_jsonl, run_cli

pytestmark = pytest.mark.e2e

SECRET = "sk-test-SECRET-4f9c2a7e1b"
FAST_RETRIES = {"COPYLOOP_RETRY_BASE_DELAY": "0.05"}


def brief_file(tmp_path: Path, count: int, **extra: Any) -> Path:
    """Write a small brief ordering `count` articles."""
    brief = {
        "product": {
            "name": "远岚 V7",
            "materials": "轴距 2950 mm，6 个安全气囊，后备箱 520 L，CLTC 纯电续航 210 km。",
        },
        "personas": ["宝妈", "孝子", "小夫妻"],
        "selling_points": ["空间", "安全"],
        "count": count,
        **extra,
    }
    path = tmp_path / "brief.yaml"
    path.write_text(yaml.safe_dump(brief, allow_unicode=True), encoding="utf-8")
    return path


def online_env(sim: SimServer, **extra: str) -> dict[str, str]:
    """Environment that points the CLI at a simulator as if it were DeepSeek."""
    return {"DEEPSEEK_API_KEY": SECRET, "DEEPSEEK_BASE_URL": sim.base_url, **FAST_RETRIES, **extra}


def report(out: Path) -> dict[str, Any]:
    return json.loads((out / "report.json").read_text(encoding="utf-8"))


def test_transient_faults_are_absorbed_and_every_article_accounted_for(tmp_path: Path) -> None:
    knobs = {"error_rate": 0.2, "malformed_rate": 0.1, "hang_rate": 0.03, "keepalive_interval": 0.2}
    with SimServer(SimConfig(seed=5, **knobs)) as sim:  # type: ignore[arg-type]
        result = run_cli(
            "run",
            str(brief_file(tmp_path, 12)),
            "--out",
            str(tmp_path / "o"),
            # Long enough that no answered request is abandoned even on a loaded machine (an abandoned request is
            # billed by the server but unknown to the ledger), short enough that the hung ones are retried soon.
            "--request-timeout",
            "4",
            env=online_env(sim),
            timeout=240,
        )
        stats = sim.stats()
    assert result.returncode == 0, result.stderr
    articles = read_jsonl(tmp_path / "o" / "articles.jsonl")
    assert [a["id"] for a in articles] == list(range(1, 13))
    assert all(a["status"] in {"passed", "failed"} for a in articles)
    faults = sum(n for code, n in stats["by_status"].items() if code != "200")
    assert faults > 0 and stats["hangs"] > 0
    assert report(tmp_path / "o")["llm_calls"] == stats["responses"]
    assert report(tmp_path / "o")["usage"] == stats["usage"]


def test_in_flight_cap_holds_under_retries(tmp_path: Path) -> None:
    with SimServer(SimConfig(seed=8, latency=0.15, error_rate=0.2)) as sim:
        result = run_cli(
            "run",
            str(brief_file(tmp_path, 12)),
            "--out",
            str(tmp_path / "o"),
            "--max-concurrency",
            "3",
            env=online_env(sim),
            timeout=240,
        )
        stats = sim.stats()
    assert result.returncode == 0, result.stderr
    assert stats["max_in_flight"] == 3


@pytest.mark.parametrize(
    ("knobs", "expected"),
    [
        ({"force_status": 401}, "DEEPSEEK_API_KEY was rejected"),
        ({"force_status": 402}, "the DeepSeek balance is empty"),
    ],
)
def test_bad_key_or_empty_balance_stops_the_batch_at_once(
    tmp_path: Path, knobs: dict[str, Any], expected: str
) -> None:
    with SimServer(SimConfig(seed=1, **knobs)) as sim:
        result = run_cli(
            "run", str(brief_file(tmp_path, 12)), "--out", str(tmp_path / "o"), env=online_env(sim)
        )
        stats = sim.stats()
    assert result.returncode == 4
    assert expected in result.stderr and "copyloop resume" in result.stderr
    assert "Traceback" not in result.stderr
    assert stats["requests"] <= 2  # not one failing call per article
    assert (tmp_path / "o" / "report.json").exists()


def test_balance_running_out_mid_batch_keeps_work_and_resume_redoes_nothing(tmp_path: Path) -> None:
    out = tmp_path / "o"
    with SimServer(SimConfig(seed=3, latency=0.05, fail_after=15)) as sim:
        first = run_cli("run", str(brief_file(tmp_path, 10)), "--out", str(out), env=online_env(sim))
        assert first.returncode == 4, first.stderr
        done_before = {a["id"] for a in read_jsonl(out / "progress.jsonl")}
        calls_before = len(read_jsonl(out / "ledger.jsonl"))
        sim.configure(fail_after=None)
        sim.reset()
        second = run_cli("resume", str(out), env=online_env(sim))
        stats = sim.stats()
    assert second.returncode == 0, second.stderr
    assert done_before, "some articles should have finished before the balance ran out"
    ledger = read_jsonl(out / "ledger.jsonl")
    redone = [e for e in ledger[calls_before:] if e["article_id"] in done_before or e["node"] == "planner"]
    assert redone == []
    assert len(ledger) - calls_before == stats["responses"]
    assert [a["id"] for a in read_jsonl(out / "articles.jsonl")] == list(range(1, 11))


def _wait_for_lines(path: Path, n: int, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if path.exists() and len(path.read_text(encoding="utf-8").splitlines()) >= n:
            return
        time.sleep(0.05)
    raise AssertionError(f"{path} never reached {n} lines")


def _start(args: list[str], env: dict[str, str]) -> subprocess.Popen[str]:
    base = {k: v for k, v in os.environ.items() if not k.startswith(("DEEPSEEK_", "COPYLOOP_"))}
    return subprocess.Popen(
        [*COPYLOOP, *args],
        env={**base, **env},
        cwd=ROOT / "tests",
        text=True,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )


def test_kill_9_then_resume_repeats_no_finished_work(tmp_path: Path) -> None:
    out = tmp_path / "o"
    knobs = {"latency": 0.1, "latency_rules": [["人群：小夫妻", 0.6]]}
    with SimServer(SimConfig(seed=6, **knobs)) as sim:  # type: ignore[arg-type]
        process = _start(
            ["run", str(brief_file(tmp_path, 12)), "--out", str(out), "--max-concurrency", "4"],
            online_env(sim),
        )
        _wait_for_lines(out / "progress.jsonl", 3, timeout=60)
        process.send_signal(signal.SIGKILL)
        process.wait()
        finished = {a["id"] for a in read_jsonl(out / "progress.jsonl")}
        calls_before = len(read_jsonl(out / "ledger.jsonl"))
        assert len(finished) < 12
        sim.reset()
        resumed = run_cli("resume", str(out), env=online_env(sim), timeout=120)
        stats = sim.stats()
    assert resumed.returncode == 0, resumed.stderr
    ledger = read_jsonl(out / "ledger.jsonl")
    after = ledger[calls_before:]
    assert not [e for e in after if e["article_id"] in finished or e["node"] == "planner"]
    assert len(after) == stats["responses"]
    articles = read_jsonl(out / "articles.jsonl")
    assert [a["id"] for a in articles] == list(range(1, 13))
    assert all(a["status"] in {"passed", "failed"} for a in articles)


def test_ctrl_c_drains_writes_outputs_and_says_how_to_resume(tmp_path: Path) -> None:
    out = tmp_path / "o"
    with SimServer(SimConfig(seed=9, latency=0.3)) as sim:
        process = _start(["run", str(brief_file(tmp_path, 12)), "--out", str(out)], online_env(sim))
        _wait_for_lines(out / "progress.jsonl", 2, timeout=60)
        process.send_signal(signal.SIGINT)
        _, stderr = process.communicate(timeout=60)
        assert process.returncode == 130, stderr
        assert f"copyloop resume {out}" in stderr and "Traceback" not in stderr
        assert sim.stats()["responses"] == len(
            read_jsonl(out / "ledger.jsonl")
        )  # in-flight calls were recorded
        assert (out / "articles.jsonl").exists()
        resumed = run_cli("resume", str(out), env=online_env(sim), timeout=120)
    assert resumed.returncode == 0, resumed.stderr
    assert len(read_jsonl(out / "articles.jsonl")) == 12


def test_the_api_key_appears_in_no_file_and_no_output(tmp_path: Path) -> None:
    out = tmp_path / "o"
    with SimServer(SimConfig(seed=2, error_rate=0.3)) as sim:
        result = run_cli("run", str(brief_file(tmp_path, 4)), "--out", str(out), env=online_env(sim))
    with SimServer(SimConfig(seed=2, force_status=401)) as sim:
        refused = run_cli(
            "run", str(brief_file(tmp_path, 4)), "--out", str(tmp_path / "p"), env=online_env(sim)
        )
    assert result.returncode == 0 and refused.returncode == 4
    for text in (result.stdout, result.stderr, refused.stdout, refused.stderr):
        assert SECRET not in text and SECRET[-6:] not in text
    written = [p for p in (*out.rglob("*"), *(tmp_path / "p").rglob("*")) if p.is_file()]
    assert any(p.name == "checkpoints.sqlite" for p in written)
    for path in written:
        assert SECRET.encode() not in path.read_bytes(), path
