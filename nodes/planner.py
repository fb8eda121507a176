"""Planner node: turn briefs into the assignment table, with evenly spread coverage decided in code."""

from __future__ import annotations

import asyncio
import math
from collections import Counter
from typing import Any, cast

from langgraph.runtime import Runtime

from copyloop.brief import parse_brief
from copyloop.errors import ModelCallError
from copyloop.graph.context import Context, default_context
from copyloop.graph.state import Assignment, BatchState
from copyloop.llm import call_model
from copyloop.nodes.common import messages_for
from copyloop.nodes.schemas import BATCH_TOOLS, AngleList
from copyloop.platforms import spec_for
from copyloop.prompts import prompt_for
from copyloop.usage import Usage, add_usage, empty_usage

PLAN_CHUNK = 40
"""Rows per planner request: one short call first (it warms the prefix cache), the rest in parallel."""
WARM_UP_ROWS = 8
"""Rows of the first planner request, sent alone: small, so the wait before the rest (and the prefix cache
warm-up) is short — a model's time grows with the rows it has to answer."""


def plan_chunks(rows: list[Assignment], briefs: int) -> list[list[Assignment]]:
    """Split the plan into planner requests: per brief, chunks of PLAN_CHUNK rows, the very first one smaller."""
    chunks: list[list[Assignment]] = []
    for index in range(briefs):
        mine = [r for r in rows if r["brief_index"] == index]
        if not chunks and len(mine) > WARM_UP_ROWS:
            chunks.append(mine[:WARM_UP_ROWS])
            mine = mine[WARM_UP_ROWS:]
        chunks += [mine[i : i + PLAN_CHUNK] for i in range(0, len(mine), PLAN_CHUNK)]
    return chunks


def balanced_pairs(first: int, second: int) -> list[tuple[int, int]]:
    """Return every (i, j) of first x second once, ordered so each prefix is balanced in i and in j.

    i = k mod first; j = (k + k // lcm) mod second. Inside each block of lcm(first, second) steps both run
    through consecutive residues, and the per-block shift makes the pairs of different blocks distinct (CRT).
    """
    block = math.lcm(first, second)
    return [(k % first, (k + k // block) % second) for k in range(first * second)]


def spread(personas: int, points: int, platforms: int, count: int) -> list[tuple[int, int, int]]:
    """Choose `count` (persona, selling point, platform) index triples, each dimension spread evenly.

    Every prefix of the result has per-dimension counts that differ by at most one; combinations are all
    distinct until every one is used, then the cycle repeats, so they are used evenly too.
    """
    pairs = balanced_pairs(personas, points)
    cycle = [(*pairs[j], platform) for j, platform in balanced_pairs(personas * points, platforms)]
    return [cycle[i % len(cycle)] for i in range(count)]


def coverage_problems(rows: list[Assignment]) -> list[str]:
    """Return why a plan's coverage is uneven (a dimension's counts differ by more than one), per brief."""
    problems = []
    for brief_index in sorted({r["brief_index"] for r in rows}):
        mine = [r for r in rows if r["brief_index"] == brief_index]
        for field in ("persona", "selling_point", "platform"):
            counts = Counter(cast(dict[str, Any], r)[field] for r in mine)
            if max(counts.values()) - min(counts.values()) > 1:
                problems.append(f"brief {brief_index + 1}: {field} counts uneven: {dict(counts)}")
    return problems


def fallback_angle(persona: str, selling_point: str, occurrence: int) -> str:
    """Return a deterministic angle for a row when the model's angles cannot be used."""
    scenes = [
        "工作日早高峰的通勤路上",
        "周末全家出游的早晨",
        "雨夜接人回家的路上",
        "节假日回老家的长途里",
        "小区里找车位的傍晚",
    ]
    return f"{persona}在{scenes[occurrence % len(scenes)]}，感受到{selling_point}带来的不同"


def table_for(briefs: list[dict[str, Any]]) -> list[Assignment]:
    """Build the assignment table with fallback angles; ids are 1-based and continue across briefs."""
    rows: list[Assignment] = []
    seen: Counter[tuple[str, str]] = Counter()
    for brief_index, brief in enumerate(briefs):
        personas, points, platforms = brief["personas"], brief["selling_points"], brief["platforms"]
        count = brief["count"] or len(personas) * len(points) * len(platforms)
        for p, s, f in spread(len(personas), len(points), len(platforms), count):
            persona, point = personas[p], points[s]
            key = (persona["name"], point["name"])
            rows.append(
                Assignment(
                    id=len(rows) + 1,
                    brief_index=brief_index,
                    product=brief["product"]["name"],
                    persona=persona["name"],
                    persona_description=persona["description"],
                    selling_point=point["name"],
                    selling_point_description=point["description"],
                    platform=platforms[f],
                    angle=fallback_angle(persona["name"], point["name"], seen[key]),
                )
            )
            seen[key] += 1
    return rows


def _rows_text(rows: list[Assignment]) -> str:
    return "\n".join(
        f"{i}. 人群：{r['persona']}；卖点：{r['selling_point']}；平台：{spec_for(r['platform']).label}"
        for i, r in enumerate(rows, 1)
    )


def usable_angles(angles: list[str], count: int) -> list[str] | None:
    """Return the model's angles cleaned, or None when they are the wrong number, blank or repeated."""
    cleaned = [" ".join(a.split()) for a in angles]
    if len(cleaned) != count or any(len(a) < 4 for a in cleaned) or len(set(cleaned)) != count:
        return None
    return cleaned


async def _propose(
    ctx: Context, brief: dict[str, Any], rows: list[Assignment]
) -> tuple[list[str] | None, Usage]:
    prompt = prompt_for(ctx, "planner").format(count=len(rows), rows=_rows_text(rows))
    try:
        result = await call_model(
            ctx,
            role="planner",
            messages=messages_for(brief, prompt),
            schema=AngleList,
            tools=BATCH_TOOLS,
            max_tokens=200 + 80 * len(rows),
        )
    except ModelCallError as error:
        return None, error.usage
    return usable_angles(result.value.angles, len(rows)), result.usage


async def plan(state: BatchState, runtime: Runtime[Context]) -> dict[str, Any]:
    """Make the assignment table: coverage in code, one angle per row proposed by the model."""
    ctx = runtime.context or default_context()  # a run started without one (the LangGraph server)
    if ctx.diversity is not None:  # a new batch: forget a reused Context's accepted texts
        ctx.diversity.clear()
    # Validated again so a raw brief (e.g. typed into LangGraph Studio) works too; a no-op for validated ones.
    briefs = [parse_brief(b, f"briefs[{i}]").model_dump() for i, b in enumerate(state["briefs"])]
    rows = table_for(briefs)
    problems = coverage_problems(rows)
    if problems:  # spread() guarantees balance; this guards the guarantee
        raise AssertionError("; ".join(problems))
    chunks = plan_chunks(rows, len(briefs))
    usage = empty_usage()
    warnings: list[str] = []
    results: list[tuple[list[str] | None, Usage]] = []
    # The first request alone, so DeepSeek has cached the shared prefix before the rest arrive.
    results.append(await _propose(runtime.context, briefs[chunks[0][0]["brief_index"]], chunks[0]))
    results += await asyncio.gather(
        *(_propose(runtime.context, briefs[c[0]["brief_index"]], c) for c in chunks[1:])
    )
    for chunk, (angles, used) in zip(chunks, results, strict=False):
        usage = add_usage(usage, used)
        if angles is None:
            warnings.append(
                f"planner: no usable angles for articles {chunk[0]['id']}–{chunk[-1]['id']}; "
                "used the built-in fallback angles"
            )
            continue
        for row, angle in zip(chunk, angles, strict=True):
            row["angle"] = angle
    return {"briefs": briefs, "assignments": rows, "warnings": warnings, "usage": usage}
