"""A template workbook, read once, copied for each rendering: unpickling a workbook openpyxl
has read takes a tenth of the time reading the package again does.

The copy must write the same bytes as a workbook read from the package. What pickle alone
does not keep:
- openpyxl's row and column dimensions (a defaultdict subclass whose __init__ takes other
  arguments than defaultdict's): pickled here with their default factory;
- a sheet's tables (a dict whose items() gives names and ranges): pickled as a dict;
- the index of openpyxl's style lists, where a style changed after it was indexed is not
  found by its new value: pickled as it finds them;
- the order of a set: a sheet's merged cells are a set, written in the set's order, and a
  set rebuilt from its items can order them otherwise (and, emptied and refilled as a
  sheet with row loops is, place new items otherwise). The copy's merged cells are rebuilt
  as openpyxl builds them on reading, from the ranges in the package's order.
A template where either cannot be done is read from its package for each rendering.
"""

from __future__ import annotations

import copyreg
import io
import pickle
from zipfile import ZipFile

from lxml import etree
from openpyxl.reader.excel import ExcelReader
from openpyxl.utils.bound_dictionary import BoundDictionary
from openpyxl.utils.indexed_list import IndexedList
from openpyxl.worksheet.cell_range import CellRange, MultiCellRange
from openpyxl.worksheet.table import TableList
from openpyxl.xml.constants import SHEET_MAIN_NS

_MERGE_CELL = f"{{{SHEET_MAIN_NS}}}mergeCell"


class WorkbookCopier:
    """`copy()` gives a workbook as `wb` was when read from `blob`; None when it cannot be copied."""

    def __init__(self, data: bytes, merges: dict[str, list[str]]):
        self.data = data
        self.merges = merges  # sheet title → its merged ranges in the package's order

    @classmethod
    def of(cls, wb, blob: bytes) -> WorkbookCopier | None:
        try:
            merges = _merge_orders(blob)
            buf = io.BytesIO()
            _WorkbookPickler(buf, protocol=pickle.HIGHEST_PROTOCOL).dump(wb)
            copier = cls(buf.getvalue(), merges)
            twins = copier.copy().worksheets
        except Exception:  # an object openpyxl keeps that pickle cannot copy, an unusual package
            return None
        if [ws.title for ws in wb.worksheets] != [ws.title for ws in twins] or any(
            [r.coord for r in ws.merged_cells.ranges] != [r.coord for r in twin.merged_cells.ranges]
            for ws, twin in zip(wb.worksheets, twins, strict=True)
        ):
            return None
        return copier

    def copy(self):
        wb = pickle.loads(self.data)  # noqa: S301 - bytes this object pickled itself
        for ws in wb.worksheets:
            order = self.merges.get(ws.title, [])
            ranges = {r.coord: r for r in ws.merged_cells.ranges}
            if set(order) != ranges.keys():
                raise ValueError(f"merged cells of {ws.title} differ from the package's")
            if order:
                ws.merged_cells = MultiCellRange([ranges[c] for c in order])  # as openpyxl's reader does
        return wb


def _merge_orders(blob: bytes) -> dict[str, list[str]]:
    """Each worksheet's merged ranges as its part lists them (openpyxl adds them in that order)."""
    reader = ExcelReader(io.BytesIO(blob))
    reader.read_manifest()
    reader.read_workbook()
    orders: dict[str, list[str]] = {}
    with ZipFile(io.BytesIO(blob)) as archive:
        for sheet, rel in reader.parser.find_sheets():
            if "chartsheet" in rel.Type or rel.target not in archive.namelist():
                continue
            with archive.open(rel.target) as part:
                refs = [el.get("ref") for _, el in etree.iterparse(part, tag=_MERGE_CELL)]
            orders[sheet.name] = [CellRange(ref).coord for ref in refs if ref]
    reader.archive.close()
    return orders


class _WorkbookPickler(pickle.Pickler):
    """Pickles openpyxl's row and column dimensions whole: pickle's own way with a defaultdict
    subclass gives its default factory to its __init__ as the first argument, which
    openpyxl's BoundDictionary takes for something else (and then has no factory)."""

    def reducer_override(self, obj):
        if isinstance(obj, BoundDictionary):
            state = (dict(obj.__dict__), obj.default_factory)
            return copyreg.__newobj__, (type(obj),), state, None, iter(obj.items()), _set_bound_state
        if isinstance(obj, TableList):  # its items() gives (name, range) pairs, not the tables
            return copyreg.__newobj__, (type(obj),), obj.__dict__ or None, None, iter(dict.items(obj))
        if type(obj) is IndexedList:
            # its index of values: a style changed after it was indexed (as openpyxl's reader
            # does to some) is not found by its new value; a rebuilt index would find it
            found = [(k, v) for k, v in obj._dict.items() if obj._dict.get(k, _MISSING) is v]
            state = (found, obj.clean, {k: v for k, v in obj.__dict__.items() if k not in ("_dict", "clean")})
            return copyreg.__newobj__, (IndexedList,), state, iter(obj), None, _set_index_state
        return NotImplemented


_MISSING = object()


def _set_index_state(obj, state) -> None:
    found, obj.clean, attributes = state
    obj._dict = dict(found)
    obj.__dict__.update(attributes)


def _set_bound_state(obj, state) -> None:
    attributes, obj.default_factory = state
    obj.__dict__.update(attributes)
