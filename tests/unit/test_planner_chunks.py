"""Planner requests: a small warm-up request first, then chunks that cover every row once."""

from __future__ import annotations

from copyloop.nodes.planner import PLAN_CHUNK, WARM_UP_ROWS, plan_chunks, table_for


def test_the_first_planner_request_is_small_and_chunks_cover_every_row() -> None:
    brief = {
        "product": {"name": "车", "materials": "轴距 2950 mm"},
        "personas": [{"name": "宝妈", "description": ""}],
        "selling_points": [{"name": "空间", "description": ""}],
        "platforms": ["xiaohongshu"],
        "count": 100,
        "length": {"min": 250, "max": 350},
        "min_score": 8,
        "max_revisions": 3,
    }
    rows = table_for([brief, {**brief, "count": 50}])
    chunks = plan_chunks(rows, 2)
    assert len(chunks[0]) == WARM_UP_ROWS
    assert all(len(c) <= PLAN_CHUNK and len({r["brief_index"] for r in c}) == 1 for c in chunks)
    assert [r["id"] for c in chunks for r in c] == [r["id"] for r in rows]
