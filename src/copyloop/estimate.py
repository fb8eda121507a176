"""Estimate a batch before running it: model calls, tokens and a CNY range, with no model call and no key.

Prompt sizes come from the real prompt templates rendered for every planned article of the brief (the same shared
prefix, tool list and per-article blocks the nodes send); output sizes come from the 字数 window. How many drafts an
article takes is a range: `low` is every article passing on its first draft, `high` is every article using all its
revisions with a critic call on every draft. `expected` follows pass rates: priors, or what earlier runs did
(`--history DIR`: their drafts.jsonl, ledger.jsonl and report.json).

Cost: `low` prices the low count at off-peak rates with every shared prefix served from cache; `high` prices the high
count at peak rates with output at the top of what drafts run to, the first wave of writes and critiques missing the
cache entirely and every other call hitting only the tools and system prefix. `expected` prices the expected count at
the rates in force now, with the cache share of the history if given.
"""

from __future__ import annotations

import json
import math
import time
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from copyloop.graph.state import Assignment, Draft
from copyloop.nodes.common import assignment_block, output_format, render_draft, shared_prefix
from copyloop.nodes.planner import _rows_text, plan_chunks, table_for
from copyloop.nodes.schemas import BATCH_TOOLS
from copyloop.nodes.writer import draft_max_tokens
from copyloop.platforms import spec_for
from copyloop.pricing import PriceTable, Rates
from copyloop.prompts import load
from copyloop.tokens import MESSAGE_OVERHEAD, estimate_tokens, tools_text

SCENARIOS = ("low", "expected", "high")
NODES = ("planner", "write", "critic", "revise")
CRITIC_MAX_TOKENS = 1200
CACHE_BLOCK_TOKENS = 40
"""About one cache unit (64 characters of prompt): the most of a shared prefix a real cache may fail to serve."""


@dataclass
class Behaviour:
    """How drafts fare and how long replies run: priors, or learned from earlier runs."""

    first_gate_pass: float = 0.6
    """Share of first drafts that pass the code gates (mostly: inside the 字数 window)."""
    later_gate_pass: float = 0.85
    """Share of revised drafts that pass the code gates (the reviser is told the exact arithmetic)."""
    critic_pass: float = 0.5
    """Share of gate-clean drafts the critic passes."""
    critic_tokens: float = 220.0
    """Output tokens of one critique (five scores with reasons, suggestions)."""
    planner_tokens_per_row: float = 16.0
    draft_tokens_per_char: float = 0.62
    """Output tokens per 字 of a draft's body (digits and Latin words count 1 字 but several tokens)."""
    draft_overhead_tokens: float = 45.0
    """Output tokens of a draft besides its body: title, tags and the section markup."""
    cache_hit_share: float | None = None
    """Share of prompt tokens served from cache in earlier runs; None: from the prompts' shared prefixes."""
    source: str = "priors"


@dataclass
class Tally:
    """Calls, tokens and cost of one scenario, per node and in total."""

    calls: dict[str, float] = field(default_factory=lambda: dict.fromkeys(NODES, 0.0))
    prompt: float = 0.0
    cache_hit: float = 0.0
    completion: float = 0.0
    cost: float = 0.0

    def add(
        self, node: str, count: float, prompt: float, hit: float, completion: float, rates: Rates
    ) -> None:
        """Add `count` calls of one shape (tokens per call)."""
        if count <= 0:
            return
        hit = max(0.0, min(hit, prompt))
        self.calls[node] += count
        self.prompt += count * prompt
        self.cache_hit += count * hit
        self.completion += count * completion
        self.cost += count * (
            hit * rates.cache_hit + (prompt - hit) * rates.cache_miss + completion * rates.output
        )


# -- prompt sizes --------------------------------------------------------------------------------------------------


def _message_tokens(text: str) -> int:
    return estimate_tokens(text) + MESSAGE_OVERHEAD


def _filler(chars: float) -> str:
    return "字" * max(0, int(chars))


def _fake_draft(platform: str, body_chars: float) -> Draft:
    spec = spec_for(platform)
    return Draft(
        number=1,
        title=_filler(spec.title_max or 0),
        text=_filler(round(body_chars)),
        tags=["话题标签"] * spec.tags_max,
        chars=round(body_chars),
    )


@dataclass
class BriefPrompts:
    """Token counts of one brief's prompts: the shared prefix, and each template's static head."""

    system: int
    tools: int
    heads: dict[str, int]

    @property
    def shared(self) -> int:
        """Tools + system message: the prefix every request of the brief starts with."""
        return self.tools + self.system


def brief_prompts(brief: dict[str, Any], tools_tokens: int) -> BriefPrompts:
    """Measure the prefix every call of `brief` shares, and each template's text before its first placeholder."""
    heads = {
        name: estimate_tokens(load(name).split("{", 1)[0])
        for name in ("planner", "writer", "critic", "reviser")
    }
    return BriefPrompts(
        system=_message_tokens(str(shared_prefix(brief).content)), tools=tools_tokens, heads=heads
    )


def writer_prompt(row: Assignment, brief: dict[str, Any]) -> int:
    """Return the user-message tokens of an article's first-draft request."""
    text = load("writer").format(
        assignment=assignment_block(row, brief), output_format=output_format(row["platform"])
    )
    return _message_tokens(text)


def critic_prompt(row: Assignment, brief: dict[str, Any], body_chars: float) -> tuple[int, int]:
    """Return (user-message tokens, tokens before the draft) of a critique of a draft of `body_chars` 字."""
    text = load("critic").format(
        assignment=assignment_block(row, brief), draft=render_draft(_fake_draft(row["platform"], body_chars))
    )
    return _message_tokens(text), estimate_tokens(text.split("<draft>", 1)[0])


def reviser_prompt(
    row: Assignment, brief: dict[str, Any], body_chars: float, fixes_chars: float, keep_chars: float
) -> tuple[int, int]:
    """Return (user-message tokens, tokens before the draft) of a revision request."""
    text = load("reviser").format(
        assignment=assignment_block(row, brief),
        draft=render_draft(_fake_draft(row["platform"], body_chars)),
        fixes=_filler(fixes_chars),
        keep=_filler(keep_chars),
        output_format=output_format(row["platform"]),
    )
    return _message_tokens(text), estimate_tokens(text.split("<previous_draft>", 1)[0])


# -- how drafts fare -----------------------------------------------------------------------------------------------


def expected_counts(max_revisions: int, b: Behaviour) -> tuple[float, float]:
    """Return the expected critic calls and revise calls of one article.

    Draft d passes the gates with p_d (first draft: `first_gate_pass`, later: `later_gate_pass`); a gate-clean
    draft gets a critic call and passes with `critic_pass`; an article not yet passed is revised while it has
    revisions left.
    """
    alive, critic, revise = 1.0, 0.0, 0.0
    for draft in range(max_revisions + 1):
        gate = b.first_gate_pass if draft == 0 else b.later_gate_pass
        critic += alive * gate
        alive *= 1 - gate * b.critic_pass
        if draft < max_revisions:
            revise += alive
    return critic, revise


def learn(history: Sequence[Path]) -> Behaviour:
    """Learn pass rates and reply sizes from earlier runs' folders (drafts.jsonl, ledger.jsonl, report.json)."""
    b = Behaviour()
    first = [0, 0]  # gate-clean, seen
    later = [0, 0]
    critic = [0, 0]  # passed, scored
    body_chars = 0
    draft_calls_tokens = 0
    critic_tokens: list[int] = []
    planner_tokens = 0
    rows = 0
    prompt = hit = 0
    runs = articles = 0
    for folder in history:
        drafts = _jsonl(folder / "drafts.jsonl")
        ledger = _jsonl(folder / "ledger.jsonl")
        if not drafts and not ledger:
            raise ValueError(f"--history {folder}: no drafts.jsonl or ledger.jsonl of a finished run there")
        runs += 1
        articles += len(drafts)
        for article in drafts:
            for item in article.get("history", []):
                draft, review = item["draft"], item["review"]
                bucket = first if draft["number"] == 1 else later
                bucket[1] += 1
                bucket[0] += int(not review["problems"])
                if review["scores"]:
                    critic[1] += 1
                    critic[0] += int(review["passed"])
                body_chars += int(draft["chars"])
        for entry in ledger:
            usage = entry["usage"]
            prompt += usage["prompt_tokens"]
            hit += usage["cache_hit_tokens"]
            if entry["node"] in ("write", "revise"):
                draft_calls_tokens += usage["completion_tokens"]
            elif entry["node"] == "critic":
                critic_tokens.append(usage["completion_tokens"])
            elif entry["node"] == "planner":
                planner_tokens += usage["completion_tokens"]
        report = _json(folder / "report.json")
        rows += int(report.get("planned") or report.get("articles") or len(drafts))
    if first[1]:
        b.first_gate_pass = first[0] / first[1]
    if later[1]:
        b.later_gate_pass = later[0] / later[1]
    if critic[1]:
        b.critic_pass = critic[0] / critic[1]
    if critic_tokens:
        b.critic_tokens = sum(critic_tokens) / len(critic_tokens)
    if planner_tokens and rows:
        b.planner_tokens_per_row = planner_tokens / rows
    drafts_seen = first[1] + later[1]
    if body_chars and draft_calls_tokens and drafts_seen:
        per_draft = draft_calls_tokens / drafts_seen
        b.draft_tokens_per_char = max(0.3, (per_draft - b.draft_overhead_tokens) / (body_chars / drafts_seen))
    if prompt:
        b.cache_hit_share = hit / prompt
    b.source = f"history: {runs} runs, {articles} articles"
    return b


def _jsonl(path: Path) -> list[dict[str, Any]]:
    if not path.is_file():
        return []
    rows = []
    for line in path.read_text(encoding="utf-8").splitlines():
        try:
            rows.append(json.loads(line))
        except json.JSONDecodeError:
            continue  # a torn last line
    return rows


def _json(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError):
        return {}
    return data if isinstance(data, dict) else {}


# -- the estimate --------------------------------------------------------------------------------------------------


def _draft_tokens(body_chars: float, b: Behaviour, ceiling: int) -> float:
    return min(float(ceiling), body_chars * b.draft_tokens_per_char + b.draft_overhead_tokens)


LEAN = Behaviour(draft_tokens_per_char=0.55, draft_overhead_tokens=25.0)
"""The leanest plausible replies, for the low end: all-Chinese bodies, a short title, the fewest tags."""


def estimate(
    briefs: list[dict[str, Any]],
    prices: PriceTable,
    *,
    history: Sequence[Path] = (),
    max_concurrency: int = 16,
    model: str = "deepseek-flash",
    now: float | None = None,
) -> dict[str, Any]:
    """Return calls, tokens and cost (low / expected / high) of running `briefs`, without calling a model."""
    behaviour = learn(history) if history else Behaviour()
    now = time.time() if now is None else now
    model_name, _ = prices.resolve(model)
    rates = {
        "low": prices.off_peak[model_name],
        "expected": prices.rates(model, now),
        "high": prices.peak[model_name],
    }
    tally = {s: Tally() for s in SCENARIOS}
    tools_tokens = estimate_tokens(tools_text(BATCH_TOOLS))
    rows = table_for(briefs)
    total = len(rows)
    first_wave = min(total, max_concurrency)
    sizes = [brief_prompts(brief, tools_tokens) for brief in briefs]
    for number, chunk in enumerate(plan_chunks(rows, len(briefs))):
        index = chunk[0]["brief_index"]
        _planner(tally, rates, briefs[index], chunk, sizes[index], behaviour, cold=number == 0)
    seen = 0
    for index, brief in enumerate(briefs):
        for row in (r for r in rows if r["brief_index"] == index):
            _article(tally, rates, brief, row, sizes[index], behaviour, in_first_wave=seen < first_wave)
            seen += 1
    peak_now = prices.calendar.is_peak(now)
    return _result(tally, total, behaviour, model_name, "peak" if peak_now else "off-peak", prices)


def _planner(
    tally: dict[str, Tally],
    rates: dict[str, Rates],
    brief: dict[str, Any],
    chunk: list[Assignment],
    sizes: BriefPrompts,
    b: Behaviour,
    cold: bool,
) -> None:
    """Add one planner request; `cold` is the batch's very first request, which finds nothing cached."""
    shared = sizes.shared + sizes.heads["planner"]
    text = load("planner").format(count=len(chunk), rows=_rows_text(chunk))
    prompt = sizes.shared + _message_tokens(text)
    n = len(chunk)
    ceiling = 200 + 80 * n
    tally["low"].add("planner", 1, prompt, 0 if cold else shared, min(ceiling, 8 * n + 10), rates["low"])
    tally["expected"].add(
        "planner",
        1,
        prompt,
        0 if cold else shared,
        min(ceiling, b.planner_tokens_per_row * n + 20),
        rates["expected"],
    )
    tally["high"].add("planner", 1, prompt, 0, min(ceiling, 60 * n + 40), rates["high"])


def _article(
    tally: dict[str, Tally],
    rates: dict[str, Rates],
    brief: dict[str, Any],
    row: Assignment,
    sizes: BriefPrompts,
    b: Behaviour,
    in_first_wave: bool,
) -> None:
    low_chars, high_chars = brief["length"]["min"], brief["length"]["max"]
    mid = (low_chars + high_chars) / 2
    over = high_chars * 1.3  # the longest a draft plausibly runs (first drafts overshoot by up to ~25 %)
    rounds = brief["max_revisions"]
    ceiling = draft_max_tokens(brief)
    shared = sizes.shared
    write_prompt = shared + writer_prompt(row, brief)
    write_shared = shared + sizes.heads["writer"]
    # A hit can never exceed the prefix the prompt shares with earlier ones; "high" assumes the first wave of writes
    # and critiques finds nothing cached, and later calls only the tools + system prefix, less one cache unit.
    weak_hit = max(0, shared - CACHE_BLOCK_TOKENS)

    # low: the write passes the gates at the window's minimum and the critic passes it (no critic when R=0)
    low = tally["low"]
    low.add(
        "write",
        1,
        write_prompt,
        write_shared,
        _draft_tokens(low_chars * (1 if rounds else 0.7), LEAN, ceiling),
        rates["low"],
    )
    if rounds:
        c_prompt, c_head = critic_prompt(row, brief, low_chars)
        low.add("critic", 1, shared + c_prompt, shared + sizes.heads["critic"], 80, rates["low"])

    # high: every draft is critiqued and fails until the revisions run out; replies at their longest
    high = tally["high"]
    high.add(
        "write",
        1,
        write_prompt,
        0 if in_first_wave else weak_hit,
        _draft_tokens(over, b, ceiling),
        rates["high"],
    )
    c_prompt, _ = critic_prompt(row, brief, high_chars)
    high.add("critic", 1, shared + c_prompt, 0 if in_first_wave else weak_hit, 500, rates["high"])
    high.add("critic", rounds, shared + c_prompt, weak_hit, 500, rates["high"])
    r_prompt, _ = reviser_prompt(row, brief, over, 700, 300)
    high.add("revise", rounds, shared + r_prompt, weak_hit, _draft_tokens(over, b, ceiling), rates["high"])

    # expected: pass rates from priors or history; typical sizes; the shared prefixes served from cache
    exp = tally["expected"]
    critic_calls, revise_calls = expected_counts(rounds, b)
    first_body = mid + 0.1 * high_chars  # first drafts tend to run long
    exp.add("write", 1, write_prompt, write_shared, _draft_tokens(first_body, b, ceiling), rates["expected"])
    c_prompt, c_head = critic_prompt(row, brief, mid)
    c_full = shared + c_prompt
    exp.add(
        "critic",
        min(1.0, critic_calls),
        c_full,
        shared + sizes.heads["critic"],
        b.critic_tokens,
        rates["expected"],
    )
    exp.add("critic", max(0.0, critic_calls - 1), c_full, shared + c_head, b.critic_tokens, rates["expected"])
    r_prompt, r_head = reviser_prompt(row, brief, high_chars * 1.1, 250, 150)
    r_full = shared + r_prompt
    exp.add(
        "revise",
        min(1.0, revise_calls),
        r_full,
        shared + sizes.heads["reviser"],
        _draft_tokens(mid, b, ceiling),
        rates["expected"],
    )
    exp.add(
        "revise",
        max(0.0, revise_calls - 1),
        r_full,
        shared + r_head,
        _draft_tokens(mid, b, ceiling),
        rates["expected"],
    )


def _result(
    tally: dict[str, Tally], articles: int, b: Behaviour, model: str, now_period: str, prices: PriceTable
) -> dict[str, Any]:
    expected = tally["expected"]
    if b.cache_hit_share is not None:
        # Re-price the expected prompt with the history's cache share instead of the prefix arithmetic.
        rate = prices.peak[model] if now_period == "peak" else prices.off_peak[model]
        old = expected.cache_hit * rate.cache_hit + (expected.prompt - expected.cache_hit) * rate.cache_miss
        expected.cache_hit = b.cache_hit_share * expected.prompt
        new = expected.cache_hit * rate.cache_hit + (expected.prompt - expected.cache_hit) * rate.cache_miss
        expected.cost += new - old

    def per(f: Any, rounding: Any = round) -> dict[str, Any]:
        return {s: rounding(f(tally[s])) for s in SCENARIOS}

    def money(x: float) -> float:
        return round(x / 1_000_000, 6)

    return {
        "articles": articles,
        "model": model,
        "calls": {
            **{s: _round_calls(sum(tally[s].calls.values()), s) for s in SCENARIOS},
            "by_node": {n: {s: _round_calls(tally[s].calls[n], s) for s in SCENARIOS} for n in NODES},
        },
        "tokens": {
            "prompt": per(lambda t: t.prompt),
            "cache_hit": per(lambda t: t.cache_hit),
            "completion": per(lambda t: t.completion),
        },
        "cache_hit_share": per(lambda t: t.cache_hit / t.prompt if t.prompt else 0.0, lambda x: round(x, 3)),
        "cost_cny": {s: money(tally[s].cost) for s in SCENARIOS},
        "assumptions": {
            "behaviour": {k: (round(v, 3) if isinstance(v, float) else v) for k, v in asdict(b).items()},
            "low": "off-peak rates; every article passes its first draft; every shared prompt prefix from cache",
            "expected": f"{now_period} rates (as now); drafts and critiques at the behaviour's pass rates",
            "high": "peak rates; every draft critiqued and every revision used; longest replies; the first wave "
            "of writes and critiques misses the cache, later calls hit only the tools and system prefix",
            "prices": prices.source,
        },
    }


def _round_calls(value: float, scenario: str) -> float | int:
    if scenario == "expected":
        return round(value, 1)
    return math.ceil(value - 1e-9)


def render_text(result: dict[str, Any]) -> str:
    """Format an estimate for people."""
    calls, tokens, cost = result["calls"], result["tokens"], result["cost_cny"]
    lines = [
        f"{result['articles']} articles on {result['model']}",
        f"{'':<18}{'low':>12}{'expected':>12}{'high':>12}",
        f"{'model calls':<18}" + "".join(f"{calls[s]:>12}" for s in SCENARIOS),
    ]
    for node in NODES:
        lines.append(f"{'  ' + node:<18}" + "".join(f"{calls['by_node'][node][s]:>12}" for s in SCENARIOS))
    for name in ("prompt", "cache_hit", "completion"):
        lines.append(f"{name + ' tokens':<18}" + "".join(f"{tokens[name][s]:>12,}" for s in SCENARIOS))
    lines.append(f"{'cost CNY':<18}" + "".join(f"{cost[s]:>12.4f}" for s in SCENARIOS))
    b = result["assumptions"]["behaviour"]
    lines += [
        "",
        f"pass rates ({b['source']}): first draft clears the gates {b['first_gate_pass']:.0%}, revised drafts "
        f"{b['later_gate_pass']:.0%}; the critic passes {b['critic_pass']:.0%}",
        f"low: {result['assumptions']['low']}",
        f"expected: {result['assumptions']['expected']}",
        f"high: {result['assumptions']['high']}",
    ]
    return "\n".join(lines) + "\n"


def estimate_dirs(paths: Iterable[str]) -> list[Path]:
    """Return history folders as paths, checking each exists."""
    folders = [Path(p) for p in paths]
    for folder in folders:
        if not folder.is_dir():
            raise ValueError(f"--history {folder}: not a folder")
    return folders
