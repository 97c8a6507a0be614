"""Merges that follow the data in Word tables: `{%vmerge N %}` and `{%hmerge N %}` in a cell.

docxtpl's own `{% vm %}` merges a column over a whole loop, not over a group of rows. Here a
cell whose text starts with `{%vmerge N %}` starts a vertical merge over N rows when N > 1,
stands alone when N = 1, and continues the merge from above when N = 0 (its text is then
dropped). `{%hmerge N %}` makes the cell N grid columns wide; N = 0 removes the cell (it is
covered by a wider cell to its left). Both may be used in one cell, in either order.

The rewrite works on the Word XML after docxtpl's own clean-up, turning each directive into
Jinja around `w:vMerge`, `w:gridSpan` and `w:tcW`, so a template stays a plain .docx that
Word and WPS open and edit.
"""

from __future__ import annotations

import html
import re

from qdocgen.render.docx.engine import PreparedDocx
from qdocgen.render.jinja_env import MERGE_FILTER

_DIRECTIVE = re.compile(r"\{%-?\s*(vmerge|hmerge)\s+(.+?)\s*-?%\}", re.S)
_ROW = re.compile(r"<w:tr[ >].*?</w:tr>", re.S)
_CELL = re.compile(r"<w:tc[ >].*?</w:tc>", re.S)
_TCW = re.compile(r'<w:tcW\b[^>]*?w:w="(\d+)"[^>]*/>')
_SPAN = re.compile(r'<w:gridSpan\b[^>]*?w:val="(\d+)"')
_FOR = re.compile(r"\{%-?\s*for\s")
_ENDFOR = re.compile(r"\{%-?\s*endfor\b")
_PPR = re.compile(r"<w:pPr>.*?</w:pPr>|<w:pPr/>", re.S)


def group_merges(xml: str) -> str:
    """Word XML (prepared by docxtpl) with every vmerge/hmerge directive turned into Jinja."""
    if "merge" not in xml:
        return xml
    count = iter(range(1_000_000))
    return _ROW.sub(lambda m: _row(m, count), xml)


def _row(m: re.Match, count) -> str:
    row = m.group(0)
    if not _DIRECTIVE.search(row):
        return row
    cells = list(_CELL.finditer(row))
    grid, starts = [], []  # the width of each grid column the row's cells cover; each cell's first
    for c in cells:
        w = _TCW.search(c.group(0))
        span = _SPAN.search(c.group(0))
        n = int(span.group(1)) if span else 1
        starts.append(len(grid))
        grid += [(int(w.group(1)) if w else 0) // max(n, 1)] * max(n, 1)
    out, pos = [], 0
    for i, c in enumerate(cells):
        out.append(row[pos : c.start()])
        before = row[: c.start()]
        repeated = len(_FOR.findall(before)) > len(_ENDFOR.findall(before))  # inside a {%tc for %}
        out.append(_cell(c.group(0), grid[starts[i] :], next(count), repeated))
        pos = c.end()
    out.append(row[pos:])
    return "".join(out)


def _cell(xml: str, widths: list[int], key: int, repeated: bool = False) -> str:
    found = {name: html.unescape(expr) for name, expr in _DIRECTIVE.findall(xml)}
    if not found:
        return xml
    xml = _DIRECTIVE.sub("", xml)
    props = ""
    v, h = found.get("vmerge"), found.get("hmerge")
    setting = ""
    if v is not None:  # evaluated once per cell: a span that knows its group follows the rows written
        name = f"qdocgen_vm{key}"
        # A cell a column loop repeats is one merge per column: its key carries the column.
        at, first = (f"({key}, loop.index0)", "false") if repeated else (str(key), "loop is defined and loop.first")
        setting = f"{{% set {name} = ({v})|{MERGE_FILTER}({at}, {first}) %}}"
        v = name
    spanning = ""
    if h is not None:  # evaluated once per cell, then read from a variable (it is used six times)
        spanning = f"{{% set qdocgen_hm{key} = ({h}) %}}"
        h = f"qdocgen_hm{key}"
        xml = re.sub(r"<w:gridSpan[^>]*/>", "", xml)
        props += f'{{% if ({h}) > 1 %}}<w:gridSpan w:val="{{{{ {h} }}}}"/>{{% endif %}}'
        # The widths of the grid columns from this one rightwards; a span beyond the template's
        # columns (cells a {%tc for %} loop repeats) is as wide as its last column per column.
        sums = ", ".join(str(sum(widths[: k + 1])) for k in range(len(widths)))
        n, last = len(widths), widths[-1] if widths else 0
        width = (
            f"(({sums},)[(({h}) or 1) - 1] if (({h}) or 1) <= {n} else {sum(widths)} + ((({h}) or 1) - {n}) * {last})"
        )
        xml = _TCW.sub(
            lambda w: w.group(0).replace(f'w:w="{w.group(1)}"', f'w:w="{{{{ {width} }}}}"'),
            xml,
            count=1,
        )
    if v is not None:
        xml = re.sub(r"<w:vMerge[^>]*/>", "", xml)
        props += f'{{% if ({v}) > 1 %}}<w:vMerge w:val="restart"/>{{% elif ({v}) == 0 %}}<w:vMerge/>{{% endif %}}'
    if "<w:tcPr>" not in xml and "<w:tcPr " not in xml:
        xml = re.sub(r"^(<w:tc[^>]*>)", r"\1<w:tcPr></w:tcPr>", xml)
    for anchor in (r"<w:gridSpan\b[^>]*/>", r"<w:tcW\b[^>]*/>", r"<w:tcPr\b[^>]*>"):
        if re.search(anchor, xml):
            xml = re.sub(anchor, lambda t: t.group(0) + props, xml, count=1)
            break
    if v is not None:
        head, body, tail = _split_body(xml)
        ppr = _PPR.search(body)
        empty = f"<w:p>{ppr.group(0) if ppr else ''}</w:p>"
        xml = f"{head}{{% if ({v}) > 0 %}}{body}{{% else %}}{empty}{{% endif %}}{tail}"
    xml = setting + xml
    if h is not None:
        xml = f"{spanning}{{% if ({h}) > 0 %}}{xml}{{% endif %}}"
    return xml


def _split_body(xml: str) -> tuple[str, str, str]:
    """(start tag with cell properties, paragraphs, end tag) of one cell."""
    end = xml.find("</w:tcPr>")
    cut = end + len("</w:tcPr>") if end >= 0 else xml.find(">") + 1
    return xml[:cut], xml[cut : -len("</w:tc>")], "</w:tc>"


class MergingDocx(PreparedDocx):
    """A PreparedDocx whose tables understand `{%vmerge N %}` and `{%hmerge N %}`."""

    def prepare_xml(self, xml: str) -> str:
        return group_merges(super().prepare_xml(xml))
