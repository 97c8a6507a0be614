"""Values of the user's own for `qdocgen render`: 填报单位, 联系人, 电话, 填报日期…

A form sent upward carries lines the plan does not hold. They come from `[render.values]` in
qdocgen.toml (the office's standing details), a file given with `--values` (YAML or JSON, as
docxtpl users keep them) and `--set 名称=值` on the command line, later ones overriding
earlier ones. Each is a top-level template variable. A name that would hide a built-in
variable (`year`, `plan`, …) or one of Jinja's own (`loop`, `range`) is refused, naming it
and where it was given: the template would otherwise silently show the user's value.
"""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

from qdocgen.config import value_name_problem
from qdocgen.documents.context import VARIABLES
from qdocgen.documents.notice_context import NOTICE_VARIABLES
from qdocgen.errors import UserError, read_user_text
from qdocgen.render.jinja_env import make_env

JINJA_NAMES = {"loop", "range", "dict", "lipsum", "cycler", "joiner", "namespace", "self", "varargs", "kwargs"}


def _top(names) -> set[str]:
    return {part.strip().split(".")[0].split("[")[0] for key in names for part in key.split(" / ")}


def built_in_names() -> set[str]:
    """Names a value of the user's may not take."""
    names = _top(VARIABLES) | _top(NOTICE_VARIABLES) | JINJA_NAMES | set(make_env(autoescape=False).globals)
    return {n for n in names if n.isidentifier()}


def parse_set(items: tuple[str, ...] | list[str]) -> dict[str, str]:
    """`--set 名称=值` options as a dict (values are text: 电话 0000-12345678 keeps its zero)."""
    out: dict[str, str] = {}
    for item in items:
        name, eq, value = item.partition("=")
        name = name.strip()
        if not eq or not name:
            raise UserError(f"--set {item}：应写作 --set 名称=值，如 --set 联系人=张三")
        out[name] = value
    return out


def load_values(path: Path) -> dict:
    """The values in a .yaml/.yml or .json file: one mapping of names to values."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in (".yaml", ".yml", ".json"):
        raise UserError(f"--values {path}：应为 .yaml、.yml 或 .json 文件")
    text = read_user_text(path)
    try:
        if suffix == ".json":
            data = json.loads(text)
        else:
            import yaml

            data = yaml.safe_load(text)
    except json.JSONDecodeError as exc:
        raise UserError(f"{path} 第 {exc.lineno} 行：不是有效的 JSON（{exc.msg}）") from None
    except Exception as exc:  # noqa: BLE001 - yaml's errors: one message with the line
        mark = getattr(exc, "problem_mark", None)
        line = f" 第 {mark.line + 1} 行" if mark is not None else ""
        raise UserError(f"{path}{line}：不是有效的 YAML（{getattr(exc, 'problem', None) or exc}）") from None
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise UserError(f"{path}：应为“名称: 值”的一组值（YAML 的映射或 JSON 的对象），而不是一个{type(data).__name__}")
    return data


def gather(config_values: dict, config_path, values_file: Path | None, set_items) -> dict:
    """The user's values for one rendering ([render.values] < --values < --set), names checked."""
    sources: list[tuple[str, dict]] = [
        (f"{config_path or 'qdocgen.toml'} 的 [render.values]", config_values or {}),
    ]
    if values_file is not None:
        sources.append((f"--values {values_file}", load_values(values_file)))
    sources.append(("--set", parse_set(set_items or ())))
    reserved = built_in_names()
    out: dict = {}
    for where, values in sources:
        for name, value in values.items():
            name = str(name)
            problem = value_name_problem(name)
            if problem is None and name in reserved:
                problem = (
                    f"“{name}”是内置变量（见 qdocgen render --list-vars），用它会遮住内置的值；"
                    f"请换一个名称，如“填报_{name}”"
                )
            if problem:
                raise UserError(f"{where} 中的值“{name}”：{problem}")
            out[name] = value
    return out


def shown(value: object) -> str:
    """A value as --list-vars prints it."""
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False, default=str)
