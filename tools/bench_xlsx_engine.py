"""Excel engine speed: the engine as it was (a git revision's render/xlsx_engine.py) against
the current render/xlsx package, on the bundled 任务分解表-完成情况.xlsx, interleaved.

    python tools/bench_xlsx_engine.py [--rev 7416646] [--rounds 15]

Prints the median prepare and render time of each. Measures; asserts nothing.
"""

from __future__ import annotations

import argparse
import gc
import importlib.util
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from qdocgen.documents.context import base_context  # noqa: E402
from qdocgen.figures.period import Period  # noqa: E402
from qdocgen.figures.store import load_figures  # noqa: E402
from qdocgen.plan.load import load_plan  # noqa: E402
from qdocgen.progress import evaluate  # noqa: E402
from qdocgen.render.xlsx import PreparedXlsx  # noqa: E402

TEMPLATE = ROOT / "templates" / "xlsx" / "任务分解表-完成情况.xlsx"


def old_engine(rev: str):
    source = subprocess.run(
        ["git", "-C", str(ROOT), "show", f"{rev}:qdocgen/render/xlsx_engine.py"], check=True, capture_output=True
    ).stdout
    path = Path(tempfile.mkdtemp()) / "old_xlsx_engine.py"
    path.write_bytes(source)
    spec = importlib.util.spec_from_file_location("old_xlsx_engine", path)
    module = importlib.util.module_from_spec(spec)
    sys.modules["old_xlsx_engine"] = module  # dataclasses look their module up
    spec.loader.exec_module(module)
    return module.PreparedXlsx


def timed(call) -> float:
    gc.collect()
    start = time.perf_counter()
    call()
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rev", default="7416646", help="the revision whose xlsx_engine.py to compare with")
    parser.add_argument("--rounds", type=int, default=15)
    args = parser.parse_args()
    plan = load_plan(ROOT / "plan_data")
    figures = load_figures(ROOT / "plan_data", plan)
    period = Period(2018)
    context = base_context(plan, period=period, evaluation=evaluate(plan, figures, period))
    engines = {"before": old_engine(args.rev), "now": PreparedXlsx}
    prepared = {name: cls(TEMPLATE) for name, cls in engines.items()}
    times: dict[str, dict[str, list[float]]] = {n: {"prepare": [], "render": []} for n in engines}
    for _ in range(args.rounds):
        for name, cls in engines.items():  # interleaved, so drift hits both alike
            times[name]["prepare"].append(timed(lambda cls=cls: cls(TEMPLATE)))
            times[name]["render"].append(timed(lambda name=name: prepared[name].render(context)))
    for name in engines:
        prep = statistics.median(times[name]["prepare"]) * 1000
        rend = statistics.median(times[name]["render"]) * 1000
        print(f"{name:7s} prepare {prep:7.1f} ms   render {rend:7.1f} ms   ({TEMPLATE.name}, {args.rounds} rounds)")


if __name__ == "__main__":
    main()
