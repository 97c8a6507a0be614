"""Writing a file safely: `write_atomic` puts bytes in place under a temporary name and renames
them, so a reader never sees half a file, and a file whose bytes are unchanged is not touched at
all; `move_aside` keeps a file someone changed before it is replaced."""

from __future__ import annotations

import os
import stat
import tempfile
import threading
from pathlib import Path

from qdocgen.errors import UserError, os_error_text


def _mode_for(path: Path) -> int:
    """The permission bits the file should have: its current ones, else 0666 less the umask."""
    try:
        return stat.S_IMODE(path.stat().st_mode)
    except OSError:
        return 0o666 & ~_umask()


_UMASK_LOCK = threading.Lock()


def _umask() -> int:
    """The process's umask. Files are written by several threads at once (storage/background.py),
    and reading the umask by setting it and setting it back, two threads at once could leave 0 in
    place: so it is read from /proc where there is one (Linux), else set and restored under a lock."""
    try:
        with open("/proc/self/status", "rb") as status:
            for line in status:
                if line.startswith(b"Umask:"):
                    return int(line.split()[1], 8)
    except (OSError, ValueError, IndexError):
        pass
    with _UMASK_LOCK:
        mask = os.umask(0)
        os.umask(mask)
        return mask


def write_atomic(path: Path, data: bytes) -> bool:
    """Write `data` to `path` via a temporary file and a rename; False if already identical.

    Raises UserError naming the file when it cannot be written (open in Word or WPS on
    Windows, a read-only folder); the old file, if any, is left as it was.
    """
    path = Path(path)
    try:
        if path.is_file() and path.read_bytes() == data:
            return False
    except OSError:
        pass
    tmp_name = None
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        # The process id in the name lets the next command tell a killed command's leftover from a
        # file another command is writing right now (qdocgen/storage/temporaries.py).
        prefix = f".~{path.name[:40]}.{os.getpid()}."
        fd, tmp_name = tempfile.mkstemp(prefix=prefix, suffix=".tmp", dir=path.parent)
        os.chmod(tmp_name, _mode_for(path))  # mkstemp makes 0600; keep the file readable as before
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp_name, path)
        tmp_name = None
        return True
    except PermissionError:
        raise UserError(f"无法写入 {path}：没有写权限，或文件正被 Word、WPS、Excel 打开（请关闭后重试）") from None
    except OSError as exc:
        raise UserError(f"无法写入 {path}：{os_error_text(exc)}") from None
    finally:
        if tmp_name is not None:
            try:
                os.unlink(tmp_name)
            except OSError:
                pass


def move_aside(path: Path) -> Path:
    """Rename `path` to '…（改动备份）.ext' (numbered when that exists) so nothing is lost.

    Used before replacing a file someone changed by hand, such as a form a district filled in.
    """
    path = Path(path)
    for n in range(1, 1000):
        backup = path.with_name(f"{path.stem}（改动备份{'' if n == 1 else n}）{path.suffix}")
        if not backup.exists():
            break
    try:
        os.replace(path, backup)
    except OSError as exc:
        raise UserError(
            f"{path} 被改动过，但无法另存为 {backup.name}，为免丢失没有覆盖：{os_error_text(exc)}"
        ) from None
    return backup
