"""Compiled templates kept between runs, so that a build does not compile the same template again.

Compiling a Word template (parsing its Jinja, generating Python and compiling that) costs more
than rendering it, and a user's templates seldom change between two builds. So the compiled code
of each source, and the variables it uses, are kept in a per-user cache folder, each entry keyed
by everything that decides it: the source text, the environment's settings and the names of its
filters and tests (where each is defined and what jinja passes it), and the versions of qdocgen's
own source (every module: Jinja runs filters on constants while compiling), of Jinja and of
Python's bytecode. Jinja's own BytecodeCache does the same for templates loaded by name;
qdocgen's come from strings, so it keeps its own.

An entry carries the SHA-256 of what it holds: a damaged, unreadable or unwritable cache is never
an error and never a wrong result — the source is compiled as if there were no cache.

Where: QDOCGEN_CACHE_DIR if set ("" or "off" turns the cache off); else the platform's cache
folder — $XDG_CACHE_HOME/qdocgen or ~/.cache/qdocgen on Linux, ~/Library/Caches/qdocgen on
macOS, %LOCALAPPDATA%\\qdocgen\\Cache on Windows.
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import marshal
import os
import sys
import tempfile
from functools import cache
from pathlib import Path
from types import CodeType

from qdocgen.code_stamp import code_stamp

_HEADER = b"qdocgen-cache-1\n"
MAX_ENTRIES = 5000  # beyond this, the oldest entries are removed when one is added


def folder() -> Path | None:
    """The cache folder, or None when there is none (turned off, or no home folder)."""
    environ = os.environ
    asked = tuple(environ.get(name) for name in _FOLDER_FROM)
    if asked not in _FOLDERS:  # found once per setting (asked for every template compiled)
        if len(_FOLDERS) >= 16:
            _FOLDERS.clear()
        _FOLDERS[asked] = _folder()
    return _FOLDERS[asked]


_FOLDER_FROM = (
    "QDOCGEN_CACHE_DIR",
    "LOCALAPPDATA",
    "XDG_CACHE_HOME",
    "HOME",
    "USERPROFILE",
    "HOMEDRIVE",
    "HOMEPATH",
)  # what _folder reads
_FOLDERS: dict[tuple, Path | None] = {}


def _folder() -> Path | None:
    wanted = os.environ.get("QDOCGEN_CACHE_DIR")
    if wanted is not None:
        return None if wanted.strip().lower() in ("", "off", "0", "no", "none") else Path(wanted)
    try:
        if sys.platform == "win32":
            base = os.environ.get("LOCALAPPDATA")
            return Path(base) / "qdocgen" / "Cache" if base else None
        if sys.platform == "darwin":
            return Path.home() / "Library" / "Caches" / "qdocgen"
        return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "qdocgen"
    except (RuntimeError, KeyError):  # no home folder
        return None


@cache
def _versions() -> bytes | None:
    """The versions of everything a compilation may run or consult: qdocgen's own source (Jinja
    folds filter calls on constants at compile time, so fmt.py's rounding, say, is in the code),
    Jinja and Python's bytecode (MarkupSafe's escaping runs when rendering, not compiled in).
    None when qdocgen's source cannot be read."""
    import jinja2

    qdocgen = sys.modules[__name__.partition(".")[0]]  # loaded before any of its modules (its
    # __init__ uses this one, through dataclass_code: an import here would be a circle)
    digest = hashlib.sha256()
    try:
        package = Path(qdocgen.__file__).resolve().parent
        for path in sorted(package.rglob("*.py")):
            digest.update(path.relative_to(package).as_posix().encode() + b"\0")
            digest.update(path.read_bytes())
    except (OSError, ValueError):
        return None
    return b"\0".join(
        [
            qdocgen.__version__.encode(),
            jinja2.__version__.encode(),
            importlib.util.MAGIC_NUMBER,
            digest.digest(),
        ]
    )


def _callable_name(func) -> tuple:
    """A filter's or test's identity as compiled code depends on it: where it is defined and
    which argument jinja passes it first (context, eval context, environment or none)."""
    from jinja2.utils import _PassArg

    target = getattr(func, "__wrapped__", func)
    passed = _PassArg.from_obj(func)
    return (
        getattr(target, "__module__", None) or type(target).__module__,
        getattr(target, "__qualname__", None) or type(target).__qualname__,
        passed.name if passed is not None else None,
    )


def env_key(env) -> bytes | None:
    """What besides the source decides a compilation in `env` (None: not cacheable).

    Asked for every template and expression compiled (a hundred per Excel template): the key
    is kept on the environment with what it was made from — the versions, its settings, and its filters,
    tests, extensions and policies as the very objects they are — and made again only when
    one of those differs."""
    if not isinstance(env.autoescape, bool) or env.finalize is not None or env.is_async:
        return None
    versions = _versions()
    if versions is None:
        return None
    scalars = (
        type(env),
        env.code_generator_class,
        env.context_class,
        env.block_start_string,
        env.block_end_string,
        env.variable_start_string,
        env.variable_end_string,
        env.comment_start_string,
        env.comment_end_string,
        env.line_statement_prefix,
        env.line_comment_prefix,
        env.trim_blocks,
        env.lstrip_blocks,
        env.newline_sequence,
        env.keep_trailing_newline,
        env.autoescape,
        env.optimized,
    )
    # (the objects are kept with the key, so no other object can take one of their ids)
    made_of = (
        versions,
        scalars,
        tuple(env.filters),  # the names, and the objects' ids in the same order
        tuple(map(id, env.filters.values())),
        tuple(env.tests),
        tuple(map(id, env.tests.values())),
        tuple((name, id(f)) for name, f in env.extensions.items()),
        tuple((k, id(v) if callable(v) else repr(v)) for k, v in env.policies.items()),
    )
    kept = getattr(env, "_qdocgen_cache_key", None)
    if kept is not None and kept[0] == made_of:
        return kept[1]
    settings = (
        type(env).__module__,
        type(env).__qualname__,
        env.code_generator_class.__qualname__,
        env.context_class.__qualname__,
        *scalars[3:],
        sorted((name, _callable_name(f)) for name, f in env.filters.items()),
        sorted((name, _callable_name(f)) for name, f in env.tests.items()),
        sorted(env.extensions),
        sorted((k, _callable_name(v) if callable(v) else repr(v)) for k, v in env.policies.items()),
    )
    key = versions + b"\0" + repr(settings).encode()
    try:
        objects = (dict(env.filters), dict(env.tests), dict(env.extensions), dict(env.policies))
        env._qdocgen_cache_key = (made_of, key, objects)
    except AttributeError:  # an environment that takes no new attributes: made each time
        pass
    return key


def _safe(base: Path) -> bool:
    """Whether the cache folder is the user's own: the code kept there is run, so a folder
    another user could write to (a shared QDOCGEN_CACHE_DIR) is not used (POSIX; on Windows the
    user's LOCALAPPDATA is private by default)."""
    if os.name != "posix":
        return True
    try:
        base.mkdir(mode=0o700, parents=True, exist_ok=True)
        info = base.stat()
    except OSError:
        return False
    return info.st_uid == os.getuid() and not info.st_mode & 0o022


def _path(kind: str, key: bytes, source: str) -> Path | None:
    base = folder()
    if base is None or not safe_once(base):
        return None
    digest = hashlib.sha256(kind.encode() + b"\0" + key + b"\0" + source.encode("utf-8", "surrogatepass")).hexdigest()
    return Path(os.path.join(base, "templates", digest[:2], digest[2:]))  # base / "templates" / …, one Path made


def read_entry(path: Path | None) -> bytes | None:
    """What `write_entry` wrote at `path`, or None (no entry, unreadable, or damaged)."""
    if path is None:
        return None
    try:
        blob = path.read_bytes()
    except OSError:
        return None
    head = len(_HEADER)
    if blob[:head] != _HEADER or hashlib.sha256(blob[head + 32 :]).digest() != blob[head : head + 32]:
        return None
    return blob[head + 32 :]


def write_entry(path: Path | None, payload: bytes, *, prune: bool = True) -> None:
    """`payload` at `path` with its SHA-256, put in place whole; nothing when it cannot be. With
    `prune`, the entries beside `path`'s folder are kept under MAX_ENTRIES."""
    if path is None:
        return
    try:
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".~", suffix=".tmp")
        try:
            with os.fdopen(fd, "wb") as f:
                f.write(_HEADER + hashlib.sha256(payload).digest() + payload)
            os.replace(tmp, path)  # two processes writing the same entry write the same bytes
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        if prune:
            _prune(path.parent.parent)
    except OSError:
        pass


_PRUNE_CHECKED: set[Path] = set()
_SAFE: dict[Path, bool] = {}


def safe_once(base: Path) -> bool:
    """`_safe(base)`, asked once per process and folder."""
    if base not in _SAFE:
        _SAFE[base] = _safe(base)
    return _SAFE[base]


def _prune(root: Path) -> None:
    """Keep the cache under MAX_ENTRIES entries (checked once per process and folder)."""
    if root in _PRUNE_CHECKED:
        return
    _PRUNE_CHECKED.add(root)
    entries = [p for p in root.glob("*/*") if p.is_file()]
    if len(entries) <= MAX_ENTRIES:
        return
    entries.sort(key=lambda p: p.stat().st_mtime)
    for p in entries[: len(entries) - MAX_ENTRIES // 2]:
        p.unlink(missing_ok=True)


def code(kind: str, key: bytes | None, source: str) -> CodeType | None:
    """The compiled code kept for `source`, or None."""
    if key is None:
        return None
    value = unmarshalled(read_entry(_path(kind, key, source)))
    return value if isinstance(value, CodeType) else None


def unmarshalled(blob: bytes | None) -> object:
    """An entry's bytes as marshal wrote them; None without an entry or when they are not marshal's.
    The caller checks every value's type: an entry is only as right as the checksum says."""
    if blob is None:
        return None
    try:
        return marshal.loads(blob)  # noqa: S302 - written by this user's qdocgen into a folder only they can write (_safe)
    except (ValueError, EOFError, TypeError):
        return None


def keep_code(kind: str, key: bytes | None, source: str, value: CodeType) -> None:
    if key is not None:
        write_entry(_path(kind, key, source), marshal.dumps(value))


def names(key: bytes | None, source: str) -> frozenset[str] | None:
    """The variables kept as used by `source`, or None."""
    if key is None:
        return None
    blob = read_entry(_path("names", key, source))
    if blob is None:
        return None
    try:
        value = json.loads(blob)
    except ValueError:
        return None
    if not isinstance(value, list) or not all(isinstance(n, str) for n in value):
        return None
    return frozenset(value)


def keep_names(key: bytes | None, source: str, value: set[str]) -> None:
    if key is not None:
        write_entry(_path("names", key, source), json.dumps(sorted(value), ensure_ascii=False).encode())


def data(kind: str, source: str) -> bytes | None:
    """The bytes kept under `kind` for `source` (what else decides them is the caller's to put in
    `source`; qdocgen's, Jinja's and Python's versions are in the key), or None."""
    versions = _versions()
    return None if versions is None else read_entry(_path(kind, versions, source))


def keep_data(kind: str, source: str, payload: bytes) -> None:
    versions = _versions()
    if versions is not None:
        write_entry(_path(kind, versions, source), payload)


def facts(kind: str, source: str) -> bytes | None:
    """Bytes kept under `kind` for `source` by code that derives them from the user's files, not
    from templates (the plan's YAML parsed, the last time a form came in): the caller puts in
    `source` what its result follows from (the file's bytes, the library that read them), and the
    key has qdocgen's code as it is on disk (`code_stamp`: each module's name, size and time of
    change), which is found without reading the source or importing Jinja, as `data`'s key is."""
    stamp = code_stamp()
    return None if stamp is None else read_entry(_path(kind, stamp.encode(), source))


def keep_facts(kind: str, source: str, payload: bytes) -> None:
    stamp = code_stamp()
    if stamp is not None:
        write_entry(_path(kind, stamp.encode(), source), payload)
