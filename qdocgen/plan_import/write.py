"""Writing the draft plan.yaml: check that it loads, keep any file it replaces, never half-write."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

from qdocgen.errors import DataError, UserError, os_error_text
from qdocgen.plan.load import PLAN_FILE, load_plan
from qdocgen.plan_import.yaml_out import plan_yaml
from qdocgen.storage.atomic import write_atomic


def write_draft(draft, path: Path) -> list[str]:
    """Write the draft to `path` (a file that exists is first kept as “…（导入前备份）”)."""
    path = Path(path)
    text = plan_yaml(draft)
    _loads(text)
    lines = []
    data = text.encode("utf-8")
    if path.is_file() and path.read_bytes() != data:
        backup = _backup_name(path)
        try:
            shutil.copy2(path, backup)
        except OSError as exc:
            raise UserError(
                f"{path} 已存在，但无法另存为 {backup.name}，为免丢失没有覆盖：{os_error_text(exc)}"
            ) from None
        lines.append(f"原有的 {path.name} 已另存为 {backup}")
    changed = write_atomic(path, data)
    rows, measures = len(draft.table.rows), len(draft.measures)
    lines.append(
        f"{'已生成' if changed else '未变化'} {path}：{rows} 行、{measures} 项指标、{len(draft.districts)} 个区"
    )
    figures = path.parent / "figures"
    if path.name == PLAN_FILE and figures.is_dir() and any(figures.glob("*.csv")):
        lines.append(f"注意：{figures} 中的完成值属于原来的计划，与新计划的序号和指标对不上，请移走或删除")
    return lines


def _backup_name(path: Path) -> Path:
    for n in range(1, 1000):
        backup = path.with_name(f"{path.stem}（导入前备份{'' if n == 1 else n}）{path.suffix}")
        if not backup.exists():
            return backup
    raise UserError(f"{path} 的备份太多，请先清理")


def _loads(text: str) -> None:
    """The draft must load with qdocgen's own loader; if not, that is a bug of the importer."""
    with tempfile.TemporaryDirectory(prefix="qdocgen-import-") as folder:
        Path(folder, PLAN_FILE).write_text(text, encoding="utf-8")
        try:
            load_plan(Path(folder))
        except DataError as exc:
            problems = "\n".join(f"  第 {p.line} 行：{p.message}" for p in exc.problems)
            raise UserError(f"生成的计划草稿未通过检查（导入程序的缺陷，请报告）：\n{problems}") from None
