"""Commitments on real sentences from the seeds and the national reports."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tracker.commitments import DocContext, categorise, extract_commitments
from tracker.normalize import normalise
from tracker.quantities import find_quantities


def records(text: str, year: int = 2024, review_year: int = 2023) -> list[dict]:
    nt = normalise(text)
    return extract_commitments(nt, DocContext("t", year=year, review_year=review_year),
                               original=text)


def one(text: str, **kw) -> dict:
    rs = records(text, **kw)
    assert len(rs) == 1, rs
    return rs[0]


def test_pledge_with_measure_word_and_object_after():
    r = one("围绕“一老”,上党区将新建6个社区养老服务中心,逐步构建起普惠和产业协同发展的养老新格局。",
            year=2021)
    assert (r["value"], r["unit"], r["qualifier"], r["object"], r["category"], r["kind"],
            r["year"]) == (6, "个", "exact", "社区养老服务中心", "elderly", "pledge", 2021)
    assert r["quote"] == "6个社区养老服务中心"


def test_money_is_normalised_to_yuan_and_quote_keeps_the_line_break():
    text = "发展动能加速聚集，龙工场等跨境电商实现产\n值 5.97 亿元，外贸额达 1.03 亿元。"
    rs = records(text)
    assert [(r["value"], r["unit"]) for r in rs] == [(597_000_000, "元"), (103_000_000, "元")]
    assert rs[0]["quote"] == text[rs[0]["start"]:rs[0]["end"]]
    assert "5.97 亿元" in rs[0]["quote"]


def test_qualifiers():
    assert one("首届城市半程马拉松近万人参赛")["qualifier"] == "nearly"
    r = one("税费收入成为全省首个超过百亿元的区县")
    assert (r["value"], r["qualifier"], r["object"]) == (10_000_000_000, "at_least", "税费收入")
    r = one("城镇新增就业1000万人以上")
    assert (r["value"], r["unit"], r["qualifier"]) == (10_000_000, "人", "at_least")
    assert one("城镇登记失业率控制在4.6%以内")["qualifier"] == "at_most"
    r = one("国内生产总值增长6.5%－7%")
    assert (r["value"], r["value_max"], r["qualifier"]) == (6.5, 7, "range")
    r = one("今年将新建三至五所幼儿园")
    assert (r["value"], r["value_max"], r["unit"]) == (3, 5, "所")


@pytest.mark.parametrize("text", [
    "在刚刚闭幕的市十四届人大一次会议上,张宇松当选为市人民政府市长。",
    "6月16日下午,市长张宇松接受了济源日报记者采访。",
    "我们着力采取3项措施做好脱贫攻坚工作。一是突出精准扶贫。",
    "紧盯国内外500强企业和行业50强企业,加大龙头引进力度",
    "每个项目由一名区领导包联,下沉项目一线",
    "第一批国家级示范区",
    "加快建设5A级景区",
    "赤字率从去年的2.1%提高到",
])
def test_not_commitments(text):
    assert records(text) == []


def test_chinese_numeral_after_object_across_a_column_break():
    from tests.conftest import seed_text

    rs = [r for r in records(seed_text("003")) if r["object"] == "公办幼儿园"]
    assert [(r["value"], r["unit"], r["quote"]) for r in rs] == [(1, "所", "公办幼儿园一\n所")]


def test_growth_target_is_a_pledge_for_the_report_year():
    r = one("今年经济社会发展的主要预期目标是：国内生产总值增长7.5%左右", year=2014,
            review_year=2013)
    assert (r["kind"], r["year"], r["object"], r["qualifier"]) == (
        "pledge", 2014, "国内生产总值增长", "about")


def test_review_section_numbers_are_achievements_of_the_year_before():
    text = "一、2013年工作回顾\n过去一年，国内生产总值达到56.9万亿元，比上年增长7.7%。"
    rs = records(text, year=2014, review_year=2013)
    assert [(r["kind"], r["year"], r["object"]) for r in rs] == [
        ("achievement", 2013, "国内生产总值"), ("achievement", 2013, "国内生产总值比上年增长")]


def test_comparison_with_last_year_stays_a_pledge():
    rs = records("今年拟安排财政赤字13500亿元，比上年增加1500亿元", year=2014, review_year=2013)
    assert [(r["kind"], r["value"], r["object"]) for r in rs] == [
        ("pledge", 1_350_000_000_000, "财政赤字"),
        ("pledge", 150_000_000_000, "财政赤字比上年增加")]


def test_implicit_persons_unit():
    r = one("农村贫困人口减少1000万以上", year=2019)
    assert (r["value"], r["unit"], r["qualifier"]) == (10_000_000, "人", "at_least")


def test_categories_from_the_head_of_the_object():
    assert categorise("社区养老服务中心") == "elderly"
    assert categorise("单位国内生产总值能耗下降") == "energy"
    assert categorise("农村贫困人口减少") == "social_governance"
    assert categorise("特色数字标杆场景应用") == "social_governance"
    assert categorise("无以名状") == "other"


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet=list("新建增加近约超过以上左右以内个所人元亿万%.-至一二两三十百千0123456789，。学校养老")
               , max_size=40))
def test_extraction_offsets_are_valid_and_values_finite(text):
    nt = normalise(text)
    for q in find_quantities(nt.text):
        assert 0 <= q.start <= q.num_start < q.unit_end <= q.end <= len(nt.text)
    for r in records(text):
        assert text[r["start"]:r["end"]] == r["quote"]
        assert r["value"] == r["value"] and abs(r["value"]) < float("inf")


def test_distributive_sum_over_listed_places():
    r = one("今年将在主城区和信义产业园区分别规划新建一所九年一贯制学校", year=2021)
    assert (r["value"], r["unit"], r["object"]) == (2, "所", "九年一贯制学校")
    assert r["quote"] == "分别规划新建一所九年一贯制学校"
    assert "distributive:2" in r["rule"]


def test_list_total_is_one_record():
    r = one("建设完成西庄初级中学、新建高中、新建幼儿园和苏店九年一贯制4所学校。", year=2021)
    assert (r["value"], r["object"]) == (4, "学校")


def test_review_cue_carries_over_to_the_next_sentence():
    text = ("三、2011年的工作\n2011年，是“十二五”开局之年。过去一年，我们的各项工作取得了很大成绩。"
            "国内生产总值增长10.3%，城镇新增就业1168万人。")
    rs = records(text, year=2011, review_year=2010)
    assert [(r["kind"], r["year"]) for r in rs] == [("achievement", 2010)] * 2


def test_a_span_that_ended_before_the_report_is_a_result():
    # gwr_2003: 到2002年 reads as a target, but 2002 is behind a 2003 report.
    text = ("国内生产总值从1997年的7.4万亿元增加到2002年的10.2万亿元，按可比价格计算，"
            "平均每年增长7.7%。")
    rs = records(text, year=2003, review_year=2002)
    assert [(r["kind"], r["value"]) for r in rs] == [("achievement", 10.2e12),
                                                    ("achievement", 7.7)]
    assert all("kind:past-span" in r["rule"] for r in rs)
    # A span reaching the text's own year or later is still a target.
    later = records("粮食产量从2020年的6.7亿吨增加到2025年的7亿吨以上。", year=2021,
                    review_year=2020)
    assert later and all(r["kind"] == "pledge" for r in later)


def test_five_year_totals_are_flagged_multi_year():
    rs = records("这五年，各项社会事业加快发展。城镇新增就业5771万人，转移农业劳动力4500万人。",
                 year=2011, review_year=2010)
    assert rs and all(r["multi_year"] for r in rs)
    assert not one("过去一年，城镇新增就业1168万人。", year=2011)["multi_year"]


def test_plan_section_targets_are_dated_by_the_plan_end():
    text = ("二、“十三五”时期主要目标任务和重大举措\n"
            "努力补齐民生短板。实现城镇新增就业5000万人以上。")
    r = one(text, year=2016, review_year=2015)
    assert (r["kind"], r["year"], r["multi_year"]) == ("pledge", 2020, True)


def test_units_kept_as_written_and_list_markers_dropped():
    assert one("推广新能源汽车5000辆")["unit"] == "辆"
    assert one("推广高效照明灯具1.5亿只")["unit"] == "只"
    r = one("一是新增养老床位200张")
    assert (r["object"], r["unit"]) == ("养老床位", "张")
    rs = records("地区生产总值完成215.6亿元，同比增长6.8%")
    assert rs[1]["object"] == "地区生产总值同比增长"


def test_respectively_pairs_listed_subjects_with_listed_numbers():
    def objs(text: str) -> list[tuple[float, str]]:
        return [(r["value"], r["object"]) for r in records(text)]

    assert objs("化学需氧量、二氧化硫排放量分别下降3.14%和4.66%") == [
        (3.14, "化学需氧量下降"), (4.66, "二氧化硫排放量下降")]
    assert objs("城镇和农村居民人均可支配收入分别增长5.1%和7.3%") == [
        (5.1, "城镇居民人均可支配收入增长"), (7.3, "农村居民人均可支配收入增长")]
    assert objs("城镇居民和农村居民人均可支配收入分别达到42150元和21860元") == [
        (42150, "城镇居民人均可支配收入"), (21860, "农村居民人均可支配收入")]


def test_docx_table_row_keeps_label_and_figure_together(tmp_path):
    import docx

    from tracker.pipeline import run

    d = docx.Document()
    d.add_paragraph("南漳县2024年主要预期目标")
    t = d.add_table(rows=3, cols=2)
    for i, (a, b) in enumerate([("指标", "目标"), ("地区生产总值增长", "6%左右"),
                                ("城镇新增就业", "3000人以上")]):
        t.cell(i, 0).text, t.cell(i, 1).text = a, b
    d.save(str(tmp_path / "t.docx"))
    c = run([tmp_path]).tables["commitments"]
    assert sorted(zip(c["object"], c["value"], c["qualifier"], strict=True)) == [
        ("地区生产总值增长", 6.0, "about"), ("城镇新增就业", 3000.0, "at_least")]


def test_a_target_restated_in_its_explanation_is_one_record():
    from tracker.model import Document
    from tracker.pipeline import process_document

    text = ("今年经济社会发展的主要预期目标是：国内生产总值增长8%左右。\n"
            "提出国内生产总值增长8%左右，主要是考虑到保持经济平稳较快发展。")
    r = process_document(Document("gwr_2010", "x", text, locality="全国", year=2010,
                                  metadata_from=frozenset({"locality", "year"})))
    assert [(c["value"], c["indicator"]) for c in r.commitments] == [(8.0, "国内生产总值增长")]
