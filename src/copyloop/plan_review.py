"""Review the plan from the command line: show the assignment table, take edits, answer the graph's interrupt.

Commands, one per line: `a` approve and write, `d 3 5` drop rows 3 and 5, `e 4 新角度…` give row 4 a new angle,
`q` quit (the run stays resumable at the review: `copyloop resume DIR` asks again). On a terminal they are read
with a prompt; otherwise line by line from stdin (end of input means quit), so a script can drive the review.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Mapping
from typing import IO, Any

from rich.console import Console
from rich.table import Table

from copyloop.nodes.review import apply_decision, decision_problem
from copyloop.platforms import spec_for

PlanReviewer = Callable[[dict[str, Any]], "dict[str, Any] | None"]
"""Given an interrupt's payload (`{"assignments": [...]}`), return the decision to resume with, or None to quit."""

HELP = (
    "a = approve and write · d 3 5 = drop rows · e 4 新角度… = change row 4's angle · q = quit (resume later)"
)


def pending_interrupt(update: Mapping[str, Any]) -> dict[str, Any] | None:
    """Return the payload of a plan-review interrupt found in a root-graph `updates` chunk, if there is one."""
    for item in update.get("__interrupt__") or ():
        value = getattr(item, "value", None)
        if isinstance(value, dict) and "assignments" in value:
            return value
    return None


def plan_table(rows: list[dict[str, Any]], edited: set[int] | None = None) -> Table:
    """Return the assignment table as a rich Table (edited angles marked ✎)."""
    table = Table(title=f"Plan: {len(rows)} articles", show_lines=False, expand=False)
    for column, style in (("#", "bold"), ("人群", ""), ("卖点", ""), ("平台", ""), ("角度", "")):
        table.add_column(column, style=style, overflow="fold")
    for row in rows:
        mark = " ✎" if edited and row["id"] in edited else ""
        table.add_row(
            str(row["id"]),
            row["persona"],
            row["selling_point"],
            spec_for(row["platform"]).label,
            row["angle"] + mark,
        )
    return table


def parse_command(line: str) -> tuple[str, Any]:
    """Read one command line: ("approve" | "quit" | "help", None), ("drop", [ids]), ("edit", (id, angle)).

    Raises ValueError with a message for the user when the line is not a command.
    """
    text = line.strip()
    if not text:
        raise ValueError(HELP)
    head, _, rest = text.partition(" ")
    verb = head.lower()
    if verb in ("a", "approve", "y", "yes"):
        return "approve", None
    if verb in ("q", "quit", "exit"):
        return "quit", None
    if verb in ("h", "help", "?"):
        return "help", None
    if verb in ("d", "drop"):
        ids = rest.replace(",", " ").split()
        if not ids or not all(i.isdigit() for i in ids):
            raise ValueError("drop takes row ids: d 3 5")
        return "drop", [int(i) for i in ids]
    if verb in ("e", "edit"):
        row, _, angle = rest.strip().partition(" ")
        if not row.isdigit() or not angle.strip():
            raise ValueError("edit takes a row id and the new angle: e 4 周末带娃去露营")
        return "edit", (int(row), angle.strip())
    raise ValueError(f"unknown command {head!r}; {HELP}")


class TerminalReviewer:
    """Answer a plan-review interrupt from a person at a terminal, or from lines on stdin."""

    def __init__(self, console: Console | None = None, stdin: IO[str] | None = None) -> None:
        self.console = console or Console(stderr=True)
        self.stdin = stdin or sys.stdin
        self.interactive = self.stdin.isatty() and self.console.is_terminal
        self.before: Callable[[], None] | None = None
        """Called before the table is shown (e.g. to pause a live progress display)."""

    def _read(self) -> str | None:
        try:
            if self.interactive:
                return self.console.input("[bold]review>[/] ")
            self.console.print("review> ", end="")
            line = self.stdin.readline()
        except (EOFError, KeyboardInterrupt):
            return None
        if not line:
            return None
        self.console.print(line.rstrip("\n"), markup=False, highlight=False)
        return line

    def __call__(self, payload: dict[str, Any]) -> dict[str, Any] | None:
        """Show the plan, take commands until approve or quit; return the decision (None on quit)."""
        if self.before:
            self.before()
        rows = list(payload["assignments"])
        if payload.get("error"):
            self.console.print(f"[red]the graph refused the last decision: {payload['error']}[/]")
        drop: list[int] = []
        angles: dict[int, str] = {}
        self.console.print(plan_table(rows))
        self.console.print(HELP, highlight=False)
        while True:
            line = self._read()
            if line is None:
                return None
            try:
                verb, arg = parse_command(line)
            except ValueError as error:
                self.console.print(f"[yellow]{error}[/]", highlight=False)
                continue
            if verb == "quit":
                return None
            if verb == "help":
                self.console.print(HELP, highlight=False)
                continue
            if verb == "approve":
                return (
                    {"approve": True, "drop": drop, "angles": angles}
                    if (drop or angles)
                    else {"approve": True}
                )
            new_drop = [*drop, *arg] if verb == "drop" else drop
            new_angles = {**angles, arg[0]: arg[1]} if verb == "edit" else angles
            candidate: dict[str, Any] = {"drop": new_drop, "angles": new_angles}
            problem = decision_problem(candidate, rows)
            if problem:
                self.console.print(f"[yellow]{problem}[/]", highlight=False)
                continue
            drop, angles = new_drop, new_angles
            self.console.print(plan_table(list(apply_decision(rows, candidate)), set(angles)))  # type: ignore[arg-type]
            if drop:
                self.console.print(f"dropped: {', '.join(map(str, drop))}", highlight=False)
