"""The sandbox's fast paths (render/jinja_env.py) give exactly the answers of its general path:
printing a value, an attribute proven safe before, arithmetic on small numbers (issue 25)."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

import pytest
from jinja2 import Environment
from jinja2.exceptions import SecurityError, UndefinedError
from markupsafe import Markup, escape

from qdocgen.render.jinja_env import _escape, make_env


class Shown:
    def __html__(self):
        return "<b>shown</b>"


VALUES = [
    "",
    "plain",
    "R&D <b> 'quoted' \"double\" &amp;",
    "仿宋_GB2312 “引号” ＆",
    "\ud800 lone surrogate",
    0,
    -12,
    10**50,
    1.5,
    -0.0,
    float("inf"),
    float("nan"),
    1e22,
    True,
    None,
    Decimal("1.005"),
    Markup("<w:t>kept</w:t>"),
    Shown(),
    ["<a>", 1],
]


@pytest.mark.parametrize("value", VALUES, ids=repr)
def test_printing_a_value_gives_markupsafes_text(value):
    assert str(_escape(value)) == str(escape(value))


def test_a_rendering_prints_as_jinja_itself_does():
    source = (
        "{% macro cell(x) %}<c>{{ x }}</c>{% endmacro %}{% macro wrap() %}[{{ caller() }}]{% endmacro %}"
        "{% set block %}<s>{{ v }}</s>{% endset %}"
        "{{ v }}|{{ n }}|{{ f }}|{{ m }}|{{ v|upper }}|{{ cell(v) }}|{{ block }}|{{ block|length }}|"
        "{% filter upper %}{{ v }}{% endfilter %}|{% call wrap() %}{{ v }}&{% endcall %}|{{ cell(v)|length }}|"
        "{{ v ~ n }}|{{ [v, n]|join(',') }}|{% for x in items %}{{ x }}{% endfor %}"
    )
    values = {"v": "R&D <x> 'q' \"d\"", "n": 12, "f": 0.5, "m": Markup("<i>ok</i>"), "items": ["<", 3, 2.5, None]}
    expected = Environment(autoescape=True).from_string(source).render(values)
    assert make_env(autoescape=True).from_string(source).render(values) == expected
    assert make_env(autoescape=False).from_string(source).render(values) == (
        Environment(autoescape=False).from_string(source).render(values)
    )


@dataclass
class Row:
    name: str
    _secret: str = "hidden"

    def format(self):  # noqa: A003 - a method named like str.format, which is not one
        return "mine"


def test_an_attribute_proven_safe_is_read_again_as_the_sandbox_reads_it():
    env = make_env(autoescape=False)
    rows = [Row("a"), Row("b"), Row("c")]
    loops = "{% for r in rows %}{{ loop.first }}{{ loop.index }}{{ r.name }}{{ r.format() }},{% endfor %}"
    assert env.from_string(loops).render(rows=rows) == "True1amine,False2bmine,False3cmine,"
    assert env.from_string(loops).render(rows=rows[:1]) == "True1amine,"  # asked again: from what was proven
    with pytest.raises(SecurityError):  # proven unsafe stays unsafe, however often asked
        env.from_string("{{ r.name }}{{ r._secret }}{{ r._secret }}").render(r=rows[0])
    bare = Row("d")
    del bare.name
    with pytest.raises(UndefinedError):  # an instance without the attribute: undefined, as before
        env.from_string("{{ r.name }}{{ s.name }}").render(r=rows[0], s=bare)
    # str.format stays the sandbox's, however often a str's format is asked for
    text = "{{ '{}'.format(1) }}{{ '{}'.format(2) }}"
    assert env.from_string(text).render() == "12"
    for _ in range(2):
        with pytest.raises(SecurityError):
            env.from_string("{{ '{}'.format(1) }}{{ '{:>999999999}'.format(1) }}").render()


def test_arithmetic_on_small_numbers_and_the_limits_beyond_them():
    env = make_env(autoescape=False)
    source = "{{ a + b }}|{{ a * b }}|{{ a % b }}|{{ a + f }}|{{ f * b }}|{{ t + a }}|{{ a - b }}"
    for a, b in [(7, 3), (-7, 3), (2**31 - 1, 2**31 - 1), (2**31, 3), (0, 1)]:
        values = {"a": a, "b": b, "f": 0.25, "t": True}
        assert (
            env.from_string(source).render(values) == f"{a + b}|{a * b}|{a % b}|{a + 0.25}|{0.25 * b}|{a + 1}|{a - b}"
        )
    with pytest.raises(ZeroDivisionError):
        env.from_string("{{ a % b }}").render(a=1, b=0)
    big = 1 << 3000
    with pytest.raises(SecurityError, match="数字过大"):
        env.from_string("{{ n * n }}").render(n=big)
    with pytest.raises(SecurityError, match="数字过大"):
        env.from_string("{{ n + n }}").render(n=(1 << 4096) - 1)
    with pytest.raises(SecurityError, match="超过"):
        env.from_string("{{ s * n }}").render(s="ab", n=10**6)


def test_namespace_declarations_are_found_as_findall_finds_them():
    import re

    from qdocgen.render.docx import charts

    c = charts.C_NS.encode()
    documents = [
        b"",
        b'<w:document xmlns:w="x" xmlns:c="' + c + b'"><c:chart xmlns:c="' + c + b'" r:id="rId5"/></w:document>',
        b"<a xmlnsxmlns='" + c + b"' xmlns:xmlnsc = '" + c + b'\' xmlns:c="other"/>',
        b'<a xmlns:cc="' + c + b'" xmlns="' + c + b'"/>xmlns:c=',
    ]
    for document in documents:
        at = charts._xmlns(document)
        for namespace, prefix in ((charts.C_NS, b"c"), (charts.R_NS, b"r")):
            declared = rb"xmlns(?::([^\s=]+))?\s*=\s*[\"']" + re.escape(namespace.encode()) + rb"[\"']"
            prefixed = rb"xmlns:" + re.escape(prefix) + rb"\s*="
            for pattern in (declared, prefixed):
                assert charts._found(pattern, document, at) == re.findall(pattern, document)
            assert charts._declared_as(document, namespace, prefix, at) == charts._declared_as(
                document, namespace, prefix
            )
