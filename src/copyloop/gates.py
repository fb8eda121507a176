"""Deterministic quality gates, run in code before the LLM critic. Each finding carries a stable rule code.

Rule codes: `length`, `format`, `title`, `tags`, `banned_term`, `unsupported_number` (all in `check_draft`)
and `duplicate` (batch-wide: `duplicate_problem` on a `copyloop.diversity.DiversityIndex` finding). Spans
are character offsets into the body (`text`); findings in the title, digest or tags name the field and have
no span.
"""

from __future__ import annotations

from typing import Any

from copyloop.counting import count_chars
from copyloop.diversity import NearCopy
from copyloop.formats import platform_problems
from copyloop.graph.state import Draft, Problem
from copyloop.numbers import grounding_for, unsupported
from copyloop.terms import SEVERITY_ORDER, matcher_for

_FIELDS = (("text", ""), ("title", "标题中"), ("digest", "摘要中"), ("tags", "话题标签中"))


def length_problem(chars: int, window: dict[str, int]) -> Problem | None:
    """Return a `length` problem with the exact arithmetic to fix it, or None when the body fits."""
    low, high = window["min"], window["max"]
    middle = (low + high) // 2
    if chars > high:
        detail = f"当前 {chars} 字，超出上限 {high} 字，需删去至少 {chars - high} 字（目标约 {middle} 字）"
    elif chars < low:
        detail = f"当前 {chars} 字，低于下限 {low} 字，需增加至少 {low - chars} 字（目标约 {middle} 字）"
    else:
        return None
    return Problem(rule="length", detail=detail, span=None)


def _fields(draft: Draft) -> list[tuple[str, str, bool]]:
    """Return (where-prefix, text, is_body) for every published field of a draft."""
    values = {
        "text": draft["text"],
        "title": draft["title"],
        "digest": draft.get("digest", ""),
        "tags": " ".join(f"#{t}" for t in draft["tags"]),
    }
    return [(where, values[name], name == "text") for name, where in _FIELDS if values[name]]


def banned_term_problems(draft: Draft, brief: dict[str, Any]) -> list[Problem]:
    """Return one `banned_term` problem per distinct term, most severe first, with the law and the fix."""
    matcher = matcher_for(tuple(brief.get("banned_terms") or ()), tuple(brief.get("allowed_terms") or ()))
    found: list[tuple[int, int, Problem]] = []
    for order, (where, text, is_body) in enumerate(_fields(draft)):
        hits = matcher.find(text)
        seen: set[str] = set()
        for hit in hits:
            if hit.quote in seen:
                continue
            seen.add(hit.quote)
            times = sum(h.quote == hit.quote for h in hits)
            rule = hit.rule
            detail = f"{where}“{hit.quote}”违反{rule.law}（{rule.label}），{rule.fix}"
            if times > 1:
                detail += f"（共 {times} 处）"
            span = [hit.start, hit.end] if is_body else None
            severity = SEVERITY_ORDER.get(rule.severity, len(SEVERITY_ORDER))
            found.append((severity, order, Problem(rule="banned_term", detail=detail, span=span)))
    return [p for _, _, p in sorted(found, key=lambda f: (f[0], f[1]))]


def grounding_sources(brief: dict[str, Any]) -> str:
    """Return the brief text numbers may come from: product name, materials, persona/point descriptions."""
    product = brief["product"]
    parts = [product["name"], product["materials"]]
    for item in [*brief.get("personas", []), *brief.get("selling_points", [])]:
        parts.append(item.get("description", "") if isinstance(item, dict) else str(item))
    return "\n".join(parts)


def number_problems(draft: Draft, brief: dict[str, Any]) -> list[Problem]:
    """Return one `unsupported_number` problem per distinct number the materials do not back."""
    grounding = grounding_for(grounding_sources(brief))
    problems: list[Problem] = []
    for where, text, is_body in _fields(draft):
        seen: set[str] = set()
        for claim in unsupported(text, grounding):
            if claim.surface in seen:
                continue
            seen.add(claim.surface)
            detail = f"{where}“{claim.surface}”在材料中找不到，删去或改用材料中的数字"
            span = [claim.start, claim.end] if is_body else None
            problems.append(Problem(rule="unsupported_number", detail=detail, span=span))
    return problems


def check_draft(draft: Draft, brief: dict[str, Any], platform: str, *, post: bool = True) -> list[Problem]:
    """Run every per-draft gate and return its problems (empty when it clears them all).

    `post=False` checks a bare body: no title or hashtag checks (used by `copyloop lint` on plain text files).
    """
    problems: list[Problem] = []
    found = length_problem(count_chars(draft["text"]), brief["length"])
    if found:
        problems.append(found)
    problems += platform_problems(draft, platform, post=post)
    problems += banned_term_problems(draft, brief)
    problems += number_problems(draft, brief)
    return problems


def duplicate_problem(found: NearCopy) -> Problem:
    """Return the `duplicate` problem for a near-copy: what it repeats, of which article, and what to do."""
    share = round(found.score * 100)
    if found.kind == "opening":
        detail = (
            f"开头与{found.label}几乎相同（{share}% 相同）：“{found.passage}”。"
            "请换一个开头和切入场景，用自己的话重写"
        )
    else:
        detail = (
            f"正文与{found.label}高度雷同（{share}% 的五字片段相同），重复段落：“{found.passage}”。"
            "请换一个具体场景和说法重写，不要沿用这些句子"
        )
    return Problem(rule="duplicate", detail=detail, span=list(found.span))


def format_problem(problem: Problem) -> str:
    """Render a problem as one line: `rule: detail`."""
    return f"{problem['rule']}: {problem['detail']}"
