"""A build's worker processes (qdocgen/build_pool.py): each kind of document in a worker of its own,
results in the jobs' order, and a worker that dies named rather than waited for."""

from __future__ import annotations

import os
import pickle
import signal
import struct
import subprocess
import sys
import time
from pathlib import Path, PurePath

import pytest

from qdocgen import build_pool
from qdocgen.build import RECORD, Record, run_build
from qdocgen.errors import UserError
from qdocgen.jobs import Job

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="workers are forked on Linux only")


def test_lanes_split_the_jobs_by_kind_in_order_of_first_use():
    kinds = [".xlsx", ".docx", ".xlsx", ".docx", ".xlsx", ".pptx"]
    assert build_pool.lanes(kinds, 2) == [[0, 2, 4, 5], [1, 3]]  # a third kind joins the first lane
    assert build_pool.lanes(kinds, 3) == [[0, 2, 4], [1, 3], [5]]
    assert build_pool.lanes(kinds, 8) == [[0, 2, 4], [1, 3], [5]]  # no more lanes than kinds
    assert build_pool.lanes([".xlsx"] * 4, 2) == [[0, 1, 2, 3]]
    assert build_pool.kind_of((PurePath("a/表.XLSX"),)) == ".xlsx"
    assert build_pool.kind_of(()) == ""


def test_a_worker_whose_lane_is_empty_hands_its_core_to_another_lane_only_where_that_ends_the_build_sooner():
    import multiprocessing

    board = build_pool._Board(multiprocessing.get_context("fork"), [list(range(10)), [10]], 2)
    assert board.take(1, 1, set()) == (10, 1)  # its own lane first
    assert board.taken[1] == 10  # noted as the job worker 1 is on, until delivered
    board.delivered(1)
    assert board.take(1, 1, set()) == build_pool._WAIT  # lane 0 not timed yet: wait to know
    assert board.take(0, 0, set()) == (0, 0) and board.take(0, 0, set()) == (1, 0)
    board.done(0, 0.25, first=True)  # the first of its kind, preparation included
    assert board.take(1, 1, set()) == build_pool._WAIT  # a later job not timed yet
    board.done(0, 0.04, first=False)
    assert board.helpers_wanted(0) == []  # nobody has asked
    # 8 left at 0.04 s: a helper forked from lane 0's worker ends it sooner. Worker 1 does not
    # take a job of a kind it has not prepared: it gives its core to lane 0 and has nothing more
    assert board.take(1, 1, set()) is None and board.want[1] == 0
    assert board.take(1, 1, set()) is None  # (asked again: still none)
    assert board.helpers_wanted(1) == []  # not for lane 1's workers
    assert board.helpers_wanted(0) == [3]  # lane 0's worker forks the helper of slot 2 + 1, once
    assert board.helpers_wanted(0) == []
    assert board.take(3, 0, {0}, helper=True) == (9, 0)  # the helper takes from the back
    assert board.taken[3] == 9
    assert board.take(0, 0, {0}) == (2, 0)  # the worker goes on from the front
    for _ in range(6):
        board.take(0, 0, {0})  # 3 … 8
    assert board.take(3, 0, {0}, helper=True) is None and board.take(0, 0, {0}) is None


def test_no_core_is_handed_to_a_lane_about_to_end():
    import multiprocessing

    board = build_pool._Board(multiprocessing.get_context("fork"), [list(range(4)), [4]], 2)
    assert board.take(1, 1, set()) == (4, 1)
    for i in range(3):
        assert board.take(0, 0, set()) == (i, 0)
        board.done(0, 0.3 if i == 0 else 0.04, first=i == 0)
    # 1 left: its worker finishes it sooner than any helper could start
    assert board.take(1, 1, set()) is None and board.want[1] == -1
    assert board.helpers_wanted(0) == []


def test_each_kind_starts_in_a_worker_of_its_own_and_results_come_in_order():
    kinds = [".xlsx", ".docx"] * 10

    def one(i):
        time.sleep(0.02)  # long enough for both workers to start before either lane is done
        return i, os.getpid()

    out = list(build_pool.run(len(kinds), one, kinds, 2))
    assert [i for i, _ in out] == list(range(20))
    pids = {pid for _, pid in out}
    assert os.getpid() not in pids and len(pids) <= 4  # two workers, and a helper for each core handed on
    assert out[0][1] != out[1][1]  # the first job of each lane: two workers, one per kind


def test_a_worker_whose_lane_ends_first_hands_its_core_to_a_helper_forked_from_the_other_lanes_worker():
    kinds = [".xlsx"] * 30 + [".docx"] * 2
    prepared: dict[str, int] = {}  # a kind's preparation, as a worker keeps it

    def one(i):
        fresh = kinds[i] not in prepared
        prepared[kinds[i]] = i
        time.sleep(0.01)
        return i, os.getpid(), os.getppid(), fresh

    out = list(build_pool.run(len(kinds), one, kinds, 2))
    assert [r[0] for r in out] == list(range(32))
    pids = {kind: {pid for i, pid, _, _ in out if kinds[i] == kind} for kind in (".xlsx", ".docx")}
    assert len(pids[".docx"]) == 1 and not pids[".xlsx"] & pids[".docx"]  # the Word worker made no workbook
    helped = [r for r in out if r[2] != os.getpid()]
    assert helped, "no helper"
    assert {parent for _, _, parent, _ in helped} < pids[".xlsx"]  # forked by the workbooks' worker
    assert min(i for i, *_ in helped) > max(i for i, pid, parent, _ in out if parent == os.getpid() and i < 30)
    assert sum(fresh for *_, fresh in out) == 2  # each kind prepared once: the helper had it ready


def test_a_helper_that_dies_is_named_with_the_job_it_was_on():
    kinds = [".xlsx"] * 30 + [".docx"] * 2
    parent = os.getpid()

    def one(i):
        time.sleep(0.01)
        if os.getppid() != parent:  # the helper
            os.kill(os.getpid(), signal.SIGKILL)
        return i

    _alarm(30)
    try:
        with pytest.raises(build_pool.WorkerLost) as caught:
            list(build_pool.run(len(kinds), one, kinds, 2))
    finally:
        signal.alarm(0)
    assert caught.value.indices == [29]  # its first job: the workbooks' last
    assert "意外退出" in str(caught.value)


def test_workers_collect_cycles_less_often_and_the_parent_as_before():
    import gc

    before = gc.get_threshold()

    def one(i):
        return gc.get_threshold(), gc.isenabled()

    out = list(build_pool.run(4, one, [".xlsx", ".docx"] * 2, 2))
    assert out == [(build_pool.WORKER_GC, True)] * 4  # collected still, at the workers' thresholds
    assert build_pool.WORKER_GC[0] > before[0]
    assert gc.get_threshold() == before


def test_no_jobs_start_no_worker():
    assert list(build_pool.run(0, lambda i: i, [], 2)) == []


def test_a_worker_that_dies_is_named_with_the_job_it_was_on():
    def one(i):
        if i == 3:
            os.kill(os.getpid(), signal.SIGKILL)
        return i

    with pytest.raises(build_pool.WorkerLost) as caught:
        list(build_pool.run(8, one, [".xlsx"] * 8, 2))
    assert caught.value.indices == [3]
    assert "意外退出" in str(caught.value) and "-9" in str(caught.value)


def _alarm(seconds: int):
    """A test that would hang fails instead."""

    def ring(*_):
        raise TimeoutError("the pool hung")

    signal.signal(signal.SIGALRM, ring)
    signal.alarm(seconds)


def test_a_worker_killed_half_way_through_sending_its_result_is_named_not_waited_for():
    """Its pipe ends in the middle of a message: the parent reads an end of file, not a hang."""
    import multiprocessing.connection as connection

    def one(i):
        if i == 3:

            def half(self, obj):  # in this worker only (forked): half a message, then killed
                buf = pickle.dumps(obj)
                self._send(struct.pack("!i", len(buf)) + buf[: len(buf) // 2])
                os.kill(os.getpid(), signal.SIGKILL)

            connection.Connection.send = half
            return b"x" * 2_000_000
        return i

    _alarm(30)
    try:
        with pytest.raises(build_pool.WorkerLost) as caught:
            list(build_pool.run(8, one, [".xlsx"] * 8, 2))
    finally:
        signal.alarm(0)
    assert caught.value.indices == [3]


def test_a_worker_that_exits_quietly_before_its_work_is_done_is_lost_not_waited_for():
    def one(i):
        if i == 2:
            os._exit(0)
        time.sleep(0.01)
        return i

    _alarm(30)
    try:
        with pytest.raises(build_pool.WorkerLost) as caught:
            list(build_pool.run(6, one, [".xlsx", ".docx"] * 3, 2))
    finally:
        signal.alarm(0)
    assert caught.value.indices == [2] and "退出码 0" in str(caught.value)


def test_workers_end_when_their_parent_is_killed():
    """The parent prints its two workers' pids (jobs 0 and 1, one per lane) and is killed while
    they sleep on jobs 2 and 3: they end with it (Linux's parent-death signal)."""
    script = (
        "import os, sys, time\n"
        f"sys.path.insert(0, {str(Path(__file__).resolve().parent.parent)!r})\n"
        "from qdocgen import build_pool\n"
        "def one(i):\n"
        "    time.sleep(0.05 if i < 2 else 60)\n"
        "    return os.getpid()\n"
        "for n, pid in enumerate(build_pool.run(4, one, ['.a', '.b'] * 2, 2)):\n"
        "    print(pid, flush=True)\n"
        "    if n == 1:\n"
        "        os.kill(os.getpid(), 9)\n"
    )
    assert len(set(_pids_left_by_a_killed_parent(script))) == 2


def _pids_left_by_a_killed_parent(script: str) -> list[int]:
    """Run `script` (which prints pids and has its own process killed), check that it was killed,
    and wait up to 10 s for every pid it printed to end; the pids, all ended."""
    proc = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60)
    assert proc.returncode == -signal.SIGKILL
    pids = [int(x) for x in proc.stdout.split()]
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and any(_alive(pid) for pid in pids):
        time.sleep(0.05)
    assert not any(_alive(pid) for pid in pids)
    return pids


def test_a_helper_ends_with_its_worker_when_the_parent_is_killed():
    """The helper (forked by the first lane's worker once the second lane's is done) prints its
    pid and its worker's, and kills the build's parent: both end with it."""
    script = (
        "import os, sys, time\n"
        f"sys.path.insert(0, {str(Path(__file__).resolve().parent.parent)!r})\n"
        "from qdocgen import build_pool\n"
        "PARENT = os.getpid()\n"
        "def one(i):\n"
        "    if os.getppid() != PARENT:\n"
        "        print(os.getpid(), os.getppid(), flush=True)\n"
        "        os.kill(PARENT, 9)\n"
        "        time.sleep(60)\n"
        "    time.sleep(0.01)\n"
        "    return i\n"
        "for _ in build_pool.run(32, one, ['.a'] * 30 + ['.b'] * 2, 2):\n"
        "    pass\n"
    )
    assert len(_pids_left_by_a_killed_parent(script)) == 2  # the helper, and the worker that forked it


def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().split(") ", 1)[1][0] != "Z"
    except OSError:
        return False


def test_a_defect_in_a_worker_is_raised_with_its_traceback():
    def one(i):
        if i == 2:
            raise ValueError("boom")
        return i

    with pytest.raises(RuntimeError, match="(?s)job 2.*ValueError: boom"):
        list(build_pool.run(5, one, [".docx"] * 5, 2))


def test_a_defect_in_a_helper_is_raised_with_its_traceback():
    parent = os.getpid()

    def one(i):
        time.sleep(0.01)
        if os.getppid() != parent:  # the helper
            raise ValueError("helper broke")
        return i

    _alarm(30)
    try:
        with pytest.raises(RuntimeError, match="(?s)job 29.*ValueError: helper broke"):
            list(build_pool.run(32, one, [".xlsx"] * 30 + [".docx"] * 2, 2))
    finally:
        signal.alarm(0)


def test_a_build_whose_worker_dies_keeps_what_was_written_and_names_what_was_not(tmp_path):
    from qdocgen.workspace import Workspace

    from conftest import DATA, TEMPLATES

    ws = Workspace(data_dir=DATA, templates_dir=TEMPLATES)
    out = tmp_path / "out"

    def job(n: int, kind: str) -> Job:
        def make():
            if n == 5:  # once the parent has written d0 to d4 (the other lane's worker delivered d0, d2, d4)
                deadline = time.monotonic() + 60  # not a sleep: a loaded machine may take its time
                while not (out / "d4.docx").exists() and time.monotonic() < deadline:
                    time.sleep(0.01)
                os.kill(os.getpid(), signal.SIGKILL)
            return f"document {n}".encode()

        return Job(path=f"d{n}{kind}", title=f"文档{n}", shows=lambda: n, make=make, templates=(Path(f"t{kind}"),))

    template = tmp_path / "templates"
    template.mkdir()
    jobs = [job(n, ".xlsx" if n % 2 else ".docx") for n in range(8)]
    for j in jobs:  # the build reads its templates' bytes
        j.templates = (template / f"t{Path(j.path).suffix}",)
        j.templates[0].write_bytes(b"t")
    # d6, and d7 if the other worker took it over, may have been made: received, never written after d5
    with pytest.raises(
        UserError, match=r"意外退出（退出码 -9.*正在生成的 d5.xlsx 没有生成(，另有 [12] 个文件未及生成)?；"
    ):
        run_build(ws, jobs, out, workers=2)
    written = {p.name for p in out.iterdir() if p.name != RECORD}
    assert written == {"d0.docx", "d1.xlsx", "d2.docx", "d3.xlsx", "d4.docx"}  # those before d5, in order
    assert set(Record(out / RECORD).data["outputs"]) == written  # the record vouches for what is there
    for name in written:
        assert (out / name).read_bytes() == f"document {name[1]}".encode()
