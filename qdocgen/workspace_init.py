"""`qdocgen init DIR`: a new workspace with plan data, templates and a config to edit."""

from __future__ import annotations

import shutil
from pathlib import Path

from qdocgen.config import CONFIG_NAME as CONFIG
from qdocgen.config import example_config
from qdocgen.errors import UserError, os_error_text
from qdocgen.figures.signature import KEY_NAME
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
        "  plan_data/plan.yaml     计划、任务分解表和指标（按 docs/plan_data.md 的格式修改）",
        "  plan_data/figures/      各时段完成值（自带的是示例数据，可删除）",
        "  templates/docx, xlsx    Word 和 Excel 模板（可直接在 Word、WPS、Excel 中修改）",
        f"  {CONFIG}            通报版式（GB/T 9704）、图表字体等配置，默认值都已写出",
        f"下一步：cd {directory} && qdocgen check && qdocgen build",
    ]


def _ignore(folder: str, names: list[str]) -> set[str]:
    # (never the signing key of the folder copied from: each workspace makes its own, figures/signature.py)
    return {n for n in names if n in ("__pycache__", "__init__.py", ".keep", KEY_NAME) or n.startswith(".~")}
