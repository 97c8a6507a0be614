"""A LibreOffice user profile made once and copied for each LibreOffice that `build --pdf` starts.

Each LibreOffice that converts needs a profile folder of its own (two sharing one hand their work
to each other), and one started with an empty folder first fills it: the configuration, the
bundled extensions' registry, the Basic library, the gallery — ~0.3 s of CPU per start on the
2-core machine, where the conversions of a build share two cores. So the profile of the first
LibreOffice that ends by itself (exit 0) after converting is kept in the cache folder
(qdocgen/render/compile_cache.py: the same folder, the same rule that it must be the user's own),
and later starts copy it into their private folder.

Every start, too, ran LibreOffice's graphics self-tests (~1 s of CPU: sixteen 4096×4096 bitmaps
drawn and read back, GraphicsRenderTests.log). LibreOffice (7.2 and later) runs them only on the
first start of a new version — when the profile's ooSetupLastVersion is older than the program —
but only its window, never a headless LibreOffice, records the version, so every conversion ran
them again. `seed` records the installed version (read from its registry, main.xcd) in each
profile folder before LibreOffice starts, fresh or copied: the tests are then not run, and what a
converted PDF shows does not change (it is drawn by the PDF export, not on screen). A LibreOffice
whose version cannot be read (no main.xcd where a standard installation has it) starts as before.

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

import functools
import hashlib
import os
import re
import shutil
import tempfile
import time
from pathlib import Path

from qdocgen.render.compile_cache import folder, safe_once

_LOCALE = ("LC_ALL", "LC_MESSAGES", "LANG", "LANGUAGE")
_PROGRAM_FILES = ("versionrc", "version.ini", "soffice.bin", "soffice.exe", "soffice")
_LEFT_OUT = (".lock", ".~lock*", "temp", "backup", "crash")  # a running LibreOffice's, never a profile's
_STALE = 3600  # seconds: a staging folder older than this is a killed build's, not a running one's
# Where LibreOffice's main registry lies beside its program folder: Linux and Windows, then macOS.
_REGISTRY = (("..", "share", "registry", "main.xcd"), ("..", "Resources", "registry", "main.xcd"))
_VERSION = re.compile(rb'<prop oor:name="ooSetupVersion">\s*<value>(\d+\.\d+)</value>')
_SETTINGS = ("user", "registrymodifications.xcu")
_LAST_VERSION = (
    '<item oor:path="/org.openoffice.Setup/Product"><prop oor:name="ooSetupLastVersion" oor:op="fuse">'
    "<value>{}</value></prop></item>\n"
)
_NEW_SETTINGS = (
    '<?xml version="1.0" encoding="UTF-8"?>\n<oor:items xmlns:oor="http://openoffice.org/2001/registry" '
    'xmlns:xs="http://www.w3.org/2001/XMLSchema" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">\n'
    "</oor:items>\n"
)


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


@functools.cache
def version(soffice: str) -> str | None:
    """The installed LibreOffice's version as its configuration says it (“7.4”), None when its
    registry is not where a standard installation has it."""
    program = os.path.dirname(os.path.realpath(soffice))
    for parts in _REGISTRY:
        try:
            with open(os.path.join(program, *parts), "rb") as registry:
                found = _VERSION.search(registry.read())
        except OSError:
            continue
        if found:
            return found.group(1).decode("ascii")
    return None


def seed(soffice: str, profile: Path) -> None:
    """Record the installed version as the last one started in the profile folder `profile` (made
    when absent; its settings file kept otherwise), so that LibreOffice starts without its
    graphics self-tests. Nothing when the version is unknown or the file cannot be written."""
    known = version(soffice)
    if known is None:
        return
    settings = profile.joinpath(*_SETTINGS)
    try:
        text = settings.read_text(encoding="utf-8") if os.path.isfile(settings) else _NEW_SETTINGS
        if "ooSetupLastVersion" in text or "</oor:items>" not in text:
            return  # (recorded already, by LibreOffice or an earlier seed; or not a file it wrote)
        settings.parent.mkdir(parents=True, exist_ok=True)
        at = text.rindex("</oor:items>")
        settings.write_text(text[:at] + _LAST_VERSION.format(known) + text[at:], encoding="utf-8")
    except (OSError, UnicodeError):
        pass
