"""Regular expressions compiled when first used.

A build's Word worker renders from the compile cache (cached.py) and never prepares a template:
the patterns only preparing one needs (reading tags, proving a body verbatim) would cost it
their compilation at import, a few milliseconds of every worker's start, for nothing.
"""

from __future__ import annotations

import re


class LazyPattern:
    """`re.compile(pattern, flags)`, compiled on first use; any attribute is the compiled one's."""

    __slots__ = ("_args", "_compiled")

    def __init__(self, pattern: str | bytes, flags: int = 0):
        self._args = (pattern, flags)
        self._compiled: re.Pattern | None = None

    def __getattr__(self, name: str):
        compiled = self._compiled
        if compiled is None:
            compiled = self._compiled = re.compile(*self._args)
        return getattr(compiled, name)
