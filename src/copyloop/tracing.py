"""LangSmith tracing: readable run names, tags and metadata per batch, article and model call.

Tracing itself is LangChain's: with `LANGSMITH_TRACING=true` (and `LANGSMITH_API_KEY`, `LANGSMITH_PROJECT`,
`LANGSMITH_ENDPOINT`) every run is sent to LangSmith. This module only decides what the runs are called and how
they can be filtered: tags are `key:value` strings, metadata holds the same facts as fields. Tags and metadata
given to a run are inherited by every run below it, so a model call carries its article's persona too.

Nothing secret goes into either: only names from the brief, ids, counts and outcomes.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from langchain_core.runnables import RunnableConfig, RunnableLambda
from langchain_core.runnables.config import ensure_config
from langsmith.utils import tracing_is_enabled

from copyloop.platforms import spec_for

BATCH_TAG = "copyloop"


def batch_config(briefs: Sequence[Mapping[str, Any]], batch_id: str) -> RunnableConfig:
    """Return `run_name`, `tags` and `metadata` for a whole batch run (`batch_id` is the run's thread id)."""
    products = list(dict.fromkeys(b["product"]["name"] for b in briefs))
    articles = sum(
        b.get("count") or len(b["personas"]) * len(b["selling_points"]) * len(b["platforms"]) for b in briefs
    )
    return RunnableConfig(
        run_name=f"copyloop · {' + '.join(products)} · {articles} articles",
        tags=[BATCH_TAG],  # inherited by every run below: all of copyloop's runs carry it
        metadata={"batch_id": batch_id, "products": products, "articles_ordered": articles},
    )


def batch_id_of(config: RunnableConfig) -> str | None:
    """Return the batch id a run was started with: the runner's `batch_id`, else the thread id."""
    metadata = config.get("metadata") or {}
    configurable = config.get("configurable") or {}
    found = metadata.get("batch_id") or configurable.get("thread_id")
    return str(found) if found else None


def article_config(config: RunnableConfig, assignment: Mapping[str, Any]) -> RunnableConfig:
    """Return `config` extended for one article's subgraph run: its name, filterable tags and metadata."""
    label = spec_for(assignment["platform"]).label
    fields = {
        "article_id": assignment["id"],
        "persona": assignment["persona"],
        "selling_point": assignment["selling_point"],
        "platform": assignment["platform"],
        "product": assignment["product"],
    }
    batch_id = batch_id_of(config)
    if batch_id:
        fields["batch_id"] = batch_id
    tags = [
        "article",
        f"persona:{assignment['persona']}",
        f"selling_point:{assignment['selling_point']}",
        f"platform:{assignment['platform']}",
    ]
    traced = RunnableConfig(**config)
    traced["run_name"] = (
        f"article {assignment['id']} · {assignment['persona']} · {assignment['selling_point']} · {label}"
    )
    traced["tags"] = [*(config.get("tags") or []), *tags]
    traced["metadata"] = {**(config.get("metadata") or {}), **fields}
    return traced


def call_config(role: str, draft: int | None) -> RunnableConfig:
    """Return the config of one model request: named by role and draft, with the draft number as metadata."""
    name = role if draft is None else f"{role} · draft {draft}"
    tags = [f"role:{role}"]
    metadata: dict[str, Any] = {"role": role}
    if draft is not None:
        tags.append(f"draft:{draft}")
        metadata["draft"] = draft
    return RunnableConfig(run_name=name, tags=tags, metadata=metadata)


async def mark(
    name: str, tags: list[str], metadata: dict[str, Any], outputs: Any, base: RunnableConfig | None = None
) -> None:
    """Record an outcome computed in code (gate results, an article's status) as a tiny run of its own.

    Tags of a run are fixed when it starts, so a result known only later gets a child run that carries it:
    e.g. `gates` with `gate:length`, to filter "drafts that failed length" in LangSmith. The run hangs below the
    current run, or below `base` (whose tags and metadata it adds to its own).
    """
    base = base or RunnableConfig()
    if not _observed(base):
        return  # nobody would see the run: skip building it (~0.4 ms of CPU per draft)
    config = RunnableConfig(
        tags=[*(base.get("tags") or []), *tags],
        metadata={**(base.get("metadata") or {}), **metadata},
    )
    if base.get("callbacks") is not None:
        config["callbacks"] = base["callbacks"]
    await RunnableLambda(lambda _: outputs, name=name).ainvoke(metadata, config)


def _observed(base: RunnableConfig) -> bool:
    """Return whether a run started now would reach anyone: LangSmith tracing is on, or a callback listens."""
    if tracing_is_enabled():
        return True
    callbacks = base.get("callbacks") or ensure_config().get("callbacks")
    handlers = getattr(callbacks, "handlers", callbacks)
    return bool(handlers)


async def mark_gates(draft: int, problems: Sequence[Mapping[str, Any]]) -> None:
    """Record the code gates' verdict on one draft: tags `gate:<rule>` per failed rule, or `gate:clear`."""
    rules = sorted({p["rule"] for p in problems})
    tags = [f"gate:{rule}" for rule in rules] or ["gate:clear"]
    await mark("gates", tags, {"draft": draft, "gates_failed": rules}, {"problems": list(problems)})


async def mark_outcome(result: dict[str, Any], article: RunnableConfig) -> None:
    """Record how an article ended, below its node run: tag `status:<passed|failed|error>`, with its facts."""
    metadata = {"status": result["status"], "drafts": result["drafts"], "first_pass": result["first_pass"]}
    outputs = {"scores": result["scores"], "problems": result["problems"], "error": result["error"]}
    await mark("outcome", [f"status:{result['status']}"], metadata, outputs, article)


def flush() -> None:
    """Send every trace still queued (call before the process exits); a no-op when tracing never started."""
    from langchain_core.tracers.langchain import wait_for_all_tracers

    wait_for_all_tracers()
