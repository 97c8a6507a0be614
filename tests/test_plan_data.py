"""The plan data holds the original: 44 rows, their texts, merges and targets."""

from __future__ import annotations

import os
import re
import subprocess
import sys

import pytest

from conftest import DATA, ROOT, SEED, fails_if_hung

DISTRICT_ORDER = ["禅城区", "南海区", "顺德区", "高明区", "三水区"]


@pytest.fixture(scope="module")
def seed() -> str:
    return SEED.read_text(encoding="utf-8")


def to_seed_form(text: str) -> str:
    """Undo the mends every row shares: the seed lost the year dash and uses ASCII punctuation."""
    for full, ascii_ in (("（", "("), ("）", ")"), ("，", ","), ("：", ":"), ("；", ";")):
        text = text.replace(full, ascii_)
    return re.sub(r"(20\d\d)—(20\d\d)", r"\1\2", text)


def test_plan_has_44_rows_numbered_in_order(plan):
    assert [r.no for r in plan.rows] == list(range(1, 45))


def test_metadata(plan):
    assert plan.doc_number == "佛府办函〔2017〕388号"
    assert plan.issuer == "佛山市人民政府办公室"
    assert plan.date.isoformat() == "2017-06-23"
    assert plan.years == (2017, 2018, 2019)
    assert plan.title == "佛山市工业产品质量提升三年行动计划（2017—2019年）"
    assert plan.district_names == DISTRICT_ORDER


@pytest.mark.parametrize("no", range(1, 45))
def test_each_action_is_the_original_text(plan, seed, no):
    action = plan.row(no).action
    if no == 37:  # the seed stops at "…力争达到95"; the mend adds "%。" and is recorded
        assert action.endswith("95%。")
        assert any("补“%。”" in m for m in plan.row(no).mends)
        action = action[: -len("%。")]
    assert to_seed_form(action) in seed


@pytest.mark.parametrize("no", range(1, 45))
def test_each_goal_cell_is_the_original_text(plan, seed, no):
    for cell in plan.row(no).goals:
        text = cell.text.replace("2017—2019年，各区工业", "2017-2019年,各区工业")  # row 37's hyphen
        assert to_seed_form(text) in seed, (no, cell.text)


def test_texts_use_official_punctuation(plan):
    for row in plan.rows:
        for text in (row.task, row.content, row.action, row.lead, row.support, *(c.text for c in row.goals)):
            assert not re.search(r"[,:;()](?!\d{3})", text.replace("10,000", "")), (row.no, text)
            assert "20172019" not in text


def test_row_33_keeps_its_missing_full_stop(plan):
    assert not plan.row(33).goal_for(2018).text.endswith("。")
    assert any("照原文保留" in m for m in plan.row(33).mends)


def test_task_name_spans(plan):
    assert plan.merge_spans("task") == [(1, 3), (4, 18), (19, 23), (24, 34), (35, 44)]
    assert plan.row(4).task == "大力实施以质取胜战略"
    assert plan.row(44).task == "提高质量安全监管水平"


def test_content_spans(plan):
    spans = [s for s in plan.merge_spans("content") if s[0] != s[1]]
    for span in [(1, 3), (7, 9), (10, 14), (16, 18), (24, 30)]:
        assert span in spans
    assert plan.row(8).content == plan.row(7).content == "引导企业建立健全质量管理体系"
    assert plan.row(12).content == "发挥检验检测平台技术服务支撑作用"


def test_rows_1_to_3_share_lead_support_and_goals(plan):
    for column in ("lead", "support", "goals"):
        assert (1, 3) in plan.merge_spans(column)
    assert len({plan.row(n).action for n in (1, 2, 3)}) == 3


def test_year_cells(plan):
    separate = {1, 2, 3, 5, 10, 15, 16, 17, 18, 27, 28, 31, 32, 33}  # 2, 3 share row 1's cells
    for row in plan.rows:
        if row.no in separate:
            assert len(row.goals) > 1, row.no
        else:
            assert [c.years for c in row.goals] == [(2017, 2018, 2019)], row.no
    assert [c.years for c in plan.row(16).goals] == [(2017,), (2018, 2019)]
    assert plan.row(16).goal_for(2019).text == "2018年、2019年目标待省明确相关指标数后再定。"


def test_empty_support_columns(plan):
    assert [r.no for r in plan.rows if not r.support] == [25, 26, 32, 34, 37]


# (row, measure id, unit) whose per-district figures are written "禅城25家、南海35家…" in the seed.
PER_DISTRICT = [
    (4, "4", "家"),
    (6, "6", "家"),
    (9, "9", "家"),
    (19, "19", "个"),
    (20, "20", "项"),
    (21, "21", "个"),
    (22, "22", "项"),
    (23, "23a", "家"),
    (29, "29", "件"),
    (35, "35", "家"),
    (36, "36", "期"),
    (39, "39", "次"),
    (40, "40", "家"),
]


def goal_in_seed(plan, seed: str, no: int, year: int) -> str:
    text = to_seed_form(plan.row(no).goal_for(year).text)
    assert text in seed
    return text


@pytest.mark.parametrize("no,mid,unit", PER_DISTRICT)
def test_district_targets_match_the_seed_wording(plan, seed, no, mid, unit):
    measure = next(m for m in plan.measures if m.id == mid)
    for year, per in measure.targets.items():
        text = goal_in_seed(plan, seed, no, year)
        for district in plan.districts:
            assert f"{district.short}{per[district.name]:g}{unit}" in text, (no, district.name)


def test_row_35_maps_districts_by_name_not_position(plan):
    targets = next(m for m in plan.measures if m.id == "35").targets[2018]
    assert targets == {"禅城区": 20, "南海区": 30, "顺德区": 30, "高明区": 20, "三水区": 20}


@pytest.mark.parametrize("mid,unit", [("27", "个"), ("28a", "件"), ("28b", "件")])
def test_stock_targets_per_year_match_the_seed(plan, seed, mid, unit):
    measure = next(m for m in plan.measures if m.id == mid)
    assert measure.kind == "stock"
    assert set(measure.targets) == {2017, 2018, 2019}
    for year, per in measure.targets.items():
        text = goal_in_seed(plan, seed, measure.row, year)
        part = text.split(";")[1] if mid == "28b" else text.split(";")[0]
        for district in plan.districts:
            assert f"{district.short}{per[district.name]:g}{unit}" in part


def test_row_8_has_two_measures_as_written(plan, seed):
    a, b = (next(m for m in plan.measures if m.id == i) for i in ("8a", "8b"))
    text = goal_in_seed(plan, seed, 8, 2017)
    for d in plan.districts:
        assert f"{d.short}({a.targets[2017][d.name]:g}家、{b.targets[2017][d.name]:g}家)" in text


def test_uniform_and_rate_targets(plan):
    by_id = {m.id: m for m in plan.measures}
    assert set(by_id["7a"].targets[2019].values()) == {2}
    assert set(by_id["30"].targets[2019].values()) == {2}
    for mid, value in (("37", 95), ("38", 5), ("41", 20), ("43", 80)):
        assert by_id[mid].kind == "rate" and by_id[mid].unit == "%"
        assert set(by_id[mid].targets[2018].values()) == {value}


def test_biennial_and_one_year_targets(plan):
    by_id = {m.id: m for m in plan.measures}
    assert sorted(by_id["24"].targets) == [2017, 2019] and by_id["24"].kind == "biennial"
    assert sorted(by_id["25"].targets) == [2017, 2019]
    assert sorted(by_id["23a"].targets) == [2017] and by_id["23a"].kind == "one-year"
    assert by_id["23a"].targets[2017]["南海区"] == 150


@pytest.mark.parametrize(
    "mid,year,value",
    [
        ("10a", 2019, 15),
        ("10b", 2019, 17),
        ("44", 2018, 10000),
        ("4b", 2019, 350),
        ("23b", 2019, 2500),
        ("6b", 2017, 200),
        ("12", 2019, 1200),
        ("15", 2018, 10),
        ("16", 2017, 1000),
    ],
)
def test_city_level_figures(plan, mid, year, value):
    measure = next(m for m in plan.measures if m.id == mid)
    assert measure.is_city
    assert measure.targets[year] == value


def test_targets_to_be_set_later(plan):
    measure = next(m for m in plan.measures if m.id == "16")
    assert measure.targets[2018] is None and measure.targets[2019] is None


def test_rows_with_several_measures(plan):
    assert len(plan.measures_of_row(8)) == 2
    assert len(plan.measures_of_row(28)) == 2


def shape(x):
    """A parsed YAML value with every line it remembers and every type, for comparing two parses."""
    if isinstance(x, dict):
        return [type(x).__name__, x.line, sorted(x.key_lines.items(), key=repr), *[(k, shape(v)) for k, v in x.items()]]
    if isinstance(x, list):
        return [type(x).__name__, x.line, x.item_lines, *[shape(v) for v in x]]
    return [type(x).__name__, x]


def test_libyaml_and_pure_python_loaders_read_the_same_values_and_lines():
    # plan.yaml is parsed by libyaml for speed; its values and the lines in messages must be
    # exactly those of the pure-Python loader, which reports errors.
    import yaml

    from qdocgen.plan import yaml_lines

    slow_loader, fast_loader = yaml_lines.loaders()
    text = (DATA / "plan.yaml").read_text(encoding="utf-8-sig")
    fast = yaml.load(text, Loader=fast_loader)  # noqa: S506
    slow = yaml.load(text, Loader=slow_loader)  # noqa: S506
    assert shape(fast) == shape(slow)
    assert yaml.load("no: 1\nyes: on\n", Loader=fast_loader) == {"no": 1, "yes": "on"}  # noqa: S506


class _Kept:
    """A cache as compile_cache's `facts`/`keep_facts` are, in memory."""

    def __init__(self):
        self.entries: dict = {}

    def pair(self):
        return (
            lambda kind, key: self.entries.get((kind, key)),
            lambda kind, key, blob: self.entries.update({(kind, key): blob}),
        )


def test_a_kept_parse_is_the_parse_with_every_line(tmp_path):
    """The plan's parse kept between runs gives back the same values of the same types, with the
    lines messages name; a changed file is parsed again; a damaged entry is parsed again."""
    from qdocgen.plan.yaml_lines import load_yaml

    kept = _Kept()
    path = tmp_path / "plan.yaml"
    path.write_text(
        (DATA / "plan.yaml").read_text(encoding="utf-8-sig")
        + "extra:\n  when: 2019-12-31\n  7: 七\n  yes_: true\n  none: null\n  rate: 0.95\n  big: 123456789012345678901234567890\n"
        "  nested: [[1, 2], {a: [b]}, []]\n  empty: {}\n",
        encoding="utf-8",
    )
    fresh = load_yaml(path)
    assert load_yaml(path, kept=kept.pair()) is not None and len(kept.entries) == 1
    again = load_yaml(path, kept=kept.pair())
    assert shape(again) == shape(fresh)
    assert again["extra"]["when"].isoformat() == "2019-12-31" and again["extra"][7] == "七"
    path.write_text("meta: {title: 新}\n", encoding="utf-8")  # edited: its own entry
    assert load_yaml(path, kept=kept.pair()) == {"meta": {"title": "新"}} and len(kept.entries) == 2
    for key in kept.entries:
        kept.entries[key] = b"\x00damaged"
    assert shape(load_yaml(path, kept=kept.pair())) == shape(load_yaml(path))


def test_what_a_kept_parse_cannot_hold_exactly_is_not_kept(tmp_path):
    """A set, a timestamp or a binary value is never kept (parsed each time, right), nor a file
    that does not parse (its error is said each time)."""
    from qdocgen.errors import DataError
    from qdocgen.plan.yaml_lines import load_yaml

    kept = _Kept()
    path = tmp_path / "plan.yaml"
    for text in ("a: !!set {x, y}\n", "a: 2019-12-31 10:00:00\n", "a: !!binary aGk=\n"):
        path.write_text(text, encoding="utf-8")
        assert shape(load_yaml(path, kept=kept.pair())) == shape(load_yaml(path))
    assert kept.entries == {}
    path.write_text("a: [1, 2\n", encoding="utf-8")
    for _ in range(2):
        with pytest.raises(DataError, match="YAML"):
            load_yaml(path, kept=kept.pair())
    assert kept.entries == {}


def test_a_workspace_keeps_the_parse_in_the_cache_and_needs_no_yaml_then(tmp_path):
    """A command's plan comes from the kept parse (the same plan), without importing PyYAML."""
    code = (
        "import sys; from pathlib import Path; from qdocgen.workspace import Workspace; "
        f"p = Workspace(data_dir=Path({str(DATA)!r})).plan; "
        "print('yaml' in sys.modules, len(p.measures), p.measures[-1].id)"
    )
    env = {**os.environ, "QDOCGEN_CACHE_DIR": str(tmp_path / "cache"), "PYTHONPATH": str(ROOT)}
    runs = [
        subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True).stdout
        for _ in range(2)
    ]
    first, second = (r.split() for r in runs)
    assert first[0] == "True" and second[0] == "False" and first[1:] == second[1:]


def test_a_parse_with_aliases_is_not_kept_nor_written_out(tmp_path):
    """YAML aliases share one value: kept, they would be written out in full — an alias of an alias
    of … ten times over at each level, gigabytes from a few lines. Such a parse is never kept, and
    loading it stays as quick as the parse itself."""
    from qdocgen.plan.yaml_lines import load_yaml

    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    lines += [f"a{n}: &a{n} [{', '.join([f'*a{n - 1}'] * 10)}]" for n in range(1, 8)]  # 10^8 leaves written out
    path = tmp_path / "plan.yaml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    kept = _Kept()
    with fails_if_hung(30):
        value = load_yaml(path, kept=kept.pair())
    assert kept.entries == {} and value["a7"][0] is value["a6"]


def test_without_a_readable_code_nothing_is_kept(monkeypatch):
    """code_stamp: a module that cannot be looked at (a file half removed by an upgrade) means the
    code cannot be told, so nothing is kept or taken from the cache (and no build digest is made)."""
    from qdocgen import code_stamp as stamp

    real = stamp.os.stat

    def stat(path, *args, **kwargs):
        if str(path).endswith("load.py"):
            raise FileNotFoundError(path)
        return real(path, *args, **kwargs)

    monkeypatch.setattr(stamp.os, "stat", stat)
    stamp.code_stamp.cache_clear()
    try:
        assert stamp.code_stamp() is None
        from qdocgen.render import compile_cache

        assert compile_cache.facts("plan-yaml", "x") is None
    finally:
        monkeypatch.undo()
        stamp.code_stamp.cache_clear()
    assert stamp.code_stamp() is not None
