"""The banned-term matcher: every category fires, and ordinary words and spec names do not."""

from __future__ import annotations

import pytest

from copyloop.terms import matcher_for, term_data


def quotes(text: str, banned: tuple[str, ...] = (), allowed: tuple[str, ...] = ()) -> list[str]:
    return [h.quote for h in matcher_for(banned, allowed).find(text)]


def categories(text: str) -> list[str]:
    return [h.rule.category for h in matcher_for().find(text)]


@pytest.mark.parametrize(
    ("text", "category"),
    [
        ("这是最安全的SUV", "absolute"),
        ("销量第一", "absolute"),
        ("唯一一款七座", "absolute"),
        ("首个搭载", "absolute"),
        ("顶级音响", "absolute"),
        ("极致体验", "absolute"),
        ("100%满意", "absolute"),
        ("１００％满意", "absolute"),  # full-width digits and percent sign
        ("国家级认证", "authority"),
        ("永久免费保养", "false_promise"),
        ("零风险试驾", "false_promise"),
        ("绝对安全", "false_promise"),
        ("全网最低价", "promotion"),
        ("仅限今日", "promotion"),
        ("限量秒杀", "promotion"),
        ("详情加微信", "diversion"),
        ("有问题私信我", "diversion"),
        ("vx 聊", "diversion"),
        ("VX聊", "diversion"),
        ("吊打同价位", "disparage"),
        ("碾压合资", "disparage"),
        ("开启自动驾驶", "car"),
        ("真正解放双手", "car"),
        ("无人驾驶时代", "car"),
        ("同级最大空间", "car"),
        ("五星安全", "car"),
    ],
)
def test_each_category_fires(text: str, category: str) -> None:
    assert category in categories(text)


@pytest.mark.parametrize(
    "text",
    [
        "第一次带娃自驾",
        "最近天气很好",
        "最后一排也宽敞",  # 最后 is allowed; 最后一天 (promotion) is not
        "最初只是想换台车",
        "第一排、第二排、第三排都有出风口",
        "最大功率 150 kW，最大扭矩 310 N·m，最高车速 180 km/h",
        "最小离地间隙 180 mm，最小转弯半径 5.6 m",
        "L2 级辅助驾驶，驾驶员需全程监控",
        "AEB 自动紧急制动",
        "一家人出门",
        "2025 年 C-NCAP 五星",
        "二〇二五年 C-NCAP 五星安全",
        "vxyz 是个型号",  # a Latin term never matches inside a longer Latin word
        "我的第一台车",
    ],
)
def test_ordinary_words_do_not_fire(text: str) -> None:
    assert quotes(text) == []


def test_single_zui_quotes_the_following_word() -> None:
    assert quotes("这是最安全的车") == ["最安全"]
    assert quotes("最近最美的风景") == ["最美的"]


def test_hit_inside_an_allowed_occurrence_only() -> None:
    # 最大 inside 最大功率 is allowed, but 同级最大 around it is a comparison claim
    assert quotes("同级最大功率") == ["同级最大"]
    assert quotes("最后一天") == ["最后一天"]


def test_longest_term_wins_at_a_position_and_nested_hits_merge() -> None:
    assert quotes("全网最低") == ["全网最低"]
    assert quotes("永不自燃") == ["永不自燃"]


def test_brief_extends_both_lists() -> None:
    assert quotes("这台车是性价比之王", banned=("性价比之王",)) == ["性价比之王"]
    assert quotes("首发上市", banned=("首发",), allowed=("首发上市",)) == []
    assert quotes("销量第一名", allowed=("销量第一名",)) == []
    hit = matcher_for(("性价比之王",), ()).find("性价比之王")[0]
    assert hit.rule.category == "brief"


def test_spans_index_the_original_text() -> None:
    text = "后排很大，最舒服的是座椅"
    hit = matcher_for().find(text)[0]
    assert text[hit.start : hit.end] == "最舒"
    assert hit.quote == "最舒服"


def test_data_file_has_categories_with_law_severity_and_fix() -> None:
    data = term_data()
    assert {"absolute", "authority", "false_promise", "promotion", "diversion", "disparage", "car"} <= set(
        data["categories"]
    )
    for category in data["categories"].values():
        assert category["severity"] in {"high", "medium", "low"}
        assert category["law"] and category["fix"] and category["terms"]
    for word in (
        "第一次",
        "最近",
        "最后",
        "最初",
        "第一排",
        "第二排",
        "第三排",
        "最大功率",
        "最大扭矩",
        "最高车速",
    ):
        assert word in data["allow"]
