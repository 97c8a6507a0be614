"""How long `qdocgen import` takes on the bundled plan's own table: prints seconds, asserts nothing.

Exports the task table as .docx and .xlsx (plain, and with a stray formatted cell at
XFD1048576 as WPS sometimes leaves), then imports each several times, the cases interleaved so
that the machine's drift touches all alike. Run from the repository root:

    python tools/bench_import.py
"""

from __future__ import annotations

import statistics
import tempfile
import time
from pathlib import Path

from openpyxl import load_workbook
from openpyxl.styles import PatternFill

from qdocgen.documents.task_table import task_table, template_name
from qdocgen.plan.load import load_plan
from qdocgen.plan_import import import_table
from qdocgen.plan_import.yaml_out import plan_yaml

DATA = Path("plan_data")


def main(rounds: int = 7) -> None:
    plan = load_plan(DATA)
    with tempfile.TemporaryDirectory() as folder:
        cases = {}
        for fmt in ("docx", "xlsx"):
            path = Path(folder) / f"任务分解表.{fmt}"
            path.write_bytes(task_table(plan, Path("templates") / fmt / template_name(fmt, False)))
            cases[fmt] = path
        stray = Path(folder) / "stray.xlsx"
        book = load_workbook(cases["xlsx"])
        book.active["XFD1048576"].fill = PatternFill("solid", fgColor="FF0000")
        book.save(stray)
        cases["xlsx + stray cell"] = stray
        times: dict[str, list[float]] = {name: [] for name in cases}
        for _ in range(rounds):
            for name, path in cases.items():
                start = time.perf_counter()
                plan_yaml(import_table(path))
                times[name].append(time.perf_counter() - start)
    for name, values in times.items():
        print(f"{name:20s} median {statistics.median(values) * 1000:7.1f} ms  min {min(values) * 1000:7.1f} ms")


if __name__ == "__main__":
    main()
