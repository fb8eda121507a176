"""Platform shape gates: title limits (小红书 weighted), hashtag counts, digest and body format."""

from __future__ import annotations

from copyloop.formats import platform_problems, published_digest, title_length
from copyloop.graph.state import Draft
from copyloop.nodes.common import output_format, parse_draft
from copyloop.platforms import spec_for


def draft(
    title: str = "带娃出门不再手忙脚乱", tags: tuple[str, ...] = ("宝妈", "七座", "用车"), **kw: str
) -> Draft:
    return Draft(
        number=1,
        title=title,
        text=kw.get("text", "正文"),
        tags=list(tags),
        chars=2,
        digest=kw.get("digest", ""),
    )


def rules(d: Draft, platform: str, **kw: bool) -> list[str]:
    return [p["rule"] for p in platform_problems(d, platform, **kw)]


def test_xiaohongshu_title_is_weighted() -> None:
    spec = spec_for("xiaohongshu")
    assert title_length("A" * 40, spec) == 20  # ASCII counts half
    assert rules(draft(title="A" * 40), "xiaohongshu") == []
    assert rules(draft(title="A" * 41), "xiaohongshu") == ["title"]
    assert rules(draft(title="宝" * 20), "xiaohongshu") == []
    assert rules(draft(title="宝" * 19 + "🚗"), "xiaohongshu") == ["title"]  # an emoji is 2 units → 21


def test_title_limits_per_platform() -> None:
    assert rules(draft(title="宝" * 30), "douyin") == []
    assert rules(draft(title="宝" * 31), "douyin") == ["title"]
    assert rules(draft(title="宝" * 32), "wechat") == []
    assert rules(draft(title="宝" * 33), "wechat") == ["title"]
    assert rules(draft(title=""), "generic") == []


def test_missing_title_where_required() -> None:
    problems = platform_problems(draft(title=" "), "douyin")
    assert [p["rule"] for p in problems] == ["title"] and "缺少标题" in problems[0]["detail"]


def test_title_detail_gives_the_cut() -> None:
    detail = platform_problems(draft(title="宝" * 24), "xiaohongshu")[0]["detail"]
    assert "24 字" in detail and "上限 20 字" in detail and "缩短至少 4 字" in detail


def test_hashtag_counts_on_xiaohongshu() -> None:
    assert rules(draft(tags=("a", "b")), "xiaohongshu") == ["tags"]
    assert rules(draft(tags=tuple("abc")), "xiaohongshu") == []
    assert rules(draft(tags=tuple("abcdefgh")), "xiaohongshu") == []
    assert rules(draft(tags=tuple("abcdefghi")), "xiaohongshu") == ["tags"]
    assert rules(draft(tags=()), "douyin") == []


def test_body_only_check_skips_title_and_tags() -> None:
    assert rules(draft(title="", tags=()), "xiaohongshu", post=False) == []


def test_format_problems() -> None:
    assert rules(draft(text=" "), "generic") == ["format"]
    assert rules(draft(text="正文<tags>#a</tags>"), "generic") == ["format"]
    assert rules(draft(text="好" * 1001), "xiaohongshu") == ["format"]
    assert rules(draft(digest="摘" * 121), "wechat") == ["format"]
    assert rules(draft(digest="摘" * 120), "wechat") == []


def test_wechat_digest_is_asked_for_parsed_and_defaulted() -> None:
    assert "<digest>" in output_format("wechat") and "<digest>" not in output_format("xiaohongshu")
    reply = "<title>标题</title>\n<digest>一句摘要</digest>\n<body>\n正文内容\n</body>"
    parsed = parse_draft(reply, 1, "wechat")
    assert parsed["digest"] == "一句摘要" and parsed["text"] == "正文内容"
    assert published_digest(parsed, "wechat") == "一句摘要"
    no_digest = parse_draft("<title>标题</title><body>" + "字" * 80 + "</body>", 1, "wechat")
    assert no_digest["digest"] == "" and published_digest(no_digest, "wechat") == "字" * 54
    assert parse_draft(reply, 1, "xiaohongshu")["digest"] == ""
    assert published_digest(parsed, "xiaohongshu") == ""


def test_untagged_reply_drops_digest_section_from_body() -> None:
    parsed = parse_draft("<digest>摘要</digest>正文", 1, "wechat")
    assert parsed["text"] == "正文"
