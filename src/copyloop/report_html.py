"""Render `report.html`: the batch summary, then every article with its scores, problems, drafts and critiques.

One self-contained file (inline CSS, no scripts, no external fonts or images) that opens from disk in any
browser. Written with the stdlib `html` module rather than a template engine: the page is small, and one
escaping function (`_e`) through which every value from the run passes keeps it safe — model output is text,
never markup.
"""

from __future__ import annotations

import html
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from copyloop.platforms import spec_for

DIMENSIONS = ("scene", "emotion", "selling_point", "persona", "platform")
LABELS = {
    "scene": "场景化",
    "emotion": "情感共鸣",
    "selling_point": "卖点清晰",
    "persona": "人设匹配",
    "platform": "平台感",
}

CSS = """
:root { --fg:#1d2330; --muted:#5d6677; --line:#e3e6ec; --bg:#f7f8fa; --card:#fff;
        --pass:#1a7f37; --fail:#b35900; --err:#c62828; --accent:#3b5bdb; }
* { box-sizing: border-box; }
body { margin:0; background:var(--bg); color:var(--fg); line-height:1.6;
       font-family: -apple-system, "Segoe UI", "PingFang SC", "Hiragino Sans GB", "Noto Sans CJK SC",
                    "Microsoft YaHei", sans-serif; }
main { max-width: 980px; margin: 0 auto; padding: 24px 20px 64px; }
h1 { margin: 0 0 4px; font-size: 26px; }
.sub { color: var(--muted); margin: 0 0 20px; }
.cards { display:grid; grid-template-columns: repeat(auto-fill, minmax(150px, 1fr)); gap:12px; margin-bottom:20px; }
.card { background:var(--card); border:1px solid var(--line); border-radius:10px; padding:12px 14px; }
.card .k { color:var(--muted); font-size:13px; }
.card .v { font-size:22px; font-weight:600; }
.card .n { color:var(--muted); font-size:12px; }
.warn { background:#fff8e1; border:1px solid #f3d27a; border-radius:8px; padding:8px 12px; margin:8px 0; }
table { border-collapse: collapse; width:100%; background:var(--card); }
th, td { border-bottom:1px solid var(--line); padding:6px 8px; text-align:left; font-size:14px; vertical-align:top; }
th { background:#eef1f6; font-weight:600; }
td.num, th.num { text-align:right; font-variant-numeric: tabular-nums; }
.badge { display:inline-block; padding:0 8px; border-radius:999px; font-size:12px; font-weight:600; color:#fff; }
.badge.passed { background:var(--pass); } .badge.failed { background:var(--fail); } .badge.error { background:var(--err); }
article { background:var(--card); border:1px solid var(--line); border-left:5px solid var(--line);
          border-radius:10px; padding:16px 18px; margin:18px 0; }
article.passed { border-left-color: var(--pass); } article.failed { border-left-color: var(--fail); }
article.error { border-left-color: var(--err); }
article h2 { font-size:19px; margin:0 0 6px; }
.meta { color:var(--muted); font-size:14px; margin:0 0 10px; }
.scores { width:auto; min-width: 60%; margin: 8px 0; }
.bar { display:inline-block; height:8px; background:var(--accent); border-radius:4px; vertical-align:middle; }
.problems { color:var(--err); margin:6px 0; padding-left:20px; }
.post { border:1px solid var(--line); border-radius:8px; padding:10px 14px; margin:10px 0; background:#fcfcfd; }
.post h3 { margin:0 0 6px; font-size:16px; }
.text { white-space: pre-wrap; word-break: break-word; }
.tags { color:var(--accent); margin:6px 0 0; }
details { border-top:1px dashed var(--line); padding:6px 0; }
summary { cursor:pointer; font-weight:600; }
.review { font-size:14px; }
.review ul { margin:4px 0; padding-left:20px; }
.error-text { color:var(--err); white-space: pre-wrap; }
a { color: var(--accent); text-decoration: none; }
"""


def _e(value: Any) -> str:
    """Escape any value for HTML text or attribute context."""
    return html.escape("" if value is None else str(value), quote=True)


def _pct(part: float, whole: float) -> str:
    return f"{part / whole:.0%}" if whole else "—"


def cost_text(report: Mapping[str, Any]) -> str | None:
    """Return the batch's cost as text if the report carries one (`cost_cny`, or `cost` as a number or a dict)."""
    value = report.get("cost_cny", report.get("cost"))
    if isinstance(value, Mapping):
        value = next((value[k] for k in ("cny", "total_cny", "total") if k in value), None)
    if isinstance(value, int | float):
        return f"¥{value:.4f}"
    return None


def _card(key: str, value: str, note: str = "") -> str:
    extra = f'<div class="n">{_e(note)}</div>' if note else ""
    return f'<div class="card"><div class="k">{_e(key)}</div><div class="v">{_e(value)}</div>{extra}</div>'


def _summary(report: Mapping[str, Any]) -> str:
    total = report.get("articles", 0)
    usage = report.get("usage") or {}
    prompt = usage.get("prompt_tokens", 0)
    cost = cost_text(report)
    cards = [
        _card("articles", str(total), f"of {report.get('planned', total)} planned"),
        _card("passed", str(report.get("passed", 0)), _pct(report.get("passed", 0), total)),
        _card("failed", str(report.get("failed", 0)), _pct(report.get("failed", 0), total)),
        _card("errors", str(report.get("errors", 0)), _pct(report.get("errors", 0), total)),
        _card("first-pass rate", f"{report.get('first_pass_rate', 0):.0%}", "passed with draft 1"),
        _card(
            "drafts",
            str(report.get("drafts", 0)),
            f"{report.get('drafts', 0) / total:.1f} per article" if total else "",
        ),
        _card("model calls", str(report.get("llm_calls", 0)), str(report.get("model", ""))),
        _card("input tokens", f"{prompt:,}", f"cache hit {_pct(usage.get('cache_hit_tokens', 0), prompt)}"),
        _card("output tokens", f"{usage.get('completion_tokens', 0):,}"),
        _card("cost", cost or "—", "" if cost else "no price list in this report"),
        _card("wall time", f"{report.get('wall_seconds', 0)} s"),
    ]
    parts = [f'<section class="cards">{"".join(cards)}</section>']
    if report.get("stopped"):
        parts.append(f'<div class="warn">stopped: {_e(report["stopped"])}</div>')
    parts += [f'<div class="warn">⚠️ {_e(w)}</div>' for w in report.get("warnings") or []]
    return "".join(parts)


def _overview(articles: Sequence[Mapping[str, Any]]) -> str:
    head = (
        "<tr><th>#</th><th>人群</th><th>卖点</th><th>平台</th><th>status</th>"
        '<th class="num">稿数</th><th class="num">字数</th><th class="num">最低分</th></tr>'
    )
    rows = []
    for a in articles:
        lowest = min(a["scores"].values()) if a.get("scores") else "—"
        rows.append(
            f'<tr><td><a href="#a{_e(a["id"])}">{_e(a["id"])}</a></td><td>{_e(a["persona"])}</td>'
            f"<td>{_e(a['selling_point'])}</td><td>{_e(spec_for(a['platform']).label)}</td>"
            f'<td><span class="badge {_e(a["status"])}">{_e(a["status"])}</span></td>'
            f'<td class="num">{_e(a["drafts"])}</td><td class="num">{_e(a["chars"])}</td>'
            f'<td class="num">{_e(lowest)}</td></tr>'
        )
    return f"<h2>Articles</h2><table>{head}{''.join(rows)}</table>"


def _scores(scores: Mapping[str, int], reasons: Mapping[str, str] | None = None) -> str:
    if not scores:
        return ""
    rows = []
    for dim in [d for d in DIMENSIONS if d in scores] + [d for d in scores if d not in DIMENSIONS]:
        score = scores[dim]
        reason = f"<td>{_e((reasons or {}).get(dim, ''))}</td>" if reasons is not None else ""
        rows.append(
            f"<tr><td>{_e(dim)} <span class='meta'>{_e(LABELS.get(dim, ''))}</span></td>"
            f'<td class="num">{_e(score)}</td>'
            f'<td><span class="bar" style="width:{max(0, min(10, int(score))) * 10}px"></span></td>{reason}</tr>'
        )
    return f'<table class="scores">{"".join(rows)}</table>'


def _post(title: str, text: str, tags: Iterable[str]) -> str:
    parts = ['<div class="post">']
    if title:
        parts.append(f"<h3>{_e(title)}</h3>")
    parts.append(f'<div class="text">{_e(text)}</div>')
    tag_list = list(tags)
    if tag_list:
        parts.append(f'<p class="tags">{" ".join("#" + _e(t) for t in tag_list)}</p>')
    parts.append("</div>")
    return "".join(parts)


def _draft(step: Mapping[str, Any], final_text: str) -> str:
    draft, review = step.get("draft") or {}, step.get("review") or {}
    verdict = "passed" if review.get("passed") else "failed"
    rules = ", ".join(p["rule"] for p in review.get("problems") or [])
    scores = review.get("scores") or {}
    summary = f"Draft {_e(draft.get('number'))} — {verdict}" + (f": {_e(rules)}" if rules else "")
    summary += f" ({_e(draft.get('chars'))} 字"
    summary += f", lowest score {_e(min(scores.values()))})" if scores else ")"
    if final_text and draft.get("text") == final_text:
        summary += " · final"
    body = [_post(draft.get("title", ""), draft.get("text", ""), draft.get("tags") or [])]
    review_parts = ['<div class="review"><strong>Critique</strong>']
    problems = review.get("problems") or []
    if problems:
        items = "".join(f"<li>{_e(p['rule'])}: {_e(p['detail'])}</li>" for p in problems)
        review_parts.append(f'<ul class="problems">{items}</ul>')
    review_parts.append(_scores(review.get("scores") or {}, review.get("reasons") or {}))
    suggestions = review.get("suggestions") or []
    if suggestions:
        review_parts.append(
            "<p>Suggestions:</p><ul>" + "".join(f"<li>{_e(s)}</li>" for s in suggestions) + "</ul>"
        )
    if not problems and not review.get("scores"):
        review_parts.append("<p class='meta'>no critique recorded</p>")
    review_parts.append("</div>")
    return f"<details><summary>{summary}</summary>{''.join(body)}{''.join(review_parts)}</details>"


def _article(a: Mapping[str, Any]) -> str:
    label = spec_for(a["platform"]).label
    usage = a.get("usage") or {}
    parts = [
        f'<article id="a{_e(a["id"])}" class="{_e(a["status"])}">',
        f"<h2>#{_e(a['id'])} {_e(a['persona'])} · {_e(a['selling_point'])} · {_e(label)} "
        f'<span class="badge {_e(a["status"])}">{_e(a["status"])}</span></h2>',
        f'<p class="meta">{_e(a.get("product", ""))} · 角度：{_e(a["angle"])}</p>',
        f'<p class="meta">字数 {_e(a["chars"])} · 稿数 {_e(a["drafts"])} · '
        f"{'first pass' if a.get('first_pass') else 'revised'} · tokens {_e(usage.get('prompt_tokens', 0))} in / "
        f"{_e(usage.get('completion_tokens', 0))} out</p>",
    ]
    if a.get("error"):
        parts.append(f'<p class="error-text">error: {_e(a["error"])}</p>')
    parts.append(_scores(a.get("scores") or {}))
    if a.get("problems"):
        parts.append('<ul class="problems">' + "".join(f"<li>{_e(p)}</li>" for p in a["problems"]) + "</ul>")
    if a.get("text"):
        parts.append(_post(a.get("title", ""), a["text"], a.get("tags") or []))
    parts += [_draft(step, a.get("text", "")) for step in a.get("history") or []]
    parts.append("</article>")
    return "".join(parts)


def render_html(articles: Sequence[Mapping[str, Any]], report: Mapping[str, Any]) -> str:
    """Return the whole `report.html` page for a batch (articles sorted by id, each with its `history`)."""
    ordered = sorted(articles, key=lambda a: a["id"])
    products = list(dict.fromkeys(a.get("product", "") for a in ordered if a.get("product")))
    title = f"copyloop · {' + '.join(products) or 'batch'} · {len(ordered)} articles"
    return (
        '<!doctype html>\n<html lang="zh-CN"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{_e(title)}</title><style>{CSS}</style></head><body><main>"
        f"<h1>{_e(title)}</h1>"
        f'<p class="sub">model {_e(report.get("model", ""))} · final pass rate '
        f"{report.get('final_pass_rate', 0):.0%} · generated by copyloop</p>"
        f"{_summary(report)}{_overview(ordered)}{''.join(_article(a) for a in ordered)}"
        "</main></body></html>\n"
    )
