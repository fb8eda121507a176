"""Price model calls in CNY from a price table kept as data, each call at the rate of the moment it was made.

The table (`copyloop/data/prices.yaml`) lists CNY per 1M tokens for cache hits, cache misses and output, at peak and
off-peak, per model; peak hours are Monday–Friday 09:00–12:00 and 14:00–18:00 Beijing time, Chinese public holidays
(`copyloop/data/holidays_cn.yaml`) excepted. Which table: an explicit path (`--prices`) > `COPYLOOP_PRICES` >
the packaged one. A model the table does not list is priced as `unknown_model` (deepseek-flash), with a warning.
"""

from __future__ import annotations

import datetime as dt
import functools
import os
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from copyloop import config
from copyloop.usage import Usage

PRICES_ENV = "COPYLOOP_PRICES"
PER_TOKENS = 1_000_000


class PriceTableError(ValueError):
    """A price table that cannot be used; the message names the file and the field."""


@dataclass(frozen=True)
class Rates:
    """CNY per 1M tokens: prompt tokens served from cache, prompt tokens not, and output tokens."""

    cache_hit: float
    cache_miss: float
    output: float

    def cost(self, usage: Mapping[str, int]) -> float:
        """Return the CNY that `usage` costs at these rates."""
        return (
            usage.get("cache_hit_tokens", 0) * self.cache_hit
            + usage.get("cache_miss_tokens", 0) * self.cache_miss
            + usage.get("completion_tokens", 0) * self.output
        ) / PER_TOKENS


@dataclass(frozen=True)
class PeakCalendar:
    """When peak rates apply: weekdays and hours in a fixed UTC offset, minus holidays."""

    utc_offset_hours: float
    weekdays: frozenset[int]
    hours: tuple[tuple[int, int], ...]
    """Peak intervals in minutes after local midnight, start inclusive, end exclusive."""
    holidays: frozenset[dt.date]
    makeup_workdays: frozenset[dt.date]
    makeup_workdays_peak: bool
    years: frozenset[int]
    """Years whose holidays are listed; outside them only weekends are non-working days."""

    def local(self, when: float) -> dt.datetime:
        """Return the wall-clock time at `when` (a Unix time) in the calendar's offset."""
        zone = dt.timezone(dt.timedelta(hours=self.utc_offset_hours))
        return dt.datetime.fromtimestamp(when, tz=zone)

    def is_peak(self, when: float) -> bool:
        """Return whether a call made at Unix time `when` is billed at peak rates."""
        local = self.local(when)
        day = local.date()
        if day in self.holidays:
            return False
        working = local.isoweekday() in self.weekdays or (
            self.makeup_workdays_peak and day in self.makeup_workdays
        )
        if not working:
            return False
        minute = local.hour * 60 + local.minute
        return any(start <= minute < end for start, end in self.hours)

    def knows(self, when: float) -> bool:
        """Return whether the holidays of `when`'s year are in the calendar."""
        return self.local(when).year in self.years


@dataclass(frozen=True)
class PriceTable:
    """Rates per model at peak and off-peak, model aliases, and the peak calendar."""

    source: str
    currency: str
    peak: Mapping[str, Rates]
    off_peak: Mapping[str, Rates]
    aliases: Mapping[str, str]
    unknown_model: str
    calendar: PeakCalendar

    def resolve(self, model: str) -> tuple[str, bool]:
        """Return the table's name for `model` and whether the table knows it (else `unknown_model`)."""
        name = model.strip().lower()
        if name in self.peak:
            return name, True
        if name in self.aliases:
            return self.aliases[name], True
        return self.unknown_model, False

    def rates(self, model: str, when: float) -> Rates:
        """Return the rates for `model` for a call made at Unix time `when`."""
        name, _ = self.resolve(model)
        return (self.peak if self.calendar.is_peak(when) else self.off_peak)[name]

    def cost(self, model: str, usage: Mapping[str, int] | Usage, when: float) -> float:
        """Return what a call that used `usage` at Unix time `when` costs in CNY."""
        return self.rates(model, when).cost(usage)  # type: ignore[arg-type]


def load_prices(path: str | Path | None = None) -> PriceTable:
    """Load the price table: `path` if given, else `COPYLOOP_PRICES`, else the packaged table."""
    if path is None:
        config.load_env()
        path = os.environ.get(PRICES_ENV, "").strip() or None
    if path is None:
        return _packaged()
    file = Path(path)
    if not file.is_file():
        raise PriceTableError(f"price table {file} not found")
    return _load_file(str(file), file.stat().st_mtime_ns)


@functools.lru_cache(maxsize=8)
def _load_file(path: str, mtime_ns: int) -> PriceTable:
    """Parse a price table file once per version of it (`mtime_ns` is part of the cache key)."""
    file = Path(path)
    return parse_prices(_read_yaml(file), path, file.parent)


def cost_cny(usage: Mapping[str, int] | Usage, model: str, when: float | None = None) -> float:
    """Return what `usage` of `model` costs in CNY at Unix time `when` (default: now), from `load_prices()`.

    For live displays; a run's bill is made from its ledger (`copyloop.accounting`), each call at its own time.
    """
    return load_prices().cost(model, usage, time.time() if when is None else when)


def _packaged() -> PriceTable:
    global _PACKAGED
    if _PACKAGED is None:
        data = resources.files("copyloop") / "data"
        text = (data / "prices.yaml").read_text(encoding="utf-8")
        _PACKAGED = parse_prices(yaml.safe_load(text), "copyloop/data/prices.yaml", None)
    return _PACKAGED


_PACKAGED: PriceTable | None = None


def _read_yaml(file: Path) -> Any:
    try:
        return yaml.safe_load(file.read_text(encoding="utf-8"))
    except (OSError, ValueError, yaml.YAMLError) as error:  # ValueError: YAML dates like 2026-13-01
        raise PriceTableError(f"{file}: cannot read: {str(error).splitlines()[0]}") from None


def parse_prices(data: Any, source: str, folder: Path | None) -> PriceTable:
    """Build a PriceTable from parsed YAML; holidays come from a list or a file next to the table."""
    if not isinstance(data, dict) or not isinstance(data.get("models"), dict) or not data["models"]:
        raise PriceTableError(f"{source}: `models` must map model names to their rates")
    peak: dict[str, Rates] = {}
    off_peak: dict[str, Rates] = {}
    aliases: dict[str, str] = {}
    for raw_name, entry in data["models"].items():
        name = str(raw_name).strip().lower()
        if not isinstance(entry, dict):
            raise PriceTableError(f"{source}: models.{raw_name} must be a mapping")
        peak[name] = _rates(entry.get("peak"), f"{source}: models.{raw_name}.peak")
        off_peak[name] = _rates(
            entry.get("off_peak", entry.get("peak")), f"{source}: models.{raw_name}.off_peak"
        )
        for alias in entry.get("aliases") or []:
            aliases[str(alias).strip().lower()] = name
    unknown = str(data.get("unknown_model") or next(iter(peak))).strip().lower()
    if unknown not in peak:
        raise PriceTableError(f"{source}: unknown_model {unknown!r} is not one of the listed models")
    return PriceTable(
        source=source,
        currency=str(data.get("currency") or "CNY"),
        peak=peak,
        off_peak=off_peak,
        aliases=aliases,
        unknown_model=unknown,
        calendar=_calendar(data.get("peak") or {}, source, folder),
    )


def _rates(value: Any, where: str) -> Rates:
    if not isinstance(value, dict):
        raise PriceTableError(f"{where} must give cache_hit, cache_miss and output")
    try:
        numbers = {key: float(value[key]) for key in ("cache_hit", "cache_miss", "output")}
    except (KeyError, TypeError, ValueError):
        raise PriceTableError(f"{where} must give numbers for cache_hit, cache_miss and output") from None
    if any(n < 0 for n in numbers.values()):
        raise PriceTableError(f"{where}: prices must not be negative")
    return Rates(**numbers)


def _minutes(text: Any, where: str) -> int:
    try:
        hours, minutes = str(text).split(":")
        value = int(hours) * 60 + int(minutes)
    except ValueError:
        raise PriceTableError(f"{where}: expected HH:MM, got {text!r}") from None
    if not 0 <= value <= 24 * 60:
        raise PriceTableError(f"{where}: {text!r} is not a time of day")
    return value


def _calendar(peak: dict[str, Any], source: str, folder: Path | None) -> PeakCalendar:
    hours = tuple(
        (_minutes(start, f"{source}: peak.hours"), _minutes(end, f"{source}: peak.hours"))
        for start, end in peak.get("hours", [["09:00", "12:00"], ["14:00", "18:00"]])
    )
    holidays = peak.get("holidays", "holidays_cn.yaml")
    if isinstance(holidays, str):
        holiday_data = _holiday_file(holidays, source, folder)
    else:
        holiday_data = {"holidays": holidays or [], "makeup_workdays": peak.get("makeup_workdays") or []}
    days = frozenset(_dates(holiday_data.get("holidays") or [], source))
    years = holiday_data.get("years")
    return PeakCalendar(
        utc_offset_hours=float(peak.get("utc_offset_hours", 8)),
        weekdays=frozenset(int(d) for d in peak.get("weekdays", [1, 2, 3, 4, 5])),
        hours=hours,
        holidays=days,
        makeup_workdays=frozenset(_dates(holiday_data.get("makeup_workdays") or [], source)),
        makeup_workdays_peak=bool(peak.get("makeup_workdays_peak", False)),
        years=frozenset(int(y) for y in years) if years else frozenset(d.year for d in days),
    )


def _holiday_file(name: str, source: str, folder: Path | None) -> dict[str, Any]:
    if folder is not None and (folder / name).is_file():
        data = _read_yaml(folder / name)
    elif folder is None or name == "holidays_cn.yaml":
        data = yaml.safe_load((resources.files("copyloop") / "data" / name).read_text(encoding="utf-8"))
    else:
        raise PriceTableError(f"{source}: holiday file {name} not found next to the table")
    if not isinstance(data, dict):
        raise PriceTableError(f"{source}: holiday file {name} must be a mapping")
    return data


def _dates(items: Iterable[Any], source: str) -> Iterable[dt.date]:
    for item in items:
        if isinstance(item, dict):
            start, end = _date(item.get("from"), source), _date(item.get("to"), source)
            while start <= end:
                yield start
                start += dt.timedelta(days=1)
        else:
            yield _date(item, source)


def _date(value: Any, source: str) -> dt.date:
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        raise PriceTableError(f"{source}: {value!r} is not a YYYY-MM-DD date") from None
