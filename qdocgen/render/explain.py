"""What went wrong in a template, in plain Chinese: Jinja's syntax and runtime errors translated.

Jinja speaks English and offsets ("unexpected char '（' at 1554", "No filter named 'numbr'.",
"TypeError"); a clerk needs to know what to change: "标记中有全角字符“（”…", "没有名为“numbr”的
过滤器，是否应为“number”？". `explain` gives that sentence; where it happened is the Place's
job (locate.py), and the two meet in qdocgen.errors.TemplateError.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable

from jinja2 import TemplateSyntaxError, UndefinedError
from jinja2.debug import get_template_locals
from jinja2.exceptions import SecurityError, TemplateRuntimeError
from jinja2.runtime import Context

from qdocgen.errors import TemplateError
from qdocgen.render.locate import Place, unclosed

HELP = "可用变量见 docs/templates.md 或 qdocgen render --list-vars"
OWN_VALUES = "计划中没有的值（如 填报单位、联系人）可用 qdocgen render --set {name}=… 或 --values 文件给出，或写在 qdocgen.toml 的 [render.values]"

_TYPES = {
    "int": "数字",
    "float": "数字",
    "Decimal": "数字",
    "str": "文字",
    "NoneType": "空值（none）",
    "None": "空值（none）",
    "list": "列表",
    "tuple": "列表",
    "dict": "一组字段",
    "bool": "真假值",
    "Undefined": "未定义的值",
    "StrictUndefined": "未定义的值",
    "date": "日期",
    "function": "函数",
    "builtin_function_or_method": "函数",
    "method": "函数",
}
_OPS = {"+": "加", "-": "减", "*": "乘", "/": "除", "//": "整除", "%": "取余", "**": "乘方"}
_COMPARE = {"<": "比较大小", ">": "比较大小", "<=": "比较大小", ">=": "比较大小"}
_TAG_NAMES = {
    "end of print statement": "}}",
    "end of statement block": "%}",
    "end of template": "模板结尾",
    "end of comment": "#}",
}
_INTERNAL_FILTERS = {"qdocgen_loop_budget", "qdocgen_size_check"}
_JINJA_INTERNAL = re.compile(r"^(?:[lt]_\d+|[lt]_\d+_.*)$")  # jinja's compiled names (l_0_year, t_1)


def type_word(name: str) -> str:
    return _TYPES.get(name.strip("'\" "), name)


def closest(name: object, known) -> str:
    """ "，是否应为“number”？" when a known name is close to `name`; else ""."""
    if not isinstance(name, str):
        return ""
    candidates = [k for k in known if isinstance(k, str) and not k.startswith("_") and not _JINJA_INTERNAL.match(k)]
    found = difflib.get_close_matches(name, candidates, n=1, cutoff=0.6)
    if not found:
        folded = {k.lower(): k for k in candidates}
        found = [folded[name.lower()]] if name.lower() in folded else []
    return f"，是否应为“{found[0]}”？" if found else ""


def explain(exc: BaseException, env=None, opened: tuple[str, Place] | None = None) -> str:
    """A short Chinese description of an error raised compiling or rendering a template.

    `env` (the template environment) lets a misspelled filter or test be matched to the
    closest known one; `opened` is the block left open (its tag and place), for an
    unclosed `{% for %}` or `{% if %}`.
    """
    message = getattr(exc, "message", None) or str(exc)
    if isinstance(exc, SecurityError):
        return _security(message)
    if isinstance(exc, TemplateSyntaxError):
        return "模板语法错误：" + _syntax(message, env, opened)
    if isinstance(exc, UndefinedError):
        return _undefined(exc, message, env)
    if isinstance(exc, TemplateRuntimeError):
        return _runtime(message, env)
    if isinstance(exc, ZeroDivisionError):
        return "除数为零：不能除以 0（除数可能是 0 或未报送的值，可先用 {% if %} 判断）"
    if isinstance(exc, TypeError):
        return _type(message)
    if isinstance(exc, OverflowError):
        if "MAX_RANGE" in message:
            return "模板试图访问不允许的内容，已拒绝：range 最多 100,000 项"
        return "数字过大，无法计算"
    if isinstance(exc, RecursionError):
        return "模板试图访问不允许的内容，已拒绝：宏或循环递归过深"
    if isinstance(exc, ValueError):
        m = re.search(
            r"could not convert string to float: (.+)$|invalid literal for \w+\(\) with base \d+: (.+)$", message
        )
        if m:
            return f"“{(m.group(1) or m.group(2)).strip(chr(39))}”不是数字，不能按数字处理"
        return f"值无效（{message}）"
    if isinstance(exc, (LookupError, AttributeError)):
        return f"取不到所要的项（{message}）"
    return f"模板出错（{type(exc).__name__}: {message}）"


# -- syntax --------------------------------------------------------------------------------


def _syntax(message: str, env, opened: tuple[str, Place] | None) -> str:
    if opened is not None and (
        message.startswith("Unexpected end of template") or message.startswith("Encountered unknown tag")
    ):
        tag, place = opened  # place None: the error is reported at the opening tag itself
        prefix = _marker_prefix(place.text if place else "", tag)
        end = f"{{%{prefix} end{tag} %}}"
        if message.startswith("Unexpected end of template"):
            at = f"（{{%{prefix} {tag} %}} 在{place}）" if place and place.where else ""
            return f"{{%{prefix} {tag} … %}} 没有对应的结束标记 {end}{at}"
        bad = re.match(r"Encountered unknown tag '(\w+)'", message).group(1)
        at = f"{place}的 " if place and place.where else ""
        return f"遇到 {{% {bad} %}} 时，{at}{{%{prefix} {tag} … %}} 还没有用 {end} 结束"
    m = re.match(r"unexpected char (['\"])(.+?)\1 at \d+", message)
    if m:
        char = m.group(2)
        if char in "'\"":
            return f"引号 {char} 没有配对（文字要用成对的英文引号括起来）"
        if ord(char[0]) > 0x2E7F:
            return f"标记中有全角字符“{char}”：{{{{ }}}}、{{% %}} 里的括号、逗号、冒号、引号等应为英文（半角）符号"
        return f"标记中有无法识别的字符“{char}”"
    m = re.match(r"No (filter|test) named '(.+?)'", message)
    if m:
        return _unknown(m.group(1), m.group(2), env)
    m = re.match(r"Encountered unknown tag '(\w+)'", message)
    if m:
        tag = m.group(1)
        if tag.startswith("end") or tag in ("else", "elif"):
            opener = tag[3:] if tag.startswith("end") else "if"
            return f"{{% {tag} %}} 前面没有对应的开始标记（如 {{% {opener} … %}}）"
        known = ["for", "if", "set", "macro", "call", "filter", "with", "vmerge", "hmerge"]
        return f"无法识别的标记 {{% {tag} %}}{closest(tag, known)}"
    if message.startswith("Unexpected end of template"):
        return "有块标记没有结束（如 {% for %} 缺少 {% endfor %}，{% if %} 缺少 {% endif %}）"
    m = re.match(r"unexpected end of template, expected '(.+?)'", message)
    if m:
        return f"标记没有写完：缺少“{_TAG_NAMES.get(m.group(1), m.group(1))}”"
    m = re.match(r"expected token '(.+?)', got '(.+?)'", message)
    if m:
        want = _TAG_NAMES.get(m.group(1), m.group(1))
        return f"此处应为“{want}”，却是“{m.group(2)}”（可能缺少运算符、逗号，或标记没有结束）"
    m = re.match(r"unexpected '(.+?)'(?:, expected '(.+?)')?", message)
    if m:
        got = _TAG_NAMES.get(m.group(1), m.group(1))
        if m.group(2):
            return f"此处应为“{_TAG_NAMES.get(m.group(2), m.group(2))}”，却是“{got}”"
        return f"此处不应出现“{got}”（标记写法不完整）"
    m = re.match(r"Expected an expression, got '(.+?)'", message)
    if m:
        return f"标记中缺少变量或值（在“{_TAG_NAMES.get(m.group(1), m.group(1))}”之前）"
    if message.startswith("expected name or number"):
        return "“.”之后应为字段名"
    if message.startswith("tag name expected"):
        return "{% 之后应为标记名（如 if、for）"
    if "can't assign to" in message or "cannot assign" in message:
        return "不能给这个表达式赋值"
    if "block" in message and "defined twice" in message:
        return "同名的 block 定义了两次"
    return f"写法有误（{message}）"


def _marker_prefix(text: str, tag: str) -> str:
    """'tr' when the opening tag was written {%tr for %} (a table-row loop), 'p', 'tc' likewise."""
    if not text:
        return ""
    m = re.search(r"\{%-?\s*(tr|tc|p)\s+" + re.escape(tag) + r"\b", text or "")
    return m.group(1) if m else ""


def _unknown(kind: str, name: str, env) -> str:
    word = "过滤器" if kind == "filter" else "测试（is 之后的词）"
    known = []
    if env is not None:
        known = [k for k in (env.filters if kind == "filter" else env.tests) if k not in _INTERNAL_FILTERS]
    hint = closest(name, known)
    return f"没有名为“{name}”的{word}{hint or '（可用的过滤器见 docs/templates.md）'}"


# -- runtime -------------------------------------------------------------------------------


def _runtime(message: str, env) -> str:
    m = re.match(r"No (filter|test) named '(.+?)'", message)
    if m:
        return _unknown(m.group(1), m.group(2), env)
    return f"模板运行出错（{message}）"


def _undefined(exc: BaseException, message: str, env=None) -> str:
    detail = exc.args[0] if exc.args else None
    obj = getattr(detail, "obj", None)
    name = getattr(detail, "name", None)
    missing = getattr(detail, "missing", False)
    m = re.match(r"'(.+)' is undefined$", message)
    if m or missing:
        name = name if isinstance(name, str) else m.group(1)
        elsewhere = getattr(env, "elsewhere", {}).get(name)
        if elsewhere:  # a variable other templates have (the notices' `redhead`)
            return f"未定义的变量“{name}”：{elsewhere}"
        known = _known_names(exc) | set(getattr(detail, "known", ()))
        return f"未定义的变量“{name}”{closest(name, known) or '（' + HELP + '；' + OWN_VALUES.format(name=name) + '）'}"
    if re.match(r"No aggregated item", message):
        return "列表为空，取不到最大值或最小值"
    if obj is None and detail is not None and getattr(detail, "has_obj", False):
        return f"值为空（none），没有属性“{name}”（可先用 {{% if … %}} 判断是否有值）"
    if isinstance(name, str):
        if isinstance(obj, dict):
            return f"没有属性“{name}”{closest(name, obj.keys()) or '（' + HELP + '）'}"
        if isinstance(obj, (list, tuple)):
            return f"列表没有属性“{name}”（列表要用 {{% for x in 列表 %}} 逐项取其字段）"
        return f"没有属性“{name}”（{HELP}）"
    m = re.match(r"'(.+?)' has no attribute '(.+)'", message)
    if m:
        return f"没有属性“{m.group(2)}”（{HELP}）"
    m = re.match(r"(\w+) object has no element (.+)", message)
    if m:
        return f"{type_word(m.group(1))}中没有第 {m.group(2)} 项（从 0 数起）"
    return f"未定义的值（{message}）"


def _known_names(exc: BaseException) -> set[str]:
    """The names a template could use where `exc` happened: the context, loop variables and
    names set in the template (read from jinja's frames), and jinja's globals; never jinja's
    own names for them (`l_0_year`, `t_1`)."""
    names: set[str] = set()
    tb = exc.__traceback__
    while tb is not None:
        frame = tb.tb_frame
        if frame.f_code.co_filename == "<template>":
            found = frame.f_locals
            if isinstance(found.get("context"), Context):  # the compiled code's own frame (an expression)
                found = get_template_locals(found)
            # else: a frame jinja rewrote for the traceback, whose locals are the template's names
            names |= {k for k in found if isinstance(k, str) and not k.startswith("_") and not _JINJA_INTERNAL.match(k)}
        tb = tb.tb_next
    return names


def _operands(m: re.Match) -> str:
    op, a, b = m.groups()
    if "NoneType" in (a, b):
        return f"空值（none）不能参与运算（{_OPS.get(op, op)}）：可能是未报送的完成值，可先用 {{% if … %}} 判断"
    return f"{type_word(a)}和{type_word(b)}不能相{_OPS.get(op, op)}（{op}）"


def _comparison(m: re.Match) -> str:
    op, a, b = m.groups()
    if "NoneType" in (a, b):
        return "空值（none）不能比较大小：可能是未报送的完成值，可先用 {% if … %} 判断"
    return f"{type_word(a)}和{type_word(b)}不能{_COMPARE.get(op, '比较')}（{op}）"


# Python's TypeError messages → what they mean to someone writing a template.
_TYPE_MESSAGES: tuple[tuple[re.Pattern, Callable[[re.Match], str]], ...] = tuple(
    (re.compile(pattern), say)
    for pattern, say in (
        (r"unsupported operand type\(s\) for ([^:]+): '(\w+)' and '(\w+)'", _operands),
        (
            r'can only concatenate (\w+) \(not "(\w+)"\) to \w+',
            lambda m: f"{type_word(m[1])}不能和{type_word(m[2])}相加：连接文字请用 ~（如 {{{{ year ~ '年' }}}}）",
        ),
        (r"'(.+?)' not supported between instances of '(\w+)' and '(\w+)'", _comparison),
        (r"'(\w+)' object is not iterable", lambda m: f"{type_word(m[1])}不是列表，不能用 for 逐项重复"),
        (r"object of type '(\w+)' has no len\(\)", lambda m: f"{type_word(m[1])}没有长度（length 只用于文字和列表）"),
        (r"'(\w+)' object is not subscriptable", lambda m: f"{type_word(m[1])}不能用 [ ] 取其中一项"),
        (r"'(\w+)' object is not callable", lambda m: f"{type_word(m[1])}不能像函数一样加括号调用"),
        (
            r"(%\w) format: an? (?:real number|integer) is required, not (\w+)",
            lambda m: f"格式“{m[1]}”需要数字，得到的是{type_word(m[2])}",
        ),
        (
            r"(\w+)\(\) takes (?:from )?(.+?) positional arguments? but (\d+) (?:were|was) given",
            lambda m: f"{m[1].lstrip('_')} 的参数个数不对（多了或少了参数）",
        ),
        (
            r"(\w+)\(\) got an unexpected keyword argument '(\w+)'",
            lambda m: f"{m[1].lstrip('_')} 没有名为“{m[2]}”的参数",
        ),
        (r"(?:float|int)\(\) argument must be .*?, not '(\w+)'", lambda m: f"{type_word(m[1])}不能转换为数字"),
        (r"'(\w+)' object cannot be interpreted as an integer", lambda m: f"此处需要整数，得到的是{type_word(m[1])}"),
        (r"unhashable type: '(\w+)'", lambda m: f"{type_word(m[1])}不能用作键或集合中的项"),
    )
)


def _type(message: str) -> str:
    for pattern, say in _TYPE_MESSAGES:
        m = pattern.match(message)
        if m:
            return say(m)
    return f"数据类型不符（{message}）"


def _security(message: str) -> str:
    m = re.match(r"access to attribute '(.+?)' of '(.+?)' object is unsafe", message)
    if m:
        return f"模板试图访问不允许的内容，已拒绝：不允许访问“{m.group(1)}”"
    if "unsafe" in message or "not safely callable" in message:
        return "模板试图访问不允许的内容，已拒绝：不允许调用会修改数据或访问程序内部的方法"
    return f"模板试图访问不允许的内容，已拒绝：{message}"


def needle(exc: BaseException) -> str | None:
    """The word of the template an error is about (a misspelled name), to quote around it."""
    detail = exc.args[0] if exc.args else None
    name = getattr(detail, "name", None)
    if isinstance(name, str):
        return name
    m = re.search(r"named '(.+?)'|unexpected char '(.+?)'|unknown tag '(.+?)'", str(detail or ""))
    return next((g for g in m.groups() if g), None) if m else None


def template_error(exc: BaseException | str, template, place: Place, env=None, source: str = "") -> TemplateError:
    """The TemplateError for a mistake at a place holding one piece of Jinja (`source`): an Excel
    cell or header, a document property. `exc` is the exception, or what to say."""
    if isinstance(exc, str):
        return TemplateError(exc, template=template, place=place)
    opener = unclosed(env, source, exc) if env is not None and source else None
    opened = (opener[0], Place("", place.text)) if opener else None  # the opening tag is here too
    return TemplateError(explain(exc, env, opened), template=template, place=place.near(needle(exc)))
