"""Files an earlier build wrote under a name the documents no longer have.

A document keeps its kind (its folder, the template it comes from, its period and unit) but may
change its name: a district's notice becomes a 反馈函 when [notice] district_genre changes, a subject is
renamed. The build that writes the new file removes the old one when the record shows it wrote
it and nobody has changed it since (with the PDF made from it); a file someone changed is kept
and named, never deleted. Either way the record forgets the old name, so it is said once.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from qdocgen.errors import os_error_text


def _kind(path: str, entry: dict) -> tuple:
    """What a document is, whatever its name: its folder, period, unit and templates."""
    return (str(Path(path).parent), entry.get("period"), entry.get("district"), tuple(entry.get("templates") or ()))


def retire_renamed(out_dir: Path, outputs: dict[str, dict], current: dict[str, dict], done: set[str]) -> list[str]:
    """Remove the files of `outputs` (the record's entries by path) that a document of `current`
    (this build's entries by path) now replaces under another name, once that document is in
    place (its path in `done`); the lines that say what was done, in the record's order."""
    by_kind: dict[tuple, list[str]] = {}
    for path, entry in current.items():
        by_kind.setdefault(_kind(path, entry), []).append(path)
    lines = []
    for old, entry in list(outputs.items()):
        if old in current:
            continue
        heirs = by_kind.get(_kind(old, entry), [])
        if len(heirs) != 1 or heirs[0] not in done or not entry.get("templates") or not entry.get("period"):
            continue  # not one document's old name (another kind, or a build of other periods)
        new = heirs[0]
        target = out_dir / old
        del outputs[old]
        if not target.is_file():
            continue
        try:
            unchanged = hashlib.sha256(target.read_bytes()).hexdigest() == entry.get("sha256")
        except OSError:
            unchanged = False
        if not unchanged:
            lines.append(f"保留 {old}（已改名为 {Path(new).name}；原文件不是上次生成的，可能有人改动过，请自行处理）")
            continue
        from qdocgen.pdf import pdf_of  # here: a build with nothing renamed never loads the PDF code

        pdf = pdf_of(target)
        try:
            target.unlink()
            if pdf.is_file() and entry.get("pdf_of") == entry.get("sha256"):
                pdf.unlink()
        except OSError as exc:
            lines.append(f"保留 {old}（已改名为 {Path(new).name}，但无法删除旧文件：{os_error_text(exc)}）")
            continue
        lines.append(f"删除 {old}（已改名为 {Path(new).name}）")
    return lines
