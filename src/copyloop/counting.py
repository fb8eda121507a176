"""Count 字数 the way Word does, plus Xiaohongshu's weighted title count.

Word's rule, used everywhere in copyloop: every CJK character, full-width punctuation mark or other non-ASCII
symbol counts 1 (an emoji counts once per grapheme cluster, so 👨‍👩‍👧 is 1); every run of ASCII letters and
digits, with inner dots, counts 1 (``2.8``, ``ISOFIX``, ``x2``); ASCII punctuation and whitespace count 0.
"""

from __future__ import annotations

import functools
import math

import regex

# One token per match: an ASCII word/number run (inner dots allowed), or one grapheme cluster that is not ASCII.
_TOKEN = regex.compile(r"[A-Za-z0-9]+(?:\.[A-Za-z0-9]+)*|(?=[^\x00-\x7f])\X")


@functools.lru_cache(maxsize=4096)  # a draft is counted by the parser and by several gates
def count_chars(text: str) -> int:
    """Return the Word-compatible 字数 of ``text``."""
    return len(_TOKEN.findall(text))


def xiaohongshu_title_units(title: str) -> int:
    """Return a title's length by Xiaohongshu's rule: non-ASCII 2 units, ASCII 1, total halved and rounded up.

    The app counts UTF-16 code units (it is JavaScript), so an emoji outside the BMP is two non-ASCII units: 🚗 is 2.
    """
    units = 0
    for char in title:
        width = 2 if ord(char) > 0xFFFF else 1
        units += width * (1 if char.isascii() else 2)
    return math.ceil(units / 2)
