"""The `unsupported_number` gate's reader: find the numbers a text states, check them against the materials.

What counts as a stated number (a claim):
- An Arabic number with or without a unit: ``1480 L``, ``9 个气囊``, ``78%``, ``4.5 秒``, ``22.98 万``,
  ``2,950``. Full-width digits are read as ASCII; ``2,950`` equals ``2950``; ``22.90`` equals ``22.9``.
- A Chinese-numeral quantity, but only when a spec unit or spec noun follows, optionally after a measure
  word: ``六个气囊``, ``七座``, ``五星``, ``三秒``. 一 never counts (一键, 一台车, 一秒钟 are ordinary
  words), nor do ordinals (第二排), approximations (两三个) or numerals before any other word (一家人,
  两个孩子, 三排座椅).

What is not a claim:
- A number glued to Latin letters is a name: V7, L2, 5G, x2, 1.5T, CX-5 (but ``520L``, ``320kW`` are
  quantities).
- Ordinals (第 3 名), list markers at the start of a line (``1.``, ``2、``, ``1️⃣``), clock times (8:30,
  8 点), ages (6 岁), dates (3 月, 5 号) and generations (90 后): the reader's life, not the product.

A claim is supported when the materials state the same value with the same unit family (升 = L,
公里 = km, 万元 = 万 …), or state the value without a unit, or when the claim itself has no unit and the
value appears anywhere. Units are not converted (2.95 米 is not 2950 mm): quote the materials' own figure.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import regex

from copyloop.textnorm import halfwidth_digits

_FAMILIES: dict[str, tuple[str, ...]] = {
    "km/h": ("km/h",),
    "kWh": ("kWh", "千瓦时", "度"),
    "kW": ("kW", "千瓦"),
    "N·m": ("N·m", "Nm", "牛·米", "牛米"),
    "马力": ("马力", "匹", "Ps", "PS", "hp"),
    "L": ("L", "升"),
    "km": ("km", "公里", "千米"),
    "mm": ("mm", "毫米"),
    "cm": ("cm", "厘米"),
    "m": ("m", "米"),
    "kg": ("kg", "公斤", "千克"),
    "t": ("吨",),
    "s": ("s", "秒"),
    "min": ("min", "分钟"),
    "h": ("h", "小时"),
    "%": ("%",),
    "万": ("万元", "万"),
    "亿": ("亿元", "亿"),
    "元": ("元",),
    "in": ("英寸", "寸"),
    "V": ("V", "伏"),
    "W": ("W",),
    "年": ("年",),
    "个月": ("个月",),
    "天": ("天",),
    "座": ("座",),
    "星": ("星",),
    "倍": ("倍",),
    "挡": ("挡", "档", "速"),
    "缸": ("缸",),
    "驱": ("驱",),
    "count": (
        "安全气囊",
        "气囊",
        "扬声器",
        "喇叭",
        "摄像头",
        "雷达",
        "电机",
        "屏",
        "个",
        "颗",
        "项",
        "台",
        "款",
        "位",
        "种",
        "块",
        "处",
    ),
}
# Units that describe the reader's life, not the product: the number is not checked.
_LIFE_UNITS = ("周岁", "岁", "点钟", "点半", "点", "月", "日", "号", "年级", "后")

_UNIT_OF = {surface: family for family, surfaces in _FAMILIES.items() for surface in surfaces}
_UNIT_OF.update({surface: "life" for surface in _LIFE_UNITS})


def _unit_alternation(surfaces: list[str]) -> str:
    parts = []
    for surface in sorted(surfaces, key=len, reverse=True):
        escaped = regex.escape(surface)
        parts.append(
            escaped + r"(?![A-Za-z])" if surface[-1].isascii() and surface[-1].isalpha() else escaped
        )
    return "|".join(parts)


_MEASURE_WORDS = "个颗项台款位块种"
_UNIT = regex.compile(r"\s*(?:[" + _MEASURE_WORDS + r"]\s*)?(" + _unit_alternation(list(_UNIT_OF)) + ")")
_ARABIC = regex.compile(r"(?<![A-Za-z0-9.,])(?<![A-Za-z]-)(?:\d{1,3}(?:,\d{3})+(?!\d)|\d+)(?:\.\d+)?")
_GLUED_LETTERS = regex.compile(r"[A-Za-z]+")
_CN_DIGITS = {
    "零": 0,
    "〇": 0,
    "一": 1,
    "二": 2,
    "两": 2,
    "三": 3,
    "四": 4,
    "五": 5,
    "六": 6,
    "七": 7,
    "八": 8,
    "九": 9,
}
_CN_UNITS = {"十": 10, "百": 100, "千": 1000}
_CN_NOUNS = (
    "安全气囊",
    "气囊",
    "座",
    "英寸",
    "寸",
    "升",
    "公里",
    "千米",
    "秒",
    "万元",
    "千瓦",
    "马力",
    "毫米",
    "厘米",
    "米",
    "公斤",
    "千克",
    "扬声器",
    "喇叭",
    "屏",
    "摄像头",
    "雷达",
    "电机",
    "星",
    "倍",
    "挡",
    "档",
    "速",
    "缸",
    "驱",
)
_CHINESE = regex.compile(
    r"(?<![第零〇一二两三四五六七八九十百千万几])([二两三四五六七八九十][零〇一二两三四五六七八九十百千]*)"
    r"(?P<measure>["
    + _MEASURE_WORDS
    + r"])?(?P<unit>"
    + "|".join(sorted(_CN_NOUNS, key=len, reverse=True))
    + ")"
)

_PERCENT = regex.compile(r"百分之([零〇一二两三四五六七八九十百]+)")


@dataclass(frozen=True)
class NumberClaim:
    """A number stated in a text: its offsets, the words as written, its value and unit family."""

    start: int
    end: int
    surface: str
    value: str
    family: str | None


def normal_value(digits: str) -> str:
    """Return a canonical form of a decimal number: no thousands commas, no trailing zeros after the point."""
    value = digits.replace(",", "")
    if "." in value:
        value = value.rstrip("0").rstrip(".")
    whole, dot, fraction = value.partition(".")
    return (whole.lstrip("0") or "0") + dot + fraction


def chinese_value(numeral: str) -> int | None:
    """Return the value of a Chinese numeral below 10,000 (二十二 → 22), or None for approximations (两三)."""
    if len(numeral) > 1 and not any(c in _CN_UNITS for c in numeral):
        return None
    total, current = 0, 0
    for char in numeral:
        if char in _CN_DIGITS:
            current = _CN_DIGITS[char]
        else:
            total += (current or 1) * _CN_UNITS[char]
            current = 0
    return total + current


def _not_a_claim(text: str, start: int, end: int) -> bool:
    """Return True for ordinals, list markers, clock times and numbers glued into names."""
    before = text[:start].rstrip(" ")
    if before.endswith("第"):
        return True
    after = text[end : end + 2]
    line_start = text.rfind("\n", 0, start) + 1
    if not text[line_start:start].strip() and after[:1] in (".", "、", ")", "）", "\ufe0f", "\u20e3"):
        return True
    before_colon = start >= 2 and regex.match(r"\d[:：]", text[start - 2 : start])
    return bool(regex.match(r"[:：]\d", after) or before_colon)


def _arabic_numbers(text: str, plain: str) -> list[tuple[NumberClaim, bool]]:
    """Return every Arabic number that is not part of a name, each with whether it is a claim."""
    found = []
    for match in _ARABIC.finditer(plain):
        start, end = match.span()
        family: str | None = None
        unit = _UNIT.match(plain, end)
        if unit:
            family, end = _UNIT_OF[unit.group(1)], unit.end()
        elif _GLUED_LETTERS.match(plain, end):
            continue  # 5G, 1.5T, 4K: a name
        number = NumberClaim(start, end, text[start:end], normal_value(match.group()), family)
        found.append((number, family != "life" and not _not_a_claim(plain, start, match.end())))
    return found


def number_claims(text: str) -> list[NumberClaim]:
    """Return the numbers `text` states as claims (see the module docstring for what is skipped)."""
    plain = halfwidth_digits(text)
    claims = [number for number, is_claim in _arabic_numbers(text, plain) if is_claim]
    for match in _CHINESE.finditer(plain):
        value = chinese_value(match.group(1))
        if value is None or value < 2:
            continue
        unit = match.group("unit")
        family = _UNIT_OF.get(unit, "count")
        start, end = match.span()
        claims.append(NumberClaim(start, end, text[start:end], str(value), family))
    for match in _PERCENT.finditer(plain):
        value = chinese_value(match.group(1))
        if value is not None:
            claims.append(NumberClaim(match.start(), match.end(), match.group(), str(value), "%"))
    return sorted(claims, key=lambda c: c.start)


@dataclass(frozen=True)
class Grounding:
    """The numbers the sources state: by unit family (None = stated without a unit) and all values."""

    by_family: dict[str | None, frozenset[str]]
    values: frozenset[str]

    def supports(self, claim: NumberClaim) -> bool:
        """Return True when the sources back `claim` (same value with the same or no unit)."""
        if claim.family is None:
            return claim.value in self.values
        return claim.value in self.by_family.get(
            claim.family, frozenset()
        ) or claim.value in self.by_family.get(None, frozenset())


@functools.lru_cache(maxsize=64)
def grounding_for(sources: str) -> Grounding:
    """Return every number `sources` state, names and life details included (all of it is fair to quote)."""
    found: dict[str | None, set[str]] = {}
    for number, _ in _arabic_numbers(sources, halfwidth_digits(sources)):
        found.setdefault(number.family, set()).add(number.value)
    for claim in number_claims(sources):
        found.setdefault(claim.family, set()).add(claim.value)
    values = frozenset(v for group in found.values() for v in group)
    return Grounding({k: frozenset(v) for k, v in found.items()}, values)


def unsupported(text: str, grounding: Grounding) -> list[NumberClaim]:
    """Return the claims in `text` the sources do not back."""
    return [c for c in number_claims(text) if not grounding.supports(c)]
