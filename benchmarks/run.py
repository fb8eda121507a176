"""copyloop's speed on the simulator: four ratios measured side by side, printed as a table, saved as results.json.

    make bench                      # or: .venv/bin/python benchmarks/run.py [--quick] [--pairs N]

Every figure is a simulator figure (`copyloop.sim`, over real HTTP, in its own process so that its CPU is not
counted), never a measurement of DeepSeek. Each copyloop run is a separate process running `copyloop.runner.execute`
exactly as `copyloop run` does (checkpoint, ledger, progress, outputs); see benchmarks/child.py.

1. no barrier   one slow article (2 s per call) among fast ones (0.1 s) that need revisions: batch span divided by
                (planner + the slowest article's own chain of calls). Goal <= 1.05.
2. concurrency  200 articles, 16 requests in flight, every call 0.5 s: span / (calls x 0.5 s / 16). Goal <= 1.15,
                and the simulator's in-flight maximum equals the cap.
3. overhead     1000 articles, zero latency, SQLite checkpoint on: copyloop's CPU per model call divided by a bare
                ChatOpenAI loop's sending the same requests (same prompts, tools, concurrency). Goal <= 1.5; peak RSS
                <= 500 MB. Runs alternate (copyloop, bare, copyloop, bare ...): the median of the pairs counts.
   checkpoint   the same 1000 articles without the checkpointer: what checkpoints cost in CPU, time and disk.
4. seed         5 articles with DeepSeek-like latency scaled by 1/20 (first draft 12 s, critique 4 s, revision
                10 s, planner 5 s): span against the reference implementation's 45 s, scaled the same way.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[1]
CHILD = [sys.executable, str(ROOT / "benchmarks" / "child.py")]
RESULTS = ROOT / "benchmarks" / "results.json"
EXAMPLE = ROOT / "examples" / "yuanlan_v7.yaml"
SCALE = 20
REFERENCE_SECONDS = 45.0


class Simulator:
    """The simulator in its own process (`copyloop sim`), controlled over its HTTP control routes."""

    def __init__(self, seed: int) -> None:
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self.process = subprocess.Popen(
            [sys.executable, "-m", "copyloop", "sim", "--port", str(self.port), "--seed", str(seed)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                self.stats()
                return
            except OSError:
                time.sleep(0.1)
        raise RuntimeError("the simulator did not start")

    def _call(self, route: str, body: dict[str, Any] | None = None) -> dict[str, Any]:
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(
            self.url + route, data=data, method="GET" if body is None else "POST"
        )
        request.add_header("Content-Type", "application/json")
        with urllib.request.urlopen(request, timeout=30) as response:
            result: dict[str, Any] = json.loads(response.read())
            return result

    def stats(self) -> dict[str, Any]:
        """Return the simulator's counters."""
        return self._call("/sim/stats")

    def prepare(self, **knobs: Any) -> None:
        """Zero the counters and the prefix cache, and set the latency knobs for the next scenario."""
        defaults = {"latency": 0.0, "latency_rules": [], "latency_jitter": 0.0}
        self._call("/sim/config", {**defaults, **knobs})
        self._call("/sim/reset", {})

    def close(self) -> None:
        """Stop the simulator process."""
        self.process.terminate()
        self.process.wait(timeout=10)


def child(sim: Simulator, mode: str, brief: dict[str, Any], **options: Any) -> dict[str, Any]:
    """Run one measured process (benchmarks/child.py) against the simulator; return what it measured."""
    args = [mode, "--brief", json.dumps(brief, ensure_ascii=False)]
    for name, value in options.items():
        flag = "--" + name.replace("_", "-")
        if value is True:
            args.append(flag)
        elif value not in (None, False):
            args += [flag, str(value) if not isinstance(value, dict) else json.dumps(value)]
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("DEEPSEEK_", "COPYLOOP_", "LANGSMITH_"))},
        "DEEPSEEK_BASE_URL": sim.url,
        "DEEPSEEK_API_KEY": "sk-bench-not-a-key",
        "PYTHONWARNINGS": "ignore",
    }
    done = subprocess.run([*CHILD, *args], env=env, capture_output=True, text=True, timeout=3600, cwd=ROOT)
    if done.returncode != 0:
        raise RuntimeError(f"benchmark child failed ({mode}):\n{done.stderr[-3000:]}")
    result: dict[str, Any] = json.loads(done.stdout)
    return result


def example(**changes: Any) -> dict[str, Any]:
    """The example brief with some fields changed."""
    brief: dict[str, Any] = yaml.safe_load(EXAMPLE.read_text(encoding="utf-8"))
    brief.update(changes)
    return brief


def ledger(out: Path) -> list[dict[str, Any]]:
    """Read a run's ledger."""
    return [
        json.loads(line) for line in (out / "ledger.jsonl").read_text(encoding="utf-8").splitlines() if line
    ]


# -- the scenarios -------------------------------------------------------------------------------------------------


def no_barrier(sim: Simulator, work: Path) -> dict[str, Any]:
    """One slow article among fast ones: the batch must not wait for it between rounds."""
    slow, fast = 2.0, 0.1
    personas = ["慢郎中", "宝妈", "孝子", "小夫妻", "新手司机", "二胎爸爸"]
    brief = example(personas=personas, selling_points=["空间"], count=None, min_score=9, max_revisions=3)
    sim.prepare(latency=fast, latency_rules=[["人群：慢郎中\n", slow]])
    out = work / "no_barrier"
    run = child(sim, "copyloop", brief, out=out)
    articles = {a["id"]: a for a in map(json.loads, (out / "articles.jsonl").read_text().splitlines())}
    chains: dict[int, float] = {}
    planner = 0.0
    for entry in ledger(out):
        if entry["article_id"] is None:
            planner += fast
            continue
        seconds = slow if articles[entry["article_id"]]["persona"] == "慢郎中" else fast
        chains[entry["article_id"]] = chains.get(entry["article_id"], 0.0) + seconds
    ideal = planner + max(chains.values())
    slow_id = next(i for i, a in articles.items() if a["persona"] == "慢郎中")
    fast_calls = {i: round(c / fast) for i, c in chains.items() if i != slow_id}
    return {
        "span_s": round(run["wall"], 3),
        "ideal_s": round(ideal, 3),
        "ratio": round(run["wall"] / ideal, 3),
        "goal": 1.05,
        "detail": f"slow article {round(chains[slow_id] / slow)} calls x {slow} s; fast articles' calls "
        f"{sorted(fast_calls.values())} x {fast} s",
    }


def concurrency(sim: Simulator, work: Path, articles: int, latency: float, cap: int) -> dict[str, Any]:
    """Many articles through a fixed cap: the cap must stay full."""
    sim.prepare(latency=latency)
    run = child(sim, "copyloop", example(count=articles), out=work / "concurrency", concurrency=cap)
    stats = sim.stats()
    ideal = run["calls"] * latency / cap
    return {
        "span_s": round(run["wall"], 3),
        "ideal_s": round(ideal, 3),
        "ratio": round(run["wall"] / ideal, 3),
        "goal": 1.15,
        "max_in_flight": stats["max_in_flight"],
        "cap": cap,
        "calls": run["calls"],
        "detail": f"{articles} articles, {run['calls']} calls x {latency} s / {cap}; simulator in-flight max "
        f"{stats['max_in_flight']}",
    }


def overhead(sim: Simulator, work: Path, articles: int, pairs: int) -> dict[str, Any]:
    """CPU per model call of copyloop against a bare ChatOpenAI loop, alternating runs; and checkpoint cost."""
    brief = example(count=articles)
    runs, bares, unsaved = [], [], []
    for index in range(pairs):  # interleaved, so that a slower minute of the machine hits all three alike
        sim.prepare()
        runs.append(child(sim, "copyloop", brief, out=work / f"overhead_{index}"))
        calls = runs[-1]["report"]["llm_calls_by_node"]
        sim.prepare()
        bares.append(child(sim, "bare", brief, calls=calls))
        sim.prepare()
        unsaved.append(child(sim, "copyloop", brief, out=work / f"unsaved_{index}", no_checkpoint=True))
    ratios = [(r["cpu"] / r["calls"]) / (b["cpu"] / b["calls"]) for r, b in zip(runs, bares, strict=True)]

    def median(values: list[dict[str, Any]], key: str) -> float:
        return float(statistics.median(v[key] for v in values))

    return {
        "ratio": round(statistics.median(ratios), 3),
        "ratios": [round(r, 3) for r in ratios],
        "goal": 1.5,
        "copyloop_cpu_ms_per_call": round(1000 * statistics.median(r["cpu"] / r["calls"] for r in runs), 3),
        "bare_cpu_ms_per_call": round(1000 * statistics.median(b["cpu"] / b["calls"] for b in bares), 3),
        "calls": runs[-1]["calls"],
        "peak_rss_mb": round(max(r["rss_mb"] for r in runs), 1),
        "rss_goal_mb": 500,
        "checkpoint": {
            "with_cpu_s": round(median(runs, "cpu"), 2),
            "without_cpu_s": round(median(unsaved, "cpu"), 2),
            "with_wall_s": round(median(runs, "wall"), 2),
            "without_wall_s": round(median(unsaved, "wall"), 2),
            "sqlite_mb": round(median(runs, "checkpoint_bytes") / 1e6, 2),
        },
    }


def seed_scenario(sim: Simulator, work: Path) -> dict[str, Any]:
    """The seed scenario: 5 articles, DeepSeek-like latencies scaled by 1/SCALE, against the reference's 45 s."""
    rules = [
        ["按 <assignment> 写一篇文章", 12 / SCALE],
        ["按 <rubric> 审阅", 4 / SCALE],
        ["按 <fixes> 修改", 10 / SCALE],
        ["下面是本批次要写的文章清单", 5 / SCALE],
    ]
    sim.prepare(latency_rules=rules)
    brief = example(count=5)
    out = work / "seed"
    run = child(sim, "copyloop", brief, out=out)
    rows = [
        (a["persona"], a["selling_point"], a["drafts"])
        for a in map(json.loads, (out / "articles.jsonl").read_text().splitlines())
    ]
    seconds = {"planner": 5 / SCALE, "write": 12 / SCALE, "critic": 4 / SCALE, "revise": 10 / SCALE}
    chains: dict[int, float] = {}
    planner = sequential = 0.0
    for entry in ledger(out):
        sequential += seconds[entry["node"]]
        if entry["article_id"] is None:
            planner += seconds["planner"]
        else:
            chains[entry["article_id"]] = chains.get(entry["article_id"], 0.0) + seconds[entry["node"]]
    reference = REFERENCE_SECONDS / SCALE
    return {
        "span_s": round(run["wall"], 3),
        "reference_s": reference,
        "ratio": round(run["wall"] / reference, 3),
        "own_chain_s": round(planner + max(chains.values()), 3),
        "sequential_s": round(sequential, 3),
        "articles": [f"{p}-{s} ({d} drafts)" for p, s, d in rows],
        "calls": run["calls"],
    }


# -- the table -----------------------------------------------------------------------------------------------------


def table(results: dict[str, Any]) -> str:
    """Format the results as a Markdown table."""
    nb, cc, ov, sd = results["no_barrier"], results["concurrency"], results["overhead"], results["seed"]
    ck = ov["checkpoint"]

    def ok(flag: bool) -> str:
        return "yes" if flag else "**no**"

    lines = [
        "| benchmark (on the simulator) | measured | ratio | goal | met |",
        "| --- | --- | --- | --- | --- |",
        f"| 1. no barrier: span / (planner + slowest article's chain) | {nb['span_s']} s / {nb['ideal_s']} s "
        f"| {nb['ratio']} | <= 1.05 | {ok(nb['ratio'] <= 1.05)} |",
        f"| 2. concurrency: span / (calls x latency / cap) | {cc['span_s']} s / {cc['ideal_s']} s "
        f"| {cc['ratio']} | <= 1.15 | {ok(cc['ratio'] <= 1.15)} |",
        f"| 2. in-flight maximum at the simulator | {cc['max_in_flight']} | | = {cc['cap']} "
        f"| {ok(cc['max_in_flight'] == cc['cap'])} |",
        f"| 3. overhead: CPU per call, copyloop / bare ChatOpenAI loop | {ov['copyloop_cpu_ms_per_call']} ms / "
        f"{ov['bare_cpu_ms_per_call']} ms | {ov['ratio']} (pairs {', '.join(map(str, ov['ratios']))}) "
        f"| <= 1.5 | {ok(ov['ratio'] <= 1.5)} |",
        f"| 3. peak RSS of the copyloop process, {ov['calls']} calls | {ov['peak_rss_mb']} MB | | <= 500 MB "
        f"| {ok(ov['peak_rss_mb'] <= 500)} |",
        f"| checkpointing, 1000 articles: CPU with / without | {ck['with_cpu_s']} s / {ck['without_cpu_s']} s "
        f"| {round(ck['with_cpu_s'] / ck['without_cpu_s'], 3)} | (issue #4: document) | |",
        f"| checkpointing, 1000 articles: wall with / without; checkpoints.sqlite | {ck['with_wall_s']} s / "
        f"{ck['without_wall_s']} s; {ck['sqlite_mb']} MB | {round(ck['with_wall_s'] / ck['without_wall_s'], 3)} "
        "| (issue #4: document) | |",
        f"| 4. seed scenario (5 articles, latency / {SCALE}): span / reference 45 s / {SCALE} "
        f"| {sd['span_s']} s / {sd['reference_s']} s | {sd['ratio']} | (comparison) | |",
        f"| 4. the same run: span / (planner + slowest article's chain); its calls one after another "
        f"| {sd['span_s']} s / {sd['own_chain_s']} s; {sd['sequential_s']} s "
        f"| {round(sd['span_s'] / sd['own_chain_s'], 3)} | | |",
    ]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--quick", action="store_true", help="smaller batches (a smoke test, not the figures)"
    )
    parser.add_argument(
        "--pairs", type=int, default=3, help="alternating copyloop/bare runs for the overhead"
    )
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--only", nargs="*", default=None, help="run only these: no_barrier concurrency overhead seed"
    )
    args = parser.parse_args()
    wanted = set(args.only or ["no_barrier", "concurrency", "overhead", "seed"])
    sim = Simulator(args.seed)
    started = time.monotonic()
    try:
        with tempfile.TemporaryDirectory(prefix="copyloop-bench-") as tmp:
            work = Path(tmp)
            scenarios = {
                "no_barrier": lambda: no_barrier(sim, work),
                "concurrency": lambda: concurrency(sim, work, 40 if args.quick else 200, 0.5, 16),
                "overhead": lambda: overhead(
                    sim, work, 100 if args.quick else 1000, 1 if args.quick else args.pairs
                ),
                "seed": lambda: seed_scenario(sim, work),
            }
            results: dict[str, Any] = {}
            for name, scenario in scenarios.items():
                if name in wanted:
                    results[name] = scenario()
                    print(f"{name}:", json.dumps(results[name], ensure_ascii=False), flush=True)
    finally:
        sim.close()
    results["meta"] = {
        "command": "make bench" + (" (--quick)" if args.quick else ""),
        "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
        "python": platform.python_version(),
        "cpus": os.cpu_count(),
        "seconds": round(time.monotonic() - started, 1),
        "note": "simulator figures, not measurements of DeepSeek",
    }
    if set(results) - {"meta"} != set(scenarios):
        return
    results["table"] = table(results)
    if not args.quick:
        RESULTS.write_text(json.dumps(results, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    print()
    print(results["table"])
    print(f"\n{'(quick run: results.json not written)' if args.quick else f'written: {RESULTS}'}")


if __name__ == "__main__":
    main()
