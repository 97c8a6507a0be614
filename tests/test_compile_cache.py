"""The compile cache (qdocgen/render/compile_cache.py): a source compiled once is not compiled
again, in this process or the next; whatever the cache holds, a template renders as compiled."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from jinja2 import Environment, UndefinedError

from qdocgen.render import compile_cache
from qdocgen.render.jinja_env import make_env

SOURCE = "{% for d in districts %}{{ d.name }}：{{ d.value|number('%') }}；{% endfor %}"
CONTEXT = {"districts": [{"name": "临江县", "value": 95}, {"name": "高新区", "value": 100.25}]}
EXPECTED = "临江县：95.0%；高新区：100.3%；"


@pytest.fixture
def generated(monkeypatch):
    """How many times Jinja generated Python for a template (what the cache saves)."""
    calls = []
    real = Environment._generate

    def counting(self, *args, **kwargs):
        calls.append(1)
        return real(self, *args, **kwargs)

    monkeypatch.setattr(Environment, "_generate", counting)
    return calls


def entries(folder):
    return sorted(p for p in folder.rglob("*") if p.is_file())


def test_a_source_compiled_once_is_taken_from_the_cache(cache_dir, generated):
    assert make_env(autoescape=False).from_string(SOURCE).render(CONTEXT) == EXPECTED
    assert len(generated) == 1 and len(entries(cache_dir)) == 1
    env = make_env(autoescape=False)  # a new environment, as in the next build
    assert env.from_string(SOURCE).render(CONTEXT) == EXPECTED
    assert len(generated) == 1
    assert SOURCE in env.sources  # still known as one of the template's sources


def test_expressions_and_variables_are_kept_too(cache_dir, generated):
    env = make_env(autoescape=False)
    assert env.compile_expression("a.b + 1", undefined_to_none=False)({"a": {"b": 2}}) == 3
    env.from_string(SOURCE)
    assert env.used_names() == {"a", "districts"}
    count = len(generated)
    env = make_env(autoescape=False)
    assert env.compile_expression("a.b + 1", undefined_to_none=False)({"a": {"b": 41}}) == 42
    env.from_string(SOURCE)
    assert env.used_names() == {"a", "districts"}
    assert len(generated) == count  # nothing compiled again, and the names not searched again


def test_an_undefined_name_in_a_kept_expression_is_still_named(cache_dir):
    make_env(autoescape=False).compile_expression("distrct.name", undefined_to_none=False)
    kept = make_env(autoescape=False).compile_expression("distrct.name", undefined_to_none=False)
    with pytest.raises(UndefinedError, match="distrct"):
        kept({"district": 1})
    value = make_env(autoescape=False).compile_expression("distrct", undefined_to_none=False)({"district": 1})
    assert "district" in value._undefined_message.known  # what a suggestion is made from


def test_a_damaged_entry_is_compiled_again_and_replaced(cache_dir, generated):
    make_env(autoescape=False).from_string(SOURCE)
    (entry,) = entries(cache_dir)
    blob = bytearray(entry.read_bytes())
    blob[-5] ^= 0xFF
    entry.write_bytes(bytes(blob))
    assert make_env(autoescape=False).from_string(SOURCE).render(CONTEXT) == EXPECTED
    assert len(generated) == 2
    make_env(autoescape=False).from_string(SOURCE)
    assert len(generated) == 2  # the entry was written anew


def test_settings_that_change_the_code_are_part_of_the_key(cache_dir, generated):
    make_env(autoescape=False).from_string("{{ x }}")
    make_env(autoescape=True).from_string("{{ x }}")  # escaping is compiled into the code
    env = make_env(autoescape=False)
    env.filters["extra"] = str
    env.from_string("{{ x }}")  # another set of filters
    assert len(generated) == 3
    assert make_env(autoescape=True).from_string("{{ x }}").render(x="<b>") == "&lt;b&gt;"
    assert make_env(autoescape=False).from_string("{{ x }}").render(x="<b>") == "<b>"
    assert len(generated) == 3


def test_the_key_follows_qdocgens_source(tmp_path, monkeypatch):
    """Jinja runs a filter on constants while compiling ({{ 10000|number }} is compiled as text),
    so any change to qdocgen's code (fmt.py's rounding, say) must be another key."""
    import shutil

    import qdocgen

    env = make_env(autoescape=False)
    before = compile_cache.env_key(env)
    copy = tmp_path / "qdocgen"
    shutil.copytree(Path(qdocgen.__file__).parent, copy, ignore=shutil.ignore_patterns("__pycache__"))
    monkeypatch.setattr(qdocgen, "__file__", str(copy / "__init__.py"))
    compile_cache._versions.cache_clear()
    try:
        assert compile_cache.env_key(env) == before  # the same source, the same key
        with (copy / "fmt.py").open("a", encoding="utf-8") as f:
            f.write("\n# edited\n")
        compile_cache._versions.cache_clear()
        assert compile_cache.env_key(env) != before
    finally:
        compile_cache._versions.cache_clear()


def test_a_filter_folded_at_compile_time_follows_its_function(cache_dir):
    """The same filter name bound to another function, or passed the context, is another key."""
    from jinja2 import pass_context

    first = make_env(autoescape=False)
    assert (
        first.from_string("{{ 5|twice }}" if first.filters.setdefault("twice", lambda v: v * 2) else "").render()
        == "10"
    )
    other = make_env(autoescape=False)
    other.filters["twice"] = lambda v: v * 3  # a different function: defined elsewhere
    other.filters["twice"].__qualname__ = "thrice"
    assert other.from_string("{{ 5|twice }}").render() == "15"
    contextual = make_env(autoescape=False)
    contextual.filters["twice"] = pass_context(lambda ctx, v: v * 4)
    assert contextual.from_string("{{ 5|twice }}").render() == "20"


def test_a_refused_template_is_refused_every_time(cache_dir):
    for _ in range(2):
        with pytest.raises(Exception, match="include"):
            make_env(autoescape=False).from_string("{% include 'x' %}")
    assert entries(cache_dir) == []


def test_turned_off_or_unwritable_the_cache_changes_nothing(tmp_path, monkeypatch, generated):
    monkeypatch.setenv("QDOCGEN_CACHE_DIR", "off")
    for _ in range(2):
        assert make_env(autoescape=False).from_string(SOURCE).render(CONTEXT) == EXPECTED
    assert len(generated) == 2
    blocked = tmp_path / "file"
    blocked.write_text("not a folder")
    monkeypatch.setenv("QDOCGEN_CACHE_DIR", str(blocked / "cache"))
    assert make_env(autoescape=False).from_string(SOURCE).render(CONTEXT) == EXPECTED


def test_the_next_process_uses_what_this_one_kept(cache_dir):
    make_env(autoescape=False).from_string(SOURCE)
    script = (
        "from jinja2 import Environment\n"
        "from qdocgen.render.jinja_env import make_env\n"
        "real = Environment._generate\n"
        "Environment._generate = lambda *a, **k: (_ for _ in ()).throw(AssertionError('compiled again'))\n"
        f"print(make_env(autoescape=False).from_string({SOURCE!r}).render({CONTEXT!r}))\n"
    )
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == EXPECTED


def test_a_build_is_the_same_with_an_empty_and_a_full_cache(tmp_path, monkeypatch):
    from tests.conftest import DATA, TEMPLATES

    outputs, kept = [], []
    for run in range(2):  # the first fills the cache, the second takes everything from it
        monkeypatch.setenv("QDOCGEN_CACHE_DIR", str(tmp_path / "cache"))
        out = tmp_path / f"out{run}"
        subprocess.run(
            [sys.executable, "-m", "qdocgen", "--data", str(DATA), "--templates", str(TEMPLATES), "build", "-q",
             "--year", "2018", "-o", str(out)],
            check=True, capture_output=True,
        )  # fmt: skip
        outputs.append({p.relative_to(out): p.read_bytes() for p in out.rglob("*.[dx][ol][cs]x")})
        kept.append({p.relative_to(tmp_path): p.read_bytes() for p in (tmp_path / "cache").rglob("*") if p.is_file()})
    assert len(outputs[0]) > 10 and outputs[0] == outputs[1]
    assert len(entries(tmp_path / "cache")) > 50
    # and the second compiled nothing: what the first kept is all a build needs (the body's
    # twin of a Word template, the dataclasses the workers define…)
    assert kept[0] == kept[1]


@pytest.mark.skipif(not hasattr(__import__("os"), "getuid"), reason="POSIX permissions")
def test_a_folder_others_can_write_to_is_not_used(tmp_path, monkeypatch, generated):
    from qdocgen.render import compile_cache as cc

    shared = tmp_path / "shared"
    shared.mkdir()
    shared.chmod(0o777)
    monkeypatch.setenv("QDOCGEN_CACHE_DIR", str(shared))
    monkeypatch.setattr(cc, "_SAFE", {})
    for _ in range(2):
        assert make_env(autoescape=False).from_string(SOURCE).render(CONTEXT) == EXPECTED
    assert len(generated) == 2 and entries(shared) == []
