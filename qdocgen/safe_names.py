"""File names people can read and Windows accepts, and paths that stay in the output folder."""

from __future__ import annotations

import re
from pathlib import Path, PurePosixPath

from qdocgen.errors import UserError

# Characters Windows refuses in a file name, control characters included.
_FORBIDDEN = re.compile(r'[<>:"/\\|?*\x00-\x1f]')
_RESERVED = {"CON", "PRN", "AUX", "NUL", *(f"COM{i}" for i in range(1, 10)), *(f"LPT{i}" for i in range(1, 10))}


def name_problem(name: str) -> str | None:
    """Why `name` cannot be part of a file name, or None when it can."""
    if not name or not name.strip():
        return "名称为空"
    if _FORBIDDEN.search(name):
        return '含有文件名不允许的字符（< > : " / \\ | ? * 或控制字符）'
    if name in (".", "..") or name.endswith((".", " ")):
        return "不能以点或空格结尾"
    if name.split(".")[0].upper() in _RESERVED:
        return "是 Windows 保留的设备名"
    if len(name.encode("utf-8")) > 200:
        return "过长"
    return None


def safe_filename(name: str) -> str:
    """`name` itself when it is a valid file name on Windows; otherwise a UserError."""
    problem = name_problem(name)
    if problem:
        raise UserError(f"文件名“{name}”{problem}")
    return name


def check_inside(out_dir: Path, rel: str) -> Path:
    """The path of `rel` under `out_dir`; refuses one that would land outside it."""
    return all_inside(out_dir, [rel])[0]


def all_inside(out_dir: Path, rels: list[str]) -> list[Path]:
    """check_inside for each of `rels`, the folders they share resolved once (a build's 80 paths
    lie in a dozen folders): a file name adds nothing to its folder's resolved path unless the file
    is itself a symbolic link, which is resolved in full."""
    base = Path(out_dir).resolve()
    folders: dict[tuple[str, ...], Path] = {}
    targets = []
    for rel in rels:
        parts = PurePosixPath(rel).parts
        if not parts or PurePosixPath(rel).is_absolute() or any(p in ("..", "") for p in parts):
            raise UserError(f"输出路径“{rel}”会落到输出文件夹之外，已拒绝")
        for part in parts:
            safe_filename(part)
        folder = folders.get(parts[:-1])
        if folder is None:
            folder = folders[parts[:-1]] = (base.joinpath(*parts[:-1])).resolve()
        target = folder / parts[-1]
        if target.is_symlink():
            target = target.resolve()
        if base != target and base not in target.parents:
            raise UserError(f"输出路径“{rel}”会落到输出文件夹之外，已拒绝")
        targets.append(target)
    return targets
