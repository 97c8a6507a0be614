"""Whether a build may keep every document without looking inside any: its inputs, as one digest.

A build normally fingerprints each document from the data it shows (its context), which means
building every context even when nothing changed. When the caller declares every setting that
decides its documents besides the workspace's files (`settings`), the build also keeps one digest
of *all* its inputs: every file the plan and figures are read from, the templates, the settings
in qdocgen.toml and on the command line, the documents to make, SOURCE_DATE_EPOCH, and
qdocgen's own code. When that digest equals the one the last complete build recorded, and every
output file is still there with the bytes that build wrote, nothing can have changed and no
context is built.

Two guards keep that claim true when the workspace moves under a build. Every file the digest covers
is stat'ed before its bytes are hashed, and the build records its digest only if, once its documents
are made, no such file has been written since (a figure saved as a typo and saved back while the
build read it leaves the same bytes but a new ctime). And the digest is recorded bound to the bytes
of the output files it vouches for (`bound`), not to the record's per-file entries: a build by a
qdocgen that predates the digest rewrites files and entries but leaves the digest as it was.

The digest is deliberately coarse, so its errors go one way: anything it covers that changes
(a comment in plan.yaml, a stray file in figures/, a touched source file) only sends the build
down the precise path, which then remakes exactly what changed. It is written when a build
completes without failures and removed as a build starts its precise path, so an interrupted
build never leaves a digest behind that its half-made outputs do not match.
"""

from __future__ import annotations

import hashlib
import json
import os
import stat
import sys
from collections.abc import Iterable
from pathlib import Path

from qdocgen import __version__
from qdocgen.code_stamp import code_stamp

KEY = "inputs_digest"  # the build record's entry


def inputs_digest(files: str | None, jobs: Iterable, template_hashes: dict[Path, str], settings: dict) -> str | None:
    """One digest of everything that decides a build's documents (see the module's text); None when
    some input could not be read (or qdocgen's code is not on disk), so that none is recorded.

    `files`: the digest of the workspace's files (`files_scan`), taken before its plan, figures or
    settings were read (Workspace.files_seen); `jobs`: the build's Jobs."""
    code = code_stamp()  # qdocgen's code as on disk; None when it cannot be seen
    if files is None or code is None:
        return None
    resolved = {t: str(Path(t).resolve()) for t in template_hashes}  # each template once, not per job
    blob = {
        "qdocgen": __version__,
        "code": code,
        "installed": installed_distributions(),
        "python": sys.version,
        "files": files,
        "templates": sorted([resolved[t], h] for t, h in template_hashes.items()),
        "jobs": [
            [j.path, j.title, [resolved[t] for t in j.templates], j.period and j.period.key, j.district] for j in jobs
        ],
        "settings": {str(k): str(v) for k, v in sorted(settings.items())},
        "epoch": os.environ.get("SOURCE_DATE_EPOCH", ""),
    }
    text = json.dumps(blob, ensure_ascii=False, sort_keys=True)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def installed_distributions() -> list[str]:
    """The installed packages with their versions, as the folders naming them on Python's path say
    (`Babel-2.19.0.dist-info`, …): upgrading python-docx, Babel or any other library sends the next
    build down the precise path. (Listing the folders takes a millisecond; asking importlib.metadata
    for the eight libraries that shape a document took 30.)"""
    found = set()
    for folder in sys.path:
        try:
            names = os.listdir(folder or ".")
        except OSError:
            continue
        found.update(n for n in names if n.endswith((".dist-info", ".egg-info", ".egg-link", ".pth")))
    return sorted(found)


def bound(digest: str, outputs: Iterable[tuple[str, str | None]]) -> str:
    """The digest as recorded: bound to the sha256 of each output file it vouches for."""
    text = json.dumps([digest, sorted([p, h] for p, h in outputs)], ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def files_scan(data_dir: Path, config_path: Path | None) -> tuple[str | None, tuple]:
    """(digest, states) of every file in the plan data folder and its figures/ folder (what the plan
    and the figures are read from, and more: a file nobody reads costs a precise build, never a stale
    document), and qdocgen.toml. Taken before they are read, so a file saved while a build runs is
    seen as changed by the next build, never as the version the documents were made from; `states`
    (each file's inode, size and times, taken before its bytes) let the build see, once its documents
    are made, whether any of them was written since (`unchanged`). The digest is None when a file
    could not be read."""
    states = file_states(data_dir, config_path)
    hashes = [[path, _file_hash(Path(path)) if state is not None else "absent"] for path, state in states]
    if any(h is None for _, h in hashes):
        return None, states
    blob = [[str(Path(path).resolve()), h] for path, h in hashes]
    return hashlib.sha256(json.dumps(blob, ensure_ascii=False).encode("utf-8")).hexdigest(), states


def unchanged(data_dir: Path, config_path: Path | None, states: tuple) -> bool:
    """Whether the files `files_scan` saw are all still there, unwritten, and no other has appeared."""
    return file_states(data_dir, config_path) == states


def file_states(data_dir: Path, config_path: Path | None) -> tuple:
    """(path, file_state) of each file in the data folder and its figures/ folder, and of qdocgen.toml
    (a folder that cannot be listed, or no qdocgen.toml, is there with the state None)."""
    paths = []
    for folder in (Path(data_dir), Path(data_dir) / "figures"):
        try:
            entries = sorted(os.scandir(folder), key=lambda e: e.name)
        except OSError:
            paths.append(folder)
            continue
        paths += [Path(e.path) for e in entries if e.is_file()]
    if config_path is not None:
        paths.append(Path(config_path))
    return tuple((str(path), file_state(path)) for path in paths)


def file_state(path: Path) -> tuple | None:
    """What changes whenever a file is written, even back to the same bytes: its inode, size and
    modification and change times (the change time cannot be set back by any program)."""
    try:
        st = os.stat(path)
    except OSError:
        return None
    if not stat.S_ISREG(st.st_mode):
        return None
    return (st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns, st.st_ctime_ns)


def _file_hash(path: Path) -> str | None:
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError:
        return None
