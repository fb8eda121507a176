from collections import Counter
from typing import Any

import pytest

from copyloop.brief import parse_brief
from copyloop.nodes.planner import coverage_problems, spread, table_for, usable_angles


@pytest.mark.parametrize(
    ("personas", "points", "platforms", "count"),
    [(3, 2, 1, 7), (2, 2, 1, 4), (3, 3, 2, 5), (1, 1, 1, 4), (4, 3, 3, 1000), (5, 1, 2, 3), (2, 4, 1, 9)],
)
def test_spread_keeps_every_prefix_balanced_and_combinations_distinct(
    personas: int, points: int, platforms: int, count: int
) -> None:
    rows = spread(personas, points, platforms, count)
    assert len(rows) == count
    for end in range(1, count + 1):
        for dim, size in enumerate((personas, points, platforms)):
            counts = Counter(r[dim] for r in rows[:end])
            values = [counts.get(i, 0) for i in range(size)]
            assert max(values) - min(values) <= 1
    combos = Counter(rows)
    distinct = personas * points * platforms
    assert max(combos.values()) - min(combos.values()) <= 1 if count >= distinct else len(combos) == count


def brief(**extra: Any) -> dict[str, Any]:
    data = {
        "product": {"name": "远岚 V7", "materials": "轴距 2950 mm"},
        "personas": ["宝妈", "孝子", "小夫妻"],
        "selling_points": ["空间", "安全"],
        **extra,
    }
    return parse_brief(data).model_dump()


def test_default_count_is_the_full_cross_product() -> None:
    rows = table_for([brief(platforms=["xiaohongshu", "douyin"])])
    assert len(rows) == 12
    assert len({(r["persona"], r["selling_point"], r["platform"]) for r in rows}) == 12


def test_ids_continue_across_briefs_in_order() -> None:
    rows = table_for([brief(count=3), brief(count=2, personas=["女性车主"])])
    assert [r["id"] for r in rows] == [1, 2, 3, 4, 5]
    assert [r["brief_index"] for r in rows] == [0, 0, 0, 1, 1]
    assert {r["persona"] for r in rows[3:]} == {"女性车主"}
    assert coverage_problems(rows) == []


def test_coverage_check_catches_uneven_plans() -> None:
    rows = table_for([brief(count=6)])
    for row in rows:
        row["persona"] = "宝妈" if row["id"] < 6 else row["persona"]
    assert coverage_problems(rows)


@pytest.mark.parametrize(
    ("angles", "ok"),
    [
        (["周末去露营的早晨", "雨夜接孩子放学"], True),
        (["周末去露营的早晨"], False),
        (["周末去露营的早晨", "周末去露营的早晨"], False),
        (["周末去露营的早晨", " "], False),
    ],
)
def test_usable_angles(angles: list[str], ok: bool) -> None:
    assert (usable_angles(angles, 2) is not None) == ok
