"""qdocgen's speed, measured in one run: a notice against stock docxtpl, builds, --help, scale.

    python benchmarks/bench.py            # the full run (a few minutes on a 2-core machine)
    python benchmarks/bench.py --quick    # a short run (fewer repetitions, 40 districts × 5 periods for scale)
    python benchmarks/bench.py --json     # the same, with one JSON object as the last line

What it measures, side by side:
  notice      one district 通报 (the bundled 通报-区.docx with the GB/T 9704 profile, 2018, 南海区):
              qdocgen's prepared template vs a plain docxtpl loop (load the template, render,
              save) on the same template bytes and the same context, interleaved; median ms per
              document and the ratio (`ratio_vs_docxtpl`). docxtpl does not fill the notice's
              native chart, so the ratio compares the same work (`notice_ms`: the template with
              no chart bound); the complete notice, its chart filled, is `notice_with_charts_ms`
              and `notice_ratio_with_charts`. The whole notice as a build makes it (its context
              built, its chart filled, the document written and signed) against docxtpl's render
              alone is `notice_whole_ms` and `notice_whole_ratio` (issue 25's ≥ 4). The city
              notice is measured the same way.
  build       `qdocgen build` of the bundled data in a new process: the first on a machine, from
              an empty output folder and an empty compile cache (`build_first_s`); from an empty
              output folder with the templates compiled by an earlier build (`build_cold_s`, the
              compile cache of qdocgen/render/compile_cache.py); and again with nothing changed
              (`rebuild_noop_s`); wall seconds, median of the runs, and the CPU seconds they took
              (`*_cpu_s`). Each run has a compile cache of its own.
              Two more rebuilds show the precise path, which a build takes whenever any input
              changed: nothing changed but the record's inputs digest removed, so every document is
              fingerprinted from its context (`rebuild_noop_precise_s`), and one figure corrected
              (`rebuild_one_figure_s`: 6 documents remade).
  --pdf       `qdocgen build --pdf` of the bundled data in a new process from an empty output
              folder, the templates compiled and LibreOffice's profile kept by earlier builds, as
              for a user's every --pdf but the first on a machine (`build_pdf_s`, its CPU with
              LibreOffice's `build_pdf_cpu_s`); the first --pdf on a machine, before there is a
              kept profile (`build_pdf_first_s`: qdocgen/office_profile.py); and the PDFs alone:
              the same with the documents made and the PDFs removed (`pdf_only_s`).
              Left out with --no-pdf.
  --help      `qdocgen --help` in a new process (`help_s`).
  scale       a generated workspace of 200 districts (each copying one of the five real ones'
              targets and figures) × 5 periods (2017, 2018, 2019 H1 as bundled, 2017 H1 and 2018
              H1 copying their years' figures): the city notice and every district's notice of each
              period, 1,005 documents, built by run_build with one process per core, in a new
              process: documents, seconds (from evaluating the periods to the last file written)
              and peak memory of the build's processes together (proportional set size, so pages
              the workers share with the parent count once) — `scale_docs`, `scale_s`,
              `scale_peak_mb`. `--districts N --periods K` change the shape (K ≤ 5).

Timings on a shared 2-core machine drift between minutes: compare the two sides of one run, and
read the load averages printed with the figures (at the start and at the end). This is a
measurement, not a test: nothing here fails on a time; the targets of issues 14 and 25 are
printed beside the figures.
"""

from __future__ import annotations

import argparse
import compileall
import gc
import io
import json
import os
import platform
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import replace
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

TARGETS = {  # issues 14 and 25, on a 2-core machine
    "ratio_vs_docxtpl": (">=", 6.0),
    "notice_whole_ratio": (">=", 4.0),
    "build_cold_s": ("<=", 1.5),
    "rebuild_noop_s": ("<=", 0.5),
    "build_pdf_s": ("<=", 30.0),
    "help_s": ("<=", 0.3),
    "scale_s": ("<=", 30.0),
    "scale_peak_mb": ("<=", 500.0),
}


def qdocgen_env(cwd: Path | None = None) -> dict[str, str]:
    """The environment of a qdocgen run: this checkout first on the path, and a compile cache
    of the run's own (`cwd`/cache: emptied where a run measures a first build on a machine)."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT), env.get("PYTHONPATH", "")]).rstrip(os.pathsep)
    if cwd is not None:
        env["QDOCGEN_CACHE_DIR"] = str(cwd / "cache")
    return env


def timed_run(cmd: list[str], cwd: Path) -> tuple[float, float]:
    """(wall seconds, CPU seconds) of a command in a new process."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    subprocess.run(cmd, cwd=cwd, env=qdocgen_env(cwd), check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


QDOCGEN = [sys.executable, "-m", "qdocgen"]


# ── notice vs docxtpl ────────────────────────────────────────────────────────────────────


def bench_notice(rounds: int) -> dict:
    from docxtpl import DocxTemplate

    from qdocgen import display
    from qdocgen.documents.notice import CITY_TEMPLATE, DISTRICT_TEMPLATE, NoticeMaker
    from qdocgen.figures.period import Period
    from qdocgen.render.docx.engine import PreparedDocx
    from qdocgen.workspace import Workspace

    ws = Workspace(data_dir=ROOT / "plan_data", templates_dir=ROOT / "templates")
    maker = NoticeMaker(ws)
    period = Period(2018)
    out = {}
    for label, name, who in (("notice", DISTRICT_TEMPLATE, "南海区"), ("city_notice", CITY_TEMPLATE, None)):
        prepared = maker.template(name)
        context = maker.context(period, who)
        blob = prepared.blob  # the template as qdocgen renders it (profile applied, chart tags taken out)
        same = PreparedDocx(prepared.path, blob)  # the same template with no chart bound: docxtpl's work only

        def complete(prepared=prepared, context=context):
            return prepared.render(context)

        def whole(who=who):  # what a build does for one notice: its context, chart and document
            display._shown.cache_clear()  # as for a notice whose figures no document before it showed
            return maker.render(period, who, maker.context(period, who))

        def ours(same=same, context=context):
            return same.render(context)

        def plain(blob=blob, context=context):
            tpl = DocxTemplate(io.BytesIO(blob))
            tpl.render(context, autoescape=True)
            buf = io.BytesIO()
            tpl.save(buf)
            return buf.getvalue()

        sides = {"complete": complete, "whole": whole, "ours": ours, "plain": plain}
        for fn in sides.values():
            fn()  # warm
        gc.collect()
        gc.freeze()
        times: dict[str, list[float]] = {side: [] for side in sides}
        order = list(sides)
        for i in range(rounds):
            for side in order[i % len(order) :] + order[: i % len(order)]:  # each side first in turn
                start = time.perf_counter()
                sides[side]()
                times[side].append(time.perf_counter() - start)
                gc.collect()
        gc.unfreeze()
        median = {side: statistics.median(t) for side, t in times.items()}
        out[f"{label}_ms"] = round(median["ours"] * 1000, 2)
        out[f"{label}_with_charts_ms"] = round(median["complete"] * 1000, 2)
        out[f"{label}_docxtpl_ms"] = round(median["plain"] * 1000, 2)
        out[f"{label}_ratio"] = round(median["plain"] / median["ours"], 2)
        out[f"{label}_ratio_with_charts"] = round(median["plain"] / median["complete"], 2)
        out[f"{label}_whole_ms"] = round(median["whole"] * 1000, 2)
        out[f"{label}_whole_ratio"] = round(median["plain"] / median["whole"], 2)
    out["ratio_vs_docxtpl"] = out.pop("notice_ratio")
    return out


# ── builds and --help ────────────────────────────────────────────────────────────────────


# One corrected figure (the README's example): the rebuild remakes the 6 documents that show it.
CORRECTION = ("南海区,27,有效期内省名牌产品数,239,", "南海区,27,有效期内省名牌产品数,241,")


def forget_inputs_digest(out: Path) -> None:
    """Make the next build take the precise path: fingerprint every document from its context,
    as it does whenever any input changed (the digest of unchanged inputs is qdocgen.build_inputs)."""
    from qdocgen.build_inputs import KEY

    path = out / "构建记录.json"
    data = json.loads(path.read_text(encoding="utf-8"))
    data.pop(KEY, None)
    path.write_text(json.dumps(data, ensure_ascii=False, indent=1, sort_keys=True) + "\n", encoding="utf-8")


def bench_builds(runs: int) -> dict:
    with tempfile.TemporaryDirectory(prefix="qdocgen-bench-") as tmp:
        work = Path(tmp)
        shutil.copytree(ROOT / "plan_data", work / "plan_data")
        shutil.copytree(ROOT / "templates", work / "templates")
        figures = work / "plan_data" / "figures" / "2018.csv"
        original = figures.read_bytes()
        corrected = original.replace(CORRECTION[0].encode("utf-8"), CORRECTION[1].encode("utf-8"))
        assert corrected != original, "the bundled 2018 figures changed: update CORRECTION"
        cold, noop, cold_cpu, noop_cpu, precise, fixed, first, first_cpu = [], [], [], [], [], [], [], []
        for _ in range(runs):
            shutil.rmtree(work / "output", ignore_errors=True)
            shutil.rmtree(work / "cache", ignore_errors=True)  # the first build on this machine
            figures.write_bytes(original)
            wall, cpu = timed_run([*QDOCGEN, "build", "-q"], work)
            first.append(wall)
            first_cpu.append(cpu)
            shutil.rmtree(work / "output")  # a new output folder; templates compiled before
            wall, cpu = timed_run([*QDOCGEN, "build", "-q"], work)
            cold.append(wall)
            cold_cpu.append(cpu)
            wall, cpu = timed_run([*QDOCGEN, "build", "-q"], work)
            noop.append(wall)
            noop_cpu.append(cpu)
            forget_inputs_digest(work / "output")
            precise.append(timed_run([*QDOCGEN, "build", "-q"], work)[0])
            figures.write_bytes(corrected)
            fixed.append(timed_run([*QDOCGEN, "build", "-q"], work)[0])
        docs = len(json.loads((work / "output" / "构建记录.json").read_text(encoding="utf-8"))["outputs"])
        helps = [timed_run([*QDOCGEN, "--help"], work)[0] for _ in range(max(3, runs * 2))]
    return {
        "build_docs": docs,
        "build_first_s": round(statistics.median(first), 2),
        "build_first_cpu_s": round(statistics.median(first_cpu), 2),
        "build_cold_s": round(statistics.median(cold), 2),
        "build_cold_cpu_s": round(statistics.median(cold_cpu), 2),
        "rebuild_noop_s": round(statistics.median(noop), 3),
        "rebuild_noop_cpu_s": round(statistics.median(noop_cpu), 3),
        "rebuild_noop_precise_s": round(statistics.median(precise), 3),
        "rebuild_one_figure_s": round(statistics.median(fixed), 3),
        "help_s": round(statistics.median(helps), 3),
    }


def bench_pdf() -> dict:
    """`qdocgen build --pdf` of the bundled data in a new process, from an empty output folder:
    every document made and converted, the first time on a machine (`build_pdf_first_s`, no
    LibreOffice profile kept yet) and again into another folder (`build_pdf_s`); and the PDFs'
    share of it: the same again with the documents already there and only the PDFs removed
    (`pdf_only_s`)."""
    from qdocgen.pdf import find_soffice, process_count

    if find_soffice() is None:
        return {}
    with tempfile.TemporaryDirectory(prefix="qdocgen-bench-pdf-") as tmp:
        work = Path(tmp)
        shutil.copytree(ROOT / "plan_data", work / "plan_data")
        shutil.copytree(ROOT / "templates", work / "templates")
        timed_run([*QDOCGEN, "build", "-q", "-o", "warm"], work)  # templates compiled, as for build_cold_s
        first, _ = timed_run([*QDOCGEN, "build", "-q", "--pdf", "-o", "first"], work)  # keeps the profile
        wall, cpu = timed_run([*QDOCGEN, "build", "-q", "--pdf"], work)
        pdfs = sorted((work / "output").rglob("*.pdf"))
        for pdf in pdfs:
            pdf.unlink()
        only, only_cpu = timed_run([*QDOCGEN, "build", "-q", "--pdf"], work)
    return {
        "build_pdf_s": round(wall, 1),
        "build_pdf_cpu_s": round(cpu, 1),
        "build_pdf_first_s": round(first, 1),
        "pdf_only_s": round(only, 1),
        "pdf_only_cpu_s": round(only_cpu, 1),
        "pdf_files": len(pdfs),
        "pdf_processes": process_count(len(pdfs)),
    }


# ── scale ────────────────────────────────────────────────────────────────────────────────


def synthetic_workspace(n: int, periods: int = 3):
    """The bundled workspace with `n` districts (district i copies real district i mod 5) and
    up to five periods of figures (the bundled three, then 2018 H1 and 2017 H1 as copies)."""
    from qdocgen.figures.period import Period
    from qdocgen.figures.store import FigureSet
    from qdocgen.plan.model import District
    from qdocgen.workspace import Workspace

    ws = Workspace(data_dir=ROOT / "plan_data", templates_dir=ROOT / "templates")
    plan, figures = ws.plan, ws.figures
    real = plan.district_names
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
    for extra, copied in ((Period.parse_part(2018, "H1"), Period(2018)), (Period.parse_part(2017, "H1"), Period(2017))):
        if len(new_figures.periods) < periods and copied in new_figures.periods:
            new_figures.periods[extra] = list(new_figures.periods[copied])
    for period in sorted(new_figures.periods)[periods:]:
        del new_figures.periods[period]
    ws.__dict__["plan"] = new_plan
    ws.__dict__["figures"] = new_figures
    return ws


def _pids(root: int) -> list[int]:
    out, todo = [], [root]
    while todo:
        pid = todo.pop()
        out.append(pid)
        try:
            for task in os.listdir(f"/proc/{pid}/task"):
                with open(f"/proc/{pid}/task/{task}/children") as fh:
                    todo += [int(c) for c in fh.read().split()]
        except OSError:
            pass
    return out


def _memory_mb(pid: int) -> tuple[float, float]:
    """(proportional set size, resident set size) of a process, in MB."""
    pss = rss = 0.0
    try:
        with open(f"/proc/{pid}/smaps_rollup") as fh:
            for line in fh:
                if line.startswith("Pss:"):
                    pss = int(line.split()[1]) / 1024
                elif line.startswith("Rss:"):
                    rss = int(line.split()[1]) / 1024
    except OSError:
        pass
    return pss, rss


class MemoryWatch(threading.Thread):
    """The peak memory of this process and its children together, sampled every 20 ms."""

    def __init__(self):
        super().__init__(daemon=True)
        self.peak_pss = self.peak_rss = 0.0
        self.stop = threading.Event()

    def run(self):
        while not self.stop.is_set():
            sizes = [_memory_mb(pid) for pid in _pids(os.getpid())]
            self.peak_pss = max(self.peak_pss, sum(s[0] for s in sizes))
            self.peak_rss = max(self.peak_rss, sum(s[1] for s in sizes))
            time.sleep(0.02)


def scale_child(districts: int, periods: int, workers: int | None) -> dict:
    """Runs in its own process: every notice of a generated workspace, through run_build."""
    from qdocgen.build import run_build
    from qdocgen.documents.catalog import notice_jobs
    from qdocgen.documents.notice import NoticeMaker

    ws = synthetic_workspace(districts, periods)
    watch = MemoryWatch()
    watch.start()
    with tempfile.TemporaryDirectory(prefix="qdocgen-scale-") as tmp:
        start = time.perf_counter()
        for period in ws.figures.periods:  # once, before the workers fork (as catalog.all_jobs does)
            ws.evaluation(period)
        jobs = notice_jobs(ws, sorted(ws.figures.periods), maker=NoticeMaker(ws))
        outcome = run_build(ws, jobs, Path(tmp), workers=workers)
        seconds = time.perf_counter() - start
        watch.stop.set()
        watch.join()
        if outcome.failed:
            raise SystemExit(f"scale build failed: {outcome.failed[:3]}")
        made = len(outcome.made)
    from qdocgen.build import _worker_count

    return {
        "scale_docs": made,
        "scale_shape": f"{districts} 区 × {len(ws.figures.periods)} 时段",
        "scale_s": round(seconds, 2),
        "scale_ms_per_doc": round(seconds / max(made, 1) * 1000, 1),
        "scale_peak_mb": round(watch.peak_pss, 1),
        "scale_peak_rss_mb": round(watch.peak_rss, 1),
        "scale_workers": workers or _worker_count(len(jobs)),
    }


def bench_scale(districts: int, periods: int, workers: int | None) -> dict:
    cmd = [sys.executable, str(Path(__file__).resolve()), "--scale-child", str(districts), "--periods", str(periods)]
    if workers:
        cmd += ["--workers", str(workers)]
    done = subprocess.run(cmd, env=qdocgen_env(), check=True, capture_output=True, text=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


# ── report ───────────────────────────────────────────────────────────────────────────────


def machine() -> dict:
    model = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return {
        "machine": f"{model}, {cores} cores, Python {platform.python_version()}",
        "load_average": round(os.getloadavg()[0], 2) if hasattr(os, "getloadavg") else None,
    }


def verdict(key: str, value: float) -> str:
    if key not in TARGETS:
        return ""
    op, target = TARGETS[key]
    ok = value >= target if op == ">=" else value <= target
    return f"{'达标' if ok else '未达标'}（目标 {op} {target:g}）"


LABELS = [
    ("notice_ms", "区通报每份（qdocgen，同样的工作，毫秒）"),
    ("notice_docxtpl_ms", "区通报每份（docxtpl 读-填-存，毫秒）"),
    ("ratio_vs_docxtpl", "倍数（docxtpl ÷ qdocgen）"),
    ("notice_with_charts_ms", "区通报每份，含填图表（毫秒）"),
    ("notice_ratio_with_charts", "倍数，qdocgen 含填图表"),
    ("notice_whole_ms", "区通报一份全程：上下文、图表、文件（毫秒）"),
    ("notice_whole_ratio", "倍数，全程对 docxtpl 只渲染"),
    ("city_notice_ms", "全市通报每份（qdocgen，毫秒）"),
    ("city_notice_with_charts_ms", "全市通报每份，含填图表（毫秒）"),
    ("city_notice_docxtpl_ms", "全市通报每份（docxtpl，毫秒）"),
    ("city_notice_ratio", "全市通报倍数"),
    ("build_docs", "qdocgen build 文件数"),
    ("build_cold_s", "构建到空输出文件夹，模板已编译（秒）"),
    ("build_cold_cpu_s", "同上 CPU（秒）"),
    ("rebuild_noop_s", "无变化重建（秒）"),
    ("rebuild_noop_cpu_s", "无变化重建 CPU（秒）"),
    ("rebuild_noop_precise_s", "无变化，逐个文件比对时（秒）"),
    ("rebuild_one_figure_s", "更正一个完成值后重建（秒）"),
    ("build_pdf_s", "build --pdf 到空输出文件夹，含转换 PDF（秒）"),
    ("build_pdf_cpu_s", "build --pdf CPU，含 LibreOffice（秒）"),
    ("build_pdf_first_s", "本机首次 build --pdf，尚无保留的 LibreOffice 配置（秒）"),
    ("pdf_only_s", "只转换 PDF（秒）"),
    ("pdf_only_cpu_s", "只转换 PDF 的 CPU（秒）"),
    ("pdf_files", "PDF 个数"),
    ("pdf_processes", "LibreOffice 进程数"),
    ("help_s", "qdocgen --help（秒）"),
    ("scale_shape", "规模：工作区"),
    ("scale_docs", "规模：通报份数"),
    ("scale_workers", "规模：进程数"),
    ("scale_s", "规模：耗时（秒）"),
    ("scale_ms_per_doc", "规模：每份（毫秒）"),
    ("scale_peak_mb", "规模：内存峰值 PSS（MB）"),
    ("scale_peak_rss_mb", "规模：内存峰值 RSS 合计（MB）"),
]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="a short run")
    ap.add_argument("--json", action="store_true", help="print one JSON object as the last line")
    ap.add_argument(
        "--no-pdf", action="store_true", help="leave out build --pdf (LibreOffice; minutes on a busy machine)"
    )
    ap.add_argument("--districts", type=int, default=None, help="districts for the scale run (default 200)")
    ap.add_argument("--periods", type=int, default=None, help="periods for the scale run (default 5, at most 5)")
    ap.add_argument("--scale-child", type=int, default=None, help=argparse.SUPPRESS)
    ap.add_argument("--workers", type=int, default=None, help="processes for the scale run (default: one per core)")
    args = ap.parse_args()
    if args.scale_child is not None:
        print(json.dumps(scale_child(args.scale_child, args.periods or 5, args.workers)))
        return
    # As installed: pip byte-compiles a package's modules when it installs it; a checkout run with
    # PYTHONDONTWRITEBYTECODE set (as here) would compile every changed module again in each process.
    compileall.compile_dir(ROOT / "qdocgen", quiet=1)
    figures = machine()
    figures.update(bench_notice(15 if args.quick else 60))
    figures.update(bench_builds(1 if args.quick else 3))
    if not args.no_pdf:
        figures.update(bench_pdf())
    figures.update(bench_scale(args.districts or (40 if args.quick else 200), args.periods or 5, args.workers))
    figures["load_average_end"] = round(os.getloadavg()[0], 2) if hasattr(os, "getloadavg") else None
    print(f"机器：{figures['machine']}；负载：开始时 {figures['load_average']}，结束时 {figures['load_average_end']}")
    for key, label in LABELS:
        if key in figures:
            print(f"  {label:<28} {figures[key]:>10}  {verdict(key, figures[key])}")
    if args.json:
        print(json.dumps(figures, ensure_ascii=False))


if __name__ == "__main__":
    main()
