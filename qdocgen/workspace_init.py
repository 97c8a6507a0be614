"""`qdocgen init DIR`: a new workspace with plan data, templates and a config to edit."""

from __future__ import annotations

import shutil
from pathlib import Path

from qdocgen.config import CONFIG_NAME as CONFIG
from qdocgen.config import example_config
from qdocgen.errors import UserError, os_error_text
from qdocgen.workspace import bundled


def init_workspace(directory: Path) -> list[str]:
    """Copy the bundled plan data and templates into `directory`; refuse a non-empty one."""
    directory = Path(directory)
    if directory.exists() and not directory.is_dir():
        raise UserError(f"{directory} 是一个文件，不是文件夹；请指定一个新的或空的文件夹")
    if directory.exists() and any(directory.iterdir()):
        raise UserError(f"{directory} 已存在且不为空；为免覆盖已有文件，请指定一个新的或空的文件夹")
    try:
        directory.mkdir(parents=True, exist_ok=True)
        shutil.copytree(bundled("plan_data"), directory / "plan_data", ignore=_ignore)
        shutil.copytree(bundled("templates"), directory / "templates", ignore=_ignore)
        (directory / CONFIG).write_text(example_config(), encoding="utf-8")
    except OSError as exc:
        raise UserError(f"无法在 {directory} 中新建工作区：{os_error_text(exc)}") from None
    return [
        f"已新建工作区 {directory}：",
        "  plan_data/plan.yaml     示例计划（任务分解表和指标，格式见 docs/plan_data.md）",
        "  plan_data/figures/      示例完成值（换成自己的计划时请删除）",
        "  templates/docx, xlsx    Word 和 Excel 模板（可直接在 Word、WPS、Excel 中修改；适用于任何计划年度）",
        f"  {CONFIG}            通报版式（GB/T 9704）、通报标题等配置，默认值都已写出",
        "换成自己的计划：删去 plan_data/figures/ 中的示例完成值，再由印发的任务分解表导入：",
        f"  cd {directory} && qdocgen import 任务分解表.docx（或 .xlsx），按提示核对标为待核（review）的项",
        f"只看示例：cd {directory} && qdocgen check && qdocgen build",
    ]


def _ignore(folder: str, names: list[str]) -> set[str]:
    return {n for n in names if n in ("__pycache__", "__init__.py", ".keep") or n.startswith(".~")}
