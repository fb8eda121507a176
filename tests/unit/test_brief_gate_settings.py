"""Brief settings the gates read: extra term lists, the AI label, and min_score overall or per dimension."""

from __future__ import annotations

from typing import Any

import pytest

from copyloop.brief import BriefError, parse_brief
from copyloop.disclosure import AI_DISCLOSURE, disclosure_for
from copyloop.nodes.critic import failing_dimensions, threshold

BASE: dict[str, Any] = {
    "product": {"name": "远岚 V7", "materials": "轴距 2950 mm"},
    "personas": ["宝妈"],
    "selling_points": ["空间"],
}


def test_term_lists_and_ai_label_default_off() -> None:
    brief = parse_brief(BASE)
    assert brief.banned_terms == [] and brief.allowed_terms == [] and brief.ai_label is False
    assert disclosure_for(brief.model_dump()) == ""


def test_term_lists_and_ai_label_are_read() -> None:
    brief = parse_brief(
        {**BASE, "banned_terms": [" 性价比之王 "], "allowed_terms": ["首发"], "ai_label": True}
    )
    assert brief.banned_terms == ["性价比之王"] and brief.allowed_terms == ["首发"]
    assert disclosure_for(brief.model_dump()) == AI_DISCLOSURE


@pytest.mark.parametrize("bad", [{"banned_terms": [""]}, {"allowed_terms": "首发"}, {"ai_label": "maybe"}])
def test_bad_gate_settings_are_one_line_errors(bad: dict[str, Any]) -> None:
    with pytest.raises(BriefError) as error:
        parse_brief({**BASE, **bad})
    assert "\n" not in str(error.value)


def test_min_score_overall() -> None:
    brief = parse_brief({**BASE, "min_score": 7}).model_dump()
    assert all(threshold(brief, d) == 7 for d in ("scene", "emotion", "platform"))
    assert failing_dimensions(
        {"scene": 7, "emotion": 6, "selling_point": 9, "persona": 9, "platform": 9}, brief
    ) == ["emotion"]


def test_min_score_per_dimension_with_default() -> None:
    brief = parse_brief({**BASE, "min_score": {"default": 6, "scene": 9}}).model_dump()
    assert threshold(brief, "scene") == 9 and threshold(brief, "emotion") == 6
    scores = {"scene": 8, "emotion": 6, "selling_point": 6, "persona": 6, "platform": 6}
    assert failing_dimensions(scores, brief) == ["scene"]


def test_min_score_per_dimension_without_default_uses_eight() -> None:
    brief = parse_brief({**BASE, "min_score": {"scene": 5}}).model_dump()
    assert threshold(brief, "scene") == 5 and threshold(brief, "persona") == 8


def test_min_score_rejects_unknown_dimensions() -> None:
    with pytest.raises(BriefError, match="unknown score dimension"):
        parse_brief({**BASE, "min_score": {"vibes": 9}})
