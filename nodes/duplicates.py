"""Batch diversity in the graph: check a draft against the accepted texts; register it when it passes."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from copyloop.diversity import DiversityIndex
from copyloop.gates import duplicate_problem
from copyloop.graph.state import ArticleResult, Assignment, Draft, Problem


def article_label(article_id: int) -> str:
    """Return how findings name another article of the batch."""
    return f"第 {article_id} 篇"


def duplicate_check(
    index: DiversityIndex | None, assignment: Assignment, brief: dict[str, Any], draft: Draft, *, claim: bool
) -> Problem | None:
    """Return a `duplicate` problem if the draft is a near-copy of an accepted text; with `claim`, register it
    when it is not (check and register happen in one step, so two parallel near-copies cannot both pass)."""
    if index is None:
        return None
    ignore = brief["product"]["materials"]
    key = assignment["id"]
    if claim:
        found = index.claim(key, article_label(key), draft["text"], ignore=ignore)
    else:
        found = index.check(draft["text"], key=key, ignore=ignore)
    return duplicate_problem(found) if found else None


def remember(index: DiversityIndex | None, articles: Iterable[ArticleResult]) -> None:
    """Register the passed articles of an earlier part of the run (on resume), in id order."""
    if index is None:
        return
    for article in sorted(articles, key=lambda a: a["id"]):
        if article["status"] == "passed":
            index.add(article["id"], article_label(article["id"]), article["text"])
