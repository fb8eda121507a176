"""The `banned_term` gate's matcher: advertising-law and platform terms from data, checked span-aware.

The word lists live in `copyloop/data/terms.yaml`. All terms are compiled into one `regex` alternation and
matched with `overlapped=True`, so a hit is found at every start position. A hit lying entirely inside an
occurrence of an allowed word (第一次, 最近, 最大功率 …) does not count; a hit lying inside another counted
hit is the same finding.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from importlib import resources
from typing import Any

import regex
import yaml

from copyloop.textnorm import halfwidth

SEVERITY_ORDER = {"high": 0, "medium": 1, "low": 2}
_ASCII_WORD = regex.compile(r"[A-Za-z0-9]")
_HAN = regex.compile(r"\p{Han}")


@dataclass(frozen=True)
class TermRule:
    """What a matched term breaks and how to fix it."""

    category: str
    label: str
    severity: str
    law: str
    fix: str
    quote: int = 0


@dataclass(frozen=True)
class TermHit:
    """One counted occurrence: character offsets in the text, the words to quote, and its rule."""

    start: int
    end: int
    quote: str
    rule: TermRule


BRIEF_RULE = TermRule(
    category="brief",
    label="brief 的 banned_terms",
    severity="high",
    law="客户要求",
    fix="删去或换一种说法",
)


@functools.cache
def term_data() -> dict[str, Any]:
    """Return the parsed `data/terms.yaml` (categories and allowlist)."""
    text = resources.files("copyloop").joinpath("data/terms.yaml").read_text(encoding="utf-8")
    return yaml.safe_load(text)


def literal_pattern(term: str) -> str:
    """Return a pattern for a literal term; a Latin or digit edge never matches inside a longer word."""
    term = halfwidth(term)
    pattern = regex.escape(term)
    if _ASCII_WORD.match(term[0]):
        pattern = r"(?<![A-Za-z0-9])" + pattern
    if _ASCII_WORD.match(term[-1]):
        pattern += r"(?![A-Za-z0-9])"
    return pattern


class TermMatcher:
    """Find banned terms in a text, skipping hits that lie inside an allowed word."""

    def __init__(self, entries: list[tuple[str, TermRule]], allowed: list[str]) -> None:
        self.rules = [rule for _, rule in entries]
        alternation = "|".join(f"(?P<t{i}>{pattern})" for i, (pattern, _) in enumerate(entries))
        self.pattern = regex.compile(alternation, regex.IGNORECASE)
        allow = sorted({halfwidth(a) for a in allowed if a}, key=len, reverse=True)
        self.allow = (
            regex.compile("|".join(regex.escape(a) for a in allow), regex.IGNORECASE) if allow else None
        )

    def find(self, text: str) -> list[TermHit]:
        """Return the counted hits in `text`, in order of position."""
        plain = halfwidth(text)
        allowed = [m.span() for m in self.allow.finditer(plain, overlapped=True)] if self.allow else []
        hits: list[TermHit] = []
        for match in self.pattern.finditer(plain, overlapped=True):
            start, end = match.span()
            if any(a <= start and end <= b for a, b in allowed):
                continue
            rule = self.rules[int(str(match.lastgroup)[1:])]
            hits.append(TermHit(start, end, quote_of(text, start, end, rule.quote), rule))
        return [
            h for h in hits if not any(o is not h and o.start <= h.start and h.end <= o.end for o in hits)
        ]


def quote_of(text: str, start: int, end: int, width: int) -> str:
    """Return the matched words, extended by following Chinese characters up to `width` characters."""
    while end - start < width and end < len(text) and _HAN.match(text[end]):
        end += 1
    return text[start:end]


def _entries(data: dict[str, Any], banned: tuple[str, ...]) -> list[tuple[str, TermRule]]:
    """Return (pattern, rule) pairs: literals longest first (longest wins at a position), then patterns."""
    literals: list[tuple[str, TermRule]] = [(t, BRIEF_RULE) for t in dict.fromkeys(banned) if t]
    patterns: list[tuple[str, TermRule]] = []
    for key, category in data["categories"].items():
        base = TermRule(key, category["label"], category["severity"], category["law"], category["fix"])
        for item in category["terms"]:
            entry = {"term": item} if isinstance(item, str) else item
            rule = TermRule(
                base.category,
                base.label,
                base.severity,
                base.law,
                str(entry.get("fix", base.fix)),
                int(entry.get("quote", 0)),
            )
            if "pattern" in entry:
                patterns.append((entry["pattern"], rule))
            else:
                literals.append((str(entry["term"]), rule))
    ordered = sorted(literals, key=lambda e: len(e[0]), reverse=True)
    return [(literal_pattern(t), rule) for t, rule in ordered] + patterns


@functools.lru_cache(maxsize=64)
def matcher_for(banned: tuple[str, ...] = (), allowed: tuple[str, ...] = ()) -> TermMatcher:
    """Return the matcher for the shipped lists extended by a brief's `banned_terms` and `allowed_terms`."""
    data = term_data()
    return TermMatcher(_entries(data, banned), [*data["allow"], *allowed])
