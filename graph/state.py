"""Typed graph state: the batch (parent graph) and one article (the per-article subgraph).

Values are plain TypedDicts, not classes, so checkpoints stay small and load without a type allowlist.
"""

from __future__ import annotations

import operator
from typing import Annotated, Any, Literal, NotRequired

from typing_extensions import TypedDict  # pydantic (LangGraph server schemas) needs it on Python < 3.12

from copyloop.usage import Usage, add_usage

ArticleStatus = Literal["passed", "failed", "error"]


def merge_counts(left: dict[str, int] | None, right: dict[str, int] | None) -> dict[str, int]:
    """Add two {name: count} maps key by key."""
    merged = dict(left or {})
    for key, value in (right or {}).items():
        merged[key] = merged.get(key, 0) + value
    return merged


class Assignment(TypedDict):
    """One row of the plan: who the article is for, what it stresses, where it runs, and its angle."""

    id: int
    brief_index: int
    product: str
    persona: str
    persona_description: str
    selling_point: str
    selling_point_description: str
    platform: str
    angle: str


class Problem(TypedDict):
    """A gate finding: a stable rule code, what is wrong and how to fix it, and where (character offsets)."""

    rule: str
    detail: str
    span: list[int] | None


class Draft(TypedDict):
    """One version of an article as the writer returned it."""

    number: int
    title: str
    text: str
    tags: list[str]
    chars: int
    digest: NotRequired[str]
    """The 公众号 digest the writer gave (`<digest>`); absent or "" elsewhere: read `.get("digest", "")`."""


class Review(TypedDict):
    """The critic's verdict on one draft: gate problems first, then scores (empty when a gate already failed)."""

    draft: int
    problems: list[Problem]
    scores: dict[str, int]
    reasons: dict[str, str]
    suggestions: list[str]
    passed: bool


class ArticleResult(TypedDict):
    """A finished article: one line of `articles.jsonl`."""

    id: int
    brief_index: int
    product: str
    persona: str
    selling_point: str
    platform: str
    angle: str
    status: ArticleStatus
    title: str
    text: str
    tags: list[str]
    chars: int
    digest: str
    disclosure: str
    drafts: int
    first_pass: bool
    scores: dict[str, int]
    problems: list[str]
    usage: Usage
    cost_cny: NotRequired[float]
    """What this article's calls cost (set when the run's outputs are written, from the ledger and price table)."""
    calls: dict[str, int]
    error: str | None
    history: list[dict[str, Any]]


class BatchState(TypedDict, total=False):
    """State of the parent graph: briefs in, plan, then finished articles."""

    briefs: list[dict[str, Any]]
    """Input: validated briefs as dicts (`Brief.model_dump()`). Last write wins."""

    review_plan: bool
    """Input: pause after planning for a person to approve or edit the plan (an interrupt; needs a checkpointer)."""

    assignments: list[Assignment]
    """The plan, one row per article, written by the planner (and the plan review, if any). Last write wins."""

    articles: Annotated[list[ArticleResult], operator.add]
    """Finished articles; each per-article subgraph appends its one result (in finishing order)."""

    warnings: Annotated[list[str], operator.add]
    """Things a user should know that did not stop the batch (e.g. the plan fell back); appended."""

    usage: Annotated[Usage, add_usage]
    """Batch-level usage outside articles (the planner's calls); summed."""


class ArticleInput(TypedDict):
    """What the fan-out sends to one article: its row of the plan and its brief."""

    assignment: Assignment
    brief: dict[str, Any]


class ArticleState(TypedDict, total=False):
    """State of one article's write → critic → revise loop."""

    assignment: Assignment
    """This article's row of the plan. Set once by the Send."""

    brief: dict[str, Any]
    """The brief this article belongs to (materials, length window, thresholds). Set once by the Send."""

    drafts: Annotated[list[Draft], operator.add]
    """Every version written so far, oldest first; the writer and reviser each append one."""

    reviews: Annotated[list[Review], operator.add]
    """The critic's verdict on each draft, in the same order; the critic appends one per draft."""

    usage: Annotated[Usage, add_usage]
    """Tokens this article's model responses used; summed."""

    calls: Annotated[dict[str, int], merge_counts]
    """Successful model responses per node (write / critic / revise); added key by key."""

    articles: Annotated[list[ArticleResult], operator.add]
    """The finished article, appended once by `finish`; the only key the parent graph receives."""


class ArticleOutput(TypedDict):
    """What one article returns to the batch."""

    articles: list[ArticleResult]
