"""What `pip install .` ships: every subpackage of qdocgen, or a plain install breaks at run time."""

from __future__ import annotations

import configparser
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_every_subpackage_is_listed_in_setup_cfg():
    config = configparser.ConfigParser()
    config.read(ROOT / "setup.cfg", encoding="utf-8")
    listed = set(config["options"]["packages"].split())
    found = {
        ".".join(init.parent.relative_to(ROOT).parts)
        for init in (ROOT / "qdocgen").rglob("__init__.py")
        if "_bundled" not in init.parts
    }
    assert found, "no package found"
    assert found <= listed, f"setup.cfg [options] packages lacks: {sorted(found - listed)}"
