"""Word templates prepared in an earlier run, rendered without python-docx or docxtpl.

Preparing a Word template (engine.PreparedDocx) opens it with python-docx, cleans its parts up
with docxtpl and saves the package again: a tenth to a fifth of a second a template, and a quarter
of a second importing the two libraries, in every build's Word worker. What the fast path
(fast.py) renders from is small and plain: each part's Jinja source, which parts hold loops or
merges, the chart tags, the package as python-docx saved it and its core properties. That is
kept in the compile cache (compile_cache.py) after a template is prepared, keyed by the
template's bytes, its path (it is in the messages), how it was prepared and the versions of
qdocgen's source, Jinja, Python, python-docx, docxtpl and lxml; a later run renders from it
(`CachedDocx`), the same bytes, compiled code taken from the compile cache as before.

Anything else asked of such a template, and any rendering that fails, prepares it in full
first (`CachedDocx.full`) and asks that: a mistake is reported at its place in Word exactly as
without the cache.
"""

from __future__ import annotations

import hashlib
import marshal
from collections.abc import Callable, Mapping
from pathlib import Path

from lxml import etree

from qdocgen.code_stamp import library_stamp
from qdocgen.render import compile_cache
from qdocgen.render.docx import verbatim
from qdocgen.render.docx.charts import BoundCharts, ChartBinding, filled_members
from qdocgen.render.docx.fast import FastPackage, finish_part, lean_rendering_is_finished, without_paragraph_breaks
from qdocgen.render.jinja_env import make_env
from qdocgen.render.package import Signature

_KIND = "docx-prepared"
_FORMAT = 4


def prepared(
    path: Path,
    *,
    merging: bool,
    blob: bytes | None = None,
    setup: tuple[str, Callable[[bytes], bytes]] | None = None,
):
    """The prepared engine of the Word template at `path` (its bytes `blob` if given): a
    merge.MergingDocx (`merging`) or an engine.PreparedDocx, or a CachedDocx that stands for it.
    `setup`: (what it does, how) a change made to the template's bytes before preparing it (the
    GB/T 9704 profile), run only when the template is prepared in full."""
    path = Path(path)
    raw = blob if blob is not None else _read(path)

    def full():
        data = raw if raw is not None else None
        if data is not None and setup is not None:
            data = setup[1](data)
        if merging:
            from qdocgen.render.docx.merge import MergingDocx

            return MergingDocx(path, data)
        from qdocgen.render.docx.engine import PreparedDocx

        return PreparedDocx(path, data)

    if raw is None:  # unreadable: the engine says what is wrong
        return full()
    source = "\0".join(
        [
            str(_FORMAT),
            "merging" if merging else "plain",
            str(path),
            hashlib.sha256(raw).hexdigest(),
            setup[0] if setup is not None else "",
            library_stamp("docx", "docxtpl", "lxml"),
            repr(etree.LXML_VERSION) + repr(etree.LIBXML_VERSION),
        ]
    )
    state = _load(compile_cache.data(_KIND, source))
    if state is not None:
        try:
            return CachedDocx(path, state, full)
        except Exception:  # noqa: BLE001, S110 - a kept state this version cannot use: prepared again
            pass
    engine = full()
    kept = snapshot(engine)
    if kept is not None:
        compile_cache.keep_data(_KIND, source, marshal.dumps(kept))
        try:  # compiled (and kept) now, so that the next build, from the kept state, does not compile it
            lean_twins(make_env(autoescape=True), kept["sources"])
        except Exception:  # noqa: BLE001, S110 - the next build tries again, and falls back as it may
            pass
    return engine


def lean_twins(env, sources: Mapping[str, str]) -> dict:
    """The body's twin (fast.without_paragraph_breaks), from the compile cache or compiled and kept
    there; a header's or footer's text is short, its line ends replaced faster than a twin loads."""
    return {
        key: env.from_changed_tree(source, "docx-lean", without_paragraph_breaks)
        for key, source in sources.items()
        if key == "document" and "\n<w:p" in source
    }


def _read(path: Path) -> bytes | None:
    try:
        return path.read_bytes()
    except OSError:
        return None


def snapshot(engine) -> dict | None:
    """What a CachedDocx needs of a prepared template, in plain values (None: not kept, the
    template is rendered by docxtpl itself)."""
    package = engine._package
    if package is None:
        return None
    return {
        "warnings": list(engine.warnings),
        "sources": {key: engine._sources[key] for key in engine._parts},
        "reorder": sorted(engine._reorder),
        "loops": sorted(engine._loops),
        "bindings": [(b.part, b.name, b.tag, b.items, tuple(b.columns)) for b in engine.charts.bindings],
        "env_sources": sorted(engine.env.sources),
        "saved": package.saved,
        "parts": list(package.parts.items()),
        "properties": [(name, text) for name, (_, text) in package.properties.items()],
        "core": etree.tostring(package.core),
        # elements whose text python-docx set to "" (written <a></a>, which a parsed one would not be)
        "core_empty": [i for i, el in enumerate(package.core.iter()) if el.text == ""],
        "plan": None if engine.body_plan() is None else engine.body_plan().snapshot(),
    }


def _load(blob: bytes | None) -> dict | None:
    """A kept state, checked to hold only what snapshot() writes."""
    state = compile_cache.unmarshalled(blob)

    def strs(value, n=None) -> bool:
        return isinstance(value, (list, tuple)) and all(isinstance(v, str) for v in value) and n in (None, len(value))

    ok = (
        isinstance(state, dict)
        and strs(state.get("warnings"))
        and isinstance(state.get("sources"), dict)
        and all(isinstance(k, str) and isinstance(v, str) for k, v in state["sources"].items())
        and strs(state.get("reorder"))
        and strs(state.get("loops"))
        and isinstance(state.get("bindings"), list)
        and all(
            isinstance(b, tuple) and len(b) == 5 and strs(b[:4]) and all(strs(c, 2) for c in b[4])
            for b in state["bindings"]
        )
        and strs(state.get("env_sources"))
        and isinstance(state.get("saved"), bytes)
        and isinstance(state.get("parts"), list)
        and all(strs(p, 2) for p in state["parts"])
        and isinstance(state.get("properties"), list)
        and all(strs(p, 2) for p in state["properties"])
        and isinstance(state.get("core"), bytes)
        and isinstance(state.get("core_empty"), list)
        and all(isinstance(i, int) for i in state["core_empty"])
        and _plan_ok(state.get("plan", 0))
    )
    return state if ok else None


def _plan_ok(kept) -> bool:
    """A kept verbatim.Plan.snapshot() (or None)."""
    if kept is None:
        return True

    def pairs(value) -> bool:
        return isinstance(value, tuple) and all(
            isinstance(p, tuple) and len(p) == 2 and all(isinstance(v, str) for v in p) for p in value
        )

    return (
        isinstance(kept, tuple)
        and len(kept) == 6
        and isinstance(kept[0], str)
        and pairs(kept[1])
        and pairs(kept[2])
        and all(isinstance(v, bool) for v in kept[3:])
    )


class _Unprepared(Exception):
    """Raised by a CachedDocx where only the fully prepared template can answer (a mistake)."""


class CachedDocx:
    """A Word template rendered from its kept state (see the module's docstring); anything else is
    the fully prepared template's (`full()`), prepared when first needed."""

    def __init__(self, path: Path, state: Mapping, full: Callable[[], object]):
        self.path = Path(path)
        self.name = self.path.name
        self._make_full = full
        self._full = None
        self.warnings = list(state["warnings"])
        self.env = make_env(autoescape=True)
        self._parts = {key: self.env.from_string(source) for key, source in state["sources"].items()}
        self._lean = lean_twins(self.env, state["sources"])
        self._reorder = set(state["reorder"])
        self._loops = set(state["loops"])
        bindings = [ChartBinding(p, n, t, i, tuple(tuple(c) for c in cols)) for p, n, t, i, cols in state["bindings"]]
        self.charts = BoundCharts(bindings, self.env, str(self.path))
        properties = {name: (self.env.from_string(text), text) for name, text in state["properties"]}
        self.env.sources.update(state["env_sources"])
        core = etree.fromstring(state["core"])
        elements = list(core.iter())
        for i in state["core_empty"]:
            elements[i].text = ""
        self._plan = verbatim.Plan.of_snapshot(state["plan"])
        self._package = FastPackage(self, state["saved"], dict(state["parts"]), properties, core)

    def full(self):
        """The template prepared in full (engine.PreparedDocx), as without the cache."""
        if self._full is None:
            self._full = self._make_full()
            self._full.env.elsewhere = self.env.elsewhere
        return self._full

    def render(self, context: dict, signature: Signature | None = None) -> bytes:
        try:
            out = self._package.render(context, signature)
        except Exception:  # noqa: BLE001 - a mistake: the full template renders again and says where it is
            out = None
        return out if out is not None else self.full().render(context, signature)

    def render_part(self, key: str, context: dict, *, listing: bool = True) -> str:
        try:
            dst = self._lean[key].render(context) if key in self._lean else None
            if dst is None or not lean_rendering_is_finished(dst):  # (a value's line end before a paragraph)
                dst = self._parts[key].render(context)
        except Exception:  # noqa: BLE001
            raise _Unprepared from None
        return finish_part(
            dst, key in self._reorder, key in self._loops and not verbatim.never_empty(self, key), listing=listing
        )

    def body_plan(self) -> verbatim.Plan | None:
        return self._plan

    def finished_members(self, parts: Mapping[str, bytes], context: dict, *, fast: bool = True) -> dict[str, bytes]:
        return filled_members(parts, self.charts, context, fast=fast) if self.charts else {}

    def error(self, exc: BaseException, key=None, context=None, place=None) -> Exception:
        return _Unprepared()

    def refuse_unset(self, unset: dict[str, str], guards=None) -> None:
        if unset:
            self.full().refuse_unset(unset, guards)

    def __getattr__(self, name: str):  # whatever else the engine has: the fully prepared one's
        if name.startswith("__") or name in ("_full", "_make_full"):
            raise AttributeError(name)
        return getattr(self.full(), name)
