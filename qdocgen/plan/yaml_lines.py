"""YAML loading that remembers the line of every mapping and list, for located messages."""

from __future__ import annotations

import re
from pathlib import Path

import yaml

from qdocgen.errors import DataError, Problem


class LineDict(dict):
    """A mapping from YAML with the 1-based line of itself and of each key."""

    line: int = 0
    key_lines: dict


class LineList(list):
    """A list from YAML with the 1-based line of itself and of each item."""

    line: int = 0
    item_lines: list


class _Loader(yaml.SafeLoader):
    """SafeLoader with YAML 1.2 booleans: only true/false, so a key `no` stays the word."""


_Loader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:bool"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
_Loader.add_implicit_resolver(
    "tag:yaml.org,2002:bool",
    re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"),
    list("tTfF"),
)


def _construct_mapping(loader: _Loader, node: yaml.MappingNode) -> LineDict:
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


def _construct_sequence(loader: _Loader, node: yaml.SequenceNode) -> LineList:
    out = LineList(loader.construct_object(child, deep=True) for child in node.value)
    out.line = node.start_mark.line + 1
    out.item_lines = [child.start_mark.line + 1 for child in node.value]
    return out


_Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)
_Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_SEQUENCE_TAG, _construct_sequence)


class _FastLoader(getattr(yaml, "CSafeLoader", _Loader)):
    """The same loader on libyaml's parser where PyYAML has it: about six times faster on
    plan.yaml, with the same values and lines. Errors are reported by the pure-Python
    loader (its messages are the ones explained in Chinese below)."""


_FastLoader.yaml_implicit_resolvers = _Loader.yaml_implicit_resolvers
_FastLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)
_FastLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_SEQUENCE_TAG, _construct_sequence)


def load_yaml(path: Path, shown: str | None = None) -> object:
    """Parse `path`; a syntax error becomes a DataError naming the file and line."""
    shown = shown or str(path)
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except FileNotFoundError:
        raise DataError("", [Problem(shown, None, "文件不存在")]) from None
    except UnicodeDecodeError as exc:
        raise DataError("", [Problem(shown, None, f"不是 UTF-8 编码的文本（第 {exc.start} 字节）")]) from None
    try:
        return yaml.load(text, Loader=_FastLoader)  # noqa: S506 - a SafeLoader subclass
    except yaml.YAMLError:
        pass  # said below, in the words of the pure-Python loader
    try:
        return yaml.load(text, Loader=_Loader)  # noqa: S506 - a SafeLoader subclass
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else None
        raise DataError("", [Problem(shown, line, f"YAML 格式错误：{_explain(exc.problem or exc.context)}")]) from None
    except yaml.YAMLError as exc:
        raise DataError("", [Problem(shown, None, f"YAML 格式错误：{exc}")]) from None


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
