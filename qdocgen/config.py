"""The workspace's settings file, qdocgen.toml: one schema for every section, read once.

    config = load_config(Path("qdocgen.toml"))    # or Workspace.config
    config.gbt9704.body_size, config.notice.subject, config.notice.date

Each key is a small typed option that knows its default and what values it accepts (as in
MkDocs' config_options). Loading checks the whole file and reports every problem at once,
each with the file, its line and the key: an unknown section or key is refused with the
closest known name, a value out of range with the range. A file that is absent means every
default. `qdocgen check` validates it; `qdocgen init` writes it with every key commented out.
"""

from __future__ import annotations

import difflib
import hashlib
import json
import re
from dataclasses import asdict, dataclass, field, fields, replace
from datetime import date, datetime
from pathlib import Path

from qdocgen.errors import Problem, UserError, read_user_text
from qdocgen.render.gbt9704 import KEYS, Profile, check_doc_number, parse_date, profile_problems
from qdocgen.safe_names import name_problem

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10
    import tomli as tomllib

CONFIG_NAME = "qdocgen.toml"


class Invalid(Exception):
    """A value an option does not accept; the message says what was expected, in Chinese."""


def _shown(value: object) -> str:
    """A value as it is written in the TOML file."""
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, str):
        return f'"{value}"'
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    return str(value)


# ── options: one per key, each validating its own value ─────────────────────────────────


@dataclass(frozen=True)
class Option:
    default: object = None

    def validate(self, value: object) -> object:
        return value


@dataclass(frozen=True)
class Boolean(Option):
    def validate(self, value):
        if not isinstance(value, bool):
            raise Invalid(f"应为 true 或 false，实为 {_shown(value)}")
        return value


@dataclass(frozen=True)
class Integer(Option):
    low: int = 0
    high: int = 0

    def validate(self, value):
        if isinstance(value, bool) or not isinstance(value, int):
            raise Invalid(f"应为整数，实为 {_shown(value)}")
        if not self.low <= value <= self.high:
            raise Invalid(f"应在 {self.low}—{self.high} 之间，实为 {value}")
        return value


@dataclass(frozen=True)
class Text(Option):
    required: bool = False  # an empty text is refused
    pattern: str | None = None  # a regular expression the whole text must match, when not empty
    pattern_hint: str = ""
    check: object = None  # text -> why it is wrong, or None

    def validate(self, value):
        if not isinstance(value, str):
            raise Invalid(f"应为文字，实为 {_shown(value)}")
        if self.required and not value.strip():
            raise Invalid("不能为空")
        if value and self.pattern and not re.fullmatch(self.pattern, value):
            raise Invalid(f"{self.pattern_hint}，实为“{value}”")
        if value and self.check is not None and (why := self.check(value)):
            raise Invalid(why)
        return value


@dataclass(frozen=True)
class DateText(Option):
    """A date written YYYY-MM-DD (quoted or as a TOML date); `what` names it in messages."""

    what: str = "日期"

    def validate(self, value):
        if isinstance(value, datetime) or not isinstance(value, (str, date)):
            raise Invalid(f'应为日期，写作 "YYYY-MM-DD"，实为 {_shown(value)}')
        try:
            return parse_date(value, self.what)
        except UserError as exc:
            raise Invalid(exc.message) from None


@dataclass(frozen=True)
class Choice(Option):
    choices: tuple = ()

    def validate(self, value):
        if value not in self.choices:
            raise Invalid(f"应为 {'、'.join(map(_shown, self.choices))} 之一，实为 {_shown(value)}")
        return value


@dataclass(frozen=True)
class DateTable(Option):
    """成文日期 per period: a table from period key (2018, 2019-H1) to a date."""

    def validate(self, value):
        if not isinstance(value, dict):
            raise Invalid('应写作 { "2021" = "2022-01-17", "2022-H1" = "2022-07-15" }')
        out = {}
        for key, when in value.items():
            m = re.fullmatch(r"(\d{4})(?:-(H1|Q1|Q2|Q3))?", str(key).strip().upper())
            if m is None:
                raise Invalid(f"时段“{key}”无效，应写作 2021、2022-H1、2022-Q3 这样")
            out[m.group(0)] = DateText(what=f"时段 {m.group(0)} 的成文日期").validate(when)
        return out


# ── the sections ────────────────────────────────────────────────────────────────────────


@dataclass(frozen=True)
class ChartSettings:
    """Retired: charts are Word charts drawn with the document's fonts. Older files may still
    hold `[chart] font`; it is accepted, and the notices say once that it is no longer used."""

    given: bool = False  # the file has a [chart] section


@dataclass(frozen=True)
class NoticeSettings:
    subject: str = ""  # empty: taken from the plan's title
    date: date | None = None  # 成文日期 of every period (--date wins); see `dates`
    dates: dict = field(default_factory=dict)  # period key -> 成文日期, before `date`
    deadline_days: int = 15  # 整改/补报 due this many days after the 成文日期
    addressees: str = ""  # 主送 of the city notice; empty: every unit's body (units.addressees)
    copy_to: str = ""  # 抄送; empty: the members of the office's leading group
    district_genre: str = "函"  # a district's own document: 函 (关于反馈……的函) or 通报
    contact: str = ""  # 附注 (联系人：…，电话：…); empty: none
    public: str = ""  # 公开属性 (此件公开发布 / 此件不予公开); empty: none
    first_number: int = 1  # the running number of a year's first notice in doc_number's {n}
    # the city notice's annex: one row per measure and one column per unit ("matrix"), or one
    # row per measure and unit ("list"); "auto": the matrix for up to MATRIX_MAX_UNITS units, the
    # list for more (their columns would not fit a landscape page). Templates read notice.annex.
    annex: str = "auto"


@dataclass(frozen=True)
class FormsSettings:
    # A 说明 is required for every 未完成 figure: the form asks for it, `missing` lists those without.
    note_when_missed: bool = False


def _subject_problem(text: str) -> str | None:
    why = name_problem(text)
    return f"“{text}”{why}（它会用在通报的文件名中）" if why else None


_SIZES = {
    "paper_width": (5000, 40000),
    "paper_height": (5000, 40000),
    "margin_top": (0, 8000),
    "margin_bottom": (0, 8000),
    "margin_left": (0, 8000),
    "margin_right": (0, 8000),
    "footer_distance": (0, 8000),
    "header_distance": (0, 8000),
    "lines_per_page": (5, 60),
    "chars_per_line": (5, 60),
    "title_size": (16, 96),
    "body_size": (16, 72),
    "page_number_size": (12, 48),
    "imprint_size": (16, 48),
    "table_size": (12, 40),
    "mark_size": (24, 144),
}


def _gbt9704_options() -> dict[str, Option]:
    out: dict[str, Option] = {}
    for f in fields(Profile):
        default = getattr(Profile(), f.name)
        if isinstance(default, bool):
            out[f.name] = Boolean(default)
        elif isinstance(default, int):
            out[f.name] = Integer(default, *_SIZES[f.name])
        elif f.name == "doc_number":
            out[f.name] = Text(default, check=check_doc_number)
        elif f.name == "red_color":
            out[f.name] = Text(default, pattern="[0-9A-Fa-f]{6}", pattern_hint="应为六位十六进制颜色，如 FF0000")
        elif f.name.endswith("_font"):
            out[f.name] = Text(default, required=True)
        else:
            out[f.name] = Text(default)
    return out


@dataclass(frozen=True)
class Values(Option):
    """`[render.values]`: values of the workspace's own a template may use by name (填报单位,
    联系人, …), as `qdocgen render --set` gives them. Only the form is checked here (a name a
    template can write, plain data); documents/user_values.py refuses a built-in name."""

    def validate(self, value):
        if not isinstance(value, dict):
            raise Invalid('应为一节值，写作 [render.values] 另起一行，其下每行 "名称" = "值"')
        for name, item in value.items():
            problem = value_name_problem(name) or _plain_problem(item)
            if problem:
                raise Invalid(f"“{name}”：{problem}")
        return dict(value)


def value_name_problem(name: str) -> str | None:
    """Why `name` cannot be a template variable, or None."""
    if not name.isidentifier():
        return "名称只能由汉字、字母、数字和下划线组成，且不以数字开头（模板中写作 {{ 名称 }}）"
    if name in _JINJA_WORDS:
        return f"“{name}”是模板语言的保留字，请换一个名称"
    return None


_JINJA_WORDS = {"true", "false", "none", "True", "False", "None", "and", "or", "not", "in", "is", "if", "else"}


def _plain_problem(value: object) -> str | None:
    if isinstance(value, dict):
        return next((p for p in map(_plain_problem, value.values()) if p), None)
    if isinstance(value, list):
        return next((p for p in map(_plain_problem, value) if p), None)
    if value is None or isinstance(value, (str, int, float, bool, date)):
        return None
    return f"不支持的值“{value}”（可用文字、数字、true/false、日期，或它们的列表）"


# Sections older files may hold that no longer do anything: accepted whatever their keys.
RETIRED = {"chart"}

# section → key → option: every setting qdocgen.toml may hold.
SCHEMA: dict[str, dict[str, Option]] = {
    "gbt9704": _gbt9704_options(),
    "chart": {},  # retired (see RETIRED)
    "notice": {
        "subject": Text("", check=_subject_problem),
        "date": DateText(None, what="成文日期"),
        "dates": DateTable({}),
        "deadline_days": Integer(15, 1, 90),
        "addressees": Text(""),
        "copy_to": Text(""),
        "district_genre": Choice("函", choices=("函", "通报")),
        "contact": Text(""),
        "public": Text(""),
        "first_number": Integer(1, 1, 9999),
        "annex": Choice("auto", choices=("auto", "matrix", "list")),
    },
    "forms": {"note_when_missed": Boolean(False)},
    "render": {"values": Values({})},
}


@dataclass(frozen=True)
class Config:
    """A workspace's settings, every key validated; defaults for whatever the file leaves out."""

    path: Path | None = None  # the file read; None when the workspace has none
    gbt9704: Profile = field(default_factory=Profile)
    chart: ChartSettings = field(default_factory=ChartSettings)
    notice: NoticeSettings = field(default_factory=NoticeSettings)
    forms: FormsSettings = field(default_factory=FormsSettings)
    render_values: dict = field(default_factory=dict)  # [render.values]: for `qdocgen render` (not in digest)

    @property
    def profile(self) -> Profile:
        """The GB/T 9704 layout profile ([gbt9704])."""
        return self.gbt9704

    def digest(self) -> str:
        """A hash of the settings' values (not of the file's comments or layout), for build fingerprints."""
        data = {"gbt9704": asdict(self.gbt9704), "chart": asdict(self.chart), "notice": asdict(self.notice)}
        if self.forms != FormsSettings():  # (only when set: the digests of files without it stay as they were)
            data["forms"] = asdict(self.forms)
        blob = json.dumps(data, ensure_ascii=False, sort_keys=True, default=str)
        return hashlib.sha256(blob.encode("utf-8")).hexdigest()


def config_path(root: Path) -> Path:
    """The qdocgen.toml of the workspace folder `root`."""
    return Path(root) / CONFIG_NAME


def load_config(path: Path | None) -> Config:
    """The settings in `path` (every default when it does not exist), validated as a whole.

    Raises UserError listing every problem, each with file, line and key.
    """
    if path is None or not Path(path).is_file():
        return Config()
    path = Path(path)
    return parse_config(read_user_text(path), path)


def parse_config(text: str, path: Path | str = CONFIG_NAME) -> Config:
    """The settings written in `text` (the contents of `path`), validated as a whole."""
    where = str(path)
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise UserError(f"{where} 不是有效的 TOML。", [_toml_problem(where, exc, text)]) from None
    lines = key_lines(text)
    problems: list[Problem] = []
    values: dict[str, dict[str, object]] = {}
    for name, section in raw.items():
        line = lines.get((name, None))
        if name not in SCHEMA:
            problems.append(Problem(where, line, _unknown_section(name, section), f"[{name}]"))
            continue
        if not isinstance(section, dict):
            problems.append(Problem(where, line, f"{name} 应为一节设置，写作 [{name}] 另起一行", f"[{name}]"))
            continue
        options = SCHEMA[name]
        values[name] = {}
        if name in RETIRED:  # kept for older files: whatever it holds, it no longer matters
            continue
        for key, value in section.items():
            place, key_line = f"[{name}] {key}", lines.get((name, key), line)
            if key not in options:
                problems.append(Problem(where, key_line, _unknown(f"设置项 {key}", key, options), place))
                continue
            if isinstance(options[key], Values) and isinstance(value, dict):  # a table: each value at its line
                for item, v in value.items():
                    why = value_name_problem(item) or _plain_problem(v)
                    if why:
                        at = lines.get((f"{name}.{key}", item), lines.get((f"{name}.{key}", None), key_line))
                        problems.append(Problem(where, at, why, f"[{name}.{key}] {item}"))
            try:
                values[name][key] = options[key].validate(value)
            except Invalid as exc:
                if not (isinstance(options[key], Values) and isinstance(value, dict)):
                    problems.append(Problem(where, key_line, str(exc), place))
    if not problems:
        profile = replace(Profile(), **values.get("gbt9704", {}))
        line = lines.get(("gbt9704", None))
        problems += [Problem(where, line, why, "[gbt9704]") for why in profile_problems(profile)]
    if problems:
        raise UserError(f"{where} 有 {len(problems)} 处错误。", problems)
    return Config(
        path=Path(path),
        gbt9704=profile,
        chart=ChartSettings(given="chart" in values),
        notice=NoticeSettings(**values.get("notice", {})),
        forms=FormsSettings(**values.get("forms", {})),
        render_values=values.get("render", {}).get("values", {}),
    )


def _unknown(what: str, name: str, known) -> str:
    close = difflib.get_close_matches(name, list(known), n=1, cutoff=0.6)
    hint = f"，是否想写 {close[0]}？" if close else "。"
    return f"未知的{what}{hint}可用：{'、'.join(known)}"


def _unknown_section(name: str, value: object) -> str:
    if not isinstance(value, dict):  # a key written above any [section]
        home = [s for s, options in SCHEMA.items() if name in options]
        if home:
            return f"设置项 {name} 应写在 [{home[0]}] 节下"
        return _unknown(f"设置项 {name}（不在任何节下）", name, [k for o in SCHEMA.values() for k in o])
    close = difflib.get_close_matches(name, list(SCHEMA), n=1, cutoff=0.6)
    hint = f"，是否想写 [{close[0]}]？" if close else "。"
    return f"未知的节 [{name}]{hint}可用：{'、'.join(f'[{s}]' for s in SCHEMA)}"


# tomllib's messages (Python 3.11+ and tomli), as a clerk would read them.
_TOML_MESSAGES = (
    (r"Expected '\]' at the end of a table declaration", "节名缺少右方括号“]”，应写作 [notice] 这样"),
    (r"Expected '\]\]' at the end of an array declaration", "缺少右方括号“]]”"),
    (r"Cannot overwrite a value", "同一设置项写了两次，请删去一处"),
    (r"Cannot declare \('?([^')]*)'?,?\) twice", "节 [{0}] 写了两次，请把它的设置合在一处"),
    (r"Unterminated string|Illegal character '\\n'", "引号没有闭合：文字两边都要有英文双引号"),
    (r"Expected '=' after a key", "设置项名称后缺少“=”，应写作 键 = 值"),
    (
        r"Expected newline or end of document after a statement",
        "一行只能写一个设置项；多余的内容请删去，或在前面加 # 作为注释",
    ),
    (r"Invalid value", '值的写法不对：文字两边请加英文双引号（如 subject = "质量提升"），数字和 true/false 不加'),
    (
        r"Invalid initial character for a key part|Invalid statement",
        "这一行无法识别：应为 [节名]、键 = 值 或以 # 开头的注释",
    ),
)


def _toml_problem(where: str, exc: Exception, text: str = "") -> Problem:
    """A TOML syntax error in Chinese, located: tomllib says '… (at line 3, column 7)' or
    '… (at end of document)'."""
    message = str(exc)
    m = re.search(r"\(at line (\d+), column (\d+)\)", message)
    detail = message[: m.start()].strip() if m else re.sub(r"\s*\(at end of document\)", "", message)
    said = next(
        (words.format(*found.groups()) for pattern, words in _TOML_MESSAGES if (found := re.search(pattern, detail))),
        f"写法不对（{detail}）",
    )
    if m:
        return Problem(where, int(m.group(1)), f"第 {m.group(2)} 列附近：{said}")
    last = len(text.rstrip("\n").splitlines()) or None  # 'at end of document': the last line
    return Problem(where, last, f"文件末尾：{said}" if last else said)


_SECTION = re.compile(r"\[\[?\s*([^\]]+?)\s*\]\]?\s*(#.*)?$")
_KEY = re.compile(r"""("[^"]*"|'[^']*'|[A-Za-z0-9_.-]+)\s*=""")


def key_lines(text: str) -> dict[tuple[str, str | None], int]:
    """(section, key) → the line a key is written on; (section, None) → the section's header line.

    tomllib gives values but not places; this finds them in the text (keys above any
    section belong to section '' unless dotted, as in `notice.subject = …`).
    """
    out: dict[tuple[str, str | None], int] = {}
    section = ""
    for number, line in enumerate(text.splitlines(), 1):
        s = line.strip()
        if not s or s.startswith("#"):
            continue
        m = _SECTION.match(s)
        if m and not _KEY.match(s):
            section = m.group(1).strip("\"'")
            out.setdefault((section, None), number)
            continue
        m = _KEY.match(s)
        if m:
            key = m.group(1).strip("\"'")
            if not section and "." in key:
                head, _, key = key.partition(".")
                out.setdefault((head, None), number)
                out.setdefault((head, key), number)
            elif not section:
                out.setdefault((key, None), number)
            else:
                out.setdefault((section, key), number)
    return out


def example_config() -> str:
    """qdocgen.toml as `qdocgen init` writes it: every section, every key at its default, commented out."""
    lines = ["# GB/T 9704 版式设置：去掉行首的 # 并修改数值即可覆盖默认值。", "[gbt9704]"]
    defaults = Profile()
    for keys, meaning in KEYS.items():
        lines.append(f"# {meaning}")
        for key in (k.strip() for k in keys.split("/")):
            value = getattr(defaults, key)
            shown = (
                str(value).lower() if isinstance(value, bool) else (f'"{value}"' if isinstance(value, str) else value)
            )
            lines.append(f"# {key} = {shown}")
    lines += [
        "",
        "# 通报用语",
        "[notice]",
        '# subject = "工业产品质量提升"',
        "# 通报的成文日期：build 和 notice 都用它，命令行的 --date 优先（只用于在该日之前已结束的时段）；",
        "# dates 按时段分别设定；都不写则为时段结束、最后一份填报表收回之后的第一个工作日",
        '# date = "2022-01-15"',
        '# dates = { "2021" = "2022-01-17", "2022-H1" = "2022-07-15" }',
        "# 整改、补报期限：成文日期之后的天数",
        "# deadline_days = 15",
        "# 全市通报的主送机关；不写则为各区（县）政府、管委会",
        '# addressees = "各区人民政府，市质量强市工作领导小组各成员单位"',
        "# 抄送机关；不写则为领导小组各成员单位",
        '# copy_to = "市质量强市工作领导小组各成员单位"',
        "# 各区的文件：函（关于反馈……完成情况的函，特此函告）或 通报",
        '# district_genre = "函"',
        "# 附注：联系人、公开属性（不写则不印）",
        '# contact = "联系人：张三，电话：12345678"',
        '# public = "此件公开发布"',
        "# 发文字号含 {n} 时（如 某质强办〔{year}〕{n}号），每年第一份通报的序号",
        "# first_number = 1",
        "# 全市通报的附件：matrix（每项指标一行、每个区一列，格中为完成值和完成标记）或 list（每项指标每个区一行）；",
        "# auto（默认）为 9 个以内的单位用 matrix，更多时用 list（10 列以上在横向页面上放不下）",
        '# annex = "auto"',
        "",
        "# 填报表",
        "[forms]",
        "# 完成值低于目标（未完成）的，须在“说明”中写明原因：填报表中提示并标出，qdocgen missing 列出未写说明的",
        "# note_when_missed = false",
        "",
        "# qdocgen render 填写报送表格时，模板中可用的自己的值（{{ 填报单位 }} 等）；名称含汉字时加引号",
        "[render.values]",
        '# "填报单位" = "市市场监督管理局"',
        '# "联系人" = "张三"',
        '# "电话" = "0000-12345678"',
    ]
    return "\n".join(lines) + "\n"
