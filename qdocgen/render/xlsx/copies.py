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

What a copier holds is kept in the compile cache (compile_cache.py) too (`kept`, `keep`), so a
later process copies the template without reading its package with openpyxl: the pickled
workbook is loaded there by an unpickler that makes only openpyxl's classes and the few plain
types a workbook holds (`_KeptUnpickler`), and checked to be a workbook with the sheets the copier
names; anything else is not used, the package is read as without the cache.
"""

from __future__ import annotations

import copyreg
import hashlib
import io
import marshal
import pickle
import sys
from zipfile import ZipFile

from lxml import etree
from openpyxl.cell.cell import Cell, MergedCell
from openpyxl.reader.excel import ExcelReader
from openpyxl.utils.bound_dictionary import BoundDictionary
from openpyxl.utils.indexed_list import IndexedList
from openpyxl.worksheet.cell_range import CellRange, MultiCellRange
from openpyxl.worksheet.table import TableList
from openpyxl.xml.constants import SHEET_MAIN_NS

from qdocgen.code_stamp import library_stamp
from qdocgen.render import compile_cache

_MERGE_CELL = f"{{{SHEET_MAIN_NS}}}mergeCell"


class WorkbookCopier:
    """`copy()` gives a workbook as `wb` was when read from `blob`; None when it cannot be copied."""

    def __init__(self, data: bytes, merges: dict[str, list[str]], *, kept: bool = False):
        self.data = data
        self.merges = merges  # sheet title → its merged ranges in the package's order
        self.kept = kept  # data read from the compile cache: unpickled by _KeptUnpickler

    @classmethod
    def of(cls, wb, blob: bytes, merges: dict[str, list[str]] | None = None) -> WorkbookCopier | None:
        """The copier of `wb` as read from `blob`; or, given `merges` (each sheet's merged ranges in
        the order its set gives them), of `wb` as it is now, changed since it was read."""
        try:
            if merges is None:
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
        if self.kept:
            wb = _KeptUnpickler(io.BytesIO(self.data)).load()
            if type(wb).__module__ != "openpyxl.workbook.workbook" or type(wb).__name__ != "Workbook":
                raise pickle.UnpicklingError("not a workbook")
        else:
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
    openpyxl's BoundDictionary takes for something else (and then has no factory). A cell
    without hyperlink or comment (most of a sheet's) is pickled as the arguments of `_cell`
    rather than as its slots by name: a fifth less to unpickle for each document."""

    def reducer_override(self, obj):
        kind = type(obj)
        if kind is Cell or kind is MergedCell:
            return _cell_reduced(obj)
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
_new = object.__new__


def _cell_reduced(cell):
    """What pickles `cell` (a Cell or MergedCell) as _cell() or _merged_cell() makes it again;
    NotImplemented (pickled by its slots) for one with a hyperlink or comment, or a slot unset."""
    try:
        if type(cell) is MergedCell:
            return _merged_cell, (cell.parent, cell.row, cell.column, cell._style)
        if cell._hyperlink is not None or cell._comment is not None:
            return NotImplemented
        return _cell, (cell.parent, cell.row, cell.column, cell._value, cell.data_type, cell._style)
    except AttributeError:
        return NotImplemented


def _cell(parent, row, column, value, data_type, style):
    """A Cell with these slots, no hyperlink and no comment (as pickled by _cell_reduced)."""
    cell = _new(Cell)
    cell.parent = parent
    cell.row = row
    cell.column = column
    cell._value = value
    cell.data_type = data_type
    cell._style = style
    cell._hyperlink = None
    cell._comment = None
    return cell


def _merged_cell(parent, row, column, style):
    cell = _new(MergedCell)
    cell.parent = parent
    cell.row = row
    cell.column = column
    cell._style = style
    return cell


def _set_index_state(obj, state) -> None:
    found, obj.clean, attributes = state
    obj._dict = dict(found)
    obj.__dict__.update(attributes)


def _set_bound_state(obj, state) -> None:
    attributes, obj.default_factory = state
    obj.__dict__.update(attributes)


# -- kept in the compile cache -------------------------------------------------------------

_KIND = "xlsx-workbook"
_FORMAT = 2  # 2: cells pickled as _cell() arguments


def _source(blob: bytes, variant: str) -> str:
    """What decides a kept copier besides qdocgen's, Jinja's and Python's versions (the cache's
    own key): the template's bytes, what was done to the workbook read (`variant`), and the
    installed openpyxl and lxml (the classes pickled and how they read a package)."""
    return "\0".join(
        [
            str(_FORMAT),
            variant,
            hashlib.sha256(blob).hexdigest(),
            library_stamp("openpyxl", "lxml"),
            f"pickle {pickle.HIGHEST_PROTOCOL} {sys.version}",
        ]
    )


def kept(blob: bytes, variant: str) -> tuple[WorkbookCopier, object] | None:
    """The copier kept for the template `blob` read as `variant` says and a copy it made (the
    workbook as read); None when there is none (or it is damaged, or of another version)."""
    value = compile_cache.unmarshalled(compile_cache.data(_KIND, _source(blob, variant)))
    if not (isinstance(value, tuple) and len(value) == 2):
        return None
    data, merges = value
    if not (
        isinstance(data, bytes)
        and isinstance(merges, dict)
        and all(
            isinstance(k, str) and isinstance(v, list) and all(isinstance(r, str) for r in v) for k, v in merges.items()
        )
    ):
        return None
    copier = WorkbookCopier(data, merges, kept=True)
    try:
        return copier, copier.copy()
    except Exception:  # noqa: BLE001 - damaged, or of classes this openpyxl no longer has: read again
        return None


def keep(blob: bytes, variant: str, copier: WorkbookCopier) -> None:
    """Keep `copier` for the next process that reads the template `blob` as `variant` says."""
    compile_cache.keep_data(_KIND, _source(blob, variant), marshal.dumps((copier.data, copier.merges)))


_PLAIN = {
    ("collections", "OrderedDict"),
    ("datetime", "datetime"),
    ("datetime", "date"),
    ("datetime", "time"),
    ("datetime", "timedelta"),
    ("array", "_array_reconstructor"),
    ("builtins", "set"),
    ("builtins", "frozenset"),
    ("builtins", "bytearray"),
    ("builtins", "complex"),
}
_FACTORIES = ("_add_row", "_add_column")  # a worksheet's dimension factories (pickled as getattr)


def _factory(obj, name: str):
    """`getattr(worksheet, name)` for the one use a pickled workbook has of getattr."""
    if name not in _FACTORIES or not type(obj).__module__.startswith("openpyxl."):
        raise pickle.UnpicklingError(f"unexpected {type(obj).__name__}.{name}")
    return getattr(obj, name)


class _KeptUnpickler(pickle.Unpickler):
    """Makes openpyxl's classes (classes only: no function of openpyxl is called), its cells
    (`_cell`, `_merged_cell`) and the plain types a workbook holds, nothing else."""

    def find_class(self, module: str, name: str):
        if (module, name) == ("builtins", "getattr"):
            return _factory
        if module == __name__ and name in ("_set_bound_state", "_set_index_state", "_cell", "_merged_cell"):
            return globals()[name]
        if (module, name) in _PLAIN:
            return super().find_class(module, name)
        if module.startswith("openpyxl.") and "." not in name:
            found = super().find_class(module, name)
            # (openpyxl's own class: its modules also hold other libraries' classes under their
            # names, zipfile's ZipFile or operator's attrgetter, which pickle never names there)
            if isinstance(found, type) and found.__module__ == module:
                return found
        raise pickle.UnpicklingError(f"{module}.{name} is not part of a kept workbook")
