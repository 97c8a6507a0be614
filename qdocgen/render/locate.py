"""Where in a template an error happened, in words a Word or Excel user understands."""

from __future__ import annotations

import re

from jinja2 import TemplateSyntaxError

_TAG = re.compile(r"<[^>]+>")


def template_line(exc: BaseException) -> int | None:
    """The template source line an exception points at (syntax or runtime), if known."""
    if isinstance(exc, TemplateSyntaxError) and exc.lineno:
        return exc.lineno
    if isinstance(getattr(exc, "lineno", None), int):  # refused while compiling (jinja_env)
        return exc.lineno
    tb = exc.__traceback__
    line = None
    while tb is not None:
        if tb.tb_frame.f_code.co_filename == "<template>":
            line = tb.tb_lineno
        tb = tb.tb_next
    return line


def docx_place(src: str, lineno: int | None, part: str) -> str:
    """'正文第 12 段（“……”）' or '正文表格 1 第 3 行第 2 列（“……”）' for a line of a prepared part.

    Prepared Word XML has one paragraph per line (docxtpl starts a line at every <w:p>).
    """
    where = {"document": "正文"}.get(part, "页眉页脚" if "header" in part or "footer" in part else part)
    if lineno is None:
        return where
    lines = src.splitlines()
    before = "\n".join(lines[: lineno - 1])
    current = lines[lineno - 1] if 0 < lineno <= len(lines) else ""
    snippet = _TAG.sub("", current).strip()
    if len(snippet) > 30:
        snippet = snippet[:30] + "…"
    quoted = f"（“{snippet}”）" if snippet else ""
    # The line holds the paragraph itself, or a {%p %} tag that took a paragraph of its own.
    paragraph = len(re.findall(r"<w:p[ >]", before)) + 1
    open_tables = before.count("<w:tbl>") + before.count("<w:tbl ") - before.count("</w:tbl>")
    if open_tables > 0:
        table_no = before.count("<w:tbl>") + before.count("<w:tbl ")
        start = max(before.rfind("<w:tbl>"), before.rfind("<w:tbl "))
        inside = before[start:]
        row = len(re.findall(r"<w:tr[ >]", inside))
        last_row = max(inside.rfind("<w:tr>"), inside.rfind("<w:tr "))
        col = len(re.findall(r"<w:tc[ >]", inside[last_row:])) if last_row >= 0 else 0
        return f"{where}表格 {table_no} 第 {row} 行第 {col} 列{quoted}"
    return f"{where}第 {paragraph} 段{quoted}"


def error_text(exc: BaseException) -> str:
    """A short Chinese description of a Jinja error."""
    from jinja2 import TemplateSyntaxError, UndefinedError
    from jinja2.exceptions import SecurityError

    message = getattr(exc, "message", None) or str(exc)
    if isinstance(exc, TemplateSyntaxError):
        return f"模板语法错误：{message}"
    if isinstance(exc, UndefinedError):
        name = re.search(r"'([^']+)' is undefined", message)
        if name:
            return f"未定义的变量“{name.group(1)}”（可用变量见 docs/templates.md 或 qdocgen render --list-vars）"
        attr = re.search(r"has no attribute '([^']+)'", message)
        if attr:
            return f"没有属性“{attr.group(1)}”（可用变量见 docs/templates.md）"
        return f"未定义的变量：{message}"
    if isinstance(exc, SecurityError):
        return f"模板试图访问不允许的内容，已拒绝：{message}"
    if isinstance(exc, OverflowError) and "MAX_RANGE" in message:
        return "模板试图访问不允许的内容，已拒绝：range 最多 100,000 项"
    if isinstance(exc, RecursionError):
        return "模板试图访问不允许的内容，已拒绝：宏或循环递归过深"
    return f"{type(exc).__name__}: {message}"
