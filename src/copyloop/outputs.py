"""Write a batch's outputs: `articles.jsonl`, `articles.md`, `report.json` — each atomically (temp file + rename)."""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import Any

from copyloop.graph.state import ArticleResult
from copyloop.platforms import spec_for
from copyloop.report_html import render_html
from copyloop.usage import Usage, add_usage, empty_usage

ARTICLE_FIELDS = (
    "id",
    "product",
    "persona",
    "selling_point",
    "platform",
    "angle",
    "status",
    "title",
    "tags",
    "digest",
    "text",
    "disclosure",
    "chars",
    "drafts",
    "first_pass",
    "scores",
    "problems",
    "usage",
    "cost_cny",
    "calls",
    "error",
)


def write_atomic(path: Path, text: str) -> None:
    """Write `text` to `path` so that a reader or a crash never sees a partial file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def article_record(article: ArticleResult) -> dict[str, Any]:
    """Return the public `articles.jsonl` object of an article (history stays in `drafts.jsonl`)."""
    return {key: article.get(key, "") for key in ARTICLE_FIELDS}


def build_report(
    articles: list[ArticleResult],
    *,
    usage: Usage,
    llm_calls: int,
    wall_seconds: float,
    model: str,
    warnings: list[str],
) -> dict[str, Any]:
    """Summarise a batch; usage and llm_calls must be the server's own figures (the ledger), never estimates."""
    total = len(articles)
    passed = sum(a["status"] == "passed" for a in articles)
    failed = sum(a["status"] == "failed" for a in articles)
    errors = sum(a["status"] == "error" for a in articles)
    first = sum(bool(a["first_pass"]) for a in articles)
    calls_by_node: dict[str, int] = {}
    for article in articles:
        for node, n in article["calls"].items():
            calls_by_node[node] = calls_by_node.get(node, 0) + n
    return {
        "articles": total,
        "passed": passed,
        "failed": failed,
        "errors": errors,
        "first_pass_rate": round(first / total, 4) if total else 0.0,
        "final_pass_rate": round(passed / total, 4) if total else 0.0,
        "drafts": sum(a["drafts"] for a in articles),
        "llm_calls": llm_calls,
        "article_calls_by_node": calls_by_node,
        "usage": dict(usage),
        "wall_seconds": round(wall_seconds, 3),
        "model": model,
        "warnings": warnings,
    }


def sum_usage(articles: list[ArticleResult]) -> Usage:
    """Add up the usage of a list of articles."""
    total = empty_usage()
    for article in articles:
        total = add_usage(total, article["usage"])
    return total


def render_markdown(articles: list[ArticleResult], report: dict[str, Any]) -> str:
    """Render the batch for people to read."""
    lines = [
        "# copyloop batch",
        "",
        f"{report['articles']} articles: {report['passed']} passed, {report['failed']} failed, "
        f"{report['errors']} errors. First-pass rate {report['first_pass_rate']:.0%}, "
        f"final pass rate {report['final_pass_rate']:.0%}. Model `{report['model']}`, "
        f"{report['llm_calls']} model calls, {report['wall_seconds']} s.",
        "",
    ]
    for warning in report.get("warnings", []):
        lines.append(f"> ⚠️ {warning}")
    for a in articles:
        label = spec_for(a["platform"]).label
        lines += ["", f"## {a['id']}. {a['persona']} · {a['selling_point']} · {label} — {a['status']}", ""]
        lines.append(f"*角度：{a['angle']}*  ")
        lines.append(
            f"字数 {a['chars']} · 稿数 {a['drafts']} · 评分 "
            + (", ".join(f"{k} {v}" for k, v in a["scores"].items()) or "—")
        )
        if a["error"]:
            lines += ["", f"**error:** {a['error']}"]
        for problem in a["problems"]:
            lines.append(f"- ❗ {problem}")
        if a["title"]:
            lines += ["", f"### {a['title']}"]
        if a.get("digest"):
            lines += ["", f"> 摘要：{a['digest']}"]
        if a["text"]:
            lines += ["", a["text"]]
        if a.get("disclosure"):
            lines += ["", a["disclosure"]]
        if a["tags"]:
            lines += ["", " ".join(f"#{t}" for t in a["tags"])]
    return "\n".join(lines) + "\n"


def write_outputs(out: Path, articles: list[ArticleResult], report: dict[str, Any]) -> None:
    """Write the three outputs (and `drafts.jsonl` with every draft and review) into `out`."""
    ordered = sorted(articles, key=lambda a: a["id"])
    jsonl = "".join(json.dumps(article_record(a), ensure_ascii=False) + "\n" for a in ordered)
    write_atomic(out / "articles.jsonl", jsonl)
    history = "".join(
        json.dumps({"id": a["id"], "history": a["history"]}, ensure_ascii=False) + "\n" for a in ordered
    )
    write_atomic(out / "drafts.jsonl", history)
    write_atomic(out / "articles.md", render_markdown(ordered, report))
    write_atomic(out / "report.json", json.dumps(report, ensure_ascii=False, indent=2) + "\n")
    write_atomic(out / "report.html", render_html(ordered, report))
