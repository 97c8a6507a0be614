"""click's own words (usage, option errors, help headings) in Chinese, without forking click.

click marks its texts for translation with `gettext` (`from gettext import gettext as _` in
each of its modules). `install()` puts a small translation catalogue in place of those
module-level functions, so `Usage:`, `Error: No such option`, `Missing option` and
`Show this message and exit.` read 用法、错误：没有选项、缺少必填选项、显示此帮助并退出.
A text not in the catalogue stays as click wrote it; the catalogue is checked against click's
own texts in tests/test_cli_text.py.
"""

from __future__ import annotations

import gettext
import importlib
import re

import click

from qdocgen.textwidth import columns

# click msgid → Chinese. Placeholders ({name}, %(prog)s, …) keep click's names.
MESSAGES: dict[str, str] = {
    "Usage:": "用法：",
    "Options": "选项",
    "Commands": "命令",
    "Show this message and exit.": "显示此帮助并退出。",
    "Show the version and exit.": "显示版本号并退出。",
    "%(prog)s, version %(version)s": "%(prog)s，版本 %(version)s",
    "Error: {message}": "错误：{message}",
    "Try '{command} {option}' for help.": "可运行“{command} {option}”查看帮助。",
    "No such option {name!r}.": "没有选项 {name!r}。",
    "No such command {name!r}.": "没有命令 {name!r}。",
    "Missing command.": "缺少命令。",
    "Missing argument": "缺少参数",
    "Missing option": "缺少必填选项",
    "Missing parameter": "缺少参数",
    "Missing {param_type}": "缺少{param_type}",
    "Missing parameter: {param_name}": "缺少参数：{param_name}",
    "Option {name!r} does not take a value.": "选项 {name!r} 不接受值。",
    "Argument {name!r} takes {nargs} values.": "参数 {name!r} 需要 {nargs} 个值。",
    "Invalid value: {message}": "取值无效：{message}",
    "Invalid value for {param_hint}: {message}": "{param_hint} 的取值无效：{message}",
    "Invalid start character for option ({option})": "选项的起始字符无效（{option}）",
    "Value must be an iterable.": "取值应为一组值。",
    "Choose from:\n\t{choices}": "可选：\n\t{choices}",
    "{value!r} is not a valid {number_type}.": "{value!r} 不是有效的{number_type}。",
    "{value!r} is not a valid boolean. Recognized values: {states}": "{value!r} 不是有效的布尔值，可用：{states}",
    "{value} is not in the range {range}.": "{value} 不在范围 {range} 内。",
    "{value!r} is not a valid UUID.": "{value!r} 不是有效的 UUID。",
    "{name} {filename!r} does not exist.": "{name} {filename!r} 不存在。",
    "{name} {filename!r} is a file.": "{name} {filename!r} 是文件，不是文件夹。",
    "{name} {filename!r} is a directory.": "{name} {filename!r} 是文件夹，不是文件。",
    "{name} {filename!r} is not readable.": "{name} {filename!r} 不可读。",
    "{name} {filename!r} is not writable.": "{name} {filename!r} 不可写。",
    "{name} {filename!r} is not executable.": "{name} {filename!r} 不可执行。",
    "Could not open file {filename!r}: {message}": "无法打开文件 {filename!r}：{message}",
    "unknown error": "未知错误",
    "file": "文件",
    "directory": "文件夹",
    "path": "路径",
    "Aborted!": "已中止。",
    "default: {default}": "默认：{default}",
    "required": "必填",
    "env var: {var}": "环境变量：{var}",
    "(dynamic)": "（动态）",
    "deprecated": "已弃用",
    "Error: invalid input": "错误：输入无效",
    "Error: The two entered values do not match.": "错误：两次输入的值不一致。",
    "Repeat for confirmation": "请再输入一次以确认",
    "Do you want to continue?": "是否继续？",
    "Press any key to continue...": "按任意键继续……",
    "Confirm the action without prompting.": "直接确认，不再询问。",
}
# (singular, plural) → (Chinese for one, Chinese for several).
PLURALS: dict[tuple[str, str], tuple[str, str]] = {
    ("Did you mean {possibility}?", "(Did you mean one of: {possibilities}?)"): (
        "是否想写 {possibility}？",
        "（是否想写其中之一：{possibilities}？）",
    ),
    ("Got unexpected extra argument ({args})", "Got unexpected extra arguments ({args})"): (
        "多余的参数（{args}）",
        "多余的参数（{args}）",
    ),
    ("Option {name!r} requires an argument.", "Option {name!r} requires {nargs} arguments."): (
        "选项 {name!r} 需要一个值。",
        "选项 {name!r} 需要 {nargs} 个值。",
    ),
    ("{value!r} is not {choice}.", "{value!r} is not one of {choices}."): (
        "{value!r} 不是 {choice}。",
        "{value!r} 不是 {choices} 之一。",
    ),
    ("Takes {nargs} values but 1 was given.", "Takes {nargs} values but {len} were given."): (
        "需要 {nargs} 个值，实际给了 1 个。",
        "需要 {nargs} 个值，实际给了 {len} 个。",
    ),
}
# click's modules that bind `_`/`ngettext` at import.
MODULES = (
    "click.core",
    "click.decorators",
    "click.exceptions",
    "click.formatting",
    "click.parser",
    "click.types",
    "click.termui",
    "click.utils",
)


class Catalogue(gettext.NullTranslations):
    """A gettext translations object backed by MESSAGES and PLURALS (no .mo file)."""

    def gettext(self, message: str) -> str:
        return MESSAGES.get(message, message)

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        one, several = PLURALS.get((singular, plural), (singular, plural))
        return one if n == 1 else several


CATALOGUE = Catalogue()


class HelpFormatter(click.HelpFormatter):
    """click's help layout with Chinese punctuation: 用法：… and 选项：."""

    def write_usage(self, prog: str, args: str = "", prefix: str | None = None) -> None:
        super().write_usage(prog, args, CATALOGUE.gettext("Usage:") if prefix is None else prefix)

    def write_heading(self, heading: str) -> None:
        self.write(f"{'':>{self.current_indent}}{heading}：\n")


class Context(click.Context):
    formatter_class = HelpFormatter


OPTIONS_METAVAR = "[选项]"
SUBCOMMAND_METAVAR = "命令 [参数]..."


def _term_len(text: str) -> int:
    return columns(click.unstyle(text))


def install() -> None:
    """Make click speak Chinese (idempotent); its help columns count a Chinese character as two."""
    importlib.import_module("click.formatting").term_len = _term_len
    for param_type, name in ((click.INT, "整数"), (click.FLOAT, "数"), (click.STRING, "文字"), (click.BOOL, "是否")):
        param_type.name = name  # shown as the metavar (--year 整数) and in 'not a valid …'
    for name in MODULES:
        module = importlib.import_module(name)
        if hasattr(module, "_"):
            module._ = CATALOGUE.gettext
        if hasattr(module, "ngettext"):
            module.ngettext = CATALOGUE.ngettext


class Choice(click.Choice):
    """A choice whose error reads in Chinese punctuation: “pdf”不是 xlsx、docx 之一."""

    def get_invalid_choice_message(self, value, ctx) -> str:
        return f"“{value}”不是 {'、'.join(map(str, self.choices))} 之一。"


def punctuated(message: str) -> str:
    """click's own sentences with Chinese punctuation: '--year' → “--year”, a sentence's '.' → 。
    (with no space after it)."""
    text = re.sub(r"'([^'\n]*)'", r"“\1”", message).replace("”, “", "”、“")
    return re.sub(r"(?<=[^\s.])\.(?=\s|$)", "。", text).replace("。 ", "。")


def chinese_usage_error(exc: click.UsageError) -> click.UsageError:
    """The same usage error (exit code 2, with its usage line), its message punctuated."""
    return click.UsageError(punctuated(exc.format_message()), exc.ctx)
