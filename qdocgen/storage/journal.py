"""Changing several files together or not at all: a journal written before them.

`commit(folder, files, command)` first writes every new file's bytes, with a digest of what each
file held before, into one journal file (`folder/.~qdocgen-journal.json`, itself written under a
temporary name, flushed to disk and renamed into place), then puts the files in place one by one
(each by write_atomic), then removes the journal. A command killed at any instant leaves either
no journal (nothing changed, or everything did) or a whole one: `recover` (run by the next command
that takes the folder's lock, before it reads anything) finishes it, writing what is still
missing, and says so. A file changed by hand after the interruption is neither overwritten nor
taken as written: recovery stops, naming it.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path

from qdocgen.errors import UserError
from qdocgen.storage import lock, temporaries
from qdocgen.storage.atomic import write_atomic

JOURNAL = ".~qdocgen-journal.json"


def _digest(data: bytes | None) -> str | None:
    return None if data is None else hashlib.sha256(data).hexdigest()


def _read(path: Path) -> bytes | None:
    try:
        return path.read_bytes()
    except FileNotFoundError:
        return None


def _sync_folder(folder: Path) -> None:
    """Make the renames in `folder` durable (POSIX; Windows has no such call and needs none)."""
    if not hasattr(os, "O_DIRECTORY"):
        return
    try:
        fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def _write_atomic(path: Path, data: bytes) -> bool:
    return write_atomic(path, data)


def commit(folder: Path, files: list[tuple[Path, bytes]], command: str) -> list[Path]:
    """Write `files` (each a path in `folder` and its new bytes) together; the paths that changed.

    The caller holds the folder's lock. If a file cannot be written (a full disk, no permission),
    those already written are put back as they were and the error is raised: nothing changed.
    """
    folder = Path(folder)
    before = {path: _read(path) for path, _ in files}
    changing = [(path, data) for path, data in files if before[path] != data]
    if not changing:
        return []
    record = {
        "command": command,
        "started": datetime.now().astimezone().replace(microsecond=0).isoformat(),
        "files": [
            {"name": path.name, "before": _digest(before[path]), "data": base64.b64encode(data).decode("ascii")}
            for path, data in changing
        ],
    }
    journal = folder / JOURNAL
    blob = json.dumps(record, ensure_ascii=False).encode("utf-8")
    _write_atomic(journal, blob + b"\n" + hashlib.sha256(blob).hexdigest().encode("ascii") + b"\n")
    _sync_folder(folder)
    done: list[Path] = []
    try:
        for path, data in changing:
            _write_atomic(path, data)
            done.append(path)
    except BaseException:
        try:  # put back what was written, then the journal is void
            for path in done:
                old = before[path]
                if old is None:
                    path.unlink(missing_ok=True)
                else:
                    _write_atomic(path, old)
            journal.unlink(missing_ok=True)
        except (OSError, UserError):
            pass  # left for the next command to finish from the journal
        raise
    _sync_folder(folder)
    journal.unlink()
    _sync_folder(folder)
    return [path for path, _ in changing]


def pending(folder: Path) -> bool:
    """Whether an interrupted commit, a killed command's temporary file or lock file, waits in `folder`."""
    folder = Path(folder)
    return any((folder / name).exists() for name in (JOURNAL, lock.LOCK_NAME)) or any(folder.glob(temporaries.PATTERN))


def recover(folder: Path) -> list[str]:
    """Finish an interrupted commit in `folder` and remove stray temporary files; what was done,
    in words. The caller holds the folder's lock."""
    folder = Path(folder)
    said = []
    journal = folder / JOURNAL
    raw = _read(journal)
    if raw is not None:
        said.append(_finish(folder, journal, raw))
    removed = temporaries.clean(folder, locked=True)
    if removed:
        said.append(
            f"已删除被中断的命令留在 {folder} 中的 {len(removed)} 个临时文件（"
            + "、".join(p.name for p in removed[:5])
            + ("等" if len(removed) > 5 else "")
            + "），其内容从未生效"
        )
    return said


def _finish(folder: Path, journal: Path, raw: bytes) -> str:
    body, _, check = raw.rstrip(b"\n").rpartition(b"\n")
    try:
        if hashlib.sha256(body).hexdigest().encode("ascii") != check.strip():
            raise ValueError("digest")
        record = json.loads(body.decode("utf-8"))
        files = [(folder / f["name"], base64.b64decode(f["data"]), f["before"]) for f in record["files"]]
        command, started = record["command"], record["started"]
    except (ValueError, KeyError, TypeError):
        # Only a whole journal is ever renamed into place; one that does not read was damaged
        # afterwards, and says nothing that can be trusted: nothing is taken from it.
        journal.unlink(missing_ok=True)
        return f"{journal} 已损坏，无法读取，已删除（完成值文件和收集记录保持现状，请用 qdocgen check 核对）"
    conflicts = []
    for path, data, before in files:
        now = _digest(_read(path))
        if now not in (before, _digest(data)):
            conflicts.append(path.name)
    if conflicts:
        raise UserError(
            f"{started[:19].replace('T', ' ')} 开始的“{command}”被中断，未写完；之后 {'、'.join(conflicts)} "
            f"又被改动过，无法自动补完。请核对这些文件，确认无误后删除 {journal}，再重新运行该命令"
        )
    written = [path.name for path, data, _ in files if _write_atomic(path, data)]
    _sync_folder(folder)
    journal.unlink()
    _sync_folder(folder)
    when = started[:19].replace("T", " ")
    if written:
        return f"{when} 开始的“{command}”曾被中断，已按其日志补完：写入 {'、'.join(written)}"
    return f"{when} 开始的“{command}”曾在写完之后、结束之前被中断，文件已是完整的，无需补写"


@contextmanager
def changing(folder: Path, command: str) -> Iterator[list[str]]:
    """Hold `folder`'s lock for a command that changes files in it, after finishing whatever an
    interrupted one left; yields what recovery did, in words."""
    with lock.hold(folder, command):
        yield recover(folder)


def recover_if_needed(folder: Path, command: str = "qdocgen") -> list[str]:
    """For a command that only reads `folder`: finish an interrupted commit first, if one waits
    (taking the lock, so never while a command is still writing)."""
    if not pending(folder):
        return []
    try:
        with lock.hold(folder, command):
            return recover(folder)  # (and the lock file a killed command left is removed)
    except lock.Busy:
        if (Path(folder) / JOURNAL).exists():
            raise  # a commit under way: its files are read once it is done
        return []  # another command is reading or comparing: nothing to finish
