"""YAML loading that remembers the line of every mapping and list, for located messages."""

from __future__ import annotations

import hashlib
import marshal
import re
from collections.abc import Callable
from datetime import date
from functools import cache
from pathlib import Path

from qdocgen.code_stamp import library_stamp
from qdocgen.errors import DataError, Problem


class LineDict(dict):
    """A mapping from YAML with the 1-based line of itself and of each key."""

    line: int = 0
    key_lines: dict


class LineList(list):
    """A list from YAML with the 1-based line of itself and of each item."""

    line: int = 0
    item_lines: list


@cache
def loaders() -> tuple[type, type]:
    """(the pure-Python loader, the same on libyaml's parser where PyYAML has it): SafeLoader with
    YAML 1.2 booleans (only true/false, so a key `no` stays the word) and mappings and lists that
    remember their lines. libyaml's is about six times faster on plan.yaml, with the same values and
    lines; errors are reported by the pure-Python one (its messages are explained in Chinese below).
    Made on first use: PyYAML is imported only when a file is parsed, not when its parse is kept."""
    import yaml

    class _Loader(yaml.SafeLoader):
        pass

    _Loader.yaml_implicit_resolvers = {
        first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:bool"]
        for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
    }
    _Loader.add_implicit_resolver(
        "tag:yaml.org,2002:bool",
        re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"),
        list("tTfF"),
    )

    class _FastLoader(getattr(yaml, "CSafeLoader", _Loader)):
        pass

    _FastLoader.yaml_implicit_resolvers = _Loader.yaml_implicit_resolvers
    for loader in (_Loader, _FastLoader):
        loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)
        loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_SEQUENCE_TAG, _construct_sequence)
    return _Loader, _FastLoader


def _construct_mapping(loader, node) -> LineDict:
    import yaml

    loader.flatten_mapping(node)
    out = LineDict()
    out.line = node.start_mark.line + 1
    out.key_lines = {}
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        try:
            hash(key)
        except TypeError:
            raise yaml.constructor.ConstructorError(None, None, "键不能是列表或映射", key_node.start_mark) from None
        if key in out:
            raise yaml.constructor.ConstructorError(None, None, f"键“{key}”重复", key_node.start_mark)
        out[key] = loader.construct_object(value_node, deep=True)
        out.key_lines[key] = key_node.start_mark.line + 1
    return out


def _construct_sequence(loader, node) -> LineList:
    out = LineList(loader.construct_object(child, deep=True) for child in node.value)
    out.line = node.start_mark.line + 1
    out.item_lines = [child.start_mark.line + 1 for child in node.value]
    return out


Keeper = tuple[Callable[[str, str], "bytes | None"], Callable[[str, str, bytes], None]]  # (get, put)
_KIND = "plan-yaml"


def load_yaml(path: Path, shown: str | None = None, kept: Keeper | None = None) -> object:
    """Parse `path`; a syntax error becomes a DataError naming the file and line.

    `kept`: where a parse is kept between runs ((get, put) of bytes by kind and key, as
    render/compile_cache.py's `facts`, `keep_facts`): parsing plan.yaml takes ~40 ms and PyYAML's
    import ~25 ms of every command's start. Only a parse that succeeded is kept, keyed by the
    file's text and PyYAML's version (the cache's key adds qdocgen's code); a value it cannot
    keep exactly (a type other than text, number, true/false, null, date) is never kept."""
    shown = shown or str(path)
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except FileNotFoundError:
        raise DataError("", [Problem(shown, None, "文件不存在")]) from None
    except UnicodeDecodeError as exc:
        raise DataError("", [Problem(shown, None, f"不是 UTF-8 编码的文本（第 {exc.start} 字节）")]) from None
    key = None
    if kept is not None:
        key = hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest() + "\n" + library_stamp("yaml", "_yaml")
        found = _unpacked(kept[0](_KIND, key))
        if found is not _NOTHING:
            return found
    value = _parsed(text, shown)
    if key is not None:
        packed = _packed(value)
        if packed is not None:
            kept[1](_KIND, key, packed)
    return value


def _parsed(text: str, shown: str) -> object:
    import yaml

    loader, fast = loaders()
    try:
        return yaml.load(text, Loader=fast)  # noqa: S506 - a SafeLoader subclass
    except yaml.YAMLError:
        pass  # said below, in the words of the pure-Python loader
    try:
        return yaml.load(text, Loader=loader)  # noqa: S506 - a SafeLoader subclass
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else None
        raise DataError("", [Problem(shown, line, f"YAML 格式错误：{_explain(exc.problem or exc.context)}")]) from None
    except yaml.YAMLError as exc:
        raise DataError("", [Problem(shown, None, f"YAML 格式错误：{exc}")]) from None


# A parse as kept: marshal's plain values, a mapping as ("d", line, [(key, key's line, value), …]),
# a list as ("l", line, [(item's line, value), …]), a date as ("t", 0, "YYYY-MM-DD"). A YAML file
# gives no tuples, so a tuple is always one of these.
_SCALARS = (str, int, float, bool, type(None))
_NOTHING = object()


class _Unkept(Exception):
    pass


def _packed(value: object) -> bytes | None:
    """`value` as kept, or None when it cannot be kept exactly: a type marshal would not give back
    as it is, or a mapping or list met twice (a YAML alias: written out it would repeat, and an
    alias of an alias of … grows tenfold at each level, gigabytes from a few lines), or more than
    MAX_KEPT nodes in all."""
    try:
        return marshal.dumps(_pack(value, set()))
    except (_Unkept, ValueError, RecursionError):
        return None


MAX_KEPT = 200_000  # nodes of a kept parse (the bundled plan has ~3,500)


def _pack(value: object, seen: set[int]) -> object:
    kind = type(value)
    if kind in _SCALARS:
        return value
    if kind is date:
        return ("t", 0, value.isoformat())
    if kind not in (LineDict, LineList) or id(value) in seen or len(seen) >= MAX_KEPT:
        raise _Unkept
    seen.add(id(value))
    if kind is LineDict:
        items = []
        for key, item in value.items():
            if type(key) not in _SCALARS:
                raise _Unkept
            items.append((key, value.key_lines[key], _pack(item, seen)))
        return ("d", value.line, items)
    return ("l", value.line, [(line, _pack(item, seen)) for line, item in zip(value.item_lines, value, strict=True)])


def _unpacked(blob: bytes | None) -> object:
    """The parse kept in `blob`, or _NOTHING (none kept, or not readable as one)."""
    if blob is None:
        return _NOTHING
    try:
        return _unpack(marshal.loads(blob))  # noqa: S302 - the user's own cache (compile_cache), checksummed, each value's type checked
    except (ValueError, EOFError, TypeError, KeyError, IndexError, RecursionError):
        return _NOTHING


def _unpack(value: object) -> object:
    if type(value) is not tuple:
        if type(value) not in _SCALARS:
            raise TypeError
        return value
    tag, line, body = value
    if tag == "t":
        return date.fromisoformat(body)
    if type(line) is not int:
        raise TypeError
    if tag == "d":
        out = LineDict()
        out.line, out.key_lines = line, {}
        for key, key_line, item in body:
            if type(key) not in _SCALARS or type(key_line) is not int:
                raise TypeError
            out[key] = _unpack(item)
            out.key_lines[key] = key_line
        return out
    if tag == "l":
        lines = [item_line for item_line, _ in body]
        if any(type(item_line) is not int for item_line in lines):
            raise TypeError
        out = LineList(_unpack(item) for _, item in body)
        out.line, out.item_lines = line, lines
        return out
    raise KeyError(tag)


# The parser's usual complaints, in the words of someone editing the file.
_EXPLAINED = (
    ("expected ',' or ']'", "列表 [ ] 中缺少逗号或右方括号 ]"),
    ("expected ',' or '}'", "映射 { } 中缺少逗号或右花括号 }"),
    ("mapping values are not allowed here", "此处不能出现冒号：值中含有冒号时请给整个值加引号"),
    ("could not find expected ':'", "缺少冒号，或引号没有闭合"),
    ("that cannot start any token", "此处有不能出现的字符（如 Tab 缩进：请改用空格）"),
    ("found undefined alias", "引用了未定义的锚点（*名称）"),
    ("found unexpected end of stream", "文件在引号或括号闭合前就结束了"),
    ("did not find expected key", "缩进不对齐，或列表项与键混在同一层"),
    ("did not find expected '-' indicator", "缩进不对齐：列表项应以同样缩进的“- ”开头"),
    ("found duplicate anchor", "锚点（&名称）重复"),
)


def _explain(problem: str | None) -> str:
    text = str(problem or "")
    for english, chinese in _EXPLAINED:
        if english in text:
            return chinese
    return text


def line_of(container: object, key: object = None, default: int | None = None) -> int | None:
    """The line of `key` inside `container` (or of the container itself)."""
    if isinstance(container, LineDict):
        if key is not None and key in container.key_lines:
            return container.key_lines[key]
        return container.line
    if isinstance(container, LineList):
        if isinstance(key, int) and 0 <= key < len(container.item_lines):
            return container.item_lines[key]
        return container.line
    return default
