"""The tools in tools/ are the source of the bundled templates: each remakes its files byte for byte.

A template changed by hand (or a tool changed without regenerating) fails here; the fix is
to change the tool and run it (README, 开发).
"""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from conftest import ROOT, TEMPLATES

# tool → (its --out folder relative to the temporary templates folder, the files it makes there)
TOOLS = {
    "make_notice_templates.py": ("docx", ["通报-全市.docx", "通报-区.docx"]),
    "make_table_templates.py": (
        ".",
        [
            "xlsx/任务分解表.xlsx",
            "xlsx/任务分解表-完成情况.xlsx",
            "docx/任务分解表.docx",
            "docx/任务分解表-完成情况.docx",
        ],
    ),
    "make_form_template.py": (".", ["xlsx/填报表.xlsx"]),
}


def test_every_bundled_template_has_a_tool():
    made = {os.path.normpath(os.path.join(out, name)) for out, names in TOOLS.values() for name in names}
    shipped = {p.relative_to(TEMPLATES).as_posix() for p in TEMPLATES.rglob("*") if p.suffix in (".docx", ".xlsx")}
    assert shipped == made


@pytest.mark.parametrize("tool", sorted(TOOLS))
def test_tool_remakes_its_templates_byte_for_byte(tool, tmp_path):
    out, names = TOOLS[tool]
    env = {k: v for k, v in os.environ.items() if k != "SOURCE_DATE_EPOCH"}
    subprocess.run(
        [sys.executable, str(ROOT / "tools" / tool), "--out", str(tmp_path / out)],
        check=True,
        capture_output=True,
        cwd=tmp_path,
        env=env,
        timeout=600,
    )
    for name in names:
        made = (tmp_path / out / name).read_bytes()
        shipped = (TEMPLATES / os.path.normpath(os.path.join(out, name))).read_bytes()
        assert made == shipped, f"{name}: templates/ differs from what tools/{tool} makes; run the tool and commit"
