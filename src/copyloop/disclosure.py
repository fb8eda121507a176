"""The AI-generated-content label (《人工智能生成合成内容标识办法》, 2025-09-01), published after the body."""

from __future__ import annotations

from typing import Any

AI_DISCLOSURE = "（本文由 AI 辅助生成）"


def disclosure_for(brief: dict[str, Any]) -> str:
    """Return the line to publish after the body when the brief sets `ai_label: true`, else ""."""
    return AI_DISCLOSURE if brief.get("ai_label") else ""
