"""The `title`, `tags` and `format` gates: a post's shape against its platform's limits (see platforms)."""

from __future__ import annotations

import re

from copyloop.counting import count_chars, xiaohongshu_title_units
from copyloop.graph.state import Draft, Problem
from copyloop.platforms import PlatformSpec, spec_for

WECHAT_AUTO_DIGEST = 54
"""WeChat fills an empty digest with the body's first 54 characters."""

_LEFTOVER_MARKUP = re.compile(r"</?(?:title|body|tags|digest)>")


def title_length(title: str, spec: PlatformSpec) -> int:
    """Return a title's length by its platform's rule (小红书 weighted units, else Word's 字数)."""
    if spec.title_rule == "xiaohongshu":
        return xiaohongshu_title_units(title)
    return count_chars(title)


def digest_length(digest: str) -> int:
    """Return a digest's length as WeChat counts it: every character, Latin letters included."""
    return len(digest)


def title_problems(draft: Draft, spec: PlatformSpec) -> list[Problem]:
    """Return a `title` problem when a platform that needs a title has none, or it is over the limit."""
    if not spec.title_max:
        return []
    title = draft["title"].strip()
    if not title:
        detail = f"缺少标题：请在 <title> 中写一个不超过 {spec.title_max} 字的标题"
        return [Problem(rule="title", detail=detail, span=None)]
    length = title_length(title, spec)
    if length <= spec.title_max:
        return []
    rule = "，按小红书计法：汉字和 emoji 计 1，英文和数字计 0.5" if spec.title_rule == "xiaohongshu" else ""
    detail = (
        f"标题“{title}”长 {length} 字{rule}，超出{spec.label}上限 {spec.title_max} 字，"
        f"请缩短至少 {length - spec.title_max} 字"
    )
    return [Problem(rule="title", detail=detail, span=None)]


def tag_problems(draft: Draft, spec: PlatformSpec) -> list[Problem]:
    """Return a `tags` problem when a platform with hashtags gets too few or too many."""
    if not spec.tags_max:
        return []
    count = len(draft["tags"])
    if spec.tags_min <= count <= spec.tags_max:
        return []
    detail = f"话题标签 {count} 个，{spec.label}请用 {spec.tags_min}–{spec.tags_max} 个，写在 <tags> 中"
    return [Problem(rule="tags", detail=detail, span=None)]


def shape_problems(draft: Draft, spec: PlatformSpec) -> list[Problem]:
    """Return `format` problems: empty body, leftover markup, body or digest over the platform's limit."""
    problems: list[Problem] = []
    body = draft["text"]
    if not body.strip():
        problems.append(Problem(rule="format", detail="正文为空：请在 <body> 中写出正文", span=None))
    markup = _LEFTOVER_MARKUP.search(body)
    if markup:
        detail = f"正文中残留标记“{markup.group()}”：请按输出格式分开标题、正文和标签"
        problems.append(Problem(rule="format", detail=detail, span=[markup.start(), markup.end()]))
    if spec.body_max and count_chars(body) > spec.body_max:
        detail = f"正文超过{spec.label}上限 {spec.body_max} 字，请精简"
        problems.append(Problem(rule="format", detail=detail, span=None))
    digest = draft.get("digest", "")
    if spec.digest_max and digest_length(digest) > spec.digest_max:
        detail = f"摘要长 {digest_length(digest)} 字，超出上限 {spec.digest_max} 字，请缩短"
        problems.append(Problem(rule="format", detail=detail, span=None))
    return problems


def platform_problems(draft: Draft, platform: str, *, post: bool = True) -> list[Problem]:
    """Return every shape problem of a draft on `platform`; `post=False` checks the body only."""
    spec = spec_for(platform)
    problems = shape_problems(draft, spec)
    if post:
        problems += title_problems(draft, spec) + tag_problems(draft, spec)
    return problems


def published_digest(draft: Draft, platform: str) -> str:
    """Return the digest a 公众号 post goes out with: the writer's, else WeChat's own (the body's start)."""
    if not spec_for(platform).digest_max:
        return ""
    return draft.get("digest", "") or draft["text"].strip()[:WECHAT_AUTO_DIGEST]
