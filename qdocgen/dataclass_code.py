"""Dataclasses defined without compiling their methods again in every run.

Python's dataclasses module writes each method it makes (`__init__`, `__repr__`, `__eq__`,
`__hash__`, a frozen class's `__setattr__` and `__delattr__`) as source text and compiles it when
the class is defined. qdocgen defines some fifty dataclasses; compiling their methods took
~45 ms of the ~155 ms its modules take to import, and that import is part of every command's
start (a build's serial part: the workers are forked after it).

The text depends only on the class's fields and options, so the code compiled from each text is
kept: `install()` gives the dataclasses module an `exec` that compiles a text only when it has
not seen it, and otherwise runs the code compiled from it before, in this process or in an
earlier run (read once, at install, from the compile cache folder; written back at exit when
something was added, and by build workers after their first document). The code is what
`exec(text)` would have compiled: the same text, file name and `__future__` flags (those of the
frame calling exec), the same optimisation level and Python bytecode (both in the file's name).
A file that is damaged or holds anything but code is not used (compile_cache checks each file's
SHA-256; the folder is the user's own). This holds for every dataclass defined in the process
after qdocgen is imported, qdocgen's or not: nothing changes for them but the time.
"""

from __future__ import annotations
import __future__

import atexit
import builtins
import importlib.util
import marshal
import os
import sys
from pathlib import Path
from types import CodeType

# Texts kept in the file (a build's come to ~300; loading 1,000 takes ~7 ms, compiling them ~200):
# beyond, only those this run used are written, and nothing if they alone are more (a program
# defining thousands of classes after importing qdocgen would make every start slower otherwise)
MAX_KEPT = 1000
_FUTURE_FLAGS = 0
for _feature in __future__.all_feature_names:
    _FUTURE_FLAGS |= getattr(__future__, _feature).compiler_flag

_CO_OPTIMIZED = 0x1  # inspect.CO_OPTIMIZED: a function's frame
_real_exec = builtins.exec
_codes: dict[tuple[int, str], CodeType] = {}  # (future flags, text) → its code
_used: set[tuple[int, str]] = set()
_added = False
_installed = False


def install() -> None:
    """Have the dataclasses module's exec use the kept code (once per process)."""
    global _installed
    if _installed:
        return
    import dataclasses

    if getattr(dataclasses, "exec", builtins.exec) is not builtins.exec:  # someone else's: left alone
        return
    _installed = True
    _codes.update(_load())
    dataclasses.exec = _exec
    atexit.register(save)


def _exec(source, globals=None, locals=None, /):  # noqa: A002 - exec's own parameter names
    frame = sys._getframe(1)
    if globals is None:  # exec's own default: the caller's scope (dataclasses always gives one)
        globals = frame.f_globals  # noqa: A001
        if locals is None:
            locals = frame.f_locals  # noqa: A001
            if sys.version_info >= (3, 13) and frame.f_code.co_flags & _CO_OPTIMIZED:
                locals = dict(locals)  # noqa: A001 - a function's: exec works on a copy (PEP 667)
    flags = frame.f_code.co_flags & _FUTURE_FLAGS  # the flags exec(text) inherits from its caller
    if type(source) is not str:  # (bytes, a str subclass: compiled here, where the flags are the caller's)
        if isinstance(source, (str, bytes)):
            source = compile(source, "<string>", "exec", flags, True)
        return _real_exec(source, globals, locals)
    key = (flags, source)
    code = _codes.get(key)
    if code is None:
        global _added
        code = _codes[key] = compile(source, "<string>", "exec", key[0], True)
        _added = True
    _used.add(key)
    return _real_exec(code, globals, locals)


def _file() -> Path | None:
    """Where the kept code is: in the compile cache folder (None when the cache is off)."""
    from qdocgen.render import compile_cache

    base = compile_cache.folder()
    if base is None:
        return None
    return base / "dataclasses" / f"{importlib.util.MAGIC_NUMBER.hex()}-O{sys.flags.optimize}"


def _load() -> dict:
    from qdocgen.render import compile_cache

    path = _file()
    # os.path.isfile, not Path.is_file: a folder this user cannot read (made by `sudo qdocgen`, say)
    # is no cache, never an error at `import qdocgen` (Path.is_file raises PermissionError before 3.13)
    if path is None or not os.path.isfile(path) or not compile_cache.safe_once(path.parent.parent):
        return {}  # (no folder made for nothing: a command that defines no new class writes nothing)
    kept = compile_cache.unmarshalled(compile_cache.read_entry(path))
    if not isinstance(kept, dict):
        return {}
    return {
        key: code
        for key, code in kept.items()
        if type(key) is tuple
        and len(key) == 2
        and type(key[0]) is int
        and type(key[1]) is str
        and type(code) is CodeType
    }


def save() -> None:
    """Write what this process compiled to the file, with what the file holds now (another process
    may have added to it since it was read); nothing when nothing was compiled. Called at exit, and
    by a forked build worker after each document that defined one (it skips exit handlers): the
    classes only the workers define are kept too."""
    global _added
    if not _added:
        return
    from qdocgen.render import compile_cache

    path = _file()
    if path is None or not compile_cache.safe_once(path.parent.parent):
        return
    from qdocgen.storage.lock import briefly

    # (two build workers saving at once would each write what they read before the other wrote)
    with briefly(path.parent.parent / "dataclasses.lock"):
        keep = {**_load(), **_codes}
        if len(keep) > MAX_KEPT:
            keep = {key: _codes[key] for key in _used}
            if len(keep) > MAX_KEPT:
                return
        compile_cache.write_entry(path, marshal.dumps(keep), prune=False)
    _added = False
