"""Who has reported: per district (and the city office) the measures with no figure, and the
指标报送率 — the chase-up list of `qdocgen missing`, and the rates a city notice states.

A measure counts when it is assessed in the period (it has a target; see docs/progress.md):
reported when it has a figure, missing (未报送) when not. Measures whose target is still to
be set, qualitative tasks and measures that do not apply are not counted.
"""

from __future__ import annotations

from dataclasses import dataclass

from qdocgen import display
from qdocgen.plan.model import CITY
from qdocgen.progress import ASSESSED, NOT_REPORTED, Evaluation, Result


@dataclass(frozen=True)
class Reporting:
    """One district's (district None: the city office's own measures) reporting in a period."""

    district: str | None
    expected: list[Result]
    missing: list[Result]

    @property
    def name(self) -> str:
        return self.district or CITY

    @property
    def reported(self) -> int:
        return len(self.expected) - len(self.missing)

    @property
    def rate(self) -> float | None:
        return self.reported / len(self.expected) if self.expected else None

    @property
    def rate_text(self) -> str:
        """95.0% by the one display rule: never 100.0% while a figure is missing (199/200)."""
        return display.share(self.reported, len(self.expected))


def reporting(ev: Evaluation) -> list[Reporting]:
    """Every district in official order, then the city office."""
    out = []
    for district in [*ev.plan.district_names, None]:
        expected = [r for r in ev.for_district(district) if r.status in ASSESSED]
        out.append(Reporting(district, expected, [r for r in expected if r.status == NOT_REPORTED]))
    return out


def reporting_context(ev: Evaluation) -> list[dict]:
    """The notice's `reporting`: the districts (and 全市性指标) with figures still missing."""
    return [
        {
            "name": r.name,
            "label": "全市性指标" if r.district is None else r.name,
            "expected": len(r.expected),
            "reported": r.reported,
            "missing": len(r.missing),
            "rate_text": r.rate_text,
        }
        for r in reporting(ev)
        if r.missing
    ]
