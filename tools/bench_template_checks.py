"""What issue 12's checks cost a rendering: prints milliseconds, asserts nothing.

Before rendering, `fill` refuses a template that needs a year, period or district it was not
given (refuse_unset); the answer is remembered per template, so only the first rendering of a
template pays. Locating a mistake re-prepares one part of the template, only on the error path.
Both approaches are timed interleaved in one run (timings drift between minutes). Run from the
repository root:

    python tools/bench_template_checks.py
"""

from __future__ import annotations

import statistics
import tempfile
import time
import zipfile
from pathlib import Path

from qdocgen.documents.context import UNSET_GUARDS, base_context, unset_values
from qdocgen.documents.render_any import prepare
from qdocgen.errors import TemplateError
from qdocgen.figures.period import Period
from qdocgen.figures.store import load_figures
from qdocgen.plan.load import load_plan
from qdocgen.progress import evaluate
from qdocgen.render.docx.merge import MergingDocx

DATA = Path("plan_data")
TEMPLATES = [Path("templates/docx/任务分解表-完成情况.docx"), Path("templates/xlsx/任务分解表-完成情况.xlsx")]


def ms(f, n: int = 5) -> float:
    times = []
    for _ in range(n):
        start = time.perf_counter()
        f()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def main() -> None:
    plan = load_plan(DATA)
    period = Period(2018)
    ev = evaluate(plan, load_figures(DATA, plan), period)
    context = base_context(plan, period=period, evaluation=ev)  # the city: district unset
    unset = unset_values(context)
    for path in TEMPLATES:
        engine = prepare(path)
        render = ms(lambda engine=engine: engine.render(context), 3)
        fresh = [type(engine)(path) for _ in range(3)]  # compiled, never checked
        first = ms(lambda fresh=fresh: fresh.pop().refuse_unset(unset, UNSET_GUARDS), 3)
        engine.refuse_unset(unset, UNSET_GUARDS)
        cached = ms(lambda engine=engine: engine.refuse_unset(unset, UNSET_GUARDS), 50)
        print(f"{path.name}: 渲染 {render:.1f} ms；检查未指定的值：首次 {first:.1f} ms，其后 {cached:.3f} ms")
    # the error path: a misspelling in the table row that repeats for every line
    with tempfile.TemporaryDirectory() as folder:
        broken_path = Path(folder) / "misspelt.docx"
        with zipfile.ZipFile(TEMPLATES[0]) as zin, zipfile.ZipFile(broken_path, "w") as zout:
            for item in zin.infolist():
                data = zin.read(item)
                if item.filename == "word/document.xml":
                    data = data.replace(b"m.status", b"m.statsu")
                zout.writestr(item, data)
        broken = MergingDocx(broken_path)

        def fail():
            try:
                broken.render(context)
            except TemplateError as exc:
                return str(exc)

        print(fail())
        print(f"任务分解表-完成情况.docx 出错并定位：{ms(fail, 3):.1f} ms（正常渲染见上）")


if __name__ == "__main__":
    main()
