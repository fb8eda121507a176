"""What each platform expects of a post: a title or not, hashtags or not, and their limits (data, not prose)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class PlatformSpec:
    """A platform's shape: prompt label, title limit and rule, hashtag range, digest and body limits."""

    key: str
    label: str
    title_max: int | None
    title_rule: str  # "xiaohongshu" (weighted units) or "chars" (Word rule)
    tags_min: int = 0
    tags_max: int = 0
    digest_max: int | None = None
    body_max: int | None = None


PLATFORM_SPECS: dict[str, PlatformSpec] = {
    "xiaohongshu": PlatformSpec(
        "xiaohongshu", "小红书", 20, "xiaohongshu", tags_min=3, tags_max=8, body_max=1000
    ),
    "douyin": PlatformSpec("douyin", "抖音", 30, "chars", body_max=1000),
    "wechat": PlatformSpec("wechat", "微信公众号", 32, "chars", digest_max=120, body_max=20000),
    "generic": PlatformSpec("generic", "通用", None, "chars"),
}


def spec_for(platform: str) -> PlatformSpec:
    """Return the spec of a platform key."""
    return PLATFORM_SPECS[platform]
