"""Estimate DeepSeek tokens from text without a tokenizer: about 0.6 per Chinese character, 0.3 per ASCII one."""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

# DeepSeek's own guidance (api-docs, "Token & Token Usage"): 1 English character ~ 0.3 token, 1 Chinese ~ 0.6.
ASCII_TENTHS = 3
OTHER_TENTHS = 6
MESSAGE_OVERHEAD = 4
"""Tokens a chat template adds around each message (role markers, separators); a small, rounded-up guess."""


def estimate_tokens(text: str) -> int:
    """Return the estimated tokens of `text`, rounded up."""
    ascii_chars = len(text.encode("ascii", "ignore"))
    tenths = ASCII_TENTHS * ascii_chars + OTHER_TENTHS * (len(text) - ascii_chars)
    return (tenths + 9) // 10


def tools_text(tools: Iterable[Any]) -> str:
    """Return the JSON text of a tool list as it is sent (OpenAI function format)."""
    from langchain_core.utils.function_calling import convert_to_openai_tool

    return json.dumps([convert_to_openai_tool(t) for t in tools], ensure_ascii=False, separators=(",", ":"))


def prompt_tokens(texts: Iterable[str], tools_json: str = "") -> int:
    """Return the estimated prompt tokens of messages with these contents, plus a tools declaration."""
    total = estimate_tokens(tools_json) if tools_json else 0
    for text in texts:
        total += estimate_tokens(text) + MESSAGE_OVERHEAD
    return total
