"""The top-level variables a template uses, found once per version of the template file.

Finding them means compiling the template (for Word, opening the package too), which costs
more than anything else in a rebuild that changes nothing. So the answer is kept by the
template file's SHA-256: in this process, and across builds in the build record
(`known()` / `remember()`), so a rebuild needs no template engine at all.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from pathlib import Path

_BY_HASH: dict[str, frozenset[str]] = {}  # template sha256 → names


def file_hash(path: Path) -> str:
    """The SHA-256 of a template file (read each time: templates are small, and a file edited
    twice within a clock tick must not be taken for the old one)."""
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def used_names(template: Path, find: Callable[[], set[str]]) -> frozenset[str]:
    """The names `template` uses; `find()` (which compiles it) runs only for a version not seen before."""
    try:
        digest = file_hash(template)
    except OSError:  # let the engine say what is wrong with it
        return frozenset(find())
    if digest not in _BY_HASH:
        _BY_HASH[digest] = frozenset(find())
    return _BY_HASH[digest]


def known(hashes: set[str]) -> dict[str, list[str]]:
    """The names found for the templates with these hashes, to keep in a build record."""
    return {h: sorted(_BY_HASH[h]) for h in sorted(hashes) if h in _BY_HASH}


def remember(saved: object) -> None:
    """Take back names kept by `known()` (from a build record; ignored unless well-formed)."""
    if not isinstance(saved, dict):
        return
    for digest, names in saved.items():
        if isinstance(digest, str) and isinstance(names, list) and all(isinstance(n, str) for n in names):
            _BY_HASH.setdefault(digest, frozenset(names))
