"""How wide a text is when shown: Chinese characters are twice as wide as Latin ones.

One measure for every place that lays text out by hand (terminal tables, click's help,
row heights in spreadsheets): East Asian wide and full-width characters count `wide`,
every other character `narrow`.
"""

from __future__ import annotations

import unicodedata


def text_width(text: str, narrow: float = 1, wide: float = 2) -> float:
    """The width of `text`: `wide` for each CJK (wide or full-width) character, `narrow` for others."""
    return sum(wide if unicodedata.east_asian_width(ch) in "WF" else narrow for ch in text)


def columns(text: str) -> int:
    """Terminal columns `text` takes (CJK characters two, others one)."""
    return int(text_width(text))
