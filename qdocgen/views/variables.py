"""`qdocgen render --list-vars`: the variables and filters a template can use."""

from __future__ import annotations

from qdocgen.documents.context import VARIABLES
from qdocgen.documents.notice_context import NOTICE_VARIABLES
from qdocgen.documents.user_values import shown
from qdocgen.render.jinja_env import FILTERS


def variables(values: dict | None = None) -> str:
    """The documented variables and filters; and `values`, the user's own (render --set,
    --values, [render.values]), when there are any."""
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
    if values:
        lines.append("自己给出的值（qdocgen.toml 的 [render.values]、--values、--set；只在 qdocgen render 中有）：")
        width = max(map(len, values))
        lines += [f"  {name.ljust(width)}  {shown(value)}" for name, value in values.items()]
    return "".join(line + "\n" for line in lines)
