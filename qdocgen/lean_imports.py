"""openpyxl without numpy: a third of a second off every command that reads or writes a workbook.

openpyxl imports numpy when it is installed, only to accept numpy's number types as cell values
(`openpyxl.compat.numbers.NUMERIC_TYPES`). qdocgen never hands it a numpy value, and importing
numpy takes 0.1–0.3 s of a build whose whole target is 1.5 s. So, unless openpyxl or its number
module is already loaded, its number module is given beforehand with the plain types only: the
same module openpyxl itself makes where numpy is not installed. numpy stays importable.
"""

from __future__ import annotations

import sys
import types
from decimal import Decimal

NUMBERS = "openpyxl.compat.numbers"


def openpyxl_without_numpy() -> None:
    if NUMBERS in sys.modules or "openpyxl" in sys.modules:
        return
    module = types.ModuleType(
        NUMBERS, "openpyxl's number types, as it defines them without numpy (qdocgen.lean_imports)"
    )
    module.NUMERIC_TYPES = (int, float, Decimal)
    module.NUMPY = False
    sys.modules[NUMBERS] = module
