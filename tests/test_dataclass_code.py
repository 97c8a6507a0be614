"""qdocgen/dataclass_code.py: dataclasses' methods compiled once and kept, the same code as without."""

from __future__ import annotations

import builtins
import dataclasses
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from qdocgen import dataclass_code

ROOT = Path(__file__).resolve().parent.parent

# A program that defines dataclasses of every kind after importing qdocgen and prints what they do
# and whether their code was compiled in this run or taken from the cache.
PROGRAM = r"""
import dataclasses, json, sys
from typing import ClassVar
import qdocgen
from qdocgen import dataclass_code

@dataclasses.dataclass(frozen=True, order=True)
class Point:
    x: int
    y: int = 0
    tags: tuple = ()
    kind: ClassVar[str] = "point"

@dataclasses.dataclass
class Box:
    name: str
    items: list = dataclasses.field(default_factory=list)
    hidden: int = dataclasses.field(default=3, repr=False, compare=False)

@dataclasses.dataclass(kw_only=True, slots=True)
class Options:
    size: int
    note: str = ""

p = Point(1, 2)
try:
    p.x = 5
    frozen = False
except dataclasses.FrozenInstanceError:
    frozen = True
b = Box("a")
b.items.append(1)
out = {
    "repr": [repr(p), repr(b), repr(Options(size=4))],
    "eq": [p == Point(1, 2), p < Point(1, 3), Box("a") == Box("a", hidden=9), hash(p) == hash(Point(1, 2))],
    "frozen": frozen,
    "fresh_list": Box("c").items,
    "added": dataclass_code._added,
    "kept": len(dataclass_code._codes),
}
print(json.dumps(out))
"""


def _run(cache: str, **more: str) -> dict:
    env = {**os.environ, "QDOCGEN_CACHE_DIR": cache, "PYTHONPATH": str(ROOT), **more}
    done = subprocess.run([sys.executable, "-c", PROGRAM], env=env, capture_output=True, text=True, check=True)
    return json.loads(done.stdout)


def _files(cache: Path) -> list[Path]:
    return sorted((cache / "dataclasses").glob("*")) if (cache / "dataclasses").is_dir() else []


def test_the_second_run_compiles_nothing_and_its_classes_do_the_same(tmp_path):
    cache = tmp_path / "cache"
    first = _run(str(cache))
    assert first["added"] is True
    assert len(_files(cache)) == 1
    second = _run(str(cache))
    assert second["added"] is False  # every method's code came from the file
    assert second["kept"] >= 10
    for run in (first, second):
        assert run["repr"] == ["Point(x=1, y=2, tags=())", "Box(name='a', items=[1])", "Options(size=4, note='')"]
        assert run["eq"] == [True, True, True, True]
        assert run["frozen"] is True
        assert run["fresh_list"] == []


def test_a_damaged_file_is_not_used_and_is_written_again(tmp_path):
    cache = tmp_path / "cache"
    _run(str(cache))
    [kept] = _files(cache)
    data = bytearray(kept.read_bytes())
    data[-20] ^= 0xFF  # the checksum no longer matches
    kept.write_bytes(bytes(data))
    run = _run(str(cache))
    assert run["added"] is True  # compiled again, as without a cache
    assert run["repr"][0] == "Point(x=1, y=2, tags=())"
    assert _run(str(cache))["added"] is False  # and kept again


def test_without_a_cache_folder_nothing_is_written(tmp_path):
    run = _run("off", HOME=str(tmp_path), XDG_CACHE_HOME=str(tmp_path / "xdg"))  # not the default folder either
    assert run["added"] is True
    assert run["eq"] == [True, True, True, True]
    assert not list(tmp_path.iterdir())


def _methods(cls) -> dict:
    """Each generated method's code, as far as it decides what runs."""
    out = {}
    for name in ("__init__", "__repr__", "__eq__", "__lt__", "__hash__", "__setattr__", "__delattr__"):
        func = cls.__dict__.get(name)
        code = getattr(getattr(func, "__wrapped__", func), "__code__", None)
        if code is not None:
            out[name] = (code.co_code, code.co_consts, code.co_names, code.co_varnames, code.co_flags, code.co_filename)
    return out


def _define(frozen: bool):
    @dataclasses.dataclass(frozen=frozen, order=True)
    class Sample:
        a: int
        b: str = "x"
        c: list = dataclasses.field(default_factory=list)

    return Sample


def test_the_code_is_what_exec_of_the_text_compiles(monkeypatch):
    assert dataclasses.exec is dataclass_code._exec  # installed when qdocgen was imported
    for frozen in (False, True):
        cached = _methods(_define(frozen))
        again = _methods(_define(frozen))  # this time from the kept code
        monkeypatch.setattr(dataclasses, "exec", builtins.exec)
        plain = _methods(_define(frozen))
        monkeypatch.setattr(dataclasses, "exec", dataclass_code._exec)
        assert cached == again == plain
        assert set(plain) >= {"__init__", "__repr__", "__eq__", "__lt__"}


def test_the_text_is_compiled_with_the_future_flags_of_the_frame_that_calls_exec():
    """As exec(text) does: here, with `from __future__ import annotations` in the caller, an
    annotation is kept as text (not evaluated: no NameError), and without it, evaluated."""
    text = "def f(a: name_defined_nowhere): pass"
    caller = "from __future__ import annotations\nrun(text, namespace)\n"
    namespace: dict = {}
    exec(
        compile(caller, "<with>", "exec", dont_inherit=True),
        {"run": dataclass_code._exec, "text": text, "namespace": namespace},
    )  # noqa: S102
    assert namespace["f"].__annotations__ == {"a": "name_defined_nowhere"}
    with pytest.raises(NameError):
        exec(
            compile("run(text, {})", "<without>", "exec", dont_inherit=True),
            {"run": dataclass_code._exec, "text": text},
        )  # noqa: S102
    assert {flags for flags, source in dataclass_code._codes if source == text} == {
        0,
        __import__("__future__").annotations.compiler_flag,
    }


@pytest.mark.parametrize("value", [[1, 2], {("x", "y"): 1}, {(0, "text"): "not code"}])
def test_a_file_holding_something_else_is_not_used(tmp_path, monkeypatch, value):
    import marshal

    from qdocgen.render import compile_cache

    monkeypatch.setenv("QDOCGEN_CACHE_DIR", str(tmp_path))
    path = dataclass_code._file()
    compile_cache.write_entry(path, marshal.dumps(value), prune=False)
    assert dataclass_code._load() == {}


def test_a_build_keeps_the_classes_only_its_workers_define(tmp_path):
    """The workers end without exit handlers: each keeps what it compiled as it goes."""
    import marshal

    from qdocgen.render import compile_cache

    cache = tmp_path / "cache"
    env = {**os.environ, "QDOCGEN_CACHE_DIR": str(cache), "PYTHONPATH": str(ROOT), "QDOCGEN_WORKERS": "2"}
    command = [sys.executable, "-m", "qdocgen", "--data", str(ROOT / "plan_data"), "build", "-q", "-o"]
    subprocess.run([*command, str(tmp_path / "out")], env=env, capture_output=True, check=True, cwd=tmp_path)
    [path] = _files(cache)
    texts = [text for _, text in marshal.loads(compile_cache.read_entry(path))]
    # OutRow (render/xlsx/layout.py) is defined in the Excel worker only, Workspace in the parent
    assert any("template_row" in text for text in texts)
    assert any("data_dir" in text for text in texts)


def _define_a_class_at(job: int, number: int):
    """What a worker runs for job `number`: job `job` defines a dataclass no other process has."""
    if number == job:
        import dataclasses

        dataclasses.make_dataclass("DefinedByALaterJob", [("field_only_a_later_job_has", int)])
    return number


def test_a_class_a_workers_later_job_defines_is_kept_before_its_result_is_sent(tmp_path, monkeypatch):
    """Not only a worker's first job of a kind defines classes (form_book's come with the first
    form, which need not be the Excel worker's first job): each is kept before the job's result
    goes to the parent, which may end the workers as soon as it has every result."""
    import functools
    import marshal

    from qdocgen import build_pool
    from qdocgen.render import compile_cache

    monkeypatch.setenv("QDOCGEN_CACHE_DIR", str(tmp_path / "cache"))
    kinds = [".xlsx"] * 4
    results = list(build_pool.run(4, functools.partial(_define_a_class_at, 3), kinds, 2))
    assert results == [0, 1, 2, 3]
    [path] = _files(tmp_path / "cache")
    texts = [text for _, text in marshal.loads(compile_cache.read_entry(path))]
    assert any("field_only_a_later_job_has" in text for text in texts)


def test_without_a_namespace_the_text_runs_in_the_callers_scope_as_exec_does():
    def caller():
        seen = "local"  # noqa: F841 - read by the text
        namespace_of_the_text = {}
        dataclass_code._exec("found = seen\nnamespace_of_the_text['found'] = found")
        return namespace_of_the_text

    assert caller() == {"found": "local"}


def test_a_cache_folder_that_cannot_be_read_is_no_cache_not_an_error(tmp_path):
    """`import qdocgen` reads the file at once: a folder the user cannot look into (one `sudo qdocgen`
    made root's, or here a name the system refuses) must not stop every command."""
    cache = tmp_path / ("x" * 300)  # ENAMETOOLONG, as EACCES for a folder that is not the user's
    run = _run(str(cache))
    assert run["added"] is True
    assert run["eq"] == [True, True, True, True]
    if os.geteuid() != 0:  # the case met in use (root reads every folder)
        locked = tmp_path / "locked"
        (locked / "dataclasses").mkdir(parents=True)
        locked.chmod(0o300)
        try:
            assert _run(str(locked))["repr"][0] == "Point(x=1, y=2, tags=())"
        finally:
            locked.chmod(0o700)


def test_bytes_and_a_functions_own_scope_are_run_as_exec_runs_them():
    """Not what dataclasses gives, but the stand-in is exec: bytes are compiled with the caller's
    __future__ flags (not this module's `annotations`), and a text run without a namespace in a
    function does not change the function's variables (Python 3.13 runs it on a copy, PEP 667)."""

    def annotations_of(run) -> dict:
        caller = "namespace = {}\nrun(b'def f(a: int): pass', namespace)\nfound = namespace['f'].__annotations__"
        scope = {"run": run}
        exec(compile(caller, "<caller>", "exec", dont_inherit=True), scope)  # noqa: S102 - a caller without flags
        return scope["found"]

    assert annotations_of(dataclass_code._exec) == annotations_of(builtins.exec) == {"a": int}

    def caller(run):
        x = 1
        run("x = 2")
        return x

    assert caller(dataclass_code._exec) == caller(builtins.exec)


def test_the_file_stays_small_whatever_a_program_defines(tmp_path, monkeypatch):
    """Beyond MAX_KEPT texts only those this run used are written, and nothing if they alone are more."""
    from qdocgen.render import compile_cache

    monkeypatch.setenv("QDOCGEN_CACHE_DIR", str(tmp_path))
    monkeypatch.setattr(dataclass_code, "MAX_KEPT", 5)
    monkeypatch.setattr(dataclass_code, "_codes", {})
    monkeypatch.setattr(dataclass_code, "_used", set())
    monkeypatch.setattr(dataclass_code, "_added", False)

    def define(n: int) -> None:
        for i in range(n):
            dataclasses.make_dataclass(f"C{n}_{i}", [(f"field_{n}_{i}", int)])

    define(1)  # a few: kept
    dataclass_code.save()
    kept = len(dataclass_code._load())
    assert 0 < kept <= 5
    monkeypatch.setattr(dataclass_code, "_used", set())
    define(40)  # more than MAX_KEPT in one run: nothing written, the file as it was
    dataclass_code.save()
    assert len(dataclass_code._load()) == kept
    assert compile_cache.read_entry(dataclass_code._file()) is not None
