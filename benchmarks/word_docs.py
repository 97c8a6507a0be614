"""CPU per Word document of a build of the bundled data, by kind (issue 25: the Word side).

    PYTHONPATH=. python benchmarks/word_docs.py [repetitions]
    PYTHONPATH=. python benchmarks/word_docs.py [repetitions] --against OTHER_TREE

As a build's Word worker does: the parent loads the workspace and lists the jobs (every period
evaluated), then for each repetition (default 5) a forked child makes every .docx job in the
build's order — its context, what it shows hashed into its fingerprint (build.fingerprint), its
bytes — with the templates prepared in the child from the compile cache (run once before, so
the cache holds them; the parent's objects frozen for the collector, as build_pool freezes them
before it forks the workers). Printed per kind is the CPU time (time.process_time) per document, the
median over the repetitions of each kind's mean, without the worker's first job, which is
printed apart (it imports and prepares the first template); and the total CPU of all the Word
jobs. Nothing is written to disk.

With --against OTHER_TREE (a checkout of another version, e.g. `git worktree add /tmp/old main`)
the two trees are run alternately in new processes, repetition by repetition, and printed side
by side: the machine's load changes both alike.
"""

from __future__ import annotations

import gc
import json
import os
import statistics
import subprocess
import sys
import time
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def kind(path: str) -> str:
    city = "/全市-" in path or not ("-" in path.rsplit("/", 1)[-1] and "区" in path.rsplit("/", 1)[-1])
    if path.startswith("任务分解表"):
        return "task table"
    if "/完成情况表/" in path:
        return "completion table, city" if city else "completion table, district"
    return "notice, city" if city else "notice, district"


def run_once(ws, jobs) -> dict:
    """One forked child's CPU per job (ms), by path, in the order made."""
    from qdocgen import build

    read, write = os.pipe()
    gc.freeze()  # as build_pool does before it forks: the parent's objects are not the worker's garbage
    pid = os.fork()
    if pid == 0:  # the child: a Word worker making every Word job
        os.close(read)
        hashes = defaultdict(str)
        times = []
        for job in jobs:
            start = time.process_time()
            context = job.prepare()
            build.fingerprint(job, hashes, "", job.shown(context))
            job.made(context)
            times.append((job.path, (time.process_time() - start) * 1000))
        with os.fdopen(write, "w") as out:
            json.dump(times, out)
        os._exit(0)
    gc.unfreeze()
    os.close(write)
    with os.fdopen(read) as src:
        times = json.load(src)
    os.waitpid(pid, 0)
    return times


def measure(repetitions: int) -> list:
    sys.path.insert(0, str(Path.cwd()))
    from qdocgen.documents import catalog
    from qdocgen.workspace import Workspace

    workspace = Workspace(data_dir=ROOT / "plan_data")
    jobs = [job for job in catalog.all_jobs(workspace) if job.path.endswith(".docx")]
    run_once(workspace, jobs)  # the compile cache filled
    return [run_once(workspace, jobs) for _ in range(repetitions)]


def summary(runs: list) -> dict:
    out: dict = {}
    out["first job"] = statistics.median(run[0][1] for run in runs)
    by_kind: dict = defaultdict(list)
    for run in runs:
        per: dict = defaultdict(list)
        for path, ms in run[1:]:
            per[kind(path)].append(ms)
        for k, values in per.items():
            by_kind[k].append(sum(values) / len(values))
    for k in sorted(by_kind):
        out[k] = statistics.median(by_kind[k])
    out["all Word jobs"] = statistics.median(sum(ms for _, ms in run) for run in runs)
    counts = defaultdict(int)
    for path, _ in runs[0]:
        counts[kind(path)] += 1
    out["_counts"] = dict(counts)
    return out


def main() -> None:
    args = sys.argv[1:]
    other = None
    if "--against" in args:
        i = args.index("--against")
        other = Path(args[i + 1]).resolve()
        del args[i : i + 2]
    repetitions = int(args[0]) if args else 5
    if "--json" in sys.argv:
        print(json.dumps(measure(repetitions)))
        return
    if other is None:
        show({"this": summary(measure(repetitions))})
        return
    runs: dict = {"this": [], "other": []}
    for _ in range(repetitions):
        for name, tree in (("other", other), ("this", ROOT)):
            env = dict(os.environ, PYTHONPATH=str(tree))
            done = subprocess.run(
                [sys.executable, str(Path(__file__).resolve()), "1", "--json"],
                cwd=tree,
                env=env,
                capture_output=True,
                text=True,
                check=True,
            )
            runs[name] += json.loads(done.stdout.strip().splitlines()[-1])
    show({"other": summary(runs["other"]), "this": summary(runs["this"])})


def show(results: dict) -> None:
    names = list(results)
    counts = results[names[-1]].pop("_counts")
    for r in results.values():
        r.pop("_counts", None)
    print(f"{'ms CPU per document':32}" + "".join(f"{n:>10}" for n in names))
    for key in results[names[-1]]:
        label = key if key in ("first job", "all Word jobs") else f"{key} ({counts.get(key, 0)})"
        print(f"{label:32}" + "".join(f"{results[n].get(key, float('nan')):10.1f}" for n in names))


if __name__ == "__main__":
    main()
