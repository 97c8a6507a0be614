"""Errors a user can act on: each carries a message in Chinese naming the file and place."""

from __future__ import annotations

import errno
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Problem:
    """One thing wrong with an input, located as precisely as the input allows."""

    file: str
    line: int | None
    message: str
    place: str | None = None  # e.g. "填报!E12" for a cell

    def __str__(self) -> str:
        where = self.file
        if self.line is not None:
            where = f"{where}:{self.line}"
        if self.place:
            where = f"{where} {self.place}"
        return f"{where}: {self.message}"


class UserError(Exception):
    """An error caused by input or environment, reported to the user without a traceback."""

    def __init__(self, message: str, problems: list[Problem] | None = None):
        super().__init__(message)
        self.message = message
        self.problems = list(problems or [])

    def __str__(self) -> str:
        lines = [str(p) for p in self.problems]
        if self.message:
            lines.append(self.message)
        return "\n".join(lines)


class DataError(UserError):
    """The plan data or the figures are invalid."""


class TemplateError(UserError):
    """A template could not be read or filled.

    Like jinja's own exceptions, a mistake inside a template carries where it is as fields
    (`template`, the file; `place`, where in it as the user finds it in Word or Excel, see
    qdocgen.render.locate.Place) and formats itself: "模板 省表格.docx 正文第 2 段（“…”）：说明".
    Callers never pre-format a location.
    """

    def __init__(
        self,
        message: str,
        problems: list[Problem] | None = None,
        *,
        template: object | None = None,
        place: object | None = None,
    ):
        super().__init__(message, problems)
        self.template = template
        self.place = place

    def __str__(self) -> str:
        if self.template is None:
            return super().__str__()
        where = f"模板 {self.template}" + (f" {self.place}" if self.place else "")
        return f"{where}：{self.message}"


_ERRNO_TEXT = {
    errno.ENOENT: "文件或文件夹不存在",
    errno.EACCES: "没有权限",
    errno.EPERM: "没有权限",
    errno.EISDIR: "这是一个文件夹，不是文件",
    errno.ENOTDIR: "路径中有一段不是文件夹",
    errno.ENOSPC: "磁盘空间不足",
    errno.EROFS: "文件系统只读",
    errno.EEXIST: "已经存在",
    errno.ENAMETOOLONG: "文件名过长",
    errno.EBUSY: "文件正被占用",
}


def os_error_text(exc: OSError) -> str:
    """An operating-system error in Chinese ("没有权限"), for messages that name the file."""
    return _ERRNO_TEXT.get(exc.errno, exc.strerror or str(exc))


def read_user_text(path: Path) -> str:
    """A text file a user wrote (qdocgen.toml, a --values file), BOM or not; UserError in Chinese
    naming the file when it cannot be read or is not UTF-8."""
    try:
        return Path(path).read_bytes().decode("utf-8-sig")
    except OSError as exc:
        raise UserError(f"无法读取 {path}：{os_error_text(exc)}") from None
    except UnicodeDecodeError:
        raise UserError(f"{path}：不是 UTF-8 编码的文本，请用记事本或 WPS 另存为 UTF-8") from None


def read_template_package(path: Path, blob: bytes | None, kind: str) -> bytes:
    """A template's bytes (`blob` if given, else read from `path`), checked to be a zip package:
    TemplateError naming the file otherwise. `kind`: 'Word 文档（.docx）' or 'Excel 工作簿（.xlsx）'."""
    import io
    import zipfile

    try:
        data = Path(path).read_bytes() if blob is None else blob
    except OSError as exc:
        raise TemplateError(f"无法读取模板 {path}：{os_error_text(exc)}") from None
    if not zipfile.is_zipfile(io.BytesIO(data)):
        raise TemplateError(f"模板 {path} 不是 {kind}")
    return data


def package_error_text(exc: Exception) -> str:
    """Why a .docx/.xlsx could not be opened, in Chinese (libraries say it in English)."""
    import zipfile

    if isinstance(exc, zipfile.BadZipFile):
        return "文件已损坏，或不是 Word/Excel 文件（.docx/.xlsx 实为 zip 压缩包，无法打开）"
    if isinstance(exc, KeyError):
        return f"文件缺少必要的组成部分 {exc}，可能已损坏"
    if isinstance(exc, OSError):
        return os_error_text(exc)
    return f"文件内容无法识别（{type(exc).__name__}: {exc}）"
