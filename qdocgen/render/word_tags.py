"""Jinja's whitespace control (`{%-`, `-%}`) in a Word part, before docxtpl reads it.

docxtpl gives `{%-` and `-%}` a meaning of its own: a tag written so at the start (end) of a
paragraph's text joins the paragraph to the previous (next) one. Its rewrite deletes everything
between the tag and the neighbouring text run, and so also deletes text when the tag stands
in the middle of a run: `{% for d in districts -%}{{ d.short }} {%- endfor %}` lost its
opening tag, and `{% if x -%} 有` lost “有”. Here such a tag keeps its `-` for Jinja (which
strips the spaces beside it, as in any Jinja template), hidden from docxtpl's rewrite;
a tag at the edge of a paragraph's text still joins paragraphs as in docxtpl. Where
paragraphs are joined, the markers locate.py puts in front of each paragraph are kept, so
a mistake is still reported at the paragraph the user wrote it in.
"""

from __future__ import annotations

import re

_HIDDEN = "\ue003"  # stands for the `-` of a tag docxtpl must not rewrite
_MARKERS = re.compile("\ue000\\d+\ue001")  # locate.py's element markers
_T_OPEN = re.compile(r"<w:t(?:\s[^>]*)?>")
# As docxtpl's patch_xml: a tag split across runs is joined first, then `{%-` and `-%}`.
_SPLIT_START = re.compile(r"(?<={)(<[^>]*>)+(?=[\{%\#])|(?<=[%\}\#])(<[^>]*>)+(?=\})", re.S)
_IN_TAG = re.compile(r"{%(?:(?!%}).)*|{#(?:(?!#}).)*|{{(?:(?!}}).)*", re.S)
_BEFORE = re.compile(r"</w:t>(?:(?!</w:t>).)*?{%-", re.S)
_AFTER = re.compile(r"-%}(?:(?!<w:t[ >]|{%|{{).)*?<w:t[^>]*?>", re.S)


def hide_inline_strips(xml: str) -> str:
    """`xml` with each `{%-`/`-%}` inside a run's text hidden from docxtpl (see the module
    docstring); `restore` gives the `-` back after docxtpl's clean-up."""
    if "-" not in xml or "{" not in xml:
        return xml
    joined = _SPLIT_START.sub("", xml)  # a tag Word split across runs (`{%` `-` `endfor %}`) made whole
    joined = _IN_TAG.sub(lambda m: re.sub(r"</w:t>.*?(<w:t>|<w:t [^>]*>)", "", m.group(0), flags=re.S), joined)
    if "{%-" not in joined and "-%}" not in joined:
        return xml
    joined = _BEFORE.sub(_before, joined)
    return _AFTER.sub(_after, joined)


def restore(source: str) -> str:
    return source.replace(_HIDDEN, "-")


def _before(m: re.Match) -> str:
    span = m.group(0)
    opened = list(_T_OPEN.finditer(span))
    text = span[opened[-1].end() : -3] if opened else ""
    if text.strip():  # text before the tag in its own run: Jinja strips the spaces
        return span[:-3] + "{%" + _HIDDEN
    return "".join(_MARKERS.findall(span)) + "{%"  # joins the previous paragraph, as docxtpl


def _after(m: re.Match) -> str:
    span = m.group(0)
    text = span[3:].split("<", 1)[0]
    if text.strip():  # text after the tag in its own run: Jinja strips the spaces
        return _HIDDEN + span[1:]
    return "%}" + "".join(_MARKERS.findall(span))  # joins the next paragraph, as docxtpl
