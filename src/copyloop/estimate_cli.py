"""`copyloop estimate`: what a batch will cost, before running it; and the budget/price options `run` shares."""

from __future__ import annotations

import json
from pathlib import Path

import click

from copyloop import config

BUDGET_OPTION = click.option(
    "--budget",
    type=click.FloatRange(min=0, min_open=True),
    default=None,
    metavar="CNY",
    help="Stop starting model calls once the run's spend would pass this many CNY (env COPYLOOP_BUDGET).",
)
PRICES_OPTION = click.option(
    "--prices",
    type=click.Path(dir_okay=False, path_type=str),
    default=None,
    help="Price table YAML to use instead of the packaged one (env COPYLOOP_PRICES).",
)


@click.command()
@click.argument("briefs", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option(
    "--history",
    multiple=True,
    type=click.Path(path_type=str),
    help="Folder of an earlier run to learn pass rates and reply sizes from (repeatable).",
)
@click.option(
    "--max-concurrency",
    type=click.IntRange(1, 2500),
    default=None,
    help="Requests in flight, as `run` would use (the first wave misses the cache in the high case).",
)
@click.option("--format", "fmt", type=click.Choice(["json", "text"]), default="json", show_default=True)
@PRICES_OPTION
def estimate(
    briefs: tuple[Path, ...],
    history: tuple[str, ...],
    max_concurrency: int | None,
    fmt: str,
    prices: str | None,
) -> None:
    """Estimate model calls, tokens and cost (CNY: low, expected, high) of running BRIEF files; no model call."""
    from copyloop.brief import BriefError, load_briefs
    from copyloop.cli import fail_input
    from copyloop.estimate import estimate as run_estimate
    from copyloop.estimate import estimate_dirs, render_text
    from copyloop.pricing import load_prices

    try:
        loaded = load_briefs(list(briefs))
    except BriefError as error:
        fail_input(str(error))
    try:
        table = load_prices(prices)
        folders = estimate_dirs(history)
        concurrency = config.resolve(
            max_concurrency, "COPYLOOP_MAX_CONCURRENCY", config.DEFAULT_MAX_CONCURRENCY
        )
        model = config.resolve(None, "DEEPSEEK_MODEL", config.DEFAULT_MODEL)
        result = run_estimate(
            [b.model_dump() for b in loaded], table, history=folders, max_concurrency=concurrency, model=model
        )
    except ValueError as error:
        fail_input(str(error))
    if fmt == "text":
        click.echo(render_text(result), nl=False)
    else:
        click.echo(json.dumps(result, ensure_ascii=False, indent=2))
