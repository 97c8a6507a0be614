"""Merge spans that know their group, so a filtered loop still merges right.

The context gives each row of `rows` and `lines` a `<key>_span` per mergeable column: the
number of rows the merge covers on the group's first row, 0 on the rows it covers. Counted
over the whole list, such numbers are wrong for a loop that leaves rows out
(`{%tr for l in lines if l.m.status == '未完成' %}`): a group's first row may be gone, so its
other rows continued the merge of the group above (showing another task's name), and in Excel
a merge ran on over the rows below the table. A `Span` is that number (an int, as before) and
also names its group and the group's size; the merge directives (render/docx/merge.py,
render/xlsx/engine.py) then merge the rows actually written that belong to one group.
"""

from __future__ import annotations


class Span(int):
    """An int merge span (`size` on the group's first row, 0 on the others) with its group."""

    group: object
    size: int

    def __new__(cls, value: int, group: object, size: int):
        span = super().__new__(cls, value)
        span.group, span.size = group, size
        return span

    def __getnewargs__(self):
        return (int(self), self.group, self.size)


def follow(value: object, state: dict, key: object, first: bool) -> object:
    """The span a merge directive at `key` (one template cell) acts on, given the rows
    already written (`state`, per rendering; `first`: the first row of its loop). A plain
    number is returned as it is. A Span returns its group's size on the first row written of
    its group (that row shows the text and starts the merge) and 0 on the rows after it."""
    if type(value) is int:  # a plain number (it has no group), the most common
        state.pop(key, None)
        return value
    if first:
        state.pop(key, None)
    group = getattr(value, "group", None)
    if group is None:
        state.pop(key, None)
        return value
    if state.get(key) == group:
        return 0
    state[key] = group
    return value.size
