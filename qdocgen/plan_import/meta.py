"""The plan's meta block from the table's title and the text around it; unknowns marked for review."""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

from qdocgen.plan.model import DEFAULT_HEADINGS
from qdocgen.plan_import.layout import Layout
from qdocgen.plan_import.rows import DraftTable

DOC_NUMBER = re.compile(r"[\u4e00-\u9fff]{2,}〔(?:19|20)\d{2}〕[1-9]\d*号")
DATE = re.compile(r"((?:19|20)\d{2})年(\d{1,2})月(\d{1,2})日")
CITY = re.compile(r"^(?:附件\S*?[:：]?)?([\u4e00-\u9fff]{2,6}?市)")


def draft_meta(layout: Layout, table: DraftTable, lines: list[str], path: Path) -> tuple[dict, list[str]]:
    """(meta, what was guessed): title and years from the table, the rest found or guessed."""
    guesses: list[str] = []
    table_title = layout.title
    if not table_title:
        table_title = path.stem
        guesses.append(f"表格上方没有标题，任务分解表标题暂用文件名“{path.stem}”")
    # “…（2024—2026年）重点任务分解表”: the plan's title ends at the closing bracket of its years;
    # what follows it (重点、主要、工作) belongs to the table's name.
    title = (
        re.sub(r"(的)?(重点|主要|工作|目标)?(工作)?任务(分解|清单|分工)?表?$", "", table_title).strip() or table_title
    )
    years_end = re.search(r"[（(]\d{4}\s*[—–\-－~～至]+\s*\d{4}\s*年?[)）]", title)
    if years_end and years_end.end() < len(title):
        guesses.append(f"计划名称取作“{title[: years_end.end()]}”（表题为“{table_title}”），请核对")
        title = title[: years_end.end()]
    text = "\n".join(lines)
    m = CITY.match(table_title)
    city = m.group(1) if m else ""
    if not city:
        city = "待填市"
        guesses.append("标题中找不到城市名（如“江州市”），meta.city 暂写“待填市”")
    found = DOC_NUMBER.search(text)
    doc_number = found.group(0) if found else f"待填〔{layout.years[0]}〕1号"
    missing = [] if found else ["文号（doc_number）"]
    found = DATE.search(text)
    if found:
        date = f"{found.group(1)}-{int(found.group(2)):02d}-{int(found.group(3)):02d}"
    else:
        date = f"{layout.years[0]}-01-01"
        missing.append("成文日期（date）")
    issuer = next((line for line in lines if re.fullmatch(r"[\u4e00-\u9fff]{4,20}(办公室|办公厅|人民政府)", line)), "")
    if not issuer:
        issuer = f"{city}人民政府办公室"
        missing.append("印发机关（issuer）")
    leads = Counter(part for row in table.rows for part in re.split(r"[，,、；;]", row.texts["lead"]) if part.strip())
    top = leads.most_common(1)[0][0].strip() if leads else "质量强市工作领导小组办公室"
    office = city + top[1:] if top.startswith("市") else top
    missing.append("通报署名机关（office，暂取最常见的牵头单位）")
    guesses.append(f"{'、'.join(missing)}不在任务分解表中，草稿中是占位或推测，请照印发文件填写")
    meta = {
        "title": title,
        "table_title": table_title,
        "doc_number": doc_number,
        "issuer": issuer,
        "date": date,
        "years": list(layout.years),
        "city": city,
        "office": office,
    }
    headings = {k: v for k, v in layout.headings.items() if v != DEFAULT_HEADINGS.get(k)}
    if headings:
        meta["headings"] = headings
    return meta, guesses
