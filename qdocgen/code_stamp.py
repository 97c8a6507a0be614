"""qdocgen's own code as it is on disk, in one digest: each module's name, size and time of change.

Any edit to the code changes it, which is what a record or a cache of results qdocgen's code
computed needs to know (build_inputs' digest of a build's inputs; compile_cache's `facts`, the
plan's parsed YAML and the like). Found once per process: the code does not change under a
running command.
"""

from __future__ import annotations

import hashlib
import os
from functools import cache
from pathlib import Path


@cache
def code_stamp() -> str | None:
    """The digest, or None when the code is not on disk (a frozen or zipped qdocgen, whose code
    cannot be seen)."""
    root = Path(__file__).resolve().parent
    seen = []
    for folder, subfolders, files in os.walk(root):
        subfolders[:] = sorted(d for d in subfolders if d != "__pycache__")
        for name in sorted(files):
            if name.endswith(".py") and not name.startswith("."):  # not an editor's lock file (.#load.py)
                try:
                    st = os.stat(os.path.join(folder, name))
                except OSError:  # a file going or gone (an upgrade half done): the code cannot be told
                    return None
                seen.append(f"{os.path.relpath(os.path.join(folder, name), root)}:{st.st_size}:{st.st_mtime_ns}")
    if not seen:
        return None
    return hashlib.sha256("\n".join(seen).encode("utf-8")).hexdigest()


def library_stamp(*modules: str) -> str:
    """The installed versions of the libraries `modules` (their top-level packages or extension
    modules), found without importing them: each one's file, size and time of change (a reinstall
    changes them)."""
    import importlib.util

    out = []
    for name in modules:
        try:
            spec = importlib.util.find_spec(name)
            info = os.stat(spec.origin) if spec is not None and spec.origin else None
        except (ImportError, ValueError, OSError):
            info = None
        out.append(f"{name}={spec.origin}:{info.st_size}:{info.st_mtime_ns}" if info else f"{name}=?")
    return "\n".join(out)
