"""Files written by a few threads while the caller goes on: `write_atomic` for each, its outcome
handed back to the caller's thread in the order the files were given.

`write_atomic` waits for the disk (fsync) before it renames, ~4 ms a file on this machine. A
build's parent writes the documents in the jobs' order as its workers make them, and when the
workers are done it still holds the few made out of order: written one after another, their
waits were most of the time between the last document made and the end of the build. Here
several files wait for the disk at once. Each is still written whole under a temporary name,
synced, then renamed: what a reader, or a command killed at any moment, sees is as before.

    writes = BackgroundWrites()
    writes.submit(path, data, then)  # then(outcome): True/False (written, or the file had these bytes) or a UserError
    writes.after(callback)           # called in its turn among the outcomes
    writes.settle()                  # hand back the outcomes of the files done so far, in order
    writes.settle(wait=True)         # …of every file, waiting for them
    writes.settle(most=32)           # …waiting while more than 32 are held
    writes.close()
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path

from qdocgen.errors import UserError
from qdocgen.storage.atomic import write_atomic

THREADS = 4  # files waiting for the disk at once

Outcome = bool | UserError


class BackgroundWrites:
    def __init__(self, threads: int = THREADS):
        self._pool = ThreadPoolExecutor(threads, thread_name_prefix="qdocgen-write")
        self._pending: deque[tuple[Future, Callable[[object], None]]] = deque()

    def submit(self, path: Path, data: bytes, then: Callable[[Outcome], None]) -> None:
        """Write `data` to `path` (write_atomic); a later settle() calls `then(outcome)`."""
        self._pending.append((self._pool.submit(_write, path, data), then))

    def after(self, then: Callable[[], None]) -> None:
        """Have a later settle() call `then()` once the files submitted before it are written, so
        that what the caller records keeps the order of what it gave."""
        done: Future = Future()
        done.set_result(None)
        self._pending.append((done, lambda _: then()))

    def settle(self, *, wait: bool = False, most: int | None = None) -> None:
        """Call each `then` whose file is written, in the order given, stopping at the first file
        not yet written (with `wait`, waiting for each; with `most`, waiting while more than `most`
        are still held: a disk slower than the caller must not have it hold every file's bytes)."""
        while self._pending and (
            wait or self._pending[0][0].done() or (most is not None and len(self._pending) > most)
        ):
            future, then = self._pending[0]
            future.exception()  # waits; interrupted (Ctrl-C), the file is still one to settle
            self._pending.popleft()
            then(future.result())

    def close(self) -> None:
        """Wait for every file given and end the threads (outcomes not settled are dropped)."""
        self._pool.shutdown(wait=True)


def _write(path: Path, data: bytes) -> Outcome:
    try:
        return write_atomic(path, data)
    except UserError as exc:
        return exc
