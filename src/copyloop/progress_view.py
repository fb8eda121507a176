"""Live progress in a terminal (rich): articles done of total, outcomes, drafts, tokens, CNY and elapsed time.

Fed by the run's stream: the nodes' custom events (`draft`, `finished`, `restored`, and `usage` from every model
response) and the root graph's `updates` (the plan's size, after planning or after a plan review).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

from rich.console import Console, Group
from rich.live import Live
from rich.progress_bar import ProgressBar
from rich.table import Table
from rich.text import Text

from copyloop.platforms import spec_for
from copyloop.usage import Usage, add_usage, empty_usage


def cost_cny(usage: Usage, model: str) -> float | None:
    """PRICING HOOK: return what `usage` cost in CNY, or None when no price list is known.

    Uses `copyloop.pricing.cost_cny(usage, model)` when such a module exists (issue 5 adds pricing);
    until then progress shows tokens only.
    """
    try:
        from copyloop import pricing
    except ImportError:
        return None
    price = getattr(pricing, "cost_cny", None)
    if price is None:
        return None
    try:
        return float(price(usage, model))
    except Exception:  # a price lookup must never break a run's display
        return None


def planned_total(event: dict[str, Any]) -> int | None:
    """Return the plan's size if `event` is a root-graph update that (re)wrote the plan, else None."""
    if event.get("event") != "update":
        return None
    for node_update in (event.get("update") or {}).values():
        if isinstance(node_update, dict) and "assignments" in node_update:
            return len(node_update["assignments"])
    return None


@dataclass
class Tally:
    """Running totals of a batch, updated from progress events."""

    total: int
    done_ids: set[int] = field(default_factory=set)
    outcomes: dict[str, int] = field(default_factory=lambda: {"passed": 0, "failed": 0, "error": 0})
    drafts: int = 0
    calls: int = 0
    usage: Usage = field(default_factory=empty_usage)
    cny: float | None = None
    started: float = field(default_factory=time.monotonic)

    @property
    def done(self) -> int:
        """Articles finished (in this session or restored from an earlier one)."""
        return len(self.done_ids)

    def count_finished(self, result: dict[str, Any]) -> bool:
        """Count one finished article once; return False if it was already counted."""
        if result["id"] in self.done_ids:
            return False
        self.done_ids.add(result["id"])
        self.outcomes[result["status"]] = self.outcomes.get(result["status"], 0) + 1
        return True

    def update(self, event: dict[str, Any]) -> dict[str, Any] | None:
        """Apply one event; return the article result when it is a newly finished article."""
        kind = event.get("event")
        if kind in ("finished", "restored"):
            if self.count_finished(event["result"]) and kind == "finished":
                return dict(event["result"])
        elif kind == "draft":
            self.drafts += 1
        elif kind == "usage":
            self.calls += 1
            self.usage = add_usage(self.usage, event["usage"])
            cost = cost_cny(event["usage"], str(event.get("model") or ""))
            if cost is not None:
                self.cny = (self.cny or 0.0) + cost
        elif (planned := planned_total(event)) is not None:
            self.total = planned
        return None

    def summary(self) -> str:
        """One line: outcomes, drafts, calls, tokens, CNY if known."""
        u = self.usage
        tokens = (
            f"{u['prompt_tokens']:,} in ({u['cache_hit_tokens']:,} cached) + {u['completion_tokens']:,} out"
        )
        money = f" · ¥{self.cny:.4f}" if self.cny is not None else ""
        o = self.outcomes
        return (
            f"passed {o['passed']} · failed {o['failed']} · error {o['error']} · drafts {self.drafts} · "
            f"calls {self.calls} · tokens {tokens}{money}"
        )


def elapsed_text(seconds: float) -> str:
    """Format seconds as m:ss (or h:mm:ss)."""
    minutes, secs = divmod(int(seconds), 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


def article_line(result: dict[str, Any]) -> str:
    """Describe one finished article in a line (as the plain progress does, without the counter)."""
    detail = (
        result["error"] if result["status"] == "error" else f"{result['drafts']} drafts, {result['chars']} 字"
    )
    label = spec_for(result["platform"]).label
    return (
        f"#{result['id']} {result['persona']}·{result['selling_point']}·{label} {result['status']} ({detail})"
    )


class LiveProgress:
    """A live panel at the bottom of the terminal, with one line printed above it per finished article."""

    def __init__(
        self,
        total: int,
        *,
        console: Console | None = None,
        earlier: list[dict[str, Any]] | None = None,
        usage: Usage | None = None,
        calls: int = 0,
    ) -> None:
        self.console = console or Console(stderr=True)
        self.tally = Tally(total=total, usage=dict(usage) if usage else empty_usage(), calls=calls)  # type: ignore[arg-type]
        for result in earlier or []:
            self.tally.count_finished(result)
        if usage:
            self.tally.cny = cost_cny(usage, "")
        self.live = Live(
            get_renderable=self.render, console=self.console, refresh_per_second=4, transient=False
        )

    def render(self) -> Group:
        """Return the panel: a bar with done/total and elapsed time, then the running totals."""
        t = self.tally
        bar = Table.grid(padding=(0, 1))
        bar.add_row(
            ProgressBar(total=max(t.total, 1), completed=t.done, width=40),
            Text(f"{t.done}/{t.total} articles", style="bold"),
            Text(elapsed_text(time.monotonic() - t.started), style="cyan"),
        )
        return Group(bar, Text(t.summary(), style="dim"))

    def __call__(self, event: dict[str, Any]) -> None:
        """Handle one progress event from the graph."""
        if not self.live.is_started:
            self.live.start()
        result = self.tally.update(event)
        if result is not None:
            style = {"passed": "green", "failed": "yellow", "error": "red"}.get(result["status"], "")
            self.live.console.print(Text(article_line(result), style=style))

    def pause(self) -> None:
        """Take the panel off the screen (e.g. for a prompt); the next event brings it back."""
        if self.live.is_started:
            self.live.stop()

    def __enter__(self) -> LiveProgress:
        self.live.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.live.refresh()
        self.pause()
