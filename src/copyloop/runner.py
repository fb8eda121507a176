"""Run a batch end to end: settings saved for resume, the graph streamed with a checkpointer, outputs written."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import signal
import sys
import time
import uuid
from collections.abc import AsyncIterator, Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, cast

from langchain_core.runnables import RunnableConfig
from langgraph.checkpoint.sqlite.aio import AsyncSqliteSaver
from langgraph.types import Command

from copyloop import config
from copyloop.accounting import cost_report
from copyloop.brief import Brief, parse_brief
from copyloop.budget import BUDGET_STOP, Budget
from copyloop.errors import FatalAPIError, StopRequested
from copyloop.graph.builder import build_graph
from copyloop.graph.context import Context
from copyloop.graph.state import ArticleResult, BatchState
from copyloop.ledger import Ledger
from copyloop.llm import RequestGate, close_clients, request_gate
from copyloop.nodes.duplicates import remember
from copyloop.outputs import build_report, write_atomic, write_outputs
from copyloop.plan_review import PlanReviewer, pending_interrupt
from copyloop.pricing import PRICES_ENV, load_prices
from copyloop.tracing import batch_config
from copyloop.unfinished import budget_message, unfinished_results

RUN_FILE = "run.json"
PROGRESS_FILE = "progress.jsonl"
LEDGER_FILE = "ledger.jsonl"
CHECKPOINT_FILE = "checkpoints.sqlite"

ProgressHook = Callable[[dict[str, Any]], None]
EXIT_OK, EXIT_INPUT, EXIT_ARTICLE_ERRORS, EXIT_FATAL, EXIT_INTERRUPTED = 0, 2, 3, 4, 130


class _InterruptHandler:
    """First Ctrl-C: stop starting requests, let those in flight finish, end the run. Second: stop at once."""

    def __init__(
        self, gate: RequestGate, task: asyncio.Task[Any] | None, on_event: ProgressHook | None
    ) -> None:
        self.gate, self.task, self.on_event, self.count = gate, task, on_event, 0
        self._loop = asyncio.get_running_loop()
        try:
            self._loop.add_signal_handler(signal.SIGINT, self._handle)
            self.installed = True
        except (NotImplementedError, RuntimeError, ValueError):  # not the main thread, or no signals here
            self.installed = False

    def _handle(self) -> None:
        self.count += 1
        if self.count == 1:
            self.gate.stop("interrupted")
            print(
                f"\ncopyloop: stopping — waiting for {self.gate.in_flight} requests in flight "
                "(Ctrl-C again to stop at once)",
                file=sys.stderr,
            )
        elif self.task is not None:
            self.task.cancel()

    def remove(self) -> None:
        """Give SIGINT back to Python's default handling."""
        if self.installed:
            self._loop.remove_signal_handler(signal.SIGINT)


@dataclass
class RunSettings:
    """Everything needed to run (and later resume) a batch, except the API key, which is never stored."""

    briefs: list[dict[str, Any]]
    offline: bool = False
    seed: int | None = None
    max_concurrency: int = config.DEFAULT_MAX_CONCURRENCY
    request_timeout: float = config.DEFAULT_REQUEST_TIMEOUT
    model: str = config.DEFAULT_MODEL
    base_url: str = config.DEFAULT_BASE_URL
    thread_id: str = field(default_factory=lambda: uuid.uuid4().hex)
    sim: dict[str, Any] = field(default_factory=dict)
    budget: float | None = None
    """Spending cap in CNY for the whole run (all sessions); `copyloop resume --budget` raises it."""
    prices: str | None = None
    """Price table file (`--prices`, `COPYLOOP_PRICES`); None: the packaged table."""

    def save(self, out: Path) -> None:
        """Write the settings to `out/run.json`."""
        write_atomic(out / RUN_FILE, json.dumps(asdict(self), ensure_ascii=False, indent=2) + "\n")

    @classmethod
    def load(cls, out: Path) -> RunSettings:
        """Read the settings a run saved in `out/run.json`."""
        data = json.loads((out / RUN_FILE).read_text(encoding="utf-8"))
        data["briefs"] = [
            parse_brief(b, f"{out / RUN_FILE}: briefs[{i}]").model_dump()
            for i, b in enumerate(data["briefs"])
        ]
        return cls(**data)


@dataclass
class RunOutcome:
    """What a run ended with: the exit code, the report, and a message for the user."""

    exit_code: int
    report: dict[str, Any]
    message: str = ""


def settings_for(briefs: list[Brief], **options: Any) -> RunSettings:
    """Build run settings from validated briefs and CLI options (None means: environment, then default)."""
    return RunSettings(
        briefs=[b.model_dump() for b in briefs],
        offline=bool(options.get("offline")),
        seed=options.get("seed"),
        max_concurrency=config.resolve(
            options.get("max_concurrency"), "COPYLOOP_MAX_CONCURRENCY", config.DEFAULT_MAX_CONCURRENCY
        ),
        request_timeout=config.resolve(
            options.get("request_timeout"), "COPYLOOP_REQUEST_TIMEOUT", config.DEFAULT_REQUEST_TIMEOUT
        ),
        model=config.resolve(options.get("model"), "DEEPSEEK_MODEL", config.DEFAULT_MODEL),
        base_url=config.resolve(options.get("base_url"), "DEEPSEEK_BASE_URL", config.DEFAULT_BASE_URL),
        sim=dict(options.get("sim") or {}),
        **cost_settings(options.get("budget"), options.get("prices")),
    )


def cost_settings(budget: float | None, prices: str | None) -> dict[str, Any]:
    """Resolve the budget (`COPYLOOP_BUDGET`) and price table (`COPYLOOP_PRICES`); check the table loads."""
    if budget is None:
        config.load_env()
        raw = os.environ.get("COPYLOOP_BUDGET", "").strip()
        try:
            budget = float(raw) if raw else None
        except ValueError:
            raise ValueError(f"COPYLOOP_BUDGET={raw!r} is not a number of CNY") from None
    if budget is not None and not budget > 0:
        raise ValueError(f"the budget must be more than 0 CNY, got {budget:g}")
    if prices is None:
        config.load_env()
        prices = os.environ.get(PRICES_ENV, "").strip() or None
    if prices is not None:
        prices = str(Path(prices).resolve())
    load_prices(prices)  # raises PriceTableError (a ValueError) naming the file and field
    return {"budget": budget, "prices": prices}


@contextlib.contextmanager
def _endpoint(settings: RunSettings) -> Any:
    """Yield (base_url, api_key): the in-process simulator when offline, else the configured API."""
    if not settings.offline:
        # On resume the endpoint may have moved: the environment wins over what the run saved.
        yield config.resolve(None, "DEEPSEEK_BASE_URL", settings.base_url), config.api_key_from_env()
        return
    from copyloop.sim import SimConfig, SimServer

    sim_config = SimConfig(**{**settings.sim, "seed": settings.seed or 0})
    with SimServer(sim_config) as server:
        yield server.base_url, "sk-offline-simulator"


@contextlib.asynccontextmanager
async def _checkpointer(out: Path) -> AsyncIterator[AsyncSqliteSaver]:
    async with AsyncSqliteSaver.from_conn_string(str(out / CHECKPOINT_FILE)) as saver:
        yield saver


def read_progress(out: Path) -> list[ArticleResult]:
    """Read finished articles from `progress.jsonl` (the last record per id wins; a torn line is skipped)."""
    path = out / PROGRESS_FILE
    found: dict[int, ArticleResult] = {}
    if path.exists():
        for line in path.read_text(encoding="utf-8").splitlines():
            with contextlib.suppress(json.JSONDecodeError):
                record = json.loads(line)
                found[record["id"]] = record
    return list(found.values())


async def execute(
    settings: RunSettings,
    out: Path,
    *,
    resume: bool = False,
    on_event: ProgressHook | None = None,
    review: PlanReviewer | None = None,
    decision: dict[str, Any] | None = None,
    checkpoint: bool = True,
) -> RunOutcome:
    """Run (or resume) the batch described by `settings`, writing everything into `out`.

    With `review`, the plan is shown to it before any article is written (see copyloop.plan_review); on resume
    it answers a review the run paused at. `decision` resumes such a pause with that answer.
    `checkpoint=False` runs without the SQLite checkpointer (no resume; for measuring what checkpoints cost).
    """
    out.mkdir(parents=True, exist_ok=True)
    if not resume:
        settings.save(out)
    started = time.monotonic()
    ledger = Ledger(out / LEDGER_FILE)
    prices = load_prices(settings.prices)
    graph_input: BatchState | Command[Any] | None = None if resume else BatchState(briefs=settings.briefs)
    if isinstance(graph_input, dict) and review is not None:
        graph_input["review_plan"] = True
    if decision is not None:
        graph_input = Command(resume=decision)
    run_config: RunnableConfig = {
        "configurable": {"thread_id": settings.thread_id},
        # Articles hold a task slot for their whole life; model requests are capped by the context's semaphore.
        # Four articles per request slot keep the slots full to the end of a batch (benchmarks/: 2x left a tail).
        "max_concurrency": max(4 * settings.max_concurrency, 8),
        **batch_config(settings.briefs, settings.thread_id),  # run name, tags, metadata for LangSmith
    }
    state: dict[str, Any] = {}
    pending: dict[str, Any] | None = None
    fatal: FatalAPIError | None = None
    stopped: str | None = None
    with _endpoint(settings) as (base_url, api_key):
        context = Context(
            model=settings.model,
            base_url=base_url,
            api_key=api_key,
            max_concurrency=settings.max_concurrency,
            request_timeout=settings.request_timeout,
            ledger=ledger,
            finished={a["id"]: a for a in read_progress(out)} if resume else {},
            budget=Budget(settings.budget, prices, ledger) if settings.budget is not None else None,
        )
        if resume:  # finished articles keep their wording: later near-copies of them are revised
            remember(context.diversity, context.finished.values())
        async with _checkpointer(out) if checkpoint else contextlib.nullcontext() as saver:
            compiled = build_graph().compile(checkpointer=saver)
            progress = (out / PROGRESS_FILE).open("a", encoding="utf-8")
            interrupts = _InterruptHandler(request_gate(context), asyncio.current_task(), on_event)
            try:
                async for namespace, mode, data in compiled.astream(
                    graph_input,
                    run_config,
                    context=context,
                    stream_mode=["custom", "values", "updates"],
                    subgraphs=True,
                    durability="sync" if checkpoint else None,
                ):
                    if mode == "values" and not namespace:
                        state = cast(dict[str, Any], data)
                    elif mode == "updates" and not namespace and isinstance(data, dict):
                        pending = pending_interrupt(data) or pending
                        if on_event:
                            on_event({"event": "update", "update": data})
                    elif mode == "custom" and isinstance(data, dict):
                        if data.get("event") == "finished":
                            progress.write(json.dumps(data["result"], ensure_ascii=False) + "\n")
                            progress.flush()
                        if on_event:
                            on_event(data)
            except FatalAPIError as error:
                fatal = error
            except StopRequested as error:
                if error.fatal:
                    fatal = FatalAPIError(str(error))
                else:
                    stopped = str(error)
            except asyncio.CancelledError:
                if not interrupts.count:
                    raise
                asyncio.current_task().uncancel()  # type: ignore[union-attr]
                stopped = "interrupted (stopped at once)"
            finally:
                interrupts.remove()
                progress.close()
                await close_clients(context)
            if not state or fatal or stopped:
                snapshot = await compiled.aget_state(run_config)
                state = dict(snapshot.values) if snapshot else {}

    if pending is not None and not (fatal or stopped):  # paused for a plan review
        answer = review(pending) if review is not None else None
        if answer is not None:
            return await execute(
                settings,
                out,
                resume=True,
                on_event=on_event,
                review=review,
                decision=answer,
                checkpoint=checkpoint,
            )
        stopped = "the plan awaits review"

    articles: list[ArticleResult] = list(state.get("articles") or [])
    known = {a["id"] for a in articles}
    articles += [a for a in read_progress(out) if a["id"] not in known]
    over_budget = bool(stopped) and interrupts.gate.stop_reason == BUDGET_STOP
    if over_budget:  # unfinished articles are reported as errors, but stay unfinished for resume
        finished = len(articles)
        articles += unfinished_results(
            settings.briefs, state.get("assignments"), articles, ledger, BUDGET_STOP
        )
    served = [e.model for e in ledger.entries]
    report = build_report(
        articles,
        usage=ledger.totals(),
        llm_calls=ledger.calls(),
        wall_seconds=time.monotonic() - started,
        model=served[-1] if served else settings.model,
        warnings=list(state.get("warnings") or []),
    )
    report["planned"] = len(state.get("assignments") or [])
    costs, cost_per_article = cost_report(ledger.entries, articles, prices)
    report.update(costs, warnings=report["warnings"] + costs["pricing"].pop("warnings"))
    per_article = ledger.by_article()
    for article in articles:
        # The ledger also holds responses of attempts that later failed: it is the exact bill per article.
        article["usage"] = per_article.get(article["id"], article["usage"])
        article["cost_cny"] = cost_per_article.get(article["id"], 0.0)
    if settings.budget is not None:
        report["budget_cny"] = settings.budget
    if over_budget:
        report["stopped"] = BUDGET_STOP
        write_outputs(out, articles, report)
        assert settings.budget is not None
        message = budget_message(out, settings.budget, costs["cost_cny"], finished, len(articles) - finished)
        return RunOutcome(EXIT_ARTICLE_ERRORS, report, message)
    if fatal or stopped:
        report["stopped"] = str(fatal or stopped)
        write_outputs(out, articles, report)
        message = (
            f"stopped: {fatal or stopped}. {len(articles)} finished articles are saved in {out}; "
            f"continue with: copyloop resume {out}"
        )
        return RunOutcome(EXIT_FATAL if fatal else EXIT_INTERRUPTED, report, message)
    write_outputs(out, articles, report)
    code = EXIT_ARTICLE_ERRORS if report["errors"] else EXIT_OK
    return RunOutcome(code, report)
