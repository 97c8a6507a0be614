"""CPU per Excel document of a build of the bundled data, by kind (issue 25: the Excel side).

    PYTHONPATH=. python benchmarks/excel_docs.py [repetitions] [--compare] [--against TREE [--rounds N]]

For each kind — the completion tables (完成情况表/*.xlsx), the reporting forms (填报表/*.xlsx)
and the task table (任务分解表.xlsx) — every document's context is made first, each document is
made once to warm up (templates read, expressions compiled), then all are made `repetitions`
times (default 5); printed is the best run's CPU time (time.process_time, so a busy machine
matters less than to wall time) per document. Nothing is written to disk. The zip members packed
once for later documents (render/xlsx/writer.py) are forgotten before each run, as each document
of a build is made once. With --compare, each run is followed by one with plain cells turned off
(render/xlsx/plain.py: every sheet filled the general way, with openpyxl's Cells), interleaved.

With --against TREE (another checkout, e.g. `git worktree add /tmp/old main`), the two trees are
measured in turn, N rounds (default 3), each round a new process per tree running this script's
measurement with `repetitions` runs (TREE's own benchmarks/excel_docs.py, on TREE's code): printed
is each kind's best in each tree, old and new side by side. Give the interpreter itself (not a
pyenv shim) and run `python -m compileall -q qdocgen` in both trees first.
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from qdocgen.documents import catalog  # noqa: E402
from qdocgen.render.xlsx import plain, writer  # noqa: E402
from qdocgen.workspace import Workspace  # noqa: E402

KINDS = {"完成情况表": "completion tables", "填报表": "reporting forms", "任务分解表.xlsx": "task table"}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("repetitions", nargs="?", type=int, default=5, help="runs per kind (best is printed)")
    parser.add_argument("--compare", action="store_true", help="interleave runs with plain cells off")
    parser.add_argument("--against", metavar="TREE", help="another checkout to measure in turn with this one")
    parser.add_argument("--rounds", type=int, default=3, help="processes per tree with --against")
    args = parser.parse_args()
    if args.against:
        against(Path(args.against).resolve(), args.repetitions, args.rounds)
        return
    measure(args.repetitions, args.compare)


_LINE = re.compile(r"^(.+?): (\d+) documents, ([\d.]+) ms CPU per document")


def against(other: Path, repetitions: int, rounds: int) -> None:
    """Both trees' own measurement in new processes, in turn; each kind's best per tree."""
    trees = {"old": other, "new": Path(__file__).resolve().parent.parent}
    best: dict[tuple[str, str], float] = {}
    for _ in range(rounds):
        for label, tree in trees.items():
            out = subprocess.run(
                [sys.executable, str(tree / "benchmarks" / "excel_docs.py"), str(repetitions)],
                cwd=tree,
                env={**os.environ, "PYTHONPATH": str(tree)},
                capture_output=True,
                text=True,
                check=True,
            ).stdout
            for line in out.splitlines():
                if m := _LINE.match(line):
                    key = (m.group(1), label)
                    best[key] = min(best.get(key, float("inf")), float(m.group(3)))
    print(f"old: {trees['old']}  new: {trees['new']}  ({rounds} rounds of {repetitions} runs, interleaved)")
    for name in KINDS.values():
        old, new = best.get((name, "old")), best.get((name, "new"))
        if old is not None and new is not None:
            print(f"{name}: {old:.1f} -> {new:.1f} ms CPU per document ({(new - old) / old:+.0%})")


def measure(repetitions: int, compare: bool) -> None:
    modes = (True, False) if compare else (True,)
    workspace = Workspace(data_dir=Path(__file__).resolve().parent.parent / "plan_data")
    jobs = [job for job in catalog.all_jobs(workspace) if job.path.endswith(".xlsx")]
    for key, name in KINDS.items():
        chosen = [job for job in jobs if key in job.path]
        contexts = [job.prepare() for job in chosen]
        for job, context in zip(chosen, contexts, strict=True):
            job.made(context)
        best: dict[bool, float] = {}
        for _ in range(repetitions):
            for mode in modes:
                plain.ENABLED = mode
                writer._PACKED.clear()
                start = time.process_time()
                for job, context in zip(chosen, contexts, strict=True):
                    job.made(context)
                per_doc = (time.process_time() - start) / len(chosen) * 1000
                best[mode] = min(best.get(mode, per_doc), per_doc)
        plain.ENABLED = True
        line = f"{name}: {len(chosen)} documents, {best[True]:.1f} ms CPU per document (best of {repetitions})"
        if False in best:
            line += f"; plain cells off: {best[False]:.1f} ms"
        print(line)


if __name__ == "__main__":
    main()
