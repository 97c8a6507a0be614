"""Temporary files a killed command left behind (`.~<name>.<pid>.<random>.tmp`, see write_atomic).

A file is written under such a name and renamed into place; a command killed in between leaves
it. The next command removes those of processes no longer running (by the process id in the
name; on Windows, where that cannot be asked safely, those older than `STALE` seconds), and in a
folder it holds the lock of, all of them.
"""

from __future__ import annotations

import os
import re
import sys
import time
from pathlib import Path

PATTERN = ".~*.tmp"
_PID = re.compile(r"^\.~.*\.(\d+)\.[^.]+\.tmp$")
STALE = 600.0


def _running(pid: int) -> bool:
    if pid == os.getpid():
        return True
    if sys.platform == "win32":  # os.kill would end the process there
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # PermissionError: someone else's, running
        return True
    return True


def stale(path: Path, *, locked: bool = False) -> bool:
    """Whether the temporary file at `path` belongs to no running command."""
    if locked:
        return True
    m = _PID.match(path.name)
    if m and not _running(int(m.group(1))):
        return True
    try:
        return time.time() - path.stat().st_mtime > STALE and (not m or sys.platform == "win32")
    except OSError:
        return False


def clean(folder: Path, *, recursive: bool = False, locked: bool = False) -> list[Path]:
    """Remove the stale temporary files in `folder` (and below, if `recursive`); those removed."""
    folder = Path(folder)
    if not folder.is_dir():
        return []
    found = folder.rglob(PATTERN) if recursive else folder.glob(PATTERN)
    removed = []
    for path in sorted(found):
        if path.is_file() and stale(path, locked=locked):
            try:
                path.unlink()
                removed.append(path)
            except OSError:
                pass
    return removed
