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
    parts = PurePosixPath(rel).parts
    if not parts or PurePosixPath(rel).is_absolute() or any(p in ("..", "") for p in parts):
        raise UserError(f"输出路径“{rel}”会落到输出文件夹之外，已拒绝")
    for part in parts:
        safe_filename(part)
    base = Path(out_dir).resolve()
    target = (base / Path(*parts)).resolve()
    if base != target and base not in target.parents:
        raise UserError(f"输出路径“{rel}”会落到输出文件夹之外，已拒绝")
    return target
