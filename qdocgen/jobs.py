"""One document a build makes (`Job`), shared by the catalog that lists them and the build that runs them.

It lives here, below both, so that `documents/` never imports the orchestrator (`build.py`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from qdocgen.figures.period import Period


@dataclass
class Job:
    """One document to make: where it goes, what it shows, and how to make its bytes.

    Without `context`, `shows()` and `make()` take no argument. With `context`, the build calls
    it once per build and hands its result to both, `shows(context)` and `make(context)`, so a
    document's data is assembled once whether or not the document has to be remade (called
    without it, `shows()` and `make()` build the context themselves).
    """

    path: str  # relative to the output folder, with "/" separators
    title: str  # what it is, for messages
    shows: Callable[..., object]  # the data the document shows (JSON-able), for the fingerprint
    make: Callable[..., bytes]
    templates: tuple[Path, ...] = ()
    period: Period | None = None
    district: str | None = None  # None: the whole city (or not district-specific)
    context: Callable[[], object] | None = None

    def __post_init__(self):
        if self.context is not None:  # job.make() and job.shows() alone build the context themselves
            self.shows = _given_or_built(self.shows, self.context)
            self.make = _given_or_built(self.make, self.context)

    def prepare(self) -> object:
        """The job's context (None for a job without one)."""
        return None if self.context is None else self.context()

    def shown(self, context: object) -> object:
        return self.shows() if self.context is None else self.shows(context)

    def made(self, context: object) -> bytes:
        return self.make() if self.context is None else self.make(context)


def _given_or_built(fn: Callable[..., object], context: Callable[[], object]) -> Callable[..., object]:
    def call(*given):
        return fn(*(given or (context(),)))

    return call
