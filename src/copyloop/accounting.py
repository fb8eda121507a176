"""The bill of a batch: the ledger priced call by call, summed per article and per node for `report.json`."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from copyloop.ledger import LedgerEntry
from copyloop.pricing import PriceTable
from copyloop.usage import Usage, add_usage, empty_usage

NODES: tuple[str, ...] = ("planner", "write", "critic", "revise")
ARTICLE_NODES: tuple[str, ...] = ("write", "critic", "revise")


@dataclass
class Bill:
    """What a list of ledger entries cost, in total, per article and per node."""

    total: float = 0.0
    by_article: dict[int, float] = field(default_factory=dict)
    by_node: dict[str, float] = field(default_factory=dict)
    usage_by_node: dict[str, Usage] = field(default_factory=dict)
    calls_by_node: dict[str, int] = field(default_factory=dict)
    peak_calls: int = 0
    off_peak_calls: int = 0
    warnings: list[str] = field(default_factory=list)

    def add(self, entry: LedgerEntry, cost: float, peak: bool) -> None:
        """Add one priced entry."""
        self.total += cost
        if entry.article_id is not None:
            self.by_article[entry.article_id] = self.by_article.get(entry.article_id, 0.0) + cost
        self.by_node[entry.node] = self.by_node.get(entry.node, 0.0) + cost
        self.usage_by_node[entry.node] = add_usage(self.usage_by_node.get(entry.node), entry.usage)
        self.calls_by_node[entry.node] = self.calls_by_node.get(entry.node, 0) + 1
        if peak:
            self.peak_calls += 1
        else:
            self.off_peak_calls += 1


def bill(entries: Iterable[LedgerEntry], prices: PriceTable) -> Bill:
    """Price every entry at the rate of its own time; warn about unknown models and years without holidays."""
    result = Bill()
    unknown: set[str] = set()
    uncovered: set[int] = set()
    for entry in entries:
        name, known = prices.resolve(entry.model)
        if not known:
            unknown.add(entry.model)
        if not prices.calendar.knows(entry.time):
            uncovered.add(prices.calendar.local(entry.time).year)
        peak = prices.calendar.is_peak(entry.time)
        rates = (prices.peak if peak else prices.off_peak)[name]
        result.add(entry, rates.cost(entry.usage), peak)  # type: ignore[arg-type]
    for model in sorted(unknown):
        result.warnings.append(
            f"pricing: model {model!r} is not in the price table ({prices.source}); "
            f"priced as {prices.unknown_model}"
        )
    for year in sorted(uncovered):
        result.warnings.append(
            f"pricing: no Chinese public holidays listed for {year}; its holidays were priced as working days"
        )
    return result


def cost_report(
    entries: list[LedgerEntry], articles: Sequence[Mapping[str, Any]], prices: PriceTable
) -> tuple[dict[str, Any], dict[int, float]]:
    """Return the cost fields of `report.json` and the cost per article id.

    Per-node figures come from the ledger, so they include responses of attempts that later failed; the planner's
    calls belong to no article, so the articles' costs plus `cost_by_node["planner"]` make `cost_cny`.
    """
    priced = bill(entries, prices)
    usage = empty_usage()
    for entry in entries:
        usage = add_usage(usage, entry.usage)
    passed = sum(a.get("status") == "passed" for a in articles)
    count = len(articles)
    fields: dict[str, Any] = {
        "cost_cny": round(priced.total, 6),
        "cost_per_passed_article": round(priced.total / passed, 6) if passed else None,
        "cache_hit_share": round(usage["cache_hit_tokens"] / usage["prompt_tokens"], 4)
        if usage["prompt_tokens"]
        else 0.0,
        "llm_calls_by_node": {n: priced.calls_by_node[n] for n in NODES if n in priced.calls_by_node},
        "calls_per_article_by_node": {
            n: round(priced.calls_by_node.get(n, 0) / count, 4) for n in ARTICLE_NODES
        }
        if count
        else {},
        "usage_by_node": {n: dict(priced.usage_by_node[n]) for n in NODES if n in priced.usage_by_node},
        "cost_by_node": {n: round(priced.by_node[n], 6) for n in NODES if n in priced.by_node},
        "pricing": {
            "table": prices.source,
            "currency": prices.currency,
            "peak_calls": priced.peak_calls,
            "off_peak_calls": priced.off_peak_calls,
            "warnings": priced.warnings,
        },
    }
    return fields, {article_id: round(cost, 6) for article_id, cost in priced.by_article.items()}
