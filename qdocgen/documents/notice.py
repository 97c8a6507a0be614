"""通报: the city-wide notice to all districts and each district's notice about its own results.

    maker = NoticeMaker(workspace, date=date(2019, 1, 15))
    maker.city(Period(2018))              # bytes of 全市-2018年度…完成情况通报.docx
    maker.district(Period(2018), "南海区")  # bytes of 南海区-2018年度…完成情况反馈函.docx

Each template is read, stamped with the GB/T 9704 profile and compiled once per maker, then
reused for every district and period (a build of a hundred districts costs little more
than one of five). Evaluations are kept per period too.

The charts are native Word charts in the templates, bound to the context list `chart` (one
row per bar: label, ratio, missed); the docx engine fills their data (render/docx/charts.py, render/docx/chart_part.py).
"""

from __future__ import annotations

import hashlib
import json
import time
import zipfile
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from datetime import date, timedelta
from typing import TYPE_CHECKING

from qdocgen import display, fmt
from qdocgen.documents.notice_context import NoticeOptions, city_context, district_context, subject_of
from qdocgen.errors import TemplateError, UserError, os_error_text, package_error_text
from qdocgen.figures.period import Period
from qdocgen.plan.model import CITY
from qdocgen.plan.units import addressee_line
from qdocgen.progress import MET, MISSED, NOT_REPORTED, Evaluation, Trend
from qdocgen.render.gbt9704 import parse_date
from qdocgen.render.names import used_names
from qdocgen.render.package import Signature
from qdocgen.workspace import Workspace

if TYPE_CHECKING:  # the Word engine is imported when a notice is made, not when one is only fingerprinted
    from qdocgen.render.docx.engine import PreparedDocx

CITY_TEMPLATE = "通报-全市.docx"
DISTRICT_TEMPLATE = "通报-区.docx"
CHART_FONT_RETIRED = (
    "qdocgen.toml 中的 [chart] 一节（font）已不再使用，可以删去：通报中的图表现为 Word 图表，"
    "由 Word、WPS 用文档中的字体绘制，生成时不再需要中文字体；图表样式请在通报模板中修改"
)


def members_of(plan) -> str:
    """The default 抄送: the members of the leading group whose office signs the notices
    ('市质量强市工作领导小组各成员单位' for 佛山市质量强市工作领导小组办公室)."""
    office = plan.office
    if office.endswith("办公室") and "领导小组" in office:
        group = office.removesuffix("办公室")
        if group.startswith(plan.city):
            group = "市" + group.removeprefix(plan.city)
        return f"{group}各成员单位"
    return ""


def notice_filename(period: Period, subject: str, district: str | None = None, genre: str = "通报") -> str:
    """'全市-2018年度工业产品质量提升工作完成情况通报.docx'; a district's document is named after its
    genre: '南海区-2018年度工业产品质量提升工作完成情况反馈函.docx' (函) or '…完成情况通报.docx'."""
    kind = "反馈函" if district and genre == "函" else "通报"
    return f"{district or CITY}-{period.words}{subject}工作完成情况{kind}.docx"


NO_DATE_WARNING = (
    "未设定成文日期，通报按时段结束、最后一份填报表收回之后的第一个工作日成文（春节等农历节日未计）；"
    '请用 --date YYYY-MM-DD 或在 qdocgen.toml 的 [notice] 一节写 date = "YYYY-MM-DD"（或按时段写 dates）设定'
)


def check_notice_date(value: date, period: Period, what: str = "成文日期") -> date:
    """A 成文日期 must come after the end of the period it reports on."""
    if value <= period.end:
        raise UserError(
            f"{what} {fmt.cn_date(value)} 不晚于{period.words}的截止日期 {fmt.cn_date(period.end)}，"
            "通报不能在时段结束前成文；请在 qdocgen.toml 的 [notice] dates 中为该时段另设成文日期"
        )
    if value.year > period.year + 2:
        raise UserError(f"{what} {fmt.cn_date(value)} 距{period.words}过远，请检查")
    return value


# holidays on fixed dates (元旦, 劳动节, 国庆节); those of the lunar calendar are not known
FIXED_HOLIDAYS = {(1, 1), (5, 1), *((10, d) for d in range(1, 8))}


def next_working_day(day: date) -> date:
    """`day`, or the first day after it that is neither a weekend nor a fixed-date holiday."""
    while day.weekday() >= 5 or (day.month, day.day) in FIXED_HOLIDAYS:
        day += timedelta(days=1)
    return day


def last_collected(ws: Workspace, period: Period) -> date | None:
    """The day the last form or correction of `period` was made, from its collection log.

    Kept between runs by the log's bytes (compile_cache.facts): reading a log takes ~7 ms, and a
    build reads every period's before its workers start. A log that cannot be read is read (and
    its problem said) every time; the time zone is in the key, since a logged time's day is the
    local one."""
    from qdocgen.figures.log import log_file, read_log
    from qdocgen.render import compile_cache

    path = log_file(ws.data_dir, period)
    try:
        data = path.read_bytes() if path.is_file() else None
    except OSError:  # unreadable: read_log says so
        data = None
    key = None if data is None else hashlib.sha256(data).hexdigest() + "\n" + _zone()
    kept = compile_cache.facts(_LOG_KIND, key) if key is not None else None
    if kept is not None:
        try:
            return date.fromisoformat(kept.decode()) if kept else None
        except (UnicodeDecodeError, ValueError):
            pass
    entries = read_log(path, ws.plan, data)  # the bytes the key was made of, however the file changes
    moments = [e.when for e in entries if e.when is not None]
    day = max(moments).date() if moments else None
    if key is not None:
        compile_cache.keep_facts(_LOG_KIND, key, day.isoformat().encode() if day else b"")
    return day


_LOG_KIND = "last-collected"


def _zone() -> str:
    """This computer's time zone as the log's times are read in it (astimezone): its name and offsets."""
    return f"{time.tzname}{time.timezone}{time.altzone}{time.daylight}"


def default_date(ws: Workspace, period: Period) -> date:
    """The first working day after the period ended and after its last form was collected."""
    day = period.end + timedelta(days=1)
    collected = last_collected(ws, period)
    if collected is not None and collected >= day:
        day = collected
    return next_working_day(day)


MATRIX_MAX_UNITS = 9  # a 指标×区 matrix of more units' columns wraps its figures on a landscape page


def annex_form(setting: str, units: int) -> str:
    """The city notice's annex as templates see it (notice.annex): "matrix" or "list"; [notice]
    annex = "auto" is the matrix for up to MATRIX_MAX_UNITS units."""
    if setting == "auto":
        return "matrix" if units <= MATRIX_MAX_UNITS else "list"
    return setting


def number_text(pattern: str, year: int, n: int) -> str:
    """'佛质强办〔2019〕3号' from '佛质强办〔{year}〕{n}号'."""
    return pattern.replace("{year}", str(year)).replace("{n}", str(n))


@dataclass
class NoticeMaker:
    """Makes 通报 for one workspace; templates are prepared once and reused."""

    ws: Workspace
    date: date | str | None = None  # 成文日期; default: qdocgen.toml [notice] date, else the period's end
    strict: bool = False  # missing figures are an error rather than said in the notice
    charts: bool = True  # False: the notices' `chart` lists are empty (templates leave the chart out)
    prepare_count: int = 0

    def __post_init__(self):
        config = self.ws.config
        self.profile = config.gbt9704
        if config.chart.given:  # retired, never an error (the channel says it once)
            self.ws.warnings.append(CHART_FONT_RETIRED)
        self.subject = config.notice.subject or subject_of(self.ws.plan)
        self.given = "--date"
        if self.date is not None:  # --date wins over the file
            self.date = parse_date(self.date, "成文日期")
        elif config.notice.date is not None:  # qdocgen.toml [notice] date, validated by config.py
            self.date = config.notice.date
            self.given = "qdocgen.toml 的 [notice] date"
        self._prepared: dict[str, PreparedDocx] = {}
        self._dates: dict[Period, date] = {}
        self._trends: dict[Period, Trend] = {}  # ws.trend(period), the same for each notice of the period
        self._profile_shown: tuple = (None, None)  # (the profile, asdict of it): frozen, asked per notice

    # ── public API ──────────────────────────────────────────────────────────────────────

    def city(self, period: Period) -> bytes:
        """The 通报 to all districts for `period`, as .docx bytes."""
        return self._written(CITY_TEMPLATE, period, self.context(period, None))

    def district(self, period: Period, name: str) -> bytes:
        """The 通报 to district `name` (南海 or 南海区) about its own results, as .docx bytes."""
        return self._written(DISTRICT_TEMPLATE, period, self.context(period, self.ws.district_name(name)))

    def context(self, period: Period, district: str | None, *, chart: bool = True) -> dict:
        """The template context of the city notice (district None) or a district's notice."""
        ev = self.evaluation(period)
        self._check_missing(ev, district)
        show = chart and self.charts
        if district is None:
            return city_context(self.ws.plan, ev, self._options(period), self._city_bars(ev) if show else [])
        bars = self._district_bars(ev, district) if show else []
        return district_context(self.ws.plan, ev, district, self._options(period, district), bars)

    def shows(self, period: Period, district: str | None, context: dict | None = None) -> dict:
        """Everything a notice's bytes depend on besides its template (JSON-able, for a build
        fingerprint): the context variables its template uses (in its text and in the tags of
        its charts, so the charts' data too) and the layout profile. `context`: the notice's
        context, if already built (a build builds it once, for this and for the document)."""
        if district is not None:
            district = self.ws.district_name(district)
        name = CITY_TEMPLATE if district is None else DISTRICT_TEMPLATE
        # apply_profile changes layout only, never a template's tags: the file's names are the prepared one's
        used = used_names(self.ws.template("docx", name), lambda: self.template(name).env.used_names())
        if context is None:
            context = self.context(period, district)
        return {
            "context": {k: v for k, v in context.items() if k in used},
            "profile": self._shown_profile(),
        }

    def _shown_profile(self) -> dict:
        if self._profile_shown[0] is not self.profile:
            self._profile_shown = (self.profile, asdict(self.profile))
        return self._profile_shown[1]

    def render(self, period: Period, district: str | None, context: dict) -> bytes:
        """The notice's bytes from its context as context() gave it."""
        return self._written(CITY_TEMPLATE if district is None else DISTRICT_TEMPLATE, period, context)

    def filename(self, period: Period, district: str | None = None) -> str:
        genre = self.ws.config.notice.district_genre if district else "通报"
        return notice_filename(period, self.subject, district, genre)

    # ── once per maker ──────────────────────────────────────────────────────────────────

    def template(self, name: str) -> PreparedDocx:
        """The template `name`, with the layout profile applied, prepared on first use."""
        if name not in self._prepared:
            from lxml import etree

            from qdocgen.render.docx.cached import prepared

            path = self.ws.template("docx", name)
            try:
                blob = path.read_bytes()
            except OSError as exc:
                raise TemplateError(f"无法读取模板 {path}：{os_error_text(exc)}") from None
            profile, office = self.profile, self.ws.plan.office

            def with_profile(blob: bytes) -> bytes:
                from qdocgen.render.docx.gbt9704 import apply_profile

                return apply_profile(blob, profile, office)

            # the profile applied and the template prepared, or both taken from an earlier run's
            setup = (f"gbt9704 {json.dumps(asdict(profile), sort_keys=True, default=str)} {office}", with_profile)
            try:
                self._prepared[name] = prepared(path, merging=False, blob=blob, setup=setup)
            except (zipfile.BadZipFile, etree.XMLSyntaxError, KeyError) as exc:
                raise TemplateError(f"模板 {path} 不是有效的 Word 文档（.docx）：{package_error_text(exc)}") from None
            self.ws.warnings.extend(w for w in self._prepared[name].warnings if w not in self.ws.warnings)
            self.prepare_count += 1
        return self._prepared[name]

    def evaluation(self, period: Period) -> Evaluation:
        if problem := self.ws.plan.year_problem(period.year):
            raise UserError(problem)
        return self.ws.evaluation(period)

    # ── helpers ─────────────────────────────────────────────────────────────────────────

    def _written(self, name: str, period: Period, context: dict) -> bytes:
        """The notice's bytes from template `name`, its document properties those of a signed
        document (dated on its 成文日期, written by the office), in one write of the package."""
        return self.template(name).render(context, Signature(self._when(period), self.ws.plan.office))

    def date_of(self, period: Period) -> date:
        """The 成文日期 of `period`'s notices: the one date given (--date, else [notice] date)
        where the period had ended before it, else the period's own date ([notice] dates), else
        the first working day after the period ended and its last form came in. A date given
        for every period that one period cannot carry is said once, with what was used instead."""
        if period in self._dates:
            return self._dates[period]
        own = self.ws.config.notice.dates.get(period.key)
        if self.date is not None and self.date > period.end and own is None:
            when = check_notice_date(self.date, period)
        elif own is not None:
            when = check_notice_date(own, period, f"qdocgen.toml [notice] dates 中{period.words}的成文日期")
        else:
            when = default_date(self.ws, period)
            if self.date is not None:
                self.ws.warnings.append(
                    f"{self.given} 为{fmt.cn_date(self.date)}，{period.words}当日尚未结束，"
                    f"其通报按时段结束后的第一个工作日{fmt.cn_date(when)}成文"
                    "（可在 qdocgen.toml 的 [notice] dates 中另设）"
                )
            elif NO_DATE_WARNING not in self.ws.warnings:
                self.ws.warnings.append(NO_DATE_WARNING)  # said once however many notices
        self._dates[period] = when
        return when

    def _when(self, period: Period) -> date:
        return self.date_of(period)

    def number(self, period: Period, district: str | None) -> str:
        """The document's 发文字号: the pattern's {n} counts the notices of the 成文 year, in
        order of date, period, then the city's before the districts' in the plan's order, so a
        document keeps its number when a later period is added."""
        pattern = self.profile.doc_number
        if "{n}" not in pattern:
            return number_text(pattern, self.date_of(period).year, 0)
        periods = {p for p in self.ws.figures.periods if p.year in self.ws.plan.years} | {period}
        when = self.date_of(period)
        same_year = sorted(p for p in periods if self.date_of(p).year == when.year)
        order = sorted(same_year, key=lambda p: (self.date_of(p), p))
        units = [None, *self.ws.plan.district_names]
        n = self.ws.config.notice.first_number + order.index(period) * len(units) + units.index(district)
        return number_text(pattern, when.year, n)

    def _options(self, period: Period, district: str | None = None) -> NoticeOptions:
        when = self.date_of(period)
        p = self.profile
        number = self.number(period, district) if p.doc_number else ""
        redhead = {"mark": p.issuer_mark, "number": number} if p.red_head_shown else None
        settings = self.ws.config.notice
        plan = self.ws.plan
        if district is None:
            addressees = settings.addressees or addressee_line(plan.districts)
        else:
            addressees = next(d.authority for d in plan.districts if d.name == district)
        return NoticeOptions(
            subject=self.subject,
            date_text=fmt.cn_date(when),
            print_date_text=fmt.cn_date(when),
            signer=plan.office,
            redhead=redhead,
            number=number,
            deadline_text=fmt.cn_date(next_working_day(when + timedelta(days=settings.deadline_days))),
            addressees=addressees,
            copy_to=settings.copy_to or members_of(plan),
            genre="通报" if district is None else settings.district_genre,
            contact=settings.contact,
            public=settings.public,
            annex=annex_form(settings.annex, len(plan.districts)),
            trend=self._trend(period),
        )

    def _trend(self, period: Period) -> Trend:
        """The workspace's trend of `period`, once per maker (the evaluations it compares are the
        workspace's, made once; the trend is only read)."""
        if period not in self._trends:
            self._trends[period] = self.ws.trend(period)
        return self._trends[period]

    def _check_missing(self, ev: Evaluation, district: str | None) -> None:
        if not self.strict:
            return
        missing = [
            r
            for r in ev.results
            if r.status == NOT_REPORTED and r.scope != "total" and (district is None or r.district == district)
        ]
        if missing:
            lines = "；".join(f"{r.district or CITY} 第{r.measure.row}行 {r.measure.name}" for r in missing)
            raise UserError(f"{ev.period.words}有 {len(missing)} 项完成值未报送（--strict）：{lines}")

    def _city_bars(self, ev: Evaluation) -> list[dict]:
        """The city chart's rows: each district's completion rate, in the plan's order (a
        district that reported nothing stands at 0, as the ranking counts it; one with nothing
        assessed has no bar)."""
        order = self.ws.plan.district_names
        standings = sorted(ev.standings, key=lambda s: order.index(s.district))
        if all(s.not_reported == s.assessed for s in standings):  # nothing reported at all: no chart
            return []
        return [
            # the 完成比例 as the display rule shows it (never 100% unless all were met)
            {
                "label": s.district,
                "ratio": display.ratio(s.rate, MET if s.met == s.assessed else MISSED)[1],
                "missed": False,
            }
            for s in standings
            if s.rate is not None
        ]

    def _district_bars(self, ev: Evaluation, district: str) -> list[dict]:
        """The district chart's rows: each measure's completion ratio, missed ones marked."""
        return [
            {"label": r.measure.name, "ratio": display.ratio(r.ratio, r.status)[1], "missed": r.status == MISSED}
            for r in ev.for_district(district)
            if r.ratio is not None
        ]


def notices(
    ws: Workspace, period: Period, who: list[str | None], *, date: str | None = None, strict: bool = False
) -> Iterator[tuple[str, bytes]]:
    """(file name, bytes) of the notices of `period` for `who` (districts' full names; None for the
    city-wide notice), all made before the first is given, so a mistake in one leaves every file as
    it was. Once all have been taken (written), says in the workspace's warnings when the figures are
    sample data."""
    maker = NoticeMaker(ws, date=date, strict=strict)
    documents = [(d, maker.city(period) if d is None else maker.district(period, d)) for d in who]
    for d, data in documents:
        yield maker.filename(period, d), data
    if maker.evaluation(period).sample:
        ws.warnings.append(f"{period.words}完成值为示例数据，通报中已注明“示例数据”。")
