"""check_draft runs every per-draft gate; each finding has a stable rule code and an exact fix."""

from __future__ import annotations

from typing import Any

from copyloop.brief import parse_brief
from copyloop.gates import check_draft, format_problem, grounding_sources
from copyloop.graph.state import Draft, Review
from copyloop.nodes.reviser import fixes_and_keeps
from tests.fakes import body_of_length

BRIEF: dict[str, Any] = parse_brief(
    {
        "product": {
            "name": "远岚 V7",
            "materials": "轴距 2950 mm，6 个安全气囊，后备箱 520 L。L2 级辅助驾驶。",
        },
        "personas": [{"name": "宝妈", "description": "老大 6 岁、老二 1 岁"}],
        "selling_points": ["空间"],
        "length": {"min": 40, "max": 200},
        "banned_terms": ["性价比之王"],
        "allowed_terms": ["首发上市"],
    }
).model_dump()


def draft(
    text: str, title: str = "带娃出门的好帮手", tags: tuple[str, ...] = ("宝妈", "大空间", "用车")
) -> Draft:
    return Draft(number=1, title=title, text=text, tags=list(tags), chars=len(text))


def rules_of(d: Draft, platform: str = "xiaohongshu") -> list[str]:
    return [p["rule"] for p in check_draft(d, BRIEF, platform)]


CLEAN = (
    "第一次带娃出门，第二排坐得下一家人。"
    + body_of_length(40, "clean")
    + "轴距 2950 mm，6 个安全气囊，L2 级辅助驾驶。"
)


def test_a_clean_draft_has_no_problems() -> None:
    assert check_draft(draft(CLEAN), BRIEF, "xiaohongshu") == []


def test_every_gate_reports_its_rule_code() -> None:
    bad = draft("这是最安全的车，后备箱 1480 L，性价比之王。", title="宝" * 25, tags=("宝妈",))
    assert rules_of(bad) == ["length", "title", "tags", "banned_term", "banned_term", "unsupported_number"]


def test_banned_term_detail_names_the_law_and_the_fix() -> None:
    problems = check_draft(draft(CLEAN + "这是最安全的车"), BRIEF, "generic")
    line = format_problem(problems[0])
    assert line.startswith("banned_term: “最安全”违反《广告法》第九条第三项")
    assert "改为" in line
    start, end = problems[0]["span"]
    assert (CLEAN + "这是最安全的车")[start:end] == "最安"


def test_unsupported_number_detail_and_span() -> None:
    text = CLEAN + "后备箱 1480 L"
    problem = check_draft(draft(text), BRIEF, "generic")[0]
    assert problem["rule"] == "unsupported_number"
    assert problem["detail"] == "“1480 L”在材料中找不到，删去或改用材料中的数字"
    assert text[problem["span"][0] : problem["span"][1]] == "1480 L"


def test_title_and_tags_are_checked_for_terms_and_numbers_without_span() -> None:
    problems = check_draft(
        draft(CLEAN, title="最美七座 9 个气囊", tags=("宝妈", "全网最低", "七座")), BRIEF, "xiaohongshu"
    )
    details = {p["detail"].split("“")[0]: p for p in problems}
    assert {"标题中", "话题标签中"} <= set(details)
    assert all(p["span"] is None for p in problems)


def test_brief_terms_extend_the_lists() -> None:
    assert rules_of(draft(CLEAN + "首发上市")) == []
    problems = check_draft(draft(CLEAN + "性价比之王"), BRIEF, "generic")
    assert problems[0]["rule"] == "banned_term" and "客户" in problems[0]["detail"]


def test_numbers_may_come_from_persona_descriptions() -> None:
    assert "老大 6 岁" in grounding_sources(BRIEF)
    assert rules_of(draft(CLEAN + "我家老大 6 岁了")) == []


def test_gate_findings_reach_the_reviser_as_exact_fixes() -> None:
    problems = check_draft(draft(CLEAN + "这是最安全的车，后备箱 1480 L"), BRIEF, "generic")
    review = Review(draft=1, problems=problems, scores={}, reasons={}, suggestions=[], passed=False)
    fixes, _ = fixes_and_keeps(review, [], BRIEF)
    assert fixes[0].startswith("banned_term：“最安全”违反《广告法》第九条第三项")
    assert fixes[1] == "unsupported_number：“1480 L”在材料中找不到，删去或改用材料中的数字"


def test_repeated_term_is_reported_once_with_a_count() -> None:
    problems = check_draft(draft(CLEAN + "加微信，快加微信"), BRIEF, "generic")
    assert len(problems) == 1 and "共 2 处" in problems[0]["detail"]
