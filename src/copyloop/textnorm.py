"""Offset-preserving text normalisation for the gates: every change maps one character to one character."""

from __future__ import annotations

# Full-width ASCII (U+FF01–U+FF5E) to ASCII, and the ideographic space to a space.
_HALFWIDTH = {code: code - 0xFEE0 for code in range(0xFF01, 0xFF5F)} | {0x3000: 0x20}
_DIGITS_ONLY = {code: code - 0xFEE0 for code in range(0xFF10, 0xFF1A)} | {0xFF0E: ord("."), 0xFF05: ord("%")}


def halfwidth(text: str) -> str:
    """Return `text` with full-width ASCII letters, digits and punctuation made half-width (same length)."""
    return text.translate(_HALFWIDTH)


def halfwidth_digits(text: str) -> str:
    """Return `text` with only full-width digits, `．` and `％` made half-width (`，` stays as it is)."""
    return text.translate(_DIGITS_ONLY)
