"""How wide a text is when shown: Chinese characters are twice as wide as Latin ones.

The measures for every place that lays text out by hand: `text_width` and `columns` for
terminals (terminal tables, click's help) and spreadsheet row heights, where East Asian wide
and full-width characters count `wide` and every other character `narrow`; `em_width` for a
Word page set in a Chinese font.
"""

from __future__ import annotations

import unicodedata


def text_width(text: str, narrow: float = 1, wide: float = 2) -> float:
    """The width of `text`: `wide` for each CJK (wide or full-width) character, `narrow` for others."""
    return sum(wide if unicodedata.east_asian_width(ch) in "WF" else narrow for ch in text)


def em_width(text: str) -> float:
    """The width of `text` in a Chinese font, in characters: ASCII half, everything else whole.

    Chinese fonts draw the ambiguous-width punctuation (“” — …) full width, unlike terminals.
    """
    return sum(0.5 if ord(c) < 128 else 1.0 for c in text)


def columns(text: str) -> int:
    """Terminal columns `text` takes (CJK characters two, others one)."""
    return int(text_width(text))
