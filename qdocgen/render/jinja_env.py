"""The Jinja environment every template renders in: sandboxed, strict, with qdocgen's filters.

Templates come from users and from other offices by e-mail, so they get no access to Python
internals, the file system or the OS (jinja2's immutable sandbox), and an undefined variable is
an error rather than an empty string.

The sandbox alone stops a template from reaching Python internals, but not from exhausting the
machine: `{{ 'a' * 10**9 }}` builds a gigabyte string, `{{ 2 ** 10**9 }}` never finishes, and
nested loops multiply. So the environment also refuses, with a SecurityError naming the limit:
building one text or list longer than MAX_ITEMS (by `*`, `+`, `%`, `~`, a filter or a method),
whole numbers beyond MAX_INT_BITS, more than MAX_LOOP_STEPS loop iterations in one rendering,
more than MAX_OUTPUT characters of output, and `{% include %}`/`{% import %}`/`{% extends %}`
(a template may not read other files).
"""

from __future__ import annotations

import re
import types
from collections.abc import Mapping
from datetime import date
from decimal import Decimal
from functools import wraps

from jinja2 import StrictUndefined, meta, nodes, pass_context
from jinja2 import Undefined as JinjaUndefined
from jinja2.environment import Template, TemplateExpression
from jinja2.exceptions import SecurityError, TemplateSyntaxError
from jinja2.filters import do_round as _JINJA_ROUND
from jinja2.nodes import EvalContext
from jinja2.runtime import Context
from jinja2.sandbox import ImmutableSandboxedEnvironment
from jinja2.utils import consume, generate_lorem_ipsum, missing
from markupsafe import escape as _markup_escape

from qdocgen import fmt
from qdocgen.render import compile_cache, spans


def _date(value: object) -> str:
    return fmt.cn_date(value) if isinstance(value, date) else ("" if value is None else str(value))


def _number(value: object, unit: str = "") -> str:
    if value is None or value == "":
        return ""
    return fmt.number(float(value), unit)


def _percent(value: object) -> str:
    return "" if value is None or value == "" else fmt.percent(float(value))


def _quantity(value: object, unit: str = "") -> str:
    return "" if value is None or value == "" else fmt.quantity(float(value), unit)


def _round(value, precision: int = 0, method: str = "common"):
    """jinja's `round`, rounding 'common' by qdocgen's rule (四舍五入 on the figure as
    written, fmt.py): 1.005|round(2) → 1.01, 2.5|round → 3.0 (jinja: 1.0 and 2.0)."""
    if method != "common" or isinstance(value, bool) or not isinstance(value, (int, float, Decimal)):
        return _JINJA_ROUND(value, precision, method)
    return float(fmt.rounded(value, int(precision)))


def _as_text(value) -> str:
    return str(value)


# Filters a template can use, with what they do (docs/templates.md lists them too).
FILTERS: dict[str, tuple[object, str]] = {
    "number": (
        _number,
        "数字加千分位：10000 → 10,000；number('%') 给以百分数计的数加 %：95|number('%') → 95.0%"
        "（0.95 这样的比例请用 percent）",
    ),
    "percent": (_percent, "比例写作百分数：0.95 → 95.0%"),
    "quantity": (_quantity, "数字带单位：quantity('家') → 12家"),
    "cn_date": (_date, "日期写作 2022年12月31日"),
}


# Limits on what one template may build (see the module docstring and docs/security.md).
MAX_ITEMS = 1_000_000  # characters of one text, items of one list
MAX_INT_BITS = 4096  # about 1,200 digits
MAX_LOOP_STEPS = 200_000  # loop iterations in one rendering of one template (or Excel cell)
MAX_OUTPUT = 50_000_000  # characters one rendering may write
_SIZED = (str, list, tuple, dict)
_PADDING = {"center", "ljust", "rjust", "zfill", "expandtabs"}
_WIDTH_FILTERS = {"center", "indent", "wordwrap", "truncate", "batch", "slice"}
_BIG_NUMBER = re.compile(r"\d{7,}|\*")  # a width or precision of 1,000,000 or more (or `*`)
_FORMAT_SPEC = re.compile(r"%[#0\- +]*[\d*]*(?:\.[\d*]+)?|\{[^{}]*\}")
_INCLUDES = (nodes.Include, nodes.Import, nodes.FromImport, nodes.Extends)
_BUDGET_FILTER = "qdocgen_loop_budget"
MERGE_FILTER = "qdocgen_vmerge"  # a `{%vmerge %}` span as the rows written call for (render/spans.py)
_SIZE_FILTER = "qdocgen_size_check"
_BATCH_NAME = "qdocgen_batch_"  # the variables an ExpressionBatch sets


def _refuse(what: str) -> SecurityError:
    return SecurityError(what)


def _check_size(value: object, what: str = "生成的内容"):
    if isinstance(value, _SIZED) and len(value) > MAX_ITEMS:
        raise _refuse(f"{what}超过 {MAX_ITEMS:,} 个字符或项，疑为恶意模板")
    if isinstance(value, int) and not isinstance(value, bool) and value.bit_length() > MAX_INT_BITS:
        raise _refuse(f"{what}的数字过大（超过约 1,200 位）")
    return value


def _check_format(text: str) -> None:
    """Refuse a %-format or str.format text that asks for an enormous width or precision."""
    for spec in _FORMAT_SPEC.findall(text):
        if _BIG_NUMBER.search(spec[1:]):
            raise _refuse(f"格式“{spec[:30]}”的宽度或精度过大")


def _too_big(n: object) -> bool:
    return isinstance(n, int) and not isinstance(n, bool) and abs(n) > MAX_ITEMS


@pass_context
def _loop_budget(context, iterable):
    """Every `for` loop iterates through this: counts the iterations of one rendering."""
    for item in iterable:
        steps = getattr(context, "qdocgen_steps", 0) + 1  # shared by nested loops
        if steps > MAX_LOOP_STEPS:
            raise _refuse(f"循环次数超过 {MAX_LOOP_STEPS:,} 次，疑为恶意模板")
        context.qdocgen_steps = steps
        yield item


@pass_context
def _vmerge(context, value, key, first):
    try:
        state = context.qdocgen_vmerge
    except AttributeError:
        state = context.qdocgen_vmerge = {}
    return spans.follow(value, state, key, first)


def _lipsum(n: int = 5, html: bool = True, min: int = 20, max: int = 100) -> str:  # noqa: A002 - jinja's names
    """jinja's placeholder text, with limits (lipsum(10**9) would never finish)."""
    if not all(isinstance(v, int) and v <= 1000 for v in (n, min, max)):
        raise _refuse("lipsum 的参数过大")
    return generate_lorem_ipsum(n, html, min, max)


def _guarded_filter(name: str, func):
    @wraps(func)  # keeps jinja's pass_context/pass_eval_ctx marks
    def run(*args, **kwargs):
        if name in _WIDTH_FILTERS and any(_too_big(a) for a in (*args[1:], *kwargs.values())):
            raise _refuse(f"过滤器 {name} 的参数过大")
        if name == "format" and args and isinstance(args[0], str):
            _check_format(args[0])
        return _check_size(func(*args, **kwargs), f"过滤器 {name} 生成的内容")

    return run


try:  # markupsafe's escaping itself (its C speedup), without making a Markup of the result
    from markupsafe import _escape_inner as _escaped_text
except ImportError:  # another markupsafe: its escape, as text

    def _escaped_text(text: str) -> str:
        return str(_markup_escape(text))


def _escape(value):
    """What `{{ value }}` prints with autoescape on: markupsafe.escape(value)'s text. What a
    template prints goes only into the text of its rendering (Environment.concat, also for the
    bodies of macros, blocks and `{% set %}`, which jinja then makes Markup itself), so a plain
    str, int or float is given as the same text without the Markup around it (a third of the
    cost of printing a value); anything else is markupsafe's answer."""
    kind = type(value)
    if kind is str:
        return _escaped_text(value)
    if kind is int or kind is float:  # digits, a sign, a point, e, inf, nan: nothing to escape
        return str(value)
    return _markup_escape(value)


class _Template(Template):
    """jinja's Template, printing with `_escape` rather than markupsafe.escape (the name the
    compiled code calls)."""

    @classmethod
    def from_code(cls, environment, code, globals, uptodate=None):  # noqa: A002 - jinja's name
        template = super().from_code(environment, code, globals, uptodate)
        namespace = template.root_render_func.__globals__  # the module the code ran in, its blocks' too
        if namespace.get("escape") is _markup_escape:
            namespace["escape"] = _escape
        return template


_PLAIN_VALUES = frozenset({bool, int, float, str, type(None)})
_SMALL_INT = 1 << 31  # an int whose sums, products and remainders no limit is near


class TemplateEnvironment(ImmutableSandboxedEnvironment):
    """The sandbox, remembering the sources it compiled so a build can tell which context
    variables a template uses (and so which data its document shows)."""

    intercepted_binops = frozenset({"*", "**", "+", "%"})
    template_class = _Template

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.sources: set[str] = set()
        self._expression_source: str | None = None  # the text of the expression being compiled
        # Variables other kinds of template have and this one lacks: name → where they are
        # (said instead of a spelling suggestion when a template uses one).
        self.elsewhere: dict[str, str] = {}
        self.filters = {name: _guarded_filter(name, func) for name, func in self.filters.items()}
        self.filters[_BUDGET_FILTER] = _loop_budget
        self.filters[_SIZE_FILTER] = _check_size
        self.filters[MERGE_FILTER] = _vmerge
        self.globals["lipsum"] = _lipsum

    # -- attributes --------------------------------------------------------------------------

    _SAFE_ATTRIBUTES: dict[tuple[type, str], bool] = {}

    def is_safe_attribute(self, obj, attr, value) -> bool:
        """The sandbox's answer, kept per (type, attribute): jinja's rules (private and internal
        attributes, methods that change a list, dict or set) look at nothing else, and a
        template asks the same few attributes of the same few types thousands of times."""
        key = (type(obj), attr)
        safe = self._SAFE_ATTRIBUTES.get(key)
        if safe is None:
            safe = super().is_safe_attribute(obj, attr, value)
            if len(self._SAFE_ATTRIBUTES) < 10_000:  # names made up by a template (`|attr(...)`) are not kept
                self._SAFE_ATTRIBUTES[key] = safe
        return safe

    _DICT_ATTRIBUTES = frozenset(dir(dict))

    def getattr(self, obj, attribute):
        """`x.name`: jinja tries the attribute, then the item. A plain dict has no attributes but
        its methods, so for any other name the item is the answer — without raising and catching
        an AttributeError first (the contexts are dicts, read thousands of times a document)."""
        kind = type(obj)
        if kind is dict and attribute not in self._DICT_ATTRIBUTES:
            try:
                return obj[attribute]
            except (TypeError, LookupError):
                return self.undefined(obj=obj, name=attribute)
        if type(attribute) is str and self._SAFE_ATTRIBUTES.get((kind, attribute)) is True:
            # An attribute of this type the sandbox found safe before (`loop.first`, asked per
            # row): the sandbox's own steps, is_safe_attribute answered from what it said then.
            try:
                value = getattr(obj, attribute)
            except AttributeError:
                return super().getattr(obj, attribute)
            if type(value) in _PLAIN_VALUES:  # not a method: wrap_str_format would give None
                return value
            wrapped = self.wrap_str_format(value)
            return value if wrapped is None else wrapped
        return super().getattr(obj, attribute)

    # -- limits ----------------------------------------------------------------------------

    def call_binop(self, context, operator_: str, left, right):
        """`*`, `**`, `+` and `%` with a check that the result stays a reasonable size."""
        if operator_ != "**":  # small numbers (a column's width, a row's number): no limit can be near
            kinds = type(left), type(right)
            if (kinds[0] is float or (kinds[0] is int and -_SMALL_INT < left < _SMALL_INT)) and (
                kinds[1] is float or (kinds[1] is int and -_SMALL_INT < right < _SMALL_INT)
            ):
                return self.binop_table[operator_](left, right)
        if operator_ == "*":
            for seq, n in ((left, right), (right, left)):
                if isinstance(seq, _SIZED) and isinstance(n, int) and len(seq) * n > MAX_ITEMS:
                    raise _refuse(f"“*”将生成超过 {MAX_ITEMS:,} 个字符或项的内容，疑为恶意模板")
            if _ints(left, right) and left.bit_length() + right.bit_length() > MAX_INT_BITS:
                raise _refuse("“*”的结果数字过大（超过约 1,200 位）")
        elif operator_ == "**":
            if _ints(left, right) and right > 0 and abs(left) > 1 and right * left.bit_length() > MAX_INT_BITS:
                raise _refuse("“**”的结果数字过大（超过约 1,200 位）")
        elif operator_ == "+":
            if isinstance(left, _SIZED) and isinstance(right, _SIZED) and len(left) + len(right) > MAX_ITEMS:
                raise _refuse(f"“+”将生成超过 {MAX_ITEMS:,} 个字符或项的内容，疑为恶意模板")
        elif operator_ == "%" and isinstance(left, str):
            _check_format(left)
        return _check_size(super().call_binop(context, operator_, left, right), f"“{operator_}”的结果")

    def call(__self, __context, __obj, *args, **kwargs):  # noqa: N805 - jinja's signature
        """A call from the template, refusing str methods asked for an enormous width."""
        method = __obj.__dict__.get("__wrapped__", __obj) if isinstance(__obj, types.FunctionType) else __obj
        target, name = None, ""
        if isinstance(method, types.BuiltinMethodType):  # a str method, or str.format as jinja wraps it
            target, name = method.__self__, method.__name__
        if isinstance(target, str):
            if name in _PADDING and any(_too_big(a) for a in (*args, *kwargs.values())):
                raise _refuse(f"{name} 的参数过大")
            if name in ("format", "format_map"):
                _check_format(target)
        return _check_size(super().call(__context, __obj, *args, **kwargs), f"{name or '函数'} 的结果")

    def concat(self, parts):  # the output of a rendering (and of blocks and macros)
        out, total = [], 0
        for part in parts:
            total += len(part)
            if total > MAX_OUTPUT:
                raise _refuse(f"模板输出超过 {MAX_OUTPUT:,} 个字符，疑为恶意模板")
            out.append(part)
        return "".join(out)

    def compile(self, source, name=None, filename=None, raw=False, defer_init=False):
        """Compile with every loop counted and every `~` checked; refuse references to files.
        A source compiled before, here or in an earlier run, is taken from the compile cache."""
        cacheable = isinstance(source, str) and name is None and filename is None and not raw and not defer_init
        if cacheable:
            key = self._cache_key()
            kept = compile_cache.code("template", key, source)
            if kept is not None:
                return kept
            code = self._checked_compile(self.parse(source), None, None, raw, defer_init)
            compile_cache.keep_code("template", key, source, code)
            return code
        return self._checked_compile(source, name, filename, raw, defer_init)

    def from_changed_tree(self, source: str, kind: str, change) -> Template:
        """The template of `source` with `change(tree)` made to its syntax tree before it is
        compiled (checked and limited as any), kept in the compile cache under `kind` (which names
        the change). Not counted as a source the templates use: `source` itself is."""
        key = self._cache_key()
        code = compile_cache.code(kind, key, source)
        if code is None:
            tree = self.parse(source)
            change(tree)
            code = self._checked_compile(tree, None, None, False, False)
            compile_cache.keep_code(kind, key, source, code)
        return self.template_class.from_code(self, code, self.make_globals(None), None)

    def _checked_compile(self, source, name, filename, raw, defer_init):
        if isinstance(source, str):
            source = self.parse(source, name, filename)
        for node in source.find_all(_INCLUDES):
            keyword = {nodes.Include: "include", nodes.Extends: "extends"}.get(type(node), "import")
            raise _located(
                SecurityError(f"模板不能用 {{% {keyword} %}} 引用其他文件（模板只能使用自身的内容和变量）"),
                node.lineno,
            )
        for loop in source.find_all(nodes.For):
            loop.iter = nodes.Filter(loop.iter, _BUDGET_FILTER, [], [], None, None, lineno=loop.lineno)
        for concat in list(source.find_all(nodes.Concat)):
            _wrap(source, concat)
        code = super().compile(source, name, filename, raw, defer_init)
        expression, self._expression_source = self._expression_source, None
        if expression is not None and not raw:  # compile_expression's template, keyed by its text
            compile_cache.keep_code("expression", self._cache_key(), expression, code)
        return code

    # -- sources ---------------------------------------------------------------------------

    def from_string(self, source, *args, **kwargs):
        if isinstance(source, str):  # (compile_expression hands jinja an AST; it keeps its own text)
            self.sources.add(source)
        return super().from_string(source, *args, **kwargs)

    def compile_expression(self, source, undefined_to_none=True):
        self.sources.add("{{ " + str(source) + " }}")
        key = self._cache_key()
        kept = compile_cache.code("expression", key, str(source))
        if kept is not None:
            template = self.template_class.from_code(self, kept, self.make_globals(None), None)
            return Expression(template, undefined_to_none)
        self._expression_source = str(source)
        try:
            compiled = super().compile_expression(source, undefined_to_none)
        finally:
            self._expression_source = None
        return Expression(compiled._template, compiled._undefined_to_none)

    def compile_batch(self, sources: list[str]) -> ExpressionBatch | None:
        """The expressions `sources` (each one compile_expression compiled) as one batch:
        `{% set qdocgen_batch_k = (source k) %}` for each, compiled once (and kept in the compile
        cache), without counting as a source the templates use. None where a source mentions
        those names, or the whole does not compile."""
        if self.context_class is not Context or any(_BATCH_NAME in source for source in sources):
            return None
        names = [f"{_BATCH_NAME}{k}" for k in range(len(sources))]
        text = "".join(f"{{% set {name} = ({source}) %}}" for name, source in zip(names, sources, strict=True))
        try:
            code = self.compile(text)
        except Exception:  # each is evaluated alone
            return None
        return ExpressionBatch(self.template_class.from_code(self, code, self.make_globals(None), None), names)

    def _cache_key(self) -> bytes | None:
        return compile_cache.env_key(self)

    def used_names(self) -> set[str]:
        """The top-level variables the compiled sources refer to."""
        names: set[str] = set()
        for source in self.sources:
            try:
                names |= self.names_in(source)
            except TemplateSyntaxError:
                continue
        return names

    def names_in(self, source: str) -> frozenset[str]:
        """The top-level variables `source` refers to (meta.find_undeclared_variables of its
        syntax tree; a TemplateSyntaxError as parse raises it), kept in the compile cache: a
        worker that finds them there needs no lexer (its rules compiled, a few milliseconds)."""
        key = self._cache_key()
        found = compile_cache.names(key, source)
        if found is None:
            found = meta.find_undeclared_variables(self.parse(source))
            compile_cache.keep_names(key, source, found)
        return frozenset(found)


def _ints(a: object, b: object) -> bool:
    return all(isinstance(x, int) and not isinstance(x, bool) for x in (a, b))


def _located(exc: SecurityError, lineno: int) -> SecurityError:
    exc.lineno = lineno
    return exc


def _wrap(tree: nodes.Node, target: nodes.Node) -> None:
    """Replace `target` in `tree` by a size check of it."""
    for parent in tree.find_all(nodes.Node):
        for field, value in parent.iter_fields():
            checked = nodes.Filter(target, _SIZE_FILTER, [], [], None, None, lineno=target.lineno)
            if value is target:
                setattr(parent, field, checked)
                return
            if isinstance(value, list) and any(v is target for v in value):
                setattr(parent, field, [checked if v is target else v for v in value])
                return


class UndefinedDetail(str):
    """jinja's message about an undefined value, keeping what was asked of what (so a message
    can suggest the closest field name: `p.measur` → “measure”)."""

    obj: object = None
    name: object = None
    has_obj: bool = False  # an attribute or item of `obj` was asked for
    missing: bool = False  # a variable that does not exist
    known: frozenset = frozenset()  # the variables the expression could have used, when known


class Undefined(StrictUndefined):
    """StrictUndefined whose error carries the object and the name asked for."""

    __slots__ = ("_context",)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._context = None  # set by Expression when this is what an expression gave

    @property
    def _undefined_message(self) -> str:
        detail = UndefinedDetail(super()._undefined_message)
        detail.obj = None if self._undefined_obj is missing else self._undefined_obj
        detail.name = self._undefined_name
        detail.has_obj = self._undefined_obj is not missing
        detail.missing = self._undefined_obj is missing and not self._undefined_hint
        context = self._context
        if context is not None:
            detail.known = frozenset(k for k in context.get_all() if k != "result")
        return detail


class _Layered(Mapping):
    """Read-only variables: `scope` over `globals`, exactly as `dict(globals, **scope)` would
    resolve them, without copying either."""

    __slots__ = ("globals", "scope")

    def __init__(self, scope: dict, globals: Mapping):  # noqa: A002 - jinja's name
        self.scope = scope
        self.globals = globals

    def __getitem__(self, key):
        scope = self.scope
        if key in scope:
            return scope[key]
        return self.globals[key]

    def __contains__(self, key) -> bool:
        return key in self.scope or key in self.globals

    def __iter__(self):
        return iter(dict.fromkeys([*self.globals, *self.scope]))

    def __len__(self) -> int:
        return len(self.globals.keys() | self.scope.keys())

    def copy(self) -> dict:  # what jinja asks of a context's variables (debug.py, on an error)
        return dict(self.globals, **self.scope)

    def __repr__(self) -> str:
        return repr(self.copy())


class _ExpressionContext(Context):
    """The context of one evaluation of an expression with a dict of variables: jinja's
    Context, made without what an expression's template never uses (blocks, a set of global
    names, an evaluation context of its own: an expression has no `{% autoescape %}` to change
    it), and looking names up in the caller's dict, then the template's globals, rather than
    both copied into a new dict per call (as jinja's new_context does)."""

    def __init__(self, environment, scope: dict, globals: Mapping, eval_ctx, name):  # noqa: A002 - jinja's name
        self.scope = scope
        self.globals = globals
        self.vars = {}
        self.environment = environment
        self.eval_ctx = eval_ctx
        self.exported_vars = set()
        self.name = name
        self.globals_keys = _NO_NAMES
        self.blocks = {}

    @property
    def parent(self) -> Mapping:  # what jinja's Context reads its variables from
        return _Layered(self.scope, self.globals)

    def resolve_or_missing(self, key: str):
        if key in self.vars:
            return self.vars[key]
        scope = self.scope
        if key in scope:
            return scope[key]
        found = self.globals
        if key in found:
            return found[key]
        return missing


_NO_NAMES: frozenset = frozenset()


class Expression(TemplateExpression):
    """A compiled expression (an Excel cell holding one `{{ … }}`, a row loop's list, a chart
    tag's field). An undefined result fails only where it is used, outside the template, so it
    keeps the names its expression could have used: `{{ distrct }}` can then be answered
    “是否应为“district”？”."""

    def __call__(self, *args, **kwargs):
        template = self._template
        if (
            len(args) == 1
            and not kwargs
            and isinstance(args[0], dict)
            and template.environment.context_class is Context
        ):
            # Evaluated thousands of times per workbook (every Excel cell of every row).
            eval_ctx = self.__dict__.get("_eval_ctx")
            if eval_ctx is None:
                eval_ctx = self._eval_ctx = EvalContext(template.environment, template.name)
            context = _ExpressionContext(template.environment, args[0], template.globals, eval_ctx, template.name)
        else:
            parent = dict(template.globals, **dict(*args, **kwargs))
            context = template.environment.context_class(template.environment, parent, template.name, template.blocks)
        consume(template.root_render_func(context))
        value = context.vars["result"]
        if isinstance(value, JinjaUndefined) and self._undefined_to_none:
            return None
        if isinstance(value, Undefined):
            value._context = context
        return value


class ExpressionBatch:
    """Several expressions evaluated in one context (the cells of one Excel row: a table's
    row holds a dozen, each evaluated per output row). `batch(scope)` gives their values in
    order, or None when one of them raised or gave an undefined value: the caller then
    evaluates them one by one (Expression), which raises the error of the cell it belongs to,
    and does not evaluate what it does not need (a cell a merge covers)."""

    def __init__(self, template, names: list[str]):
        self._template = template
        self._names = names
        self._eval_ctx = EvalContext(template.environment, template.name)

    def __call__(self, scope: dict) -> list | None:
        template = self._template
        context = _ExpressionContext(template.environment, scope, template.globals, self._eval_ctx, template.name)
        try:
            consume(template.root_render_func(context))
        except Exception:  # told again, with its cell, when evaluated alone
            return None
        found = context.vars
        values = [found[name] for name in self._names]
        for value in values:
            if isinstance(value, JinjaUndefined):
                return None
        return values


def make_env(*, autoescape: bool) -> TemplateEnvironment:
    """A fresh sandboxed environment; autoescape on for Word XML, off for Excel cell values."""
    env = TemplateEnvironment(
        undefined=Undefined,
        autoescape=autoescape,
        keep_trailing_newline=True,
    )
    env.filters.update({name: func for name, (func, _) in FILTERS.items()})
    env.filters["round"] = _guarded_filter("round", _round)
    if not autoescape:  # an Excel cell is text, not XML: `{{ "R&D"|e }}` (a docxtpl habit) is R&D
        env.filters["e"] = env.filters["escape"] = _guarded_filter("escape", _as_text)
    return env


# -- values a template needs ----------------------------------------------------------------

_TESTING = (nodes.Not, nodes.And, nodes.Or, nodes.Test, nodes.Compare, nodes.Operand)


def needs_value(env, source: str, names, guards=None) -> list[tuple[str, int]]:
    """Where `source` uses one of `names` in a way that needs it to have a value: printed,
    computed with, looped over, an attribute taken. Uses that only test it (`{% if district %}`,
    `district or '全市'`, `year is none`) and uses inside a test of it (`{% if year %}{{ year }}…`,
    `district.name if district else '全市'`) do not count; `guards` says which other names a
    test of one name covers (testing `year` covers `progress`). Gives (name, line) in order."""
    try:
        tree = env.parse(source)
    except TemplateSyntaxError:
        return []
    found: list[tuple[str, int]] = []
    _walk(tree, frozenset(names), frozenset(), False, found, guards or {})
    return found


def _walk(node: nodes.Node, names: frozenset, guarded: frozenset, testing: bool, found: list, guards) -> None:
    if isinstance(node, nodes.Name):
        if node.ctx == "load" and node.name in names and node.name not in guarded and not testing:
            found.append((node.name, node.lineno))
        return
    if isinstance(node, (nodes.If, nodes.CondExpr)):
        inner = guarded | _names_in(node.test, guards)
        _walk(node.test, names, guarded, True, found, guards)
        branches = (
            [node.expr1, node.expr2] if isinstance(node, nodes.CondExpr) else [*node.body, *node.elif_, *node.else_]
        )
        for child in branches:
            if child is not None:
                _walk(child, names, inner, testing and isinstance(node, nodes.CondExpr), found, guards)
        return
    if isinstance(node, (nodes.And, nodes.Or)):
        _walk(node.left, names, guarded, True, found, guards)
        _walk(node.right, names, guarded | _names_in(node.left, guards), testing, found, guards)
        return
    still_testing = testing and isinstance(node, _TESTING)
    if isinstance(node, (nodes.Not, nodes.Test)):
        still_testing = True
    for child in node.iter_child_nodes():
        _walk(child, names, guarded, still_testing, found, guards)


def _names_in(node: nodes.Node, guards) -> frozenset:
    found = {n.name for n in node.find_all(nodes.Name)}
    if isinstance(node, nodes.Name):
        found.add(node.name)
    for name in list(found):
        found |= set(guards.get(name, ()))
    return frozenset(found)
