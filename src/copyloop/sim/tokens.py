"""Token estimates and DeepSeek-style prefix caching for the simulator."""

from __future__ import annotations

import hashlib
import json
import threading
from collections import OrderedDict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any


def estimate_tokens(text: str) -> int:
    """Estimate DeepSeek tokens: 0.6 per non-ASCII character plus 0.3 per ASCII character, rounded up."""
    ascii_chars = sum(1 for ch in text if ord(ch) < 128)
    tenths = 6 * (len(text) - ascii_chars) + 3 * ascii_chars
    return (tenths + 9) // 10


def message_text(content: Any) -> str:
    """Return the plain text of a message ``content`` (a string, a list of parts, or None)."""
    if content is None:
        return ""
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        parts = []
        for part in content:
            if isinstance(part, str):
                parts.append(part)
            elif isinstance(part, dict):
                text = part.get("text")
                parts.append(text if isinstance(text, str) else json.dumps(part, ensure_ascii=False))
        return "".join(parts)
    return json.dumps(content, ensure_ascii=False)


@dataclass(frozen=True)
class Prompt:
    """A request's prompt serialised canonically, with the offsets where each message ends."""

    text: str
    message_ends: tuple[int, ...]

    @property
    def tokens(self) -> int:
        """Return the estimated prompt tokens."""
        return estimate_tokens(self.text)


def canonical_prompt(messages: Sequence[Any], tools: Any = None) -> Prompt:
    """Serialise tools JSON first, then each message's role and content, recording message ends."""
    chunks: list[str] = []
    ends: list[int] = []
    length = 0
    if tools:
        head = (
            "<|tools|>"
            + json.dumps(tools, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
            + "<|end|>\n"
        )
        chunks.append(head)
        length += len(head)
        ends.append(length)
    for message in messages:
        if not isinstance(message, dict):
            piece = "<|?|>" + json.dumps(message, ensure_ascii=False) + "<|end|>\n"
        else:
            role = str(message.get("role", ""))
            piece = f"<|{role}|>" + message_text(message.get("content"))
            if message.get("tool_calls"):
                piece += json.dumps(
                    message["tool_calls"], ensure_ascii=False, sort_keys=True, separators=(",", ":")
                )
            if message.get("tool_call_id"):
                piece += f"<|id:{message['tool_call_id']}|>"
            piece += "<|end|>\n"
        chunks.append(piece)
        length += len(piece)
        ends.append(length)
    return Prompt("".join(chunks), tuple(ends))


def unit_hashes(prompt: Prompt, block_chars: int) -> list[tuple[int, str]]:
    """Return ``(end, sha256 of the prefix)`` for every cache unit: message ends and block boundaries."""
    text = prompt.text
    bounds = sorted({*prompt.message_ends, *range(block_chars, len(text) + 1, block_chars)})
    running = hashlib.sha256()
    out: list[tuple[int, str]] = []
    pos = 0
    for end in bounds:
        if end <= pos:
            continue
        running.update(text[pos:end].encode("utf-8"))
        pos = end
        out.append((end, running.copy().hexdigest()))
    return out


class PrefixCache:
    """Remember prefix hashes of answered prompts (thread-safe, LRU-bounded) and measure cache hits."""

    def __init__(self, max_entries: int = 200_000) -> None:
        """Create an empty cache holding at most ``max_entries`` prefix hashes."""
        self._max = max_entries
        self._lock = threading.Lock()
        self._store: OrderedDict[str, None] = OrderedDict()

    def __len__(self) -> int:
        """Return the number of stored prefix hashes."""
        with self._lock:
            return len(self._store)

    def longest_hit(self, units: Sequence[tuple[int, str]]) -> int:
        """Return the end offset of the longest stored unit prefix in ``units`` (0 if none)."""
        with self._lock:
            for end, digest in reversed(units):
                if digest in self._store:
                    self._store.move_to_end(digest)
                    return end
        return 0

    def store(self, digests: Iterable[str]) -> None:
        """Add prefix hashes, evicting the least recently used beyond the bound."""
        with self._lock:
            for digest in digests:
                self._store[digest] = None
                self._store.move_to_end(digest)
            while len(self._store) > self._max:
                self._store.popitem(last=False)

    def clear(self) -> None:
        """Forget every stored prefix."""
        with self._lock:
            self._store.clear()


def prompt_usage(prompt: Prompt, hit_chars: int, completion_text: str) -> dict[str, Any]:
    """Build a DeepSeek usage object for a prompt with ``hit_chars`` served from cache."""
    prompt_tokens = prompt.tokens
    hit = min(estimate_tokens(prompt.text[:hit_chars]), prompt_tokens) if hit_chars else 0
    completion = estimate_tokens(completion_text)
    return {
        "prompt_tokens": prompt_tokens,
        "completion_tokens": completion,
        "total_tokens": prompt_tokens + completion,
        "prompt_tokens_details": {"cached_tokens": hit},
        "completion_tokens_details": {"reasoning_tokens": 0},
        "prompt_cache_hit_tokens": hit,
        "prompt_cache_miss_tokens": prompt_tokens - hit,
    }
