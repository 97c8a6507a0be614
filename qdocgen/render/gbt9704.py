"""The GB/T 9704-2012 layout profile: page, grid, fonts by role, page numbers, red head.

The numbers live here as data, not scattered through templates. An office whose variant
differs (other margins, another line pitch, its own fonts, a red head) writes them in the
workspace's `qdocgen.toml`, section `[gbt9704]`; `load_profile` reads and validates that
section, and `apply_profile` (in gbt9704_apply.py) stamps the profile onto a Word template
before it is compiled, so the override shows in every document without touching code.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, fields, replace
from datetime import date
from pathlib import Path

from qdocgen.errors import Problem, UserError, os_error_text

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10
    import tomli as tomllib

CONFIG_NAME = "qdocgen.toml"
SECTION = "gbt9704"
DOC_NUMBER = re.compile(r"〔(19|20)\d{2}〕[1-9]\d*号$")
COLOR = re.compile(r"^[0-9A-Fa-f]{6}$")
TWIPS_PER_MM = 56.693


@dataclass(frozen=True)
class Profile:
    """One office's layout. Lengths in twips (1 mm = 56.693), font sizes in half-points."""

    paper_width: int = 11906
    paper_height: int = 16838
    margin_top: int = 2098
    margin_bottom: int = 1984
    margin_left: int = 1587
    margin_right: int = 1474
    footer_distance: int = 1417
    header_distance: int = 851
    lines_per_page: int = 22
    chars_per_line: int = 28
    title_font: str = "方正小标宋简体"
    title_size: int = 44
    body_font: str = "仿宋_GB2312"
    body_size: int = 32
    heading1_font: str = "黑体"
    heading2_font: str = "楷体_GB2312"
    page_number_font: str = "宋体"
    page_number_size: int = 28
    imprint_size: int = 28
    table_font: str = "仿宋_GB2312"
    table_size: int = 24
    seal: bool = True
    red_head: bool = False
    issuer_mark: str = ""
    doc_number: str = ""
    mark_font: str = "方正小标宋简体"
    mark_size: int = 72
    red_color: str = "FF0000"

    @property
    def text_width(self) -> int:
        """The 版心 width: 156 mm on A4 by default."""
        return self.paper_width - self.margin_left - self.margin_right

    @property
    def text_height(self) -> int:
        """The 版心 height: 225 mm on A4 by default."""
        return self.paper_height - self.margin_top - self.margin_bottom

    @property
    def line_pitch(self) -> int:
        """Line pitch that puts `lines_per_page` lines in the 版心 (579 twips for 22 lines)."""
        return self.text_height // self.lines_per_page

    @property
    def char_spacing(self) -> int:
        """Condensed spacing (twips per character) that fits `chars_per_line` body characters a line."""
        natural = self.body_size * 10  # one body character, in twips
        return min(0, math.floor(self.text_width / self.chars_per_line - natural))

    @property
    def char_width(self) -> int:
        """One body character with its condensed spacing, in twips (the unit of 空N字)."""
        return self.body_size * 10 + self.char_spacing

    @property
    def red_head_shown(self) -> bool:
        return self.red_head and bool(self.issuer_mark)


# key → what it means, for users (docs/templates.md, `qdocgen.toml` comments).
KEYS: dict[str, str] = {
    "paper_width / paper_height": "纸张宽、高（缇，1毫米≈56.693缇），默认 A4：11906 × 16838",
    "margin_top / margin_bottom / margin_left / margin_right": "页边距（缇）：上 2098（37毫米）、下 1984、左 1587（28毫米）、右 1474，版心 156×225 毫米",
    "footer_distance / header_distance": "页脚、页眉距纸边（缇），默认 1417、851",
    "lines_per_page / chars_per_line": "每页行数、每行字数，默认 22 行 × 28 字；行距与字距由此算出",
    "title_font / title_size": "标题字体与字号（半磅），默认 方正小标宋简体、44（2号）",
    "body_font / body_size": "正文字体与字号，默认 仿宋_GB2312、32（3号）",
    "heading1_font": "一级标题（一、）字体，默认 黑体",
    "heading2_font": "二级标题（（一））字体，默认 楷体_GB2312",
    "page_number_font / page_number_size": "页码字体与字号，默认 宋体、28（4号）",
    "imprint_size": "版记（抄送、印发）字号，默认 28（4号）",
    "table_font / table_size": "附件表格字体与字号，默认 仿宋_GB2312、24（小四）",
    "seal": "是否加盖印章（true：成文日期右空四字、署名居中于日期之上；false：署名右空二字）",
    "red_head": "是否排红头（发文机关标志、发文字号、红色分隔线），默认 false",
    "issuer_mark": "发文机关标志，如 佛山市质量强市工作领导小组办公室",
    "doc_number": "发文字号，如 佛质强办〔2019〕3号（年份用六角括号，不编虚位、不加“第”）",
    "mark_font / mark_size": "发文机关标志字体与字号，默认 方正小标宋简体、72（36磅），过长时自动压缩字宽",
    "red_color": "红头颜色（六位十六进制），默认 FF0000",
}

_INT_RANGES = {
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


def example_config() -> str:
    """A commented [gbt9704] section listing every key with its default, for qdocgen.toml."""
    lines = ["# GB/T 9704 版式设置：去掉行首的 # 并修改数值即可覆盖默认值。", f"[{SECTION}]"]
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
        "# 图表字体：字体文件路径或字体名（默认自动查找中文字体）",
        "[chart]",
        '# font = ""',
        "",
        "# 通报用语",
        "[notice]",
        '# subject = "工业产品质量提升"',
        "# 成文日期（build 和 notice 都用它；命令行的 --date 优先；不写则为各时段的截止日期）",
        '# date = "2019-01-15"',
    ]
    return "\n".join(lines) + "\n"


def check_doc_number(text: str) -> str | None:
    """Why a 发文字号 is not written as GB/T 9704 asks (None if it is)."""
    if not DOC_NUMBER.search(text):
        return f"发文字号“{text}”格式不对：年份应写在六角括号〔〕内，序号不编虚位、不加“第”，如 佛府办函〔2017〕388号"
    return None


def parse_date(text: object, what: str) -> date:
    """A date given as YYYY-MM-DD (or a TOML date); UserError saying what was expected."""
    if isinstance(text, date):
        return text
    m = re.fullmatch(r"\s*(\d{4})-(\d{1,2})-(\d{1,2})\s*", str(text))
    if not m:
        raise UserError(f"{what}“{text}”格式不对，应写作 YYYY-MM-DD，如 2019-01-15")
    try:
        return date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
    except ValueError:
        raise UserError(f"{what}“{text}”不是有效的日期（该月没有这一天）") from None


def config_path(data_dir: Path) -> Path:
    """The workspace's qdocgen.toml: next to the plan data folder (the workspace root)."""
    return Path(data_dir).resolve().parent / CONFIG_NAME


def read_config(path: Path) -> dict:
    """The whole qdocgen.toml as a dict ({} when there is none)."""
    path = Path(path)
    if not path.is_file():
        return {}
    try:
        with path.open("rb") as fh:
            return tomllib.load(fh)
    except tomllib.TOMLDecodeError as exc:
        raise UserError(f"{path}：不是有效的 TOML：{exc}") from None
    except OSError as exc:
        raise UserError(f"无法读取 {path}：{os_error_text(exc)}") from None


def load_profile(path: Path | None = None, config: dict | None = None) -> Profile:
    """The default profile with the `[gbt9704]` overrides of `path` (or `config`) applied.

    Every problem is reported at once, naming the file and the key.
    """
    if config is None:
        config = read_config(path) if path is not None else {}
    section = config.get(SECTION, {})
    where = str(path) if path is not None else CONFIG_NAME
    if not isinstance(section, dict):
        raise UserError(f"{where}：[{SECTION}] 应为一节键值")
    problems = [Problem(where, None, msg, f"[{SECTION}] {key}") for key, msg in _check(section)]
    if problems:
        raise UserError(f"{where} 的 [{SECTION}] 有 {len(problems)} 处错误。", problems)
    profile = replace(Profile(), **section)
    problems = [Problem(where, None, msg, f"[{SECTION}]") for msg in _check_whole(profile)]
    if problems:
        raise UserError(f"{where} 的 [{SECTION}] 有 {len(problems)} 处错误。", problems)
    return profile


def _check(section: dict) -> list[tuple[str, str]]:
    known = {f.name: f for f in fields(Profile)}
    out = []
    for key, value in section.items():
        field = known.get(key)
        if field is None:
            out.append((key, f"未知的设置项，可用：{'、'.join(known)}"))
            continue
        default = getattr(Profile(), key)
        if isinstance(default, bool):
            if not isinstance(value, bool):
                out.append((key, f"应为 true 或 false，实为 {value!r}"))
        elif isinstance(default, int):
            low, high = _INT_RANGES[key]
            if isinstance(value, bool) or not isinstance(value, int):
                out.append((key, f"应为整数，实为 {value!r}"))
            elif not low <= value <= high:
                out.append((key, f"应在 {low}—{high} 之间，实为 {value}"))
        elif not isinstance(value, str):
            out.append((key, f"应为文字，实为 {value!r}"))
        elif key == "doc_number" and value and (why := check_doc_number(value)):
            out.append((key, why))
        elif key == "red_color" and not COLOR.match(value):
            out.append((key, f"应为六位十六进制颜色，如 FF0000，实为“{value}”"))
        elif key.endswith("_font") and not value.strip():
            out.append((key, "字体名不能为空"))
    return out


def _check_whole(p: Profile) -> list[str]:
    out = []
    if p.text_width < 2000 or p.text_height < 2000:
        out.append("页边距过大：版心不足 35 毫米")
    if p.red_head and not p.issuer_mark:
        out.append("red_head = true 时须写 issuer_mark（发文机关标志）")
    return out
