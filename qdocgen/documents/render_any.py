"""Fill any Word or Excel template with the documented context (`qdocgen render`).

A template may come from anywhere (the province's form, a colleague's table): qdocgen has
never seen it, so all it relies on is the file type and the variables in docs/templates.md.
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

from qdocgen.documents.context import UNSET_GUARDS, VARIABLES, base_context, unset_values
from qdocgen.documents.notice_context import NOTICE_VARIABLES
from qdocgen.errors import TemplateError, UserError
from qdocgen.figures.period import Period
from qdocgen.plan.model import Plan
from qdocgen.progress import Evaluation
from qdocgen.safe_names import check_inside

if TYPE_CHECKING:
    from qdocgen.workspace import Workspace

SUFFIXES = (".docx", ".xlsx")


def _top_level(names) -> set[str]:
    return {re.split(r"[.\[]", part.strip())[0] for key in names for part in key.split(" / ")}


# What a template here is told when it uses a variable only the notice templates get.
NOTICE_ONLY = {
    name: (
        "这是通报模板（通报-全市.docx、通报-区.docx）才有的变量，只在 qdocgen notice、qdocgen build "
        "生成通报时提供；qdocgen render 填写的模板和任务分解表模板不能用（可用变量见 docs/templates.md "
        "或 qdocgen render --list-vars）"
    )
    for name in sorted(_top_level(NOTICE_VARIABLES) - _top_level(VARIABLES))
    if name.isascii() and name.isidentifier()
}


def prepare(path: Path):
    """The prepared engine for a .docx or .xlsx template, compiled once per file version."""
    path = Path(path)
    if path.suffix.lower() not in SUFFIXES:
        raise TemplateError(
            f"模板 {path} 应为 Word（.docx）或 Excel（.xlsx）文件；.doc/.xls/.et/.wps 请先另存为 .docx/.xlsx"
        )
    if not path.is_file():
        raise TemplateError(f"找不到模板 {path}")
    stat = path.stat()
    return _prepare(str(path), path.suffix.lower(), stat.st_mtime_ns, stat.st_size)


@lru_cache(maxsize=32)
def _prepare(path: str, suffix: str, mtime_ns: int, size: int):
    if suffix == ".xlsx":
        from qdocgen.render.xlsx import PreparedXlsx

        engine = PreparedXlsx(Path(path))
    else:
        from qdocgen.render.docx.cached import prepared

        engine = prepared(Path(path), merging=True)  # from an earlier run's preparation when kept
    engine.env.elsewhere = NOTICE_ONLY
    return engine


def fill(
    template: Path,
    plan: Plan,
    *,
    period: Period | None = None,
    district: str | None = None,
    evaluation: Evaluation | None = None,
    values: dict | None = None,
) -> bytes:
    """The template filled with base_context (plus progress when `evaluation` is given, and
    the user's own `values`, see user_values.py); refused before rendering when it needs a
    year, period or district it was not given."""
    context = base_context(plan, period=period, district=district, evaluation=evaluation)
    context.update(values or {})
    engine = prepare(template)
    engine.refuse_unset(unset_values(context), UNSET_GUARDS)
    return engine.render(context)


def output_name(template: Path, period: Period | None, district: str | None) -> str:
    """A readable name for a filled template: 省表格-2018年度-南海区.xlsx."""
    template = Path(template)
    parts = [template.stem]
    if period is not None:
        parts.append(period.words)
    if district:
        parts.append(district)
    return "-".join(parts) + template.suffix.lower()


def render_file(
    ws: Workspace,
    template: Path,
    out_path: Path | None,
    *,
    period: Period | None = None,
    district: str | None = None,
    evaluation: Evaluation | None = None,
    values: dict | None = None,
) -> tuple[Path, bytes]:
    """`qdocgen render`: the filled template and the file it goes to, `out_path` (the user's -o,
    taken as given) or a name made from the template in the output folder, never the template
    itself. What the template leaves to be told (a chart without a chart tag) goes to the
    workspace's warnings. `values`: the user's own (user_values.py)."""
    data = fill(template, ws.plan, period=period, district=district, evaluation=evaluation, values=values)
    ws.warnings.extend(getattr(prepare(template), "warnings", []))
    if out_path is None:  # -o is the user's explicit choice; a name made from the template stays inside
        name = output_name(template, period, district)
        check_inside(ws.output_dir, name)
        out_path = ws.output_dir / name
    if out_path.resolve() == Path(template).resolve():
        raise UserError(f"输出文件不能覆盖模板 {template}，请用 -o 指定另一个文件")
    return out_path, data
