"""One measured run, in its own process: copyloop's `execute` or a bare ChatOpenAI loop against a running simulator.

Prints one JSON object: wall seconds, CPU seconds of this process during the run (imports excluded), peak RSS,
model calls and, for copyloop, the report. Used by `benchmarks/run.py`; not meant to be run by hand.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import resource
import sys
import time
from pathlib import Path
from typing import Any

from copyloop.brief import parse_brief
from copyloop.runner import execute, settings_for


def _measure(coro_factory: Any) -> tuple[Any, dict[str, float]]:
    cpu, wall = time.process_time(), time.monotonic()
    result = asyncio.run(coro_factory())
    cpu, wall = time.process_time() - cpu, time.monotonic() - wall
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux
    return result, {"wall": wall, "cpu": cpu, "rss_mb": rss}


def run_copyloop(brief: dict[str, Any], out: Path, concurrency: int, checkpoint: bool) -> dict[str, Any]:
    """Run the batch with copyloop as `copyloop run` would (online mode against DEEPSEEK_BASE_URL)."""
    settings = settings_for([parse_brief(brief)], max_concurrency=concurrency, request_timeout=600)
    outcome, stats = _measure(lambda: execute(settings, out, checkpoint=checkpoint))
    report = outcome.report
    size = out / "checkpoints.sqlite"
    return {
        **stats,
        "calls": report["llm_calls"],
        "report": report,
        "checkpoint_bytes": size.stat().st_size if size.exists() else 0,
    }


def run_bare(brief: dict[str, Any], calls_by_node: dict[str, int], concurrency: int) -> dict[str, Any]:
    """Send the same mix of requests (same prompts' shape, tools, concurrency) with nothing but ChatOpenAI."""
    from langchain_openai import ChatOpenAI

    from copyloop import config
    from copyloop.graph.state import Draft
    from copyloop.nodes.common import assignment_block, messages_for, output_format, render_draft
    from copyloop.nodes.planner import _rows_text, table_for
    from copyloop.nodes.schemas import BATCH_TOOLS, AngleList, CriticReview
    from copyloop.prompts import load

    parsed = parse_brief(brief).model_dump()
    rows = table_for([parsed])
    draft = Draft(
        number=1, title="周末带娃出门记", text="周末带娃出门，后备箱很能装。" * 20, tags=["用车"], chars=280
    )

    def prompt(node: str, i: int) -> tuple[list[Any], Any]:
        row = rows[i % len(rows)]
        block = assignment_block(row, parsed)
        if node == "planner":
            text = load("planner").format(count=min(40, len(rows)), rows=_rows_text(rows[:40]))
            return messages_for(parsed, text), AngleList
        if node == "critic":
            return messages_for(
                parsed, load("critic").format(assignment=block, draft=render_draft(draft))
            ), CriticReview
        if node == "revise":
            text = load("reviser").format(
                assignment=block,
                draft=render_draft(draft),
                fixes="- 字数超出",
                keep="- 场景",
                output_format=output_format(row["platform"]),
            )
            return messages_for(parsed, text), None
        text = load("writer").format(assignment=block, output_format=output_format(row["platform"]))
        return messages_for(parsed, text), None

    model = ChatOpenAI(
        model=config.DEFAULT_MODEL,
        base_url=config.resolve(None, "DEEPSEEK_BASE_URL", ""),
        api_key="sk-bench",
        max_retries=0,
        timeout=600,
        extra_body={"thinking": {"type": "disabled"}, "max_tokens": 720},
    )
    bound = {
        None: model.bind_tools(list(BATCH_TOOLS), tool_choice="none"),
        AngleList: model.bind_tools(list(BATCH_TOOLS), tool_choice="submit_angles"),
        CriticReview: model.bind_tools(list(BATCH_TOOLS), tool_choice="submit_review"),
    }
    jobs = [prompt(node, i) for node, n in calls_by_node.items() for i in range(n)]

    async def main() -> int:
        gate = asyncio.Semaphore(concurrency)

        async def one(messages: list[Any], schema: Any) -> None:
            async with gate:
                reply = await bound[schema].ainvoke(messages)
            if schema is not None and reply.tool_calls:
                schema.model_validate(reply.tool_calls[0]["args"])

        await asyncio.gather(*(one(m, s) for m, s in jobs))
        return len(jobs)

    calls, stats = _measure(main)
    return {**stats, "calls": calls}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("mode", choices=["copyloop", "bare"])
    parser.add_argument("--brief", required=True, help="brief as JSON")
    parser.add_argument("--out", type=Path)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--no-checkpoint", action="store_true")
    parser.add_argument("--calls", default="{}", help="calls by node as JSON (bare mode)")
    parser.add_argument("--profile", type=Path, help="write cProfile stats here (copyloop mode)")
    args = parser.parse_args()
    brief = json.loads(args.brief)
    if args.mode == "copyloop":
        if args.profile:
            import cProfile

            profiler = cProfile.Profile()
            result = profiler.runcall(run_copyloop, brief, args.out, args.concurrency, not args.no_checkpoint)
            profiler.dump_stats(args.profile)
        else:
            result = run_copyloop(brief, args.out, args.concurrency, not args.no_checkpoint)
    else:
        result = run_bare(brief, json.loads(args.calls), args.concurrency)
    json.dump(result, sys.stdout, ensure_ascii=False)


if __name__ == "__main__":
    main()
