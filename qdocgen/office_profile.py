"""A LibreOffice user profile made once and copied for each LibreOffice that `build --pdf` starts.

Each LibreOffice that converts needs a profile folder of its own (two sharing one hand their work
to each other), and one started with an empty folder first fills it: the configuration, the
bundled extensions' registry, the Basic library, the gallery, and a run of its graphics tests —
~0.3 s of CPU per start on the 2-core machine, where the conversions of a build share two cores.
So the profile of the first LibreOffice that ends by itself (exit 0) after converting is kept in
the cache folder (qdocgen/render/compile_cache.py: the same folder, the same rule that it must be
the user's own), and later starts copy it into their private folder.

The kept profile is keyed by what decides its contents: which LibreOffice (its program files'
paths, sizes and times: an update makes a new one) and the locale settings it was started with.
It is put in place whole (copied to a temporary folder, then renamed), never with LibreOffice's
lock file, and forgotten when a LibreOffice started from it ends with an error (or stops
answering) before it got to any file: qdocgen/pdf.py then converts that batch again with a profile
LibreOffice makes. Anything that goes wrong here leaves LibreOffice to make its profile as before,
never fails a build: a folder this user cannot read (made by `sudo qdocgen`, say) is no profile
(os.path's checks, not Path's, which raise PermissionError there before Python 3.13).
"""

from __future__ import annotations

import hashlib
import os
import shutil
import tempfile
import time
from pathlib import Path

from qdocgen.render.compile_cache import folder, safe_once

_LOCALE = ("LC_ALL", "LC_MESSAGES", "LANG", "LANGUAGE")
_PROGRAM_FILES = ("versionrc", "version.ini", "soffice.bin", "soffice.exe", "soffice")
_LEFT_OUT = (".lock", ".~lock*", "temp", "backup", "crash")  # a running LibreOffice's, never a profile's
_STALE = 3600  # seconds: a staging folder older than this is a killed build's, not a running one's


def kept(soffice: str) -> Path | None:
    """Where the profile for `soffice` is kept (whether or not it is there yet), None without a
    cache folder that is the user's own."""
    base = folder()
    if base is None or not safe_once(base):
        return None
    key = hashlib.sha256()
    try:
        program = Path(os.path.realpath(soffice))
        for path in (program, *(program.parent / name for name in _PROGRAM_FILES)):
            if path.is_file():
                info = path.stat()
                key.update(f"{path}\0{info.st_size}\0{info.st_mtime_ns}\0".encode("utf-8", "surrogateescape"))
    except OSError:
        return None
    for name in _LOCALE:
        key.update(f"{name}={os.environ.get(name, '')}\0".encode("utf-8", "surrogateescape"))
    return base / "office-profile" / key.hexdigest()[:24]


def copy_into(soffice: str, profile: Path) -> bool:
    """Fill the empty folder `profile` with the kept profile; False when there is none (or it
    could not be copied: `profile` is then left absent, for LibreOffice to make)."""
    source = kept(soffice)
    if source is None or not os.path.isdir(source):
        return False
    try:
        shutil.copytree(source, profile)
    except (OSError, shutil.Error):
        shutil.rmtree(profile, ignore_errors=True)
        return False
    return True


def keep(soffice: str, profile: Path) -> None:
    """Keep the profile a LibreOffice made and ended with, unless one is kept already."""
    target = kept(soffice)
    if target is None or os.path.lexists(target) or not os.path.isdir(profile / "user"):
        return
    try:
        target.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        _sweep(target.parent)
        staging = Path(tempfile.mkdtemp(dir=target.parent, prefix=".~"))
    except OSError:
        return
    try:
        shutil.copytree(profile, staging / "p", ignore=shutil.ignore_patterns(*_LEFT_OUT))
        os.rename(staging / "p", target)  # whole or not at all; another build's, if first, stays
    except (OSError, shutil.Error):
        pass
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def forget(soffice: str) -> None:
    """Remove the kept profile (a LibreOffice started from it failed before converting anything)."""
    target = kept(soffice)
    if target is None or not os.path.isdir(target):
        return
    try:
        doomed = Path(tempfile.mkdtemp(dir=target.parent, prefix=".~"))
    except OSError:
        return
    try:  # renamed away first, so that no start copies it half removed
        os.rename(target, doomed / "p")
    except OSError:  # (another build's forget was first, or Windows: a start is copying it)
        pass
    shutil.rmtree(doomed, ignore_errors=True)


def _sweep(parent: Path) -> None:
    """Remove the staging folders (`.~…`) that a build killed while keeping or forgetting a profile
    left in `parent`: nothing else ever would, and each holds a whole profile."""
    now = time.time()
    with os.scandir(parent) as entries:
        for entry in entries:
            try:
                stale = entry.name.startswith(".~") and now - entry.stat(follow_symlinks=False).st_mtime > _STALE
            except OSError:  # (gone meanwhile: another build's, renamed into place)
                continue
            if stale:
                shutil.rmtree(entry.path, ignore_errors=True)
