"""Pieces the nodes share: the byte-identical prompt prefix, the assignment block, and reading a draft."""

from __future__ import annotations

import re
from typing import Any

from langchain_core.messages import BaseMessage, HumanMessage, SystemMessage

from copyloop.counting import count_chars
from copyloop.graph.state import Assignment, Draft
from copyloop.platforms import spec_for
from copyloop.prompts import load


def shared_prefix(brief: dict[str, Any]) -> SystemMessage:
    """Return the system message every call for this brief starts with, byte-identical across the batch."""
    product = brief["product"]
    text = load("shared").format(product=product["name"], materials=product["materials"].strip())
    return SystemMessage(content=text)


def messages_for(brief: dict[str, Any], user_text: str) -> list[BaseMessage]:
    """Return [shared prefix, per-call part]: the per-article text always comes last, for the prefix cache."""
    return [shared_prefix(brief), HumanMessage(content=user_text)]


def assignment_block(assignment: Assignment, brief: dict[str, Any]) -> str:
    """Describe one article's assignment; the labels 人群/卖点/字数 are stable (the simulator reads them)."""
    spec = spec_for(assignment["platform"])
    window = brief["length"]
    persona = assignment["persona"]
    if assignment["persona_description"]:
        persona += f"（{assignment['persona_description']}）"
    point = assignment["selling_point"]
    if assignment["selling_point_description"]:
        point += f"（{assignment['selling_point_description']}）"
    return (
        "<assignment>\n"
        f"平台：{spec.key}（{spec.label}）\n"
        f"人群：{persona}\n"
        f"卖点：{point}\n"
        f"角度：{assignment['angle']}\n"
        f"字数：{window['min']}–{window['max']} 字（仅正文）\n"
        "</assignment>"
    )


def output_format(platform: str) -> str:
    """Return the reply format for a platform: tagged sections the parser below reads back."""
    spec = spec_for(platform)
    parts = []
    if spec.title_max:
        parts.append(f"<title>标题（不超过 {spec.title_max} 字）</title>")
    if spec.digest_max:
        parts.append(f"<digest>摘要（不超过 {spec.digest_max} 字）</digest>")
    parts.append("<body>\n正文\n</body>")
    if spec.tags_max:
        parts.append(f"<tags>#话题1 #话题2 …（{spec.tags_min}–{spec.tags_max} 个）</tags>")
    return "\n".join(parts)


SECTIONS = ("title", "digest", "body", "tags")
_SECTION = {name: re.compile(rf"<{name}>(.*?)(?:</{name}>|$)", re.S) for name in SECTIONS}
_TAG = re.compile(r"#\s*([^#\s]+)")


def parse_draft(reply: str, number: int, platform: str) -> Draft:
    """Read a writer reply into a Draft; an untagged reply is taken as the body."""
    spec = spec_for(platform)
    sections = {
        name: (m.group(1).strip() if (m := rx.search(reply)) else None) for name, rx in _SECTION.items()
    }
    body = sections["body"]
    if body is None:
        body = reply
        for name in ("title", "digest", "tags"):
            body = _SECTION[name].sub("", body)
        body = body.strip()
    title = (sections["title"] or "").strip() if spec.title_max else ""
    tags = [t.strip() for t in _TAG.findall(sections["tags"] or "")] if spec.tags_max else []
    digest = (sections["digest"] or "").strip() if spec.digest_max else ""
    return Draft(number=number, title=title, text=body, tags=tags, chars=count_chars(body), digest=digest)


def render_draft(draft: Draft) -> str:
    """Show a draft to the critic or reviser the way it will be published."""
    lines = []
    if draft["title"]:
        lines.append(f"标题：{draft['title']}")
    if draft.get("digest"):
        lines.append(f"摘要：{draft.get('digest', '')}")
    lines.append(f"正文（{draft['chars']} 字）：\n{draft['text']}")
    if draft["tags"]:
        lines.append("标签：" + " ".join(f"#{t}" for t in draft["tags"]))
    return "\n".join(lines)
