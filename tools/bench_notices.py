"""How the cost of making 通报 grows with the number of districts: prepare-once vs naive.

    python tools/bench_notices.py [--repeat 3] [--sizes 5,100]

For each size N it makes the city notice and N district notices for 2018 from a synthetic copy
of the plan (N districts, each taking the targets and figures of one of the five real ones):
  prepare-once  one NoticeMaker; each template read, stamped with the profile and compiled once
  naive         the same, but every document prepares its template afresh
Charts are left out (filling a chart costs the same either way; it is printed separately), and so
is the evaluation (timed on its own line). Runs are interleaved and the median is printed.
This is a measurement, not a test: nothing here asserts a time.
"""

from __future__ import annotations

import argparse
import gc
import statistics
import sys
import time
import zipfile
from dataclasses import replace
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from qdocgen.documents.notice import NoticeMaker  # noqa: E402
from qdocgen.figures.period import Period  # noqa: E402
from qdocgen.figures.store import FigureSet  # noqa: E402
from qdocgen.plan.model import District  # noqa: E402
from qdocgen.render.docx_chart import ChartTable, chart_parts  # noqa: E402
from qdocgen.workspace import Workspace  # noqa: E402

PERIOD = Period(2018)


def synthetic_workspace(n: int) -> Workspace:
    """The bundled workspace with `n` districts; district i copies real district i mod 5."""
    ws = Workspace(data_dir=ROOT / "plan_data", templates_dir=ROOT / "templates")
    plan, figures = ws.plan, ws.figures
    real = plan.district_names
    if n == len(real):
        return ws
    names = [f"第{i + 1}区" for i in range(n)]
    source = {name: real[i % len(real)] for i, name in enumerate(names)}
    measures = []
    for m in plan.measures:
        targets = {}
        for year, value in m.targets.items():
            targets[year] = (
                {d: value[source[d]] for d in names if source[d] in value} if isinstance(value, dict) else value
            )
        measures.append(replace(m, targets=targets))
    new_plan = replace(
        plan, districts=tuple(District(d, d.removesuffix("区")) for d in names), measures=tuple(measures)
    )
    new_figures = FigureSet()
    for period, figs in figures.periods.items():
        out = [f for f in figs if f.district is None]
        for d in names:
            out += [replace(f, district=d) for f in figs if f.district == source[d]]
        new_figures.periods[period] = out
    ws.__dict__["plan"] = new_plan
    ws.__dict__["figures"] = new_figures
    return ws


def make_all(maker: NoticeMaker, naive: bool) -> float:
    names = maker.ws.plan.district_names
    maker.evaluation(PERIOD)  # evaluated beforehand: not what is measured here
    start = time.perf_counter()
    for who in [None, *names]:
        if naive:
            maker._prepared.clear()  # every document prepares its template afresh
        maker.city(PERIOD) if who is None else maker.district(PERIOD, who)
        gc.collect()
    return time.perf_counter() - start


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--sizes", default="5,100")
    args = ap.parse_args()
    sizes = [int(x) for x in args.sizes.split(",")]
    workspaces = {n: synthetic_workspace(n) for n in sizes}
    for n, ws in workspaces.items():
        t = time.perf_counter()
        NoticeMaker(ws, charts=False).evaluation(PERIOD)
        print(f"评估 {n} 个区（evaluate）：{time.perf_counter() - t:.2f} 秒")
    gc.freeze()
    times: dict[tuple[int, str], list[float]] = {}
    for _ in range(args.repeat):
        for n in sizes:
            for mode in ("prepare-once", "naive"):
                maker = NoticeMaker(workspaces[n], charts=False)
                times.setdefault((n, mode), []).append(make_all(maker, naive=mode == "naive"))
    print(f"{'区数':>4}  {'文件数':>6}  {'方式':<13} {'总耗时(秒)':>10}  {'每份(毫秒)':>10}")
    for n in sizes:
        for mode in ("prepare-once", "naive"):
            total = statistics.median(times[(n, mode)])
            print(f"{n:>6}  {n + 1:>8}  {mode:<13} {total:>12.2f}  {total / (n + 1) * 1000:>12.1f}")
    with zipfile.ZipFile(ROOT / "templates" / "docx" / "通报-区.docx") as z:
        parts = {name: z.read(name) for name in z.namelist()}
    ratios = [0.8 + i / 100 for i in range(27)]
    table = ChartTable(
        "指标",
        tuple(f"第{i}项指标" for i in range(27)),
        (
            ("已完成", tuple(r if i % 4 else None for i, r in enumerate(ratios))),
            ("未完成", tuple(r if not i % 4 else None for i, r in enumerate(ratios))),
        ),
    )
    t = time.perf_counter()
    for _ in range(20):
        chart_parts(parts, "word/charts/chart1.xml", table)
    each = (time.perf_counter() - t) / 20 * 1000
    print(f"Word 图表（27 项，含内嵌工作簿）每张填充约 {each:.0f} 毫秒（两种方式相同，未计入上表）")


if __name__ == "__main__":
    main()
