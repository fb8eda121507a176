"""Regenerate the Mermaid drawings of the graphs in README.md from the compiled graphs (never hand-drawn)."""

from __future__ import annotations

import re
import sys
from pathlib import Path

START, END = "<!-- graph:start -->", "<!-- graph:end -->"


def mermaid_section() -> str:
    """Return the README section body: the batch graph and the per-article subgraph as Mermaid blocks."""
    from copyloop.graph.builder import build_article_graph, graph

    batch = graph.get_graph().draw_mermaid()
    article = build_article_graph().compile().get_graph().draw_mermaid()
    return (
        f"{START}\nThe batch graph (`copyloop.graph.builder:graph`):\n\n```mermaid\n{batch.strip()}\n```\n\n"
        f"Each `article` node is this subgraph, one per assignment, sent with `Send`:\n\n"
        f"```mermaid\n{article.strip()}\n```\n{END}"
    )


def main() -> int:
    """Rewrite README.md in place; with --check, exit 1 if it is out of date."""
    readme = Path(__file__).resolve().parent.parent / "README.md"
    text = readme.read_text(encoding="utf-8")
    updated = re.sub(re.escape(START) + ".*?" + re.escape(END), lambda _: mermaid_section(), text, flags=re.S)
    if "--check" in sys.argv:
        return 0 if updated == text else 1
    readme.write_text(updated, encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
