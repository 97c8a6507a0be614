"""Bar charts of completion for the 通报, drawn with matplotlib (Agg) as reproducible PNG bytes.

Chinese labels need a font that has Chinese glyphs. `find_cjk_font` looks for a font file
named in qdocgen.toml (`[chart] font = "…"`, a path or a family name), then for a known CJK
family among the installed fonts. Without one the notice is made without its chart and
`ChartFontMissing` carries a warning that says how to install a font.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # matplotlib takes most of a second to import: only when a chart is drawn
    from matplotlib import font_manager

CJK_FAMILIES = (
    "Noto Sans CJK SC",
    "Source Han Sans SC",
    "Source Han Sans CN",
    "SimHei",
    "Microsoft YaHei",
    "WenQuanYi Zen Hei",
    "WenQuanYi Micro Hei",
    "PingFang SC",
    "FandolHei",
    "Noto Serif CJK SC",
    "AR PL UMing CN",
)
INSTALL_HINT = (
    "未找到可显示中文的字体，本次通报不含图表。请安装中文字体后重新生成："
    "Debian/Ubuntu 执行 apt-get install fonts-noto-cjk；Windows 一般已有“黑体”（SimHei）；"
    '也可在 qdocgen.toml 的 [chart] 节写 font = "字体文件路径"。'
)
DPI = 150
OK_COLOUR = "#2F5597"
MISSED_COLOUR = "#C00000"


class ChartFontMissing(Exception):
    """No font with Chinese glyphs: the chart cannot be drawn legibly."""


@dataclass(frozen=True)
class Bar:
    """One bar: its label, its value as a ratio (1.0 = 100%), and whether it falls short."""

    label: str
    value: float
    short: bool = False


@lru_cache(maxsize=8)
def find_cjk_font(configured: str = "") -> font_manager.FontProperties:
    """Font properties for Chinese labels; ChartFontMissing (with INSTALL_HINT) if none is found."""
    from matplotlib import font_manager

    if configured:
        path = Path(configured).expanduser()
        if path.is_file():
            return font_manager.FontProperties(fname=str(path))
        hit = _family_file(configured)
        if hit:
            return font_manager.FontProperties(fname=hit)
        raise ChartFontMissing(f"qdocgen.toml 的 [chart] font 指定的字体“{configured}”不存在。" + INSTALL_HINT)
    for family in CJK_FAMILIES:
        hit = _family_file(family)
        if hit:
            return font_manager.FontProperties(fname=hit)
    raise ChartFontMissing(INSTALL_HINT)


def _family_file(family: str) -> str | None:
    from matplotlib import font_manager

    for entry in sorted(font_manager.fontManager.ttflist, key=lambda f: (f.fname, f.weight)):
        if entry.name == family and entry.style == "normal":
            return entry.fname
    return None


def bar_chart(
    bars: list[Bar],
    *,
    title: str = "",
    font: str = "",
    horizontal: bool = False,
    width_mm: float = 150,
    reference: float = 1.0,
) -> bytes:
    """A bar chart of completion rates as PNG bytes; the same input always gives the same bytes."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib.figure import Figure

    props = find_cjk_font(font)
    if horizontal:
        height_mm = max(50.0, 14 + 3.4 * len(bars))
    else:
        height_mm = 75.0
    fig = Figure(figsize=(width_mm / 25.4, height_mm / 25.4), dpi=DPI)
    ax = fig.add_subplot()
    values = [b.value * 100 for b in bars]
    colours = [MISSED_COLOUR if b.short else OK_COLOUR for b in bars]
    labels = [b.label for b in bars]
    top = max([reference * 100, *values]) * 1.15 if values else 100
    small = props.copy()
    small.set_size(7)
    if horizontal:
        positions = list(range(len(bars)))[::-1]
        ax.barh(positions, values, color=colours, height=0.65)
        ax.set_yticks(positions, labels, fontproperties=small)
        ax.set_xlim(0, top)
        ax.axvline(reference * 100, color="#7F7F7F", linewidth=0.8, linestyle="--")
        for y, v in zip(positions, values, strict=True):
            ax.text(v + top * 0.01, y, f"{v:.1f}%", va="center", fontsize=6.5)
        ax.set_xlabel("完成率（%）", fontproperties=small)
    else:
        positions = list(range(len(bars)))
        ax.bar(positions, values, color=colours, width=0.55)
        ax.set_xticks(positions, labels, fontproperties=small)
        ax.set_ylim(0, top)
        ax.axhline(reference * 100, color="#7F7F7F", linewidth=0.8, linestyle="--")
        for x, v in zip(positions, values, strict=True):
            ax.text(x, v + top * 0.01, f"{v:.1f}%", ha="center", va="bottom", fontsize=7)
        ax.set_ylabel("完成率（%）", fontproperties=small)
    ax.tick_params(labelsize=7)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    if title:
        ax.set_title(title, fontproperties=props, fontsize=9)
    fig.tight_layout()
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=DPI, metadata={"Software": None})
    return buf.getvalue()
