"""A build's documents made in forked worker processes, each worker kept to one kind of document.

The first document of a kind costs a worker far more than the next ones: the library that writes
it imported (openpyxl for a workbook, python-docx and lxml for a Word file), its template
prepared, its chart's frame made. A pool handing every worker a bit of everything makes each
worker pay all of that. Here the jobs are split into lanes by the kind of file their templates
are (one lane per file type, in the order the jobs first use them), and each worker works through
its own lane in order. A worker whose lane is empty does not take up another kind itself (it would
import that kind's library and prepare its templates again: 0.13 s for openpyxl and a form, where
a form then takes 0.015 s): where another lane has work enough left (_Board), it hands its core to
that lane and ends, and a worker of that lane, between two jobs, forks a helper, which has the
lane's library and templates ready as its parent had them and takes the lane's jobs from the back.

The parent receives each result as it comes and yields them in the jobs' order. A worker that
dies (killed, out of memory) is noticed: the documents it had taken are named in the error.
"""

from __future__ import annotations

import gc
import os
import time
import traceback
from collections.abc import Callable, Iterator, Sequence
from pathlib import PurePath

from qdocgen import dataclass_code
from qdocgen.errors import UserError

POLL = 0.2  # seconds the parent waits for a worker's message before looking again
# The cycle collector's thresholds in a worker (Python's: 700, 10, 10). A worker imports its
# libraries (openpyxl, Jinja, lxml: some 100 000 objects) and then makes documents of tens of
# thousands of objects each, nearly all freed as soon as the document is sent; at 700 the collector
# ran ~280 times in a bundled build's two workers, walking those objects again and again (a tenth
# of a second of their two seconds of CPU, a full collection of all the imports included). At
# 10 000 it runs ~20 times, for about half that; what it reclaims is the same (a document's cycles,
# found a little later), and a worker's peak memory did not change. The parent keeps Python's.
WORKER_GC = (10_000, 10, 10)


def lanes(kinds: Sequence[str], workers: int) -> list[list[int]]:
    """The jobs' indices split by `kinds[i]` (each job's kind), in order of first use; with fewer
    workers than kinds, the kinds after the first `workers` join the lanes round the list."""
    by_kind: dict[str, list[int]] = {}
    for i, kind in enumerate(kinds):
        by_kind.setdefault(kind, []).append(i)
    out: list[list[int]] = [[] for _ in range(min(workers, len(by_kind)))]
    for k, indices in enumerate(by_kind.values()):
        out[k % len(out)].extend(indices)
    for lane in out:
        lane.sort()
    return out


def kind_of(templates: Sequence[PurePath]) -> str:
    """A job's kind for the lanes: the file type of its templates ('' without one)."""
    return "+".join(sorted({t.suffix.lower() for t in templates}))


def run(count: int, one: Callable[[int], object], kinds: Sequence[str], workers: int) -> Iterator[object]:
    """`one(i)` for i in range(count), computed in `workers` forked processes, yielded in order.

    `one` runs in a child: what it returns is pickled back. The caller holds the pool for as long
    as it iterates; leaving the iteration early ends the workers.
    """
    if count <= 0:
        return
    import multiprocessing
    from multiprocessing.connection import wait

    ctx = multiprocessing.get_context("fork")
    board = _Board(ctx, lanes(kinds, workers), workers)
    # One pipe per worker, written by that worker alone: a worker that dies, even half way through
    # a result, is an end of file on its own pipe, and no other worker waits on a lock it held. And
    # one per helper (slot workers + w: the helper given worker w's core), kept open by every worker
    # until one forks that helper, which alone writes it then.
    pipes = [ctx.Pipe(duplex=False) for _ in range(2 * workers)]
    parent = os.getpid()

    def work(w: int) -> None:
        _die_with(parent)
        gc.set_threshold(*WORKER_GC)
        for k, (reader, writer) in enumerate(pipes):
            reader.close()
            if k != w and k < workers:
                writer.close()
        os._exit(serve(w, w % len(board.split), set(), parent))  # no atexit handlers or finalisers
        # of the parent's objects in a forked child

    def serve(slot: int, own: int, warm: set[int], watched: int) -> int:
        """Take and make jobs as `slot` (a worker, or a helper: slot >= workers) of lane `own`,
        having made jobs of the lanes `warm`, until nothing is left worth taking; the exit code."""
        out = pipes[slot][1]
        helper = slot >= workers
        forked: list[tuple[int, int | None]] = []  # (slot, process) of the helpers it forked, waited for at its end
        code = 0
        try:
            while (got := board.take(slot, own, warm, helper=helper)) is not None:
                if got == _WAIT:
                    if os.getppid() != watched:
                        raise KeyboardInterrupt
                    time.sleep(_WAIT_SECONDS)
                    continue
                i, lane = got
                start = time.perf_counter()
                result = one(i)
                first = lane not in warm
                board.done(lane, time.perf_counter() - start, first=first)
                warm.add(lane)
                # the dataclasses this job defined first (some only a worker defines, some only a
                # later job of a kind: form_book's, say) are kept now, before its result is sent: the
                # exit handler that would keep them is skipped, and the parent may end a worker as
                # soon as it has every document. Nothing to do (a flag read) once they are kept; a
                # cache is never a build's failure.
                try:
                    dataclass_code.save()
                except Exception:  # noqa: BLE001, S110
                    pass
                out.send((i, result))
                board.delivered(slot)
                if not helper:
                    for s in board.helpers_wanted(own):
                        forked.append((s, fork_helper(s, own, warm, slot)))
            out.send(_DONE)
        except KeyboardInterrupt:
            code = 1
        except BaseException:  # a defect: the parent raises it with this traceback
            code = 1
            try:
                out.send((board.taken[slot], _Failed(traceback.format_exc())))
            except OSError:  # the parent is gone
                pass
        for s, pid in forked:  # a helper ends with the worker that forked it (_die_with): not before it is done
            if pid is None:
                continue
            try:
                board.codes[s] = os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1])
            except (OSError, ValueError, KeyboardInterrupt):
                pass
        return code

    def fork_helper(s: int, own: int, warm: set[int], mine: int) -> int | None:
        """Fork the helper of slot `s` for lane `own` from the worker of slot `mine`: the helper has
        everything the worker has prepared (its library imported, its templates read)."""
        me = os.getpid()
        try:
            pid = os.fork()
        except OSError:  # no process to be had: the lane goes on without its helper
            board.unstarted(s)
            return None
        if pid == 0:
            code = 1
            try:
                _die_with(me)
                gc.freeze()  # what it shares with its worker: the collector must not copy those pages
                for k in [mine, *range(workers, 2 * workers)]:
                    if k != s:
                        pipes[k][1].close()
                code = serve(s, own, set(warm), me)
            finally:
                os._exit(code)
        pipes[s][1].close()  # the helper's alone now: its end of file is the helper's end
        return pid

    # The workers share the parent's objects; the collector must not copy their pages. No full
    # collection first: it took 15 ms of every build's start and freed nothing (a build's parent
    # makes little garbage, and what it froze is freed when it exits).
    gc.freeze()
    procs: list = []
    readers: dict = {}
    try:
        for w in range(workers):
            p = ctx.Process(target=work, args=(w,), daemon=True)
            p.start()
            procs.append(p)
        for w, (reader, writer) in enumerate(pipes):
            writer.close()  # the parent only reads: end of file once the worker has ended
            readers[reader] = w
        held: dict[int, object] = {}
        finished: set[int] = set()  # workers that said they have nothing left to take
        nxt = 0
        while nxt < count:
            if nxt in held:
                yield held.pop(nxt)
                nxt += 1
                continue
            if not readers:  # every worker ended, a job not delivered
                raise _lost(procs, board, set(held) | set(range(nxt)), count, None)
            for reader in wait(list(readers), POLL):
                w = readers[reader]
                try:
                    message = reader.recv()
                except (EOFError, OSError):  # its pipe closed: the worker has ended
                    del readers[reader]
                    reader.close()
                    if w not in finished and (w < workers or board.started[w - workers]):
                        raise _lost(procs, board, set(held) | set(range(nxt)), count, w) from None
                    continue
                if message == _DONE:
                    finished.add(w)
                    continue
                i, result = message
                if isinstance(result, _Failed):
                    raise RuntimeError(f"a build worker failed on job {i}:\n{result.text}")
                held[i] = result
    finally:
        gc.unfreeze()
        for p in procs:
            if p.is_alive():
                p.terminate()
        for p in procs:
            p.join()
        for reader in readers:
            reader.close()


def _die_with(parent: int) -> None:
    """End this worker when the parent ends (killed, say): Linux's parent-death signal."""
    try:
        import ctypes
        import signal

        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass
    if os.getppid() != parent:  # the parent ended before the signal was asked for
        os._exit(1)


_DONE = "done"  # a worker's last message: it has nothing left to take

_WAIT = (-1, -1)  # from _Board.take: nothing to take yet, ask again shortly
_WAIT_SECONDS = 0.005
# What a helper costs before its first job, in seconds: its fork and the pages it and its worker
# then copy (~10 ms), and the wait for the worker to finish the job it is on.
HELPER_START = 0.01
_NO_CODE = -1000  # a helper's exit code not known (board.codes)


class _Board:
    """The lanes, shared by the workers and helpers under one lock: each lane's front (the next job
    its own workers take) and end (the next one a helper takes, from the back), how long its jobs
    take (the first a worker made, its kind's preparation included, and the others), and which
    workers have handed their core to another lane (`want`) and whether its helper was forked.

    A worker whose lane is empty hands its core to a lane with jobs left only where that ends the
    build sooner: left alone, the lane's workers finish its R jobs left in R·a seconds (a: a job
    once prepared); a helper, forked by one of them between two jobs, has the lane prepared and
    starts after HELPER_START, so the two finish in about (R·a + HELPER_START) / 2, sooner only if
    R·a > a + HELPER_START (two jobs left or more, where a job takes 20 ms). Until a lane has timed
    a first and a later job, a worker that has not made one waits to know. A worker of several
    lanes' kinds (more workers than kinds) helps a lane it has made a job of itself."""

    def __init__(self, ctx, split: list[list[int]], workers: int):
        self.split = split
        # the job each worker (slot w) or helper (slot workers + w) is on (-1: none)
        self.taken = ctx.Array("l", [-1] * (2 * workers), lock=False)
        self.bounds = ctx.Array("l", [v for lane in split for v in (0, len(lane))], lock=True)
        # per lane: (the first job's seconds, -1 until timed; the later jobs' seconds; their count)
        self.times = ctx.Array("d", [v for _ in split for v in (-1.0, 0.0, 0.0)], lock=False)
        self.want = ctx.Array("l", [-1] * workers, lock=False)  # the lane worker w gave its core to
        self.started = ctx.Array("b", [0] * workers, lock=False)  # whether helper workers + w was forked
        self.codes = ctx.Array("l", [_NO_CODE] * (2 * workers), lock=False)  # helpers' exit codes

    def take(self, w: int, own: int, warm: set[int], *, helper: bool = False) -> tuple[int, int] | None:
        """(job, its lane) for slot `w` of lane `own` that has made jobs of the lanes `warm`,
        noted as the job it is on; _WAIT; or None: nothing left worth taking. A helper takes
        its lane's jobs from the back, and only those."""
        b, t = self.bounds, self.times
        with b.get_lock():
            front, end = b[2 * own], b[2 * own + 1]
            if helper:
                if front >= end:
                    return None
                b[2 * own + 1] = end - 1
                self.taken[w] = self.split[own][end - 1]
                return self.split[own][end - 1], own
            if front < end:
                b[2 * own] = front + 1
                self.taken[w] = self.split[own][front]
                return self.split[own][front], own
            if self.want[w] >= 0:  # its core is another lane's now
                return None
            best, gain, wait = None, 0.0, False
            for k in range(len(self.split)):
                left = b[2 * k + 1] - b[2 * k]
                if left <= 0:
                    continue
                first, later, count = t[3 * k], t[3 * k + 1], t[3 * k + 2]
                if k in warm:
                    g = left * (later / count if count else max(first, 0.0)) + 1.0
                elif first < 0 or not count:
                    wait = True
                    continue
                else:
                    a = later / count
                    if left * a > a + HELPER_START:
                        self.want[w] = k
                        return None
                    continue
                if g > gain:
                    best, gain = k, g
            if best is None:
                return _WAIT if wait else None
            b[2 * best + 1] -= 1
            self.taken[w] = self.split[best][b[2 * best + 1]]
            return self.split[best][b[2 * best + 1]], best

    def helpers_wanted(self, lane: int) -> list[int]:
        """The helper slots to fork for `lane` now (noted as forked): the cores handed to it, while
        it has two jobs or more left (a worker forks them between two jobs)."""
        b = self.bounds
        workers = len(self.want)
        with b.get_lock():
            if b[2 * lane + 1] - b[2 * lane] < 2:
                return []
            slots = [w for w in range(workers) if self.want[w] == lane and not self.started[w]]
            for w in slots:
                self.started[w] = 1
        return [workers + w for w in slots]

    def unstarted(self, slot: int) -> None:
        """A helper that could not be forked (the system refused a process)."""
        self.started[slot - len(self.want)] = 0

    def delivered(self, w: int) -> None:
        self.taken[w] = -1

    def done(self, lane: int, seconds: float, *, first: bool) -> None:
        t = self.times
        with self.bounds.get_lock():
            if first:
                if t[3 * lane] < 0:
                    t[3 * lane] = seconds
            else:
                t[3 * lane + 1] += seconds
                t[3 * lane + 2] += 1


class _Failed:
    def __init__(self, text: str):
        self.text = text


def _lost(procs, board: _Board, received: set[int], count: int, w: int | None) -> WorkerLost:
    """The error for a worker or helper (`w`, or any) that ended without finishing: the job it was
    on, if not received, and how many documents were not made."""
    workers = len(procs)
    dead = [k for k, p in enumerate(procs) if k == w or (w is None and p.exitcode not in (None, 0))]
    dead += [
        workers + k
        for k in range(workers)
        if workers + k == w or (w is None and board.started[k] and board.taken[workers + k] != -1)
    ]
    codes = []
    for k in dead:
        if k < workers:
            procs[k].join(1)
            code = procs[k].exitcode
        else:  # a helper: its worker notes how it ended, once it has waited for it
            code = board.codes[k] if board.codes[k] != _NO_CODE else None
        if code is not None:
            codes.append(str(code))
    lost = sorted({board.taken[k] for k in dead} - received - {-1})
    return WorkerLost(
        lost,
        count - len(received),
        f"生成文档的子进程意外退出（退出码 {'、'.join(codes) or '未知'}，可能是内存不足或被结束）",
    )


class WorkerLost(UserError):
    """A worker died: `indices` are the jobs it was making, `unmade` the number of documents not
    received (those among them)."""

    def __init__(self, indices: list[int], unmade: int, message: str):
        super().__init__(message)
        self.indices, self.unmade = indices, unmade
