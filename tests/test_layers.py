"""Imports point one way: commands → build and documents → progress (and display) → figures → plan, with
render/ and the small helpers (errors, fmt, config, warnings, …) below all of them."""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "qdocgen"

# The first part of a module's name below qdocgen → its layer (higher may import lower).
LAYERS = {
    "__main__": 8,  # `python -m qdocgen` runs the command line
    "cli": 7,
    "build": 6,
    "documents": 6,
    "views": 6,  # what the query commands print (check, targets, progress, missing)
    "workspace_init": 6,
    "workspace": 5,
    "jobs": 5,  # what build runs and documents/ lists
    "progress": 4,
    "display": 4,  # how progress results are shown (#10): beside progress, below documents
    "figures": 3,
    "plan_import": 3,  # reads a published table into a plan draft; beside figures, above plan
    "plan": 2,
}
HELPER = 1  # render/, errors, fmt, config, warnings, textwidth, click_zh, listing, safe_names
# (importer, imported) pairs being removed by work in progress, each with the issue that removes it.
FOR_NOW = {}


def layer(module: str) -> int:
    parts = module.split(".")
    return LAYERS.get(parts[1] if len(parts) > 1 else "", HELPER)


def imports() -> list[tuple[str, str]]:
    out = []
    for path in sorted(PACKAGE.rglob("*.py")):
        module = ".".join(("qdocgen", *path.relative_to(PACKAGE).with_suffix("").parts)).removesuffix(".__init__")
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("qdocgen"):
                names = [node.module] if node.module != "qdocgen" else [f"qdocgen.{a.name}" for a in node.names]
                out += [(module, name) for name in names]
            elif isinstance(node, ast.Import):
                out += [(module, a.name) for a in node.names if a.name.startswith("qdocgen")]
    return out


def test_no_module_imports_one_above_it():
    upward = [(a, b) for a, b in imports() if layer(b) > layer(a) and (a, b) not in FOR_NOW]
    assert not upward, "\n".join(f"{a} imports {b}, which sits above it" for a, b in upward)


def test_documents_never_import_the_orchestrator():
    found = [(a, b) for a, b in imports() if a.startswith("qdocgen.documents") and b == "qdocgen.build"]
    assert not [pair for pair in found if pair not in FOR_NOW]
