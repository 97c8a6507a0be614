"""How long collect takes on enormous forms: prints seconds, asserts nothing.

A district's form may come back with a stray cell far down the sheet (XFD1048576, or row
1,048,576 of the hidden _meta sheet), or with a <dimension> that claims the whole sheet.
collect reads only the cells near its table, so each case should cost about as much as a
normal form. Run from the repository root:

    python tools/bench_bad_inputs.py
"""

from __future__ import annotations

import statistics
import tempfile
import time
from pathlib import Path

from openpyxl import load_workbook

from qdocgen.documents.forms import make_forms
from qdocgen.figures.collect import collect
from qdocgen.figures.forms import TEMPLATE
from qdocgen.figures.period import Period
from qdocgen.plan.load import load_plan

DATA = Path("plan_data")


def form(plan, folder: Path, how: str) -> Path:
    ((path, _),) = make_forms(plan, Path("templates/xlsx") / TEMPLATE, Period(2018), ["南海区"], folder)
    wb = load_workbook(path)
    if how == "far cell":
        wb["填报"]["XFD1048576"] = 1
    elif how == "far meta cell":
        wb["_meta"]["B1048576"] = "x"
    wb.save(path)
    return path


def main() -> None:
    plan = load_plan(DATA)
    print(f"{'情形':<14}{'中位数(秒)':>12}")
    with tempfile.TemporaryDirectory() as tmp:
        for how in ("normal", "far cell", "far meta cell"):
            path = form(plan, Path(tmp) / how.replace(" ", "_"), how)
            runs = []
            for _ in range(3):
                start = time.perf_counter()
                collect(plan, DATA, [path], year=2018, part="year", partial=False, dry_run=True)
                runs.append(time.perf_counter() - start)
            print(f"{how:<14}{statistics.median(runs):>12.2f}")


if __name__ == "__main__":
    main()
