"""report.html: self-contained, escaped, complete — and rendered by a real (headless) browser."""

from __future__ import annotations

import re
import shutil
import subprocess
import tempfile
from pathlib import Path
from typing import Any

import pytest

from copyloop.report_html import cost_text, render_html

HOSTILE = '<script>alert("x")</script><img src=x onerror=alert(1)> & “引号”'


def article(i: int, status: str = "passed", text: str = "正文第一段。\n\n第二段。") -> dict[str, Any]:
    review_low = {
        "draft": 1,
        "problems": [{"rule": "length", "detail": "当前 378 字，超出上限 350 字", "span": None}],
        "scores": {},
        "reasons": {},
        "suggestions": [],
        "passed": False,
    }
    scores = {"scene": 9, "emotion": 8, "selling_point": 9, "persona": 8, "platform": 8}
    review_ok = {
        "draft": 2,
        "problems": [],
        "scores": scores,
        "reasons": {k: "具体" for k in scores},
        "suggestions": ["加一个具体场景"],
        "passed": status == "passed",
    }
    draft1 = {"number": 1, "title": "标题一", "text": "太长的稿子", "tags": ["用车"], "chars": 378}
    draft2 = {"number": 2, "title": "标题二", "text": text, "tags": ["用车", "家庭"], "chars": 300}
    return {
        "id": i,
        "brief_index": 0,
        "product": "远岚 V7",
        "persona": "宝妈",
        "selling_point": "空间",
        "platform": "xiaohongshu",
        "angle": "周末带娃",
        "status": status,
        "title": "标题二" if status != "error" else "",
        "text": text if status != "error" else "",
        "tags": ["用车", "家庭"],
        "chars": 300,
        "drafts": 2,
        "first_pass": False,
        "scores": scores if status != "error" else {},
        "problems": [] if status == "passed" else ["platform: 7 < 8: 平台感弱"],
        "usage": {
            "prompt_tokens": 100,
            "completion_tokens": 20,
            "cache_hit_tokens": 50,
            "cache_miss_tokens": 50,
        },
        "calls": {"write": 1},
        "error": "write request failed: HTTP 500" if status == "error" else None,
        "history": []
        if status == "error"
        else [{"draft": draft1, "review": review_low}, {"draft": draft2, "review": review_ok}],
    }


REPORT = {
    "articles": 3,
    "passed": 1,
    "failed": 1,
    "errors": 1,
    "first_pass_rate": 0.0,
    "final_pass_rate": 0.3333,
    "drafts": 4,
    "llm_calls": 9,
    "usage": {
        "prompt_tokens": 3000,
        "completion_tokens": 600,
        "cache_hit_tokens": 2000,
        "cache_miss_tokens": 1000,
    },
    "wall_seconds": 1.5,
    "model": "deepseek-flash",
    "warnings": ["planner: used fallback angles <b>"],
    "planned": 3,
}


def sample_page() -> str:
    return render_html([article(3, "error"), article(1, text=HOSTILE), article(2, "failed")], REPORT)


def test_the_page_is_self_contained_and_escapes_everything() -> None:
    page = sample_page()
    assert page.startswith("<!doctype html>")
    assert "<script" not in page and "<img" not in page  # model text is text, never markup
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in page
    assert "fallback angles &lt;b&gt;" in page
    assert not re.search(r"""(?:src|href)=["']?(?:https?:)?//""", page)  # nothing fetched from elsewhere
    assert page.index('id="a1"') < page.index('id="a2"') < page.index('id="a3"')  # sorted by id


def test_the_page_shows_summary_scores_problems_and_every_draft_with_its_critique() -> None:
    page = sample_page()
    for needle in (
        "3000",
        "first-pass rate",
        "cache hit 67%",
        "platform: 7 &lt; 8",
        "error: write request failed",
    ):
        assert needle.replace("3000", "3,000") in page
    assert page.count("<details>") == 4  # two drafts for each of the two articles that have history
    assert "Draft 1 — failed: length (378 字)" in page
    assert "当前 378 字，超出上限 350 字" in page and "加一个具体场景" in page
    assert "Draft 2 — passed (300 字, lowest score 8) · final" in page


@pytest.mark.parametrize(
    ("report", "text"),
    [
        ({}, None),
        ({"cost_cny": 0.0123}, "¥0.0123"),
        ({"cost": {"cny": 1.5}}, "¥1.5000"),
        ({"cost": 2}, "¥2.0000"),
    ],
)
def test_cost_is_shown_when_the_report_has_one(report: dict[str, Any], text: str | None) -> None:
    assert cost_text(report) == text


def find_chromium() -> str | None:
    for name in ("chromium", "chromium-browser", "google-chrome", "chrome"):
        if path := shutil.which(name):
            return path
    return None


def chromium(*args: str) -> subprocess.CompletedProcess[str]:
    binary = find_chromium()
    if binary is None:
        pytest.skip("chromium not found (install Debian's `chromium`; .ci/run does)")
    with tempfile.TemporaryDirectory() as profile:
        return subprocess.run(
            [
                binary,
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
                f"--user-data-dir={profile}",
                *args,
            ],
            capture_output=True,
            text=True,
            timeout=90,
        )


def test_a_headless_browser_renders_the_report(tmp_path: Path) -> None:
    page = tmp_path / "report.html"
    page.write_text(sample_page(), encoding="utf-8")
    dom = chromium("--dump-dom", page.as_uri())
    assert dom.returncode == 0, dom.stderr[-2000:]
    assert "<script" not in dom.stdout  # the hostile text stayed text after parsing
    assert dom.stdout.count("<article") == 3 and dom.stdout.count("<details>") == 4
    assert 'alert("x")' in dom.stdout  # as text content
    shot = tmp_path / "report.png"
    result = chromium("--window-size=1100,1600", f"--screenshot={shot}", page.as_uri())
    assert result.returncode == 0, result.stderr[-2000:]
    data = shot.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 20_000  # a real picture, not a blank page
