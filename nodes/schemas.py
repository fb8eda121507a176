"""The structured replies the model gives by function calling, and the one tool list every request declares.

DeepSeek (like the simulator) renders the tools before the messages, so a request's tools are the very start of its
prompt. Every request of a batch therefore declares the same `BATCH_TOOLS`, in the same order, and only
`tool_choice` differs (a named tool for the planner and the critic, "none" for the writer and the reviser): then
every prompt starts with the same tools + shared system message, and the planner's first call warms the prefix
cache for every later call, whatever its node.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class Score(BaseModel):
    """One rubric dimension: a 1–10 score and one concrete reason."""

    score: int = Field(ge=1, le=10, description="1–10，按 <rubric> 的锚点")
    reason: str = Field(description="一句具体理由")


class CriticReview(BaseModel):
    """提交审阅结果：五项评分（各附一句理由）和 1–3 条修改建议。"""

    model_config = ConfigDict(title="submit_review")

    scene: Score
    emotion: Score
    selling_point: Score
    persona: Score
    platform: Score
    suggestions: list[str] = Field(
        default_factory=list, max_length=3, description="1–3 条可直接照做的修改建议"
    )


class AngleList(BaseModel):
    """提交每一行文章的场景角度，按清单顺序。"""

    model_config = ConfigDict(title="submit_angles")

    # No item count in the schema: it would change the tool text, and so the cached prefix, per planner chunk.
    # The planner checks the count in code.
    angles: list[str] = Field(description="每行一个具体场景角度，条数与清单行数相同")


BATCH_TOOLS: tuple[type[BaseModel], ...] = (AngleList, CriticReview)
"""Declared by every request of a batch, in this order (see the module docstring)."""
