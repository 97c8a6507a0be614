"""Reporting periods: a whole year, a half-year or a quarter (counted from 1 January)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from qdocgen.errors import UserError

# part → (words, share of the year elapsed at its end, last month)
PARTS: dict[str, tuple[str, float, int]] = {
    "year": ("年度", 1.0, 12),
    "H1": ("上半年", 0.5, 6),
    "Q1": ("第一季度", 0.25, 3),
    "Q2": ("第二季度", 0.5, 6),
    "Q3": ("第三季度", 0.75, 9),
}
_KEY = re.compile(r"^(\d{4})(?:-(H1|Q1|Q2|Q3))?$")
_LAST_DAY = {3: 31, 6: 30, 9: 30, 12: 31}


@dataclass(frozen=True, order=True)
class Period:
    """A reporting period of one year: the whole year or the part up to a half or quarter end."""

    year: int
    part: str = "year"

    @classmethod
    def parse_part(cls, year: int, part: str | None) -> Period:
        part = part or "year"
        normal = {p.lower(): p for p in PARTS}.get(part.lower())
        if normal is None:
            raise UserError(f"时段“{part}”无效，应为 {'、'.join(PARTS)} 之一")
        return cls(year, normal)

    @classmethod
    def from_key(cls, key: str) -> Period | None:
        """The period named by a file stem such as `2018` or `2019-H1`, or None."""
        m = _KEY.match(key.strip().upper())
        return cls(int(m.group(1)), m.group(2) or "year") if m else None

    @property
    def key(self) -> str:
        return str(self.year) if self.part == "year" else f"{self.year}-{self.part}"

    @property
    def is_year(self) -> bool:
        return self.part == "year"

    @property
    def words(self) -> str:
        """The period in words: 2018年度, 2019年上半年, 2019年第一季度."""
        if self.is_year:
            return f"{self.year}年度"
        return f"{self.year}年{PARTS[self.part][0]}"

    @property
    def elapsed(self) -> float:
        """The share of the year elapsed at the period's end (序时进度)."""
        return PARTS[self.part][1]

    @property
    def end(self) -> date:
        month = PARTS[self.part][2]
        return date(self.year, month, _LAST_DAY[month])
