"""The ledger: one entry per successful model response, appended to `ledger.jsonl` as it happens."""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TextIO

from copyloop.usage import Usage, add_usage, empty_usage


@dataclass(frozen=True)
class LedgerEntry:
    """What one successful model response cost, and who asked for it."""

    time: float
    node: str
    article_id: int | None
    model: str
    usage: Usage


class Ledger:
    """Record every successful model response; optionally persist each entry as a JSON line at once."""

    def __init__(self, path: str | Path | None = None) -> None:
        self.entries: list[LedgerEntry] = []
        self._path = Path(path) if path else None
        self._lock = threading.Lock()
        self._file: TextIO | None = None
        if self._path and self._path.exists():
            self.entries.extend(read_ledger(self._path))

    def record(self, node: str, article_id: int | None, model: str, usage: Usage) -> None:
        """Add one response's usage."""
        entry = LedgerEntry(time=time.time(), node=node, article_id=article_id, model=model, usage=usage)
        with self._lock:
            self.entries.append(entry)
            if self._path:
                if self._file is None:  # opened once, line-buffered: every entry is on disk when recorded
                    self._file = self._path.open("a", encoding="utf-8", buffering=1)
                record = {
                    "time": entry.time,
                    "node": node,
                    "article_id": article_id,
                    "model": model,
                    "usage": usage,
                }
                self._file.write(json.dumps(record, ensure_ascii=False) + "\n")

    def totals(self) -> Usage:
        """Return the summed usage of every entry."""
        total = empty_usage()
        for entry in self.entries:
            total = add_usage(total, entry.usage)
        return total

    def for_article(self, article_id: int) -> Usage:
        """Return the summed usage of one article's responses."""
        total = empty_usage()
        for entry in self.entries:
            if entry.article_id == article_id:
                total = add_usage(total, entry.usage)
        return total

    def by_article(self) -> dict[int, Usage]:
        """Return the summed usage per article id."""
        totals: dict[int, Usage] = {}
        for entry in self.entries:
            if entry.article_id is not None:
                totals[entry.article_id] = add_usage(totals.get(entry.article_id), entry.usage)
        return totals

    def calls(self) -> int:
        """Return the number of successful responses recorded."""
        return len(self.entries)


def read_ledger(path: Path) -> list[LedgerEntry]:
    """Read a `ledger.jsonl`, skipping a torn last line."""
    entries: list[LedgerEntry] = []
    for line in path.read_text(encoding="utf-8").splitlines():
        try:
            data: dict[str, Any] = json.loads(line)
        except json.JSONDecodeError:
            continue
        entries.append(LedgerEntry(**data))
    return entries
