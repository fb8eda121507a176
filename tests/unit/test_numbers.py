"""Numbers in copy must come from the materials; names, ordinals and ordinary Chinese words are not claims."""

from __future__ import annotations

import pytest

from copyloop.numbers import chinese_value, grounding_for, normal_value, number_claims, unsupported

MATERIALS = (
    "远岚 V7 中型 7 座 SUV。轴距 2,950 mm；后备箱 280 L，第三排放倒 1210 L。6 个安全气囊，高强度钢占比 82%。"
    "零百加速 5.9 秒。官方指导价 22.98 万元起。L2 级辅助驾驶。第二排 2 个 ISOFIX 接口。2025 年 C-NCAP 五星。"
)
GROUNDING = grounding_for(MATERIALS)


def flagged(text: str) -> list[str]:
    return [c.surface for c in unsupported(text, GROUNDING)]


@pytest.mark.parametrize(
    ("text", "surface"),
    [
        ("后备箱足足 1480 L", "1480 L"),
        ("全车 9 个气囊", "9 个气囊"),
        ("好评率 78%", "78%"),
        ("零百只要 4.5 秒", "4.5 秒"),
        ("只要 19.98 万", "19.98 万"),
        ("后备箱 1480L", "1480L"),  # a unit glued to the number is still a quantity
        ("六秒破百", "六秒"),  # 6 appears in the materials, but as a count of airbags, not seconds
        ("九个气囊", "九个气囊"),
        ("轴距 3000 mm", "3000 mm"),
        ("续航 1300 公里", "1300 公里"),
    ],
)
def test_numbers_missing_from_the_materials_fire(text: str, surface: str) -> None:
    assert flagged(text) == [surface]


@pytest.mark.parametrize(
    "text",
    [
        "轴距 2950 mm",
        "轴距 2,950 mm",
        "轴距 ２９５０ mm",  # full-width digits
        "后备箱 1210 升",  # 升 = L
        "6 个安全气囊",
        "六个气囊",  # Chinese numeral + spec noun, converted and found
        "七座",
        "22.98 万元起",
        "82% 高强度钢",
        "5.9 秒破百",
        "2025 年 C-NCAP 五星",
        "远岚 V7",
        "L2 级辅助驾驶",
        "ISOFIX x2",
        "5G 网络、4K 屏幕、1.5T 发动机",
        "一家人坐第二排，两个孩子在第三排",
        "三口之家、三排座椅、一键放倒、一台车",
        "两三个行李箱",  # an approximation
        "第 3 次试驾",
        "1. 空间\n2、安全\n3）价格",
        "早上 8:30 出发，晚上 9 点到家",
    ],
)
def test_traps_and_grounded_numbers_do_not_fire(text: str) -> None:
    assert flagged(text) == []


def test_life_details_are_not_claims() -> None:
    assert number_claims("老大 6 岁，3 月 5 号生日，90后宝妈，晚上 10 点") == []


def test_numbers_glued_to_latin_letters_are_names() -> None:
    assert number_claims("V7 L2 5G x2 CX-5 1.5T 4K") == []


def test_a_bare_number_matches_any_unit_and_a_unit_must_match() -> None:
    grounding = grounding_for("后备箱 520 L；2+2+3 布局")
    assert unsupported("520", grounding) == []
    assert [c.surface for c in unsupported("520 km", grounding)] == ["520 km"]
    assert unsupported("3 个座位", grounding) == []  # 3 stated without a unit in the sources


def test_claim_offsets_point_into_the_original_text() -> None:
    text = "后备箱足足 １４８０ L！"
    claim = number_claims(text)[0]
    assert text[claim.start : claim.end] == "１４８０ L"
    assert claim.value == "1480" and claim.family == "L"


@pytest.mark.parametrize(
    ("digits", "value"), [("2,950", "2950"), ("22.90", "22.9"), ("5.0", "5"), ("0.5", "0.5"), ("007", "7")]
)
def test_normal_value(digits: str, value: str) -> None:
    assert normal_value(digits) == value


@pytest.mark.parametrize(
    ("numeral", "value"),
    [("六", 6), ("十", 10), ("十二", 12), ("二十二", 22), ("一百二十", 120), ("两三", None)],
)
def test_chinese_value(numeral: str, value: int | None) -> None:
    assert chinese_value(numeral) == value


def test_percent_in_words() -> None:
    assert flagged("百分之八十二的高强度钢") == []
    assert flagged("百分之九十的高强度钢") == ["百分之九十"]
