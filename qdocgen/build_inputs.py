"""Whether a build may keep every document without looking inside any: its inputs, as one digest.

A build normally fingerprints each document from the data it shows (its context), which means
building every context even when nothing changed. When the caller declares every setting that
decides its documents besides the workspace's files (`settings`), the build also keeps one digest
of *all* its inputs: every file the plan and figures are read from, the templates, the settings
in qdocgen.toml and on the command line, the documents to make, SOURCE_DATE_EPOCH, and
qdocgen's own code. When that digest equals the one the last complete build recorded, and every
output file is still there with the bytes that build wrote, nothing can have changed and no
context is built.

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
import sys
from collections.abc import Iterable
from pathlib import Path

from qdocgen import __version__

KEY = "inputs_digest"  # the build record's entry


def inputs_digest(files: str, jobs: Iterable, template_hashes: dict[Path, str], settings: dict) -> str:
    """One digest of everything that decides a build's documents (see the module's text).

    `files`: `files_digest` of the workspace, taken before its plan, figures or settings were
    read (Workspace.files_seen); `jobs`: the build's Jobs."""
    blob = {
        "qdocgen": __version__,
        "code": code_digest(),
        "python": sys.version,
        "files": files,
        "templates": sorted([str(Path(t).resolve()), h] for t, h in template_hashes.items()),
        "jobs": [
            [j.path, j.title, [str(Path(t).resolve()) for t in j.templates], j.period and j.period.key, j.district]
            for j in jobs
        ],
        "settings": {str(k): str(v) for k, v in sorted(settings.items())},
        "epoch": os.environ.get("SOURCE_DATE_EPOCH", ""),
    }
    text = json.dumps(blob, ensure_ascii=False, sort_keys=True)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def code_digest() -> str:
    """qdocgen's source files by name, size and modification time: any edit to the code counts."""
    root = Path(__file__).resolve().parent
    seen = []
    for folder, subfolders, files in os.walk(root):
        subfolders[:] = sorted(d for d in subfolders if d != "__pycache__")
        for name in sorted(files):
            if name.endswith(".py"):
                st = os.stat(os.path.join(folder, name))
                seen.append(f"{os.path.relpath(os.path.join(folder, name), root)}:{st.st_size}:{st.st_mtime_ns}")
    return hashlib.sha256("\n".join(seen).encode("utf-8")).hexdigest()


def files_digest(data_dir: Path, config_path: Path | None) -> str:
    """Every file in the plan data folder and its figures/ folder (what the plan and the figures are
    read from, and more: a file nobody reads costs a precise build, never a stale document), and
    qdocgen.toml. Taken before they are read, so a file saved while a build runs is seen as
    changed by the next build, never as the version the documents were made from."""
    out = _folder_hashes(Path(data_dir))
    out.append(["config", _file_hash(config_path) if config_path is not None else "none"])
    return hashlib.sha256(json.dumps(out, ensure_ascii=False).encode("utf-8")).hexdigest()


def _folder_hashes(data_dir: Path) -> list[list[str]]:
    out = []
    for folder in (data_dir, data_dir / "figures"):
        try:
            entries = sorted(os.scandir(folder), key=lambda e: e.name)
        except OSError:
            out.append([str(folder), "absent"])
            continue
        for entry in entries:
            if entry.is_file():
                out.append([str(Path(entry.path).resolve()), _file_hash(Path(entry.path))])
    return out


def _file_hash(path: Path) -> str:
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError:
        return "unreadable"
