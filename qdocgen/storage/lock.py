"""One writer at a time: a lock on a folder, held by the commands that change what is in it.

`hold(folder, command)` takes an exclusive lock on `folder/.~qdocgen.lock` for the duration of a
`with` block. The operating system's own locks are used (POSIX `fcntl.lockf` on Linux and macOS,
which network file systems pass on to the server as far as they can; `msvcrt.locking` on
Windows), so a lock is released whenever its process ends, even when it is killed: a lock is
never left behind. The holder writes its command, process id, computer and start time into the
file, so that a second command, after waiting `WAIT` seconds, stops naming who holds it. The
file is removed when the lock is released (a waiting command that then finds itself locking a
removed file tries again), so a folder looks after a command as it did before.

`briefly(path)` is the same lock for a moment's work between a build's own processes (a cache file
they each write): it waits without a word and, failing, goes on unlocked.
"""

from __future__ import annotations

import json
import os
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from datetime import datetime
from pathlib import Path

from qdocgen.errors import UserError, os_error_text

LOCK_NAME = ".~qdocgen.lock"
WAIT = 5.0  # seconds a command waits for another to finish (QDOCGEN_LOCK_WAIT overrides)
_OFFSET = 1 << 30  # the byte locked: far past the holder's note, which stays readable on Windows
_STEP = 0.1
_BRIEF_STEP = 0.005  # briefly's: the lock is held for milliseconds


class Busy(UserError):
    """Another command holds the lock."""


def wait_time() -> float:
    raw = os.environ.get("QDOCGEN_LOCK_WAIT", "").strip()
    try:
        return max(0.0, float(raw)) if raw else WAIT
    except ValueError:
        return WAIT


if sys.platform == "win32":  # pragma: no cover - exercised on Windows only
    import msvcrt

    def _try_lock(fd: int) -> bool:
        os.lseek(fd, _OFFSET, os.SEEK_SET)
        try:
            msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)
            return True
        except OSError:
            return False

    def _unlock(fd: int) -> None:
        os.lseek(fd, _OFFSET, os.SEEK_SET)
        msvcrt.locking(fd, msvcrt.LK_UNLCK, 1)

else:
    import fcntl

    def _try_lock(fd: int) -> bool:
        try:
            fcntl.lockf(fd, fcntl.LOCK_EX | fcntl.LOCK_NB, 1, _OFFSET)
            return True
        except OSError:  # EACCES or EAGAIN: held by another process
            return False

    def _unlock(fd: int) -> None:
        fcntl.lockf(fd, fcntl.LOCK_UN, 1, _OFFSET)


def _same_file(fd: int, path: Path) -> bool:
    """Whether `path` is still the file open as `fd` (not removed by a holder releasing it)."""
    try:
        a, b = os.fstat(fd), os.stat(path)
    except OSError:
        return False
    return (a.st_dev, a.st_ino) == (b.st_dev, b.st_ino) or sys.platform == "win32"


def holder(path: Path) -> str:
    """Who holds the lock at `path`, in words ('qdocgen collect（进程 123，自 14:03:05 起）')."""
    try:
        note = json.loads(Path(path).read_text(encoding="utf-8").split("\n", 1)[0])
        since = datetime.fromisoformat(note["since"]).strftime("%Y-%m-%d %H:%M:%S")
        where = f"，计算机 {note['host']}" if note.get("host") and note["host"] != _host() else ""
        return f"“{note['command']}”（进程 {note['pid']}{where}，{since} 开始）"
    except (OSError, ValueError, KeyError, TypeError, IndexError):
        return "另一个 qdocgen 命令"


@contextmanager
def hold(folder: Path, command: str, wait: float | None = None) -> Iterator[None]:
    """Hold the lock of `folder` while the block runs; Busy, naming the holder, after `wait` seconds."""
    folder = Path(folder)
    path = folder / LOCK_NAME
    wait = wait_time() if wait is None else wait
    deadline = time.monotonic() + wait
    while True:
        try:
            folder.mkdir(parents=True, exist_ok=True)
            fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o666)
        except OSError as exc:
            raise UserError(f"无法在 {folder} 中建立锁文件 {LOCK_NAME}：{os_error_text(exc)}") from None
        if _try_lock(fd):
            if _same_file(fd, path):
                break
            _unlock(fd)  # the file was removed by the holder releasing it: lock the new one
            os.close(fd)
            continue
        os.close(fd)
        if time.monotonic() >= deadline:
            raise Busy(
                f"{folder} 正由{holder(path)}使用，等待 {wait:g} 秒后仍未结束，本命令未做任何改动。"
                "请等它结束后重试（如确认该命令已不在运行，重试即可：锁随进程结束自动解除）"
            )
        time.sleep(_STEP)
    try:
        note = {
            "command": command,
            "pid": os.getpid(),
            "host": _host(),
            "since": datetime.now().astimezone().replace(microsecond=0).isoformat(),
        }
        os.ftruncate(fd, 0)
        os.lseek(fd, 0, os.SEEK_SET)
        os.write(fd, (json.dumps(note, ensure_ascii=False) + "\n").encode("utf-8"))
    except OSError:
        pass  # the note only helps a waiting command say who holds the lock
    try:
        yield
    finally:
        try:
            os.unlink(path)  # before unlocking: a command waiting on it then sees it removed
        except OSError:
            pass  # Windows keeps an open file; it is reused next time
        try:
            _unlock(fd)
        finally:
            os.close(fd)


@contextmanager
def briefly(path: Path) -> Iterator[None]:
    """The lock on the file `path` (made when missing, left in place) while the block runs: for a
    moment's read-and-write of a file beside it by processes that each take it in turn, as a
    build's workers saving one cache file (each would otherwise write what it read before the
    other wrote). It waits up to WAIT seconds; where the lock cannot be had by then, or the file
    cannot be made, the block runs without it: for caches, where a lost write only makes a later
    run compile again, never an error."""
    try:
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    except OSError:
        yield
        return
    try:
        deadline = time.monotonic() + WAIT
        held = _try_lock(fd)
        while not held and time.monotonic() < deadline:
            time.sleep(_BRIEF_STEP)
            held = _try_lock(fd)
        try:
            yield
        finally:
            if held:
                with suppress(OSError):
                    _unlock(fd)
    finally:
        os.close(fd)


def _host() -> str:
    """This computer's name. socket is imported here: every command imports this module (through
    the journal), few take a lock, and the import costs 5 ms of a build's start."""
    import socket

    return socket.gethostname()
