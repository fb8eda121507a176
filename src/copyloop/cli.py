"""The `copyloop` command line: run, resume and the offline simulator."""

from __future__ import annotations

import asyncio
import contextlib
import json
import sys
from pathlib import Path
from typing import Any

import click

from copyloop import config
from copyloop.brief import BriefError, load_briefs
from copyloop.estimate_cli import BUDGET_OPTION, PRICES_OPTION, estimate
from copyloop.ledger import Ledger
from copyloop.plan_review import TerminalReviewer
from copyloop.platforms import spec_for
from copyloop.progress_view import LiveProgress, planned_total
from copyloop.runner import (
    EXIT_INPUT,
    LEDGER_FILE,
    RUN_FILE,
    ProgressHook,
    RunOutcome,
    RunSettings,
    execute,
    read_progress,
    settings_for,
)
from copyloop.tracing import flush as flush_traces


def fail_input(message: str) -> None:
    """Print one line for bad input and exit 2, before anything is sent to a model."""
    click.echo(f"copyloop: {message}", err=True)
    sys.exit(EXIT_INPUT)


class LineProgress:
    """Print one line per finished article (to stderr, so stdout stays for results)."""

    def __init__(self, total: int, quiet: bool, done: int = 0) -> None:
        self.total, self.done, self.quiet = total, done, quiet

    def __call__(self, event: dict[str, Any]) -> None:
        """Handle one progress event from the graph."""
        self.total = planned_total(event) or self.total  # the plan's size, after planning or a plan review
        if event.get("event") != "finished" or self.quiet:
            return
        self.done += 1
        a = event["result"]
        detail = a["error"] if a["status"] == "error" else f"{a['drafts']} drafts, {a['chars']} 字"
        label = spec_for(a["platform"]).label
        click.echo(
            f"[{self.done}/{self.total}] #{a['id']} {a['persona']}·{a['selling_point']}·{label} "
            f"{a['status']} ({detail})",
            err=True,
        )


def _progress(total: int, quiet: bool, out: Path | None = None) -> tuple[ProgressHook, Any]:
    """Return (event handler, context to run it in): a live panel on a terminal, plain lines otherwise."""
    earlier = read_progress(out) if out else []
    if quiet or not (sys.stdout.isatty() and sys.stderr.isatty()):
        return LineProgress(total, quiet, len(earlier)), contextlib.nullcontext()
    ledger = Ledger(out / LEDGER_FILE) if out else None
    live = LiveProgress(
        total,
        earlier=list(earlier),  # type: ignore[arg-type]
        usage=ledger.totals() if ledger else None,
        calls=ledger.calls() if ledger else 0,
    )
    return live, live


def _reviewer(progress: ProgressHook) -> TerminalReviewer:
    reviewer = TerminalReviewer()
    if isinstance(progress, LiveProgress):
        reviewer.before = progress.pause
    return reviewer


def _finish(outcome: RunOutcome, out: Path) -> None:
    flush_traces()  # send queued LangSmith traces before the process exits
    report = outcome.report
    if outcome.message:
        click.echo(f"copyloop: {outcome.message}", err=True)
    click.echo(
        f"{report['articles']} articles: {report['passed']} passed, {report['failed']} failed, "
        f"{report['errors']} errors; first-pass {report['first_pass_rate']:.0%}; "
        f"{report['llm_calls']} model calls, {report['usage']['prompt_tokens']}+"
        f"{report['usage']['completion_tokens']} tokens; {report['wall_seconds']} s"
    )
    if "cost_cny" in report:
        click.echo(
            f"cost: {report['cost_cny']:.4f} CNY ({report['cache_hit_share']:.0%} of prompt tokens from cache)"
        )
    click.echo(
        f"outputs: {out / 'articles.jsonl'}, {out / 'articles.md'}, {out / 'report.json'}, {out / 'report.html'}"
    )
    sys.exit(outcome.exit_code)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="copyloop")
def main() -> None:
    """Write batches of marketing copy with an LLM: plan, write in parallel, critique, revise."""


@main.command()
@click.argument("briefs", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--out", "out", required=True, type=click.Path(path_type=Path), help="Folder for outputs.")
@click.option(
    "--max-concurrency",
    type=click.IntRange(1, 2500),
    default=None,
    help=f"Model requests in flight across the batch (default {config.DEFAULT_MAX_CONCURRENCY}).",
)
@click.option(
    "--request-timeout",
    type=click.FloatRange(min=1),
    default=None,
    help=f"Deadline per model request in seconds (default {config.DEFAULT_REQUEST_TIMEOUT:.0f}).",
)
@click.option("--offline", is_flag=True, help="Use the built-in DeepSeek simulator instead of the API.")
@click.option("--seed", type=int, default=None, help="Simulator seed (offline runs are deterministic).")
@click.option("--quiet", "-q", is_flag=True, help="No progress lines.")
@click.option(
    "--review-plan",
    is_flag=True,
    help="Show the plan and wait for approval or edits before writing (commands from stdin when not a TTY).",
)
@BUDGET_OPTION
@PRICES_OPTION
def run(
    briefs: tuple[Path, ...],
    out: Path,
    max_concurrency: int | None,
    request_timeout: float | None,
    offline: bool,
    seed: int | None,
    quiet: bool,
    review_plan: bool,
    budget: float | None,
    prices: str | None,
) -> None:
    """Write the articles the BRIEF files order, into --out."""
    try:
        loaded = load_briefs(list(briefs))
    except BriefError as error:
        fail_input(str(error))
    if out.exists() and not out.is_dir():
        fail_input(f"--out {out} is an existing file, not a folder")
    if (out / RUN_FILE).exists():
        fail_input(
            f"--out {out} already holds a run; continue it with `copyloop resume {out}` or choose another folder"
        )
    if not offline and not config.api_key_from_env():
        fail_input(
            "DEEPSEEK_API_KEY is not set: export it or put it in .env (see .env.example), or use --offline"
        )
    try:
        settings = settings_for(
            loaded,
            offline=offline,
            seed=seed,
            max_concurrency=max_concurrency,
            request_timeout=request_timeout,
            budget=budget,
            prices=prices,
        )
    except ValueError as error:
        fail_input(str(error))
    total = sum(b.article_count for b in loaded)
    progress, showing = _progress(total, quiet)
    review = _reviewer(progress) if review_plan else None
    with showing:
        outcome = asyncio.run(execute(settings, out, on_event=progress, review=review))
    _finish(outcome, out)


@main.command()
@click.argument("out", type=click.Path(path_type=Path))
@click.option("--quiet", "-q", is_flag=True, help="No progress lines.")
@BUDGET_OPTION
def resume(out: Path, quiet: bool, budget: float | None) -> None:
    """Continue an interrupted run in folder OUT from its checkpoint; finished articles are not redone."""
    if not (out / RUN_FILE).is_file():
        fail_input(f"{out} holds no run to resume (no {RUN_FILE})")
    try:
        settings = RunSettings.load(out)
    except (BriefError, ValueError, TypeError, KeyError) as error:
        fail_input(f"{out / RUN_FILE}: cannot read: {error}")
    if not settings.offline and not config.api_key_from_env():
        fail_input("DEEPSEEK_API_KEY is not set: export it or put it in .env (see .env.example)")
    if budget is not None:  # a new cap for the whole run, kept for later resumes
        settings.budget = budget
        settings.save(out)
    total = sum(
        b["count"] or len(b["personas"]) * len(b["selling_points"]) * len(b["platforms"])
        for b in settings.briefs
    )
    with contextlib.suppress(OSError, ValueError, AttributeError):  # a plan review may have dropped rows
        total = json.loads((out / "report.json").read_text(encoding="utf-8")).get("planned") or total
    done = len(read_progress(out))
    if not quiet:
        click.echo(f"resuming {out}: {done} of {total} articles already finished", err=True)
    progress, showing = _progress(total, quiet, out)
    with showing:  # a run that paused at its plan review asks again
        outcome = asyncio.run(
            execute(settings, out, resume=True, on_event=progress, review=_reviewer(progress))
        )
    _finish(outcome, out)


@main.command()
@click.argument("brief", type=click.Path(path_type=Path))
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--platform", default=None, help="Platform rules (default: the brief's first platform).")
@click.option("--format", "fmt", type=click.Choice(["json", "text"]), default="json", show_default=True)
def lint(brief: Path, files: tuple[Path, ...], platform: str | None, fmt: str) -> None:
    """Run every deterministic gate on existing FILES against BRIEF (no model call); exit 1 if any has problems."""
    from copyloop.lint import LintInputError, run_lint

    try:
        code, lines = run_lint(brief, list(files), platform, fmt)
    except (BriefError, LintInputError) as error:
        fail_input(str(error))
    for line in lines:
        click.echo(line)
    sys.exit(code)


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", type=int, default=8765, show_default=True)
@click.option("--seed", type=int, default=0, show_default=True)
@click.option("--latency", type=float, default=0.0, show_default=True, help="Seconds per request.")
@click.option("--config", "config_json", default=None, help="JSON object of simulator knobs.")
def sim(host: str, port: int, seed: int, latency: float, config_json: str | None) -> None:
    """Serve the offline DeepSeek simulator (OpenAI-compatible) for notebooks and `langgraph dev`."""
    from copyloop.sim import SimConfig, serve_forever

    knobs: dict[str, Any] = json.loads(config_json) if config_json else {}
    sim_config = SimConfig(**{"seed": seed, "latency": latency, **knobs})
    click.echo(
        f"copyloop simulator on http://{host}:{port} (DEEPSEEK_BASE_URL=http://{host}:{port})", err=True
    )
    serve_forever(sim_config, host, port)


main.add_command(estimate)
