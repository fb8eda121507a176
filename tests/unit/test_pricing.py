"""Cost follows from usage and the price table: peak/off-peak in Beijing time, holidays, overrides, unknown models."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from copyloop.accounting import bill, cost_report
from copyloop.ledger import LedgerEntry
from copyloop.pricing import PriceTableError, load_prices
from copyloop.usage import Usage

BEIJING = dt.timezone(dt.timedelta(hours=8))
MILLION = Usage(
    prompt_tokens=2_000_000,
    completion_tokens=1_000_000,
    cache_hit_tokens=1_000_000,
    cache_miss_tokens=1_000_000,
)


def at(text: str) -> float:
    """Unix time of a Beijing wall-clock time `YYYY-MM-DD HH:MM:SS`."""
    return dt.datetime.fromisoformat(text).replace(tzinfo=BEIJING).timestamp()


@pytest.mark.parametrize(
    ("when", "peak"),
    [
        ("2026-12-02 08:59:59", False),  # Wednesday, just before the morning window
        ("2026-12-02 09:00:00", True),
        ("2026-12-02 11:59:59", True),
        ("2026-12-02 12:00:00", False),  # lunch is off-peak
        ("2026-12-02 13:59:59", False),
        ("2026-12-02 14:00:00", True),
        ("2026-12-02 17:59:59", True),
        ("2026-12-02 18:00:00", False),
        ("2026-12-05 10:00:00", False),  # Saturday
        ("2026-12-06 15:00:00", False),  # Sunday
        ("2026-10-05 10:00:00", False),  # Monday inside the National Day holiday
        ("2026-10-08 10:00:00", True),  # Thursday after it
        ("2026-02-18 10:00:00", False),  # Spring Festival, a Wednesday
        ("2026-10-10 10:00:00", False),  # a Saturday worked in lieu (调休) is still not Monday–Friday
        ("2025-05-31 10:00:00", False),  # Dragon Boat, 2025
    ],
)
def test_peak_hours_are_beijing_time_weekdays_without_holidays(when: str, peak: bool) -> None:
    assert load_prices().calendar.is_peak(at(when)) is peak


def test_beijing_time_not_utc() -> None:
    # 01:30 UTC on a Wednesday is 09:30 in Beijing: peak.
    utc = dt.datetime(2026, 12, 2, 1, 30, tzinfo=dt.UTC).timestamp()
    assert load_prices().calendar.is_peak(utc)


def test_flash_rates_peak_and_off_peak() -> None:
    prices = load_prices()
    # 1M hit + 1M miss + 1M output
    assert prices.cost("deepseek-flash", MILLION, at("2026-12-02 10:00:00")) == pytest.approx(0.04 + 2 + 8)
    assert prices.cost("deepseek-flash", MILLION, at("2026-12-02 20:00:00")) == pytest.approx(0.02 + 1 + 4)
    assert prices.cost("deepseek-v4-pro", MILLION, at("2026-12-02 10:00:00")) == pytest.approx(0.30 + 9 + 27)
    assert prices.cost("deepseek-v4-pro", MILLION, at("2026-12-02 20:00:00")) == pytest.approx(
        0.15 + 4.5 + 13.5
    )
    assert prices.cost("deepseek-v4-flash", MILLION, at("2026-12-02 20:00:00")) == pytest.approx(5.02)


def test_each_call_is_priced_at_its_own_time_and_unknown_models_warn() -> None:
    usage = Usage(prompt_tokens=1000, completion_tokens=500, cache_hit_tokens=600, cache_miss_tokens=400)
    entries = [
        LedgerEntry(
            time=at("2026-12-02 11:59:00"), node="write", article_id=1, model="deepseek-flash", usage=usage
        ),
        LedgerEntry(
            time=at("2026-12-02 12:01:00"), node="critic", article_id=1, model="deepseek-flash", usage=usage
        ),
        LedgerEntry(
            time=at("2026-12-02 12:02:00"), node="planner", article_id=None, model="mystery-9", usage=usage
        ),
    ]
    peak = (600 * 0.04 + 400 * 2 + 500 * 8) / 1e6
    result = bill(entries, load_prices())
    assert result.total == pytest.approx(peak + 2 * peak / 2)
    assert result.by_article == {1: pytest.approx(peak + peak / 2)}
    assert result.peak_calls == 1 and result.off_peak_calls == 2
    assert any("mystery-9" in w and "deepseek-flash" in w for w in result.warnings)


def test_a_year_without_holidays_is_flagged() -> None:
    usage = Usage(prompt_tokens=1, completion_tokens=1, cache_hit_tokens=0, cache_miss_tokens=1)
    entry = LedgerEntry(
        time=at("2031-05-01 10:00:00"), node="write", article_id=1, model="deepseek-flash", usage=usage
    )
    assert any("2031" in w for w in bill([entry], load_prices()).warnings)


def test_report_fields() -> None:
    usage = Usage(prompt_tokens=1000, completion_tokens=100, cache_hit_tokens=750, cache_miss_tokens=250)
    when = at("2026-12-02 20:00:00")
    entries = [
        LedgerEntry(time=when, node=node, article_id=aid, model="deepseek-flash", usage=usage)
        for node, aid in [
            ("planner", None),
            ("write", 1),
            ("write", 2),
            ("critic", 1),
            ("critic", 2),
            ("revise", 2),
        ]
    ]
    articles = [{"id": 1, "status": "passed"}, {"id": 2, "status": "failed"}]
    fields, per_article = cost_report(entries, articles, load_prices())
    one = (750 * 0.02 + 250 * 1 + 100 * 4) / 1e6
    assert fields["cost_cny"] == pytest.approx(6 * one, abs=1e-6)
    assert fields["cost_per_passed_article"] == pytest.approx(6 * one, abs=1e-6)
    assert fields["cache_hit_share"] == 0.75
    assert fields["llm_calls_by_node"] == {"planner": 1, "write": 2, "critic": 2, "revise": 1}
    assert fields["calls_per_article_by_node"] == {"write": 1.0, "critic": 1.0, "revise": 0.5}
    assert fields["usage_by_node"]["write"]["prompt_tokens"] == 2000
    assert per_article == {1: pytest.approx(2 * one, abs=1e-6), 2: pytest.approx(3 * one, abs=1e-6)}
    assert sum(per_article.values()) + fields["cost_by_node"]["planner"] == pytest.approx(fields["cost_cny"])


def test_override_file_and_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    table = tmp_path / "p.yaml"
    table.write_text(
        "models:\n  deepseek-flash:\n    peak: {cache_hit: 1, cache_miss: 10, output: 100}\n"
        "peak:\n  holidays: [2026-12-02]\n",
        encoding="utf-8",
    )
    monkeypatch.setenv("COPYLOOP_PRICES", str(table))
    prices = load_prices()
    assert prices.source == str(table)
    # off-peak defaults to the peak rates when the file gives none; 2026-12-02 is a holiday here
    assert not prices.calendar.is_peak(at("2026-12-02 10:00:00"))
    assert prices.cost("deepseek-flash", MILLION, at("2026-12-03 10:00:00")) == pytest.approx(111)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("models: {}\n", "models"),
        ("models:\n  x: {peak: {cache_hit: 1}}\n", "models.x.peak"),
        (
            "models:\n  x: {peak: {cache_hit: 1, cache_miss: 1, output: 1}}\nunknown_model: y\n",
            "unknown_model",
        ),
        (
            "models:\n  x: {peak: {cache_hit: 1, cache_miss: 1, output: 1}}\npeak: {holidays: ['2026-13-01']}\n",
            "2026-13-01",
        ),
        (
            "models:\n  x: {peak: {cache_hit: 1, cache_miss: 1, output: 1}}\npeak: {holidays: [2026-13-01]}\n",
            "cannot read",
        ),
    ],
)
def test_bad_tables_name_the_field(tmp_path: Path, text: str, message: str) -> None:
    table = tmp_path / "p.yaml"
    table.write_text(text, encoding="utf-8")
    with pytest.raises(PriceTableError, match=message):
        load_prices(table)
