"""CPU per Excel document of a build of the bundled data, by kind (issue 25: the Excel side).

    PYTHONPATH=. python benchmarks/excel_docs.py [repetitions] [--compare]

For each kind — the completion tables (完成情况表/*.xlsx), the reporting forms (填报表/*.xlsx)
and the task table (任务分解表.xlsx) — every document's context is made first, each document is
made once to warm up (templates read, expressions compiled), then all are made `repetitions`
times (default 5); printed is the best run's CPU time (time.process_time, so a busy machine
matters less than to wall time) per document. Nothing is written to disk. The zip members packed
once for later documents (render/xlsx/writer.py) are forgotten before each run, as each document
of a build is made once. With --compare, each run is followed by one with plain cells turned off
(render/xlsx/plain.py: every sheet filled the general way, with openpyxl's Cells), interleaved.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from qdocgen.documents import catalog  # noqa: E402
from qdocgen.render.xlsx import plain, writer  # noqa: E402
from qdocgen.workspace import Workspace  # noqa: E402

KINDS = {"完成情况表": "completion tables", "填报表": "reporting forms", "任务分解表.xlsx": "task table"}


def main() -> None:
    args = [a for a in sys.argv[1:] if a != "--compare"]
    repetitions = int(args[0]) if args else 5
    modes = (True, False) if "--compare" in sys.argv[1:] else (True,)
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
