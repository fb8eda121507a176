"""Token usage as the server reported it: the four counters copyloop sums everywhere."""

from __future__ import annotations

from typing import Any, cast

from typing_extensions import TypedDict  # pydantic needs it on Python < 3.12 (LangGraph server schemas)


class Usage(TypedDict):
    """Tokens of one or more model responses, as the server returned them."""

    prompt_tokens: int
    completion_tokens: int
    cache_hit_tokens: int
    cache_miss_tokens: int


USAGE_KEYS: tuple[str, ...] = ("prompt_tokens", "completion_tokens", "cache_hit_tokens", "cache_miss_tokens")


def empty_usage() -> Usage:
    """Return zero usage."""
    return Usage(prompt_tokens=0, completion_tokens=0, cache_hit_tokens=0, cache_miss_tokens=0)


def add_usage(left: Usage | None, right: Usage | None) -> Usage:
    """Sum two usages (the reducer for usage fields in graph state)."""
    total = empty_usage()
    for part in (left, right):
        if part:
            values = cast(dict[str, int], part)
            for key in USAGE_KEYS:
                total[key] += int(values.get(key, 0))  # type: ignore[literal-required]
    return total


def usage_from_response(metadata: dict[str, Any], usage_metadata: dict[str, Any] | None) -> Usage:
    """Read usage from a chat response: DeepSeek's raw token_usage first, langchain's usage_metadata second."""
    raw = metadata.get("token_usage") or {}
    if raw:
        prompt = int(raw.get("prompt_tokens") or 0)
        hit = raw.get("prompt_cache_hit_tokens")
        if hit is None:
            hit = (raw.get("prompt_tokens_details") or {}).get("cached_tokens") or 0
        miss = raw.get("prompt_cache_miss_tokens")
        if miss is None:
            miss = prompt - int(hit)
        return Usage(
            prompt_tokens=prompt,
            completion_tokens=int(raw.get("completion_tokens") or 0),
            cache_hit_tokens=int(hit),
            cache_miss_tokens=int(miss),
        )
    if usage_metadata:
        prompt = int(usage_metadata.get("input_tokens") or 0)
        hit = int((usage_metadata.get("input_token_details") or {}).get("cache_read") or 0)
        return Usage(
            prompt_tokens=prompt,
            completion_tokens=int(usage_metadata.get("output_tokens") or 0),
            cache_hit_tokens=hit,
            cache_miss_tokens=prompt - hit,
        )
    return empty_usage()
