"""`qdocgen render --list-vars`: the variables and filters a template can use."""

from __future__ import annotations

from qdocgen.documents.context import VARIABLES
from qdocgen.documents.notice_context import NOTICE_VARIABLES
from qdocgen.render.jinja_env import FILTERS


def variables() -> str:
    lines = ["变量（详见 docs/templates.md）："]
    width = max(map(len, VARIABLES))
    lines += [f"  {name.ljust(width)}  {text}" for name, text in VARIABLES.items()]
    lines.append(
        "通报模板（通报-全市.docx、通报-区.docx）另有（只在 qdocgen notice、build 生成通报时有，render 填写的模板不能用）："
    )
    width = max(map(len, NOTICE_VARIABLES))
    lines += [f"  {name.ljust(width)}  {text}" for name, text in NOTICE_VARIABLES.items()]
    lines.append("过滤器：")
    lines += [f"  {name.ljust(10)}  {text}" for name, (_, text) in FILTERS.items()]
    return "".join(line + "\n" for line in lines)
