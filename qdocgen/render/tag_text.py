"""Tags as people type them: smart quotes and wide spaces inside `{{ }}`, `{% %}`, `{# #}`.

Word and Excel turn quotes into “smart” quotes, and a Chinese input method slips full-width
spaces into a tag. Both template kinds read such tags as if typed plainly: inside a tag,
curly quotes become straight ones and full-width or no-break spaces become plain spaces.
Text outside the tags is left exactly as written.
"""

from __future__ import annotations

import re

JINJA_MARKS = ("{{", "{%", "{#")
_TAG = re.compile(r"\{\{.*?\}\}|\{%.*?%\}|\{#.*?#\}", re.S)
_IN_TAG = str.maketrans({"“": '"', "”": '"', "‘": "'", "’": "'", "\u3000": " ", "\u00a0": " "})


def has_tags(text: object) -> bool:
    return isinstance(text, str) and any(mark in text for mark in JINJA_MARKS)


def clean_tags(text: str) -> str:
    """`text` with smart quotes and wide spaces inside its tags made plain (same length)."""
    return _TAG.sub(lambda m: m.group(0).translate(_IN_TAG), text)


def tag_spans(text: str) -> list[tuple[int, int]]:
    """Where the tags of `text` begin and end (end exclusive)."""
    return [m.span() for m in _TAG.finditer(text)]
