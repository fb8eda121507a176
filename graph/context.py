"""Run-time context: the model settings and shared machinery every node needs, passed with `context_schema`.

Nothing here is checkpointed (LangGraph does not store context), so pass it again on resume.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache
from typing import Annotated, Any

from langchain_core.language_models import BaseChatModel
from pydantic import ConfigDict
from pydantic.json_schema import SkipJsonSchema

from copyloop import config
from copyloop.budget import Budget
from copyloop.diversity import DiversityIndex
from copyloop.ledger import Ledger


@dataclass(kw_only=True)
class Context:
    """Settings for one batch; every field resolves explicit value > environment > default."""

    # The LangGraph server builds a JSON schema of the context for Studio: Python-only fields are left out of it.
    __pydantic_config__ = ConfigDict(arbitrary_types_allowed=True)

    model: str = field(default_factory=lambda: config.resolve(None, "DEEPSEEK_MODEL", config.DEFAULT_MODEL))
    """Model name sent to the API (`DEEPSEEK_MODEL`)."""

    base_url: str = field(
        default_factory=lambda: config.resolve(None, "DEEPSEEK_BASE_URL", config.DEFAULT_BASE_URL)
    )
    """OpenAI-compatible endpoint (`DEEPSEEK_BASE_URL`)."""

    api_key: str | None = field(default_factory=config.api_key_from_env, repr=False)
    """API key (`DEEPSEEK_API_KEY`); never printed, logged or stored."""

    request_timeout: float = field(
        default_factory=lambda: config.resolve(
            None, "COPYLOOP_REQUEST_TIMEOUT", config.DEFAULT_REQUEST_TIMEOUT
        )
    )
    """Overall deadline in seconds for one model request, retried when it passes."""

    max_concurrency: int = field(
        default_factory=lambda: config.resolve(
            None, "COPYLOOP_MAX_CONCURRENCY", config.DEFAULT_MAX_CONCURRENCY
        )
    )
    """Model requests in flight across the whole batch."""

    max_attempts: int = config.DEFAULT_MAX_ATTEMPTS
    """Attempts per model request for transient faults (429, 5xx, timeouts, dropped connections)."""

    max_malformed: int = 2
    """Extra attempts for a blank or malformed structured reply, counted apart from `max_attempts`."""

    budget: Annotated[Budget | None, SkipJsonSchema()] = field(default=None, repr=False)
    """The run's spending cap in CNY (with its price table and ledger), if any: checked before every request."""

    retry_base_delay: float = field(
        default_factory=lambda: config.resolve(None, "COPYLOOP_RETRY_BASE_DELAY", 1.0)
    )
    """First backoff in seconds (`COPYLOOP_RETRY_BASE_DELAY`); doubles each attempt, with jitter; a server's
    Retry-After wins."""

    chat_model: Annotated[BaseChatModel | None, SkipJsonSchema()] = field(default=None, repr=False)
    """A ready chat model to use instead of building ChatOpenAI (tests, other providers)."""

    ledger: Annotated[Ledger | None, SkipJsonSchema()] = field(default=None, repr=False)
    """Where every successful model response's usage is recorded, if anywhere."""

    diversity: Annotated[DiversityIndex | None, SkipJsonSchema()] = field(
        default_factory=DiversityIndex, repr=False
    )
    """Accepted texts of this batch for the `duplicate` gate, one index per run (per Context); None turns the
    gate off. The first article to pass keeps its wording; a later near-copy is sent back for revision."""

    finished: SkipJsonSchema[dict[int, Any]] = field(default_factory=dict, repr=False)
    """Results of articles that already finished in an earlier session (from `progress.jsonl`), by id; on resume
    an article found here is returned as it was, without a model call, even if the checkpoint missed it."""

    prompts: dict[str, str] = field(default_factory=dict)
    """Prompt texts by name (`writer`, `critic`, `reviser`, `planner`) that replace `prompts/<name>.md` for this
    batch — for prompt experiments. Each must keep the `{placeholders}` of the file it replaces."""

    extra: dict[str, Any] = field(default_factory=dict)
    """Free-form settings for experiments; nodes ignore keys they do not know."""


@cache
def default_context() -> Context:
    """Return the process-wide Context built from the environment, for runs started without one (the server)."""
    return Context()
