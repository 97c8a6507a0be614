"""The house rules, read from the imports of every qdocgen module (at the top, under TYPE_CHECKING and inside
functions alike):

- imports point one way: commands → build and documents → progress (and display) → figures → plan, with
  render/, storage/ and the small helpers (errors, fmt, config, warnings, …) below all of them;
- no two modules need each other, directly or round a longer circle;
- the data layers (plan/, plan_import/, figures/, progress.py, display.py) import nothing from render/:
  they can be read without knowing how documents are drawn;
- the command line is thin: no module of qdocgen/cli/ over 500 lines, and `qdocgen --help` loads no
  workspace (no plan, figures, YAML, TOML or babel)."""

from __future__ import annotations

import ast
import os
import subprocess
import sys
from collections import defaultdict
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
HELPER = 1  # render/, storage/, errors, fmt, config, warnings, textwidth, click_zh, listing, safe_names
DATA_LAYERS = ("plan", "plan_import", "figures", "progress", "display")
CLI_MAX_LINES = 500
# (importer, imported) pairs being removed by work in progress, each with the issue that removes it.
FOR_NOW = {}


def layer(module: str) -> int:
    parts = module.split(".")
    return LAYERS.get(parts[1] if len(parts) > 1 else "", HELPER)


def modules() -> dict[str, Path]:
    """Every qdocgen module by name (a package by its own name, not as …__init__)."""
    return {
        ".".join(("qdocgen", *path.relative_to(PACKAGE).with_suffix("").parts)).removesuffix(".__init__"): path
        for path in sorted(PACKAGE.rglob("*.py"))
    }


def imports() -> list[tuple[str, str]]:
    """(importer, imported module) for every import of a qdocgen module; `from package import name`
    counts as importing the module package.name when there is one."""
    known = modules()
    out = []
    for module, path in known.items():
        package = module if path.name == "__init__.py" else module.rpartition(".")[0]
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:  # relative: from . import x, from .y import z
                    base = ".".join([*package.split(".")[: len(package.split(".")) - node.level + 1], base]).strip(".")
                if not base.startswith("qdocgen"):
                    continue
                subs = [f"{base}.{a.name}" for a in node.names if f"{base}.{a.name}" in known]
                out += [(module, name) for name in subs or [base]]
                if subs and len(subs) < len(node.names):  # names defined in the package itself, too
                    out.append((module, base))
            elif isinstance(node, ast.Import):
                out += [(module, a.name) for a in node.names if a.name.startswith("qdocgen")]
    return out


def circles(edges: list[tuple[str, str]]) -> list[list[str]]:
    """The groups of modules that import one another round a circle (Tarjan's strongly connected
    components of more than one module, or of one that imports itself)."""
    graph: dict[str, set[str]] = defaultdict(set)
    for a, b in edges:
        graph[a].add(b)
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        for w in graph.get(v, ()):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            group = []
            while True:
                w = stack.pop()
                group.append(w)
                if w == v:
                    break
            if len(group) > 1 or v in graph.get(v, ()):
                found.append(sorted(group))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return found


def test_no_module_imports_one_above_it():
    upward = [(a, b) for a, b in imports() if layer(b) > layer(a) and (a, b) not in FOR_NOW]
    assert not upward, "\n".join(f"{a} imports {b}, which sits above it" for a, b in upward)


def test_documents_never_import_the_orchestrator():
    found = [(a, b) for a, b in imports() if a.startswith("qdocgen.documents") and b == "qdocgen.build"]
    assert not [pair for pair in found if pair not in FOR_NOW]


def test_no_two_modules_need_each_other():
    found = circles(imports())
    assert not found, "\n".join("import circle: " + " ↔ ".join(group) for group in found)


def test_the_circle_finder_finds_circles():  # the rule above can fail
    assert circles([("a", "b"), ("b", "c"), ("c", "a"), ("c", "d")]) == [["a", "b", "c"]]
    assert circles([("a", "a")]) == [["a"]]
    assert circles([("a", "b"), ("b", "c")]) == []


def test_the_data_layers_know_nothing_of_rendering():
    data = tuple(f"qdocgen.{name}" for name in DATA_LAYERS)
    found = [
        (a, b)
        for a, b in imports()
        if (a in data or a.startswith(tuple(f"{d}." for d in data))) and b.startswith("qdocgen.render")
    ]
    assert not found, "\n".join(f"{a} imports {b}" for a, b in found)


def test_the_command_line_is_thin():
    long = {
        path.name: n
        for path in sorted((PACKAGE / "cli").glob("*.py"))
        if (n := len(path.read_text(encoding="utf-8").splitlines())) > CLI_MAX_LINES
    }
    assert not long, f"modules of qdocgen/cli/ over {CLI_MAX_LINES} lines: {long}"


def test_help_loads_no_workspace():
    code = (
        "import sys\n"
        "from qdocgen.cli import main\n"
        "try:\n"
        "    main(['--help'])\n"
        "except SystemExit:\n"
        "    pass\n"
        "heavy = ('qdocgen.workspace', 'qdocgen.plan.load', 'qdocgen.figures.store', 'qdocgen.config', "
        "'yaml', 'babel', 'tomllib', 'tomli', 'docx', 'openpyxl')\n"
        "print('loaded:', sorted(m for m in sys.modules if m in heavy))\n"
    )
    env = {**os.environ, "PYTHONPATH": str(PACKAGE.parent)}
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, env=env)
    assert "命令：" in result.stdout
    assert result.stdout.strip().endswith("loaded: []"), result.stdout[-300:]
