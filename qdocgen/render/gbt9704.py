"""The GB/T 9704-2012 layout profile: page, grid, fonts by role, page numbers, red head.

The numbers live here as data, not scattered through templates. An office whose variant
differs (other margins, another line pitch, its own fonts, a red head) writes them in the
workspace's `qdocgen.toml`, section `[gbt9704]`, which qdocgen/config.py reads and validates;
`apply_profile` (in render/docx/gbt9704.py) stamps the profile onto a Word template before it is
compiled, so the override shows in every document without touching code.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from datetime import date

from qdocgen.errors import UserError

DOC_NUMBER = re.compile(r"〔(19|20)\d{2}〕[1-9]\d*号$")
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
    "issuer_mark": "发文机关标志，如 某市质量强市工作领导小组办公室",
    "doc_number": "发文字号，如 某质强办〔{year}〕{n}号：{year} 为成文年份，{n} 为序号，每份通报各用一个（按成文日期、时段、全市在前依次编号，[notice] first_number 为每年的起始号）；不含 {n} 时各份通报同号（年份用六角括号，不编虚位、不加“第”）",
    "mark_font / mark_size": "发文机关标志字体与字号，默认 方正小标宋简体、72（36磅），过长时自动压缩字宽",
    "red_color": "红头颜色（六位十六进制），默认 FF0000",
}


def check_doc_number(text: str) -> str | None:
    """Why a 发文字号 is not written as GB/T 9704 asks (None if it is)."""
    leftover = re.sub(r"\{(year|n)\}", "", text)
    if "{" in leftover or "}" in leftover:
        return f"发文字号“{text}”中只能用 {{year}}（成文年份）和 {{n}}（序号）两个占位符"
    if not DOC_NUMBER.search(text.replace("{year}", "2000").replace("{n}", "1")):
        return f"发文字号“{text}”格式不对：年份应写在六角括号〔〕内，序号不编虚位、不加“第”，如 某府办函〔2021〕12号"
    return None


def parse_date(text: object, what: str) -> date:
    """A date given as YYYY-MM-DD (or a TOML date); UserError saying what was expected."""
    if isinstance(text, date):
        return text
    m = re.fullmatch(r"\s*(\d{4})-(\d{1,2})-(\d{1,2})\s*", str(text))
    if not m:
        raise UserError(f"{what}“{text}”格式不对，应写作 YYYY-MM-DD，如 2022-01-15")
    try:
        return date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
    except ValueError:
        raise UserError(f"{what}“{text}”不是有效的日期（该月没有这一天）") from None


def profile_problems(p: Profile) -> list[str]:
    """What is wrong with a profile as a whole (its keys each valid), in Chinese."""
    out = []
    if p.text_width < 2000 or p.text_height < 2000:
        out.append("页边距过大：版心不足 35 毫米")
    if p.red_head and not p.issuer_mark:
        out.append("red_head = true 时须写 issuer_mark（发文机关标志）")
    return out
