"""Locality, speaker and block attribution on real sentences from the seeds."""

import pytest
from conftest import seed_text

from tracker.boilerplate import strip_boilerplate
from tracker.commitments import DocContext, extract_commitments
from tracker.gazetteer import load_gazetteer
from tracker.localities import Attribution, attribute, resolve_name, unresolved
from tracker.normalize import normalise
from tracker.speakers import find_inline, find_subjects, parse_byline
from tracker.years import infer_year, relative_year


def _attribute_seed(prefix: str, **kw):
    original = seed_text(prefix)
    nt = normalise(original)
    body = strip_boilerplate(nt.text)
    att = attribute(nt.text, body=(body.start, body.end), nt=nt, original=original, **kw)
    return nt, body, att


def _at(nt, att: Attribution, phrase: str):
    i = nt.text.find(phrase)
    assert i >= 0, phrase
    return att.at(i)


@pytest.mark.parametrize("phrase,locality,speaker", [
    ("大通县将深刻领会新要求", "西宁市大通县", "县长马明旭"),
    ("扎实做好“8·18”灾后恢复重建", "西宁市大通县", "县长马明旭"),
    ("城中区将深入贯彻落实省两会精神", "西宁市城中区", "区长石林"),
    ("打通服务群众“最后一公里”", "西宁市城中区", "区长石林"),
    ("湟中区将全面落实陈刚书记", "西宁市湟中区", "区长郭健"),
    ("湟源县将践行“干部要干", "西宁市湟源县", "县长董峰"),
    ("作为从城东区来的省人大代表", "西宁市城东区", "区长薛翔青"),
    ("城西区将认真贯彻落实省委省政府安排部署", "西宁市城西区", "区长袁文"),
    ("城北区将积极践行“干部要干", "西宁市城北区", "区长王刚"),
    ("首善之区", "西宁市城北区", "区长王刚"),
])
def test_seed_004_blocks(phrase, locality, speaker):
    nt, _, att = _attribute_seed("004")
    loc, code, who = _at(nt, att, phrase)
    assert (loc, who) == (locality, speaker)
    assert code == load_gazetteer().lookup(locality)[0].code


def test_seed_004_document_is_the_common_prefecture():
    _, _, att = _attribute_seed("004")
    assert (att.locality, att.code) == ("西宁市", "630100")
    assert len({b[1] for b in att.blocks}) == 7  # five districts and two counties
    # bylines listed together at the end each keep their own unit
    nt, _, _ = _attribute_seed("004")
    assert _at(nt, att, "夯实东区经济社会高质量发展底气")[0] == "西宁市城东区"
    assert _at(nt, att, "以新担当新作为推动高质量发展")[0] == "西宁市城北区"


def test_one_voice_documents_have_a_speaker_and_no_blocks():
    _, _, a1 = _attribute_seed("001")
    assert (a1.locality, a1.code, a1.speaker, a1.blocks) == ("济源市", "419001", "市长张宇松", ())
    _, _, a2 = _attribute_seed("002")
    assert (a2.locality, a2.code, a2.speaker, a2.blocks) == (
        "长治市上党区", "140404", "区委书记张驰", ())


def test_seed_003_two_bylines_pair_with_two_pieces_in_order():
    nt, _, att = _attribute_seed("003")
    assert att.locality == "西宁市城西区"
    first = _at(nt, att, "城西区将把学习贯彻市两会精神")
    assert first == ("西宁市城西区", "630104", "区委书记张俊录")
    assert _at(nt, att, "23项民生实事全部兑现") == ("西宁市城西区", "630104", "区长袁文")


def test_byline_parsing():
    sp = parse_byline("省人大代表、西宁市大通县委副书记、县长 马明旭")
    assert sp is not None and (sp.title, sp.name, sp.unit.code) == ("县长", "马明旭", "630121")
    assert parse_byline("旗帜鲜明讲政治 实干担当促发展") is None
    assert parse_byline("作为从城东区来的省人大代表，深感重任在肩、使命光荣") is None


def test_inline_speakers_skip_deputies():
    got = [(s.label, s.unit and s.unit.name) for s in find_inline(
        "日前，上党区委书记张驰接受记者专访，就贯彻落实市委书记杨勤荣部署要求")]
    assert got == [("区委书记张驰", "上党区"), ("市委书记杨勤荣", None)]
    assert find_inline("张俊录正式任西宁市副市长,助力都市生长新篇章") == []


def test_chengzhong_is_resolved_from_context():
    text = ("城中区将深入贯彻落实省两会精神，"
            "为推动西宁在现代化新青海建设上走在前作表率贡献中区力量。")
    att = attribute(text)
    assert (att.locality, att.code) == ("西宁市城中区", "630103")
    liuzhou = attribute("城中区将深入贯彻落实自治区两会精神，为柳州高质量发展贡献力量。")
    assert (liuzhou.locality, liuzhou.code) == ("柳州市城中区", "450202")
    (_, div), = find_subjects("城中区将深入贯彻落实省两会精神", context={"630100"})
    assert load_gazetteer().full_name(div) == "西宁市城中区"
    assert resolve_name("城中区")[1] is None  # no context: stays unresolved


def test_unresolved_says_why_a_metadata_name_gets_no_code():
    # Names a manifest may hold: resolved ones (also former and short names)...
    for name in ("西宁市城中区", "大通县", "长治县", "西宁", "全国"):
        assert unresolved(name) is None, name
    # ...a name several units share, with its candidates, and unknown names.
    assert unresolved("城中区") == ("柳州市城中区", "西宁市城中区")
    assert unresolved("杭洲市") == ()  # typo for 杭州市
    assert unresolved("中国") == ()
    assert unresolved("杭州市政府") == ()  # a division name plus more text


def test_renamed_unit_keeps_current_code():
    assert resolve_name("长治县")[1] == "140404"
    att = attribute("长治县委书记接受专访。长治县将新建6个社区养老服务中心。")
    assert att.code == "140404"


def test_seed_002_related_news_gives_no_records():
    original = seed_text("002")
    nt, body, att = _attribute_seed("002")
    assert nt.text[body.end:].lstrip().startswith("相关资讯")
    recs = extract_commitments(nt, DocContext(
        "002", locality=att.locality, locality_code=att.code, year=2021, review_year=2021,
        locality_at=att.at, body=(body.start, body.end)), original=original)
    news = original.index("相关资讯")
    assert recs and all(r["start"] < news for r in recs)
    assert {r["locality"] for r in recs} == {"长治市上党区"}
    assert {r["speaker"] for r in recs} == {"区委书记张驰"}


def test_national_report():
    att = attribute("国务院总理 李克强\n现在，我代表国务院，向大会报告政府工作，请予审议。",
                    title="2019年国务院政府工作报告")
    assert (att.locality, att.code) == ("全国", "100000")


def test_years_of_seeds():
    nt2 = normalise(seed_text("002"))
    b2 = strip_boilerplate(nt2.text)
    y2 = infer_year(nt2.text[b2.start:b2.end])
    assert (y2.year, y2.source, y2.date) == (2021, "text", "2022-10-08")
    nt3 = normalise(seed_text("003"))
    y3 = infer_year(nt3.text)
    assert (y3.year, y3.review_year) == (2024, 2023)


@pytest.mark.parametrize("text,year,expected", [
    ("上党区将新建6个社区养老服务中心", 2021, None),
    ("明年将新建6个社区养老服务中心", 2021, 2022),
    ("确保今后5年发展目标如期实现，新建", 2017, 2021),
    ("“十四五”期间新增", 2021, 2025),
    ("去年完成", 2024, 2023),
    ("比去年增长", 2024, None),
])
def test_relative_years(text, year, expected):
    got = relative_year(text, year)
    assert (got[0] if got else None) == expected


def test_pledge_years_from_relative_cues():
    nt = normalise("明年将新建6个社区养老服务中心。“十四五”期间新增学位1155个。"
                   "去年完成技能培训1万人。")
    recs = extract_commitments(nt, DocContext("t", year=2021, review_year=2020,
                                              year_source="inferred"))
    got = [(r["value"], r["year"], r["year_source"]) for r in recs]
    assert got == [(6, 2022, "inferred"), (1155, 2025, "text"), (10000, 2020, "inferred")]


def test_boilerplate_footer_and_header_are_dropped():
    nt = normalise(seed_text("001"))
    body = strip_boilerplate(nt.text)
    kept = nt.text[body.start:body.end]
    assert kept.startswith("撸起袖子加油干——访新当选市长张宇松")
    assert "版权" not in kept and "转载请注明出处" not in kept and "豫都网 >" not in kept


def test_report_title_names_a_two_character_county():
    from tracker.localities import attribute

    a = attribute("过去一年，全县新增城市停车位800个。", title="凤县2023年政府工作报告")
    assert (a.locality, a.code) == ("宝鸡市凤县", "610330")
    # 新增城市 hides the historic 增城市; without a title no locality is invented.
    assert attribute("今年，我市将新增城市公园5个。").locality is None


def test_two_counties_with_opening_reporter_lines():
    """A page reporting two counties in turn, each piece opened by a
    reporter line (本报记者 … 报道): each block gets its own county and head."""
    from tracker.normalize import normalise

    original = TWO_COUNTIES
    nt = normalise(original)
    a = attribute(nt.text, nt=nt, original=original)
    at = {loc: who for _, loc, _, who in a.blocks}
    assert at.get("潍坊市临朐县") == "县长李明"
    assert at.get("潍坊市昌乐县") == "县长王涛"
    assert a.at(nt.text.index("5600"))[0] == "潍坊市临朐县"
    assert a.at(nt.text.index("养老床位"))[0] == "潍坊市昌乐县"


# A realistic two-county newspaper page (written for the tests).
TWO_COUNTIES = """【县域经济观察】产业强县 各展所长

本报记者 刘建国 通讯员 赵敏 报道
  临朐县：做强特色产业链
  1月10日召开的临朐县第十九届人民代表大会第三次会议上，县长李明在政府工作报告中介绍，2023年临朐县实现地区生产总值320.5亿元，增长6.2%；一般公共预算收入完成23.6亿元，增长7.8%。全县新增规模以上工业企业35家，铝型材产业产值突破300亿元。
  李明表示，2024年临朐县地区生产总值预期增长6.5%左右，一般公共预算收入增长7%，全年实施重点项目150个、总投资480亿元，新增城镇就业5600人。临朐将深入实施“工业强县、生态立县”战略，打响“中国铝型材之乡”品牌。

本报记者 孙晓 报道
  昌乐县：数字赋能促转型
  在1月12日召开的昌乐县十八届人大四次会议上，县长王涛作政府工作报告。报告显示，过去一年，昌乐县地区生产总值达到318亿元，同比增长5.9%，固定资产投资增长12%，城乡居民人均可支配收入分别达到48100元和25600元。
  王涛说，今年昌乐县经济社会发展的主要预期目标是：地区生产总值增长6%以上，固定资产投资增长10%左右，城镇调查失业率控制在5.5%以内。昌乐将围绕“一区三园”布局，新建5G基站600个，改造提升农村公路120公里，新增养老床位300张。
"""


def test_year_called_last_year_makes_the_text_speak_in_the_next():
    from tracker.years import infer_year

    text = ("记者：过去一年天河区经济发展取得了哪些成绩？\n陈勇：2023年，天河区实现地区生产总值"
            "6412亿元，同比增长4.8%。\n记者：今年天河区有哪些具体目标？\n陈勇：今年我们的目标是"
            "地区生产总值增长5%以上。")
    assert infer_year(text).year == 2024
    # A page dated the year after the one it reviews, planning 今年.
    page = ("“2023年，洛阳地区生产总值达到5487亿元。”过去一年，洛阳新签约项目620个。"
            "今年将新增就业8万人。")
    assert infer_year(page, date="2024-03-06").year == 2024


def test_header_cut_stops_at_body_text() -> None:
    page = ("豫都网 > 河南新闻 > 济源新闻 >\n发布日期:2025-08-12 00:47:04\n"
            "济源市召开会议，部署下半年重点工作，全市上下要以更大力度推进项目建设。\n"
            "发布者:小编\n正文继续。")
    body = strip_boilerplate(page)
    # The two header lines go; 发布者 after the first line of body text is body.
    assert page[body.start:].startswith("济源市召开会议")
    assert "header" in body.rule
    title_first = "济源市政府工作报告\n发布日期:2025-08-12\n今年全市生产总值增长6%。"
    assert title_first[strip_boilerplate(title_first).start:].startswith("今年")
    report = "过去一年，全市经济社会发展取得了新的成绩，生产总值增长6%，各项事业全面进步。\n" * 3
    assert strip_boilerplate(report).start == 0


def test_footer_found_by_one_search_as_by_every_line(monkeypatch) -> None:
    import random

    from tracker import boilerplate

    rng = random.Random(3)
    body = ["过去一年，全市生产总值增长6%。", "新建学校3所。", "  ", "", "相关", "资讯",
            "  相关资讯  ", "友情链接：某网", "本文转载请注明出处", "上一篇：某文", "Public domain",
            "版权所有 ©", "责任编辑:张三", "\t", "免责声明", "ICP备12号", "“三大攻坚战”"]
    texts = ["\n".join(rng.choice(body) for _ in range(rng.randint(1, 14))) for _ in range(400)]
    texts += [normalise(seed_text(p)).text for p in ("000", "001", "002", "003", "004")]
    fast = [strip_boilerplate(t) for t in texts]
    monkeypatch.setattr(boilerplate, "_whole_text_twin", lambda pattern: None)
    slow = [strip_boilerplate(t) for t in texts]
    assert fast == slow
    assert sum("footer" in b.rule for b in fast) > 50


def _plain_lines(text, b0, b1, nt, original):
    """Every line's normalised (start, end) within the body, line by line."""
    from tracker.localities import _to_normalised
    if nt is None:
        src, lo, hi = text, b0, b1
    else:
        src, lo = original, nt.to_original(b0)
        hi = nt.to_original(b1) if b1 < len(nt.text) else len(original)
    out, pos = [], lo
    for raw in src[lo:hi].split("\n"):
        s, e = pos, pos + len(raw)
        pos = e + 1
        if nt is not None:
            s, e = _to_normalised(nt, s), _to_normalised(nt, e)
        out.append((max(s, b0), min(e, b1), raw))
    return out


def test_line_spans_equal_the_line_by_line_walk():
    from conftest import SEEDS

    from tracker.localities import _Lines
    for path in sorted(SEEDS.glob("*.txt")):
        original = path.read_text(encoding="utf-8")
        nt = normalise(original)
        body = strip_boilerplate(nt.text)
        for args in ((nt.text, body.start, body.end, nt, original),
                     (nt.text, body.start, body.end, None, None),
                     (nt.text, 0, len(nt.text), nt, original)):
            lines = _Lines(*args)
            got = [(*lines.span(i), raw) for i, raw in enumerate(lines.raw)]
            assert got == _plain_lines(*args), path.name


def test_unit_before_equals_the_window_scan():
    """The skip when no form can end next to a title gives what scanning
    the window gives, at every character of the seeds."""
    from conftest import SEEDS

    from tracker.speakers import UNIT_WINDOW, _unit_before
    gaz = load_gazetteer()

    def plain(text, title_start, ctx):
        lo = max(0, title_start - UNIT_WINDOW)
        mentions = gaz.find(text[lo:title_start + 1])
        if not mentions:
            return None
        m, div = mentions[-1], gaz.resolve_mentions(mentions, ctx)[-1]
        return div if lo + m.end >= title_start - 3 else None

    found = 0
    for path in sorted(SEEDS.glob("*.txt")):
        text = normalise(path.read_text(encoding="utf-8")).text
        for t in range(0, len(text), 1 if len(text) < 20000 else 7):
            got = _unit_before(gaz, text, t, set())
            assert got == plain(text, t, set()), (path.name, t)
            found += got is not None
    assert found > 100


@pytest.mark.parametrize("opening", [
    "各位代表：\n现在，我代表国务院，向大会报告政府工作，请予审议。\n",
    "各位代表：\n现在，我受国务院的委托，向全国人民代表大会报告政府工作。\n",
    "——2017年3月5日在第十二届全国人民代表大会第五次会议上\n各位代表：\n",
])
def test_the_state_councils_report_is_national_without_a_title(opening):
    # Later paragraphs name 香港、澳门 and 玉树: counted, they outvoted 全国.
    text = opening + ("支持香港、澳门保持长期繁荣稳定。澳门经济适度多元发展。"
                      "玉树灾后恢复重建全面完成。") * 3
    att = attribute(text)
    assert (att.locality, att.code) == resolve_name("全国")


def test_a_local_congress_line_is_not_national():
    text = ("——2024年1月10日在西宁市第十七届人民代表大会第四次会议上\n各位代表：\n"
            "现在，我代表西宁市人民政府，向大会报告工作。西宁市全年新建学校3所。")
    assert (attribute(text).locality, attribute(text).code) == ("西宁市", "630100")


def test_a_stretch_of_a_national_report_speaks_for_the_country():
    # From the middle of the State Council's 2016 report: no opening, and
    # 香港、澳门 and 上海 named more often than anything else.
    text = ("我国经济发展进入新常态。我国仍处于可以大有作为的重要战略机遇期。"
            "推进上海、广东、天津、福建自由贸易试验区建设。全力支持香港、澳门发展经济、改善民生。"
            "支持香港、澳门更好融入国家发展大局。我国发展仍面临不少困难和挑战。")
    assert attribute(text).locality == "全国"
    county = ("湟源县全年地区生产总值增长6%。湟源县被评为全国文明城市，"
              "我国首个高原县域数字乡村试点落户湟源县。")
    assert attribute(county).locality == "西宁市湟源县"


def test_hong_kong_and_macao_are_partners_not_the_speaker():
    text = ("深圳市全年新增就业10万人。推进与香港、澳门规则衔接，支持香港青年来深创业，"
            "香港、澳门居民在深圳市享受同等待遇。")
    assert attribute(text).locality == "深圳市"
    # A title still names them.
    macao = "澳门全年本地生产总值增长8%。支持澳门经济适度多元发展，加强与香港合作。"
    assert attribute(macao, title="澳门特别行政区施政报告").locality == "澳门特别行政区"


def test_the_congress_a_report_was_delivered_to_names_its_locality():
    # A city report that speaks of 我国 more than of 西宁市 by name.
    text = ("（2023年2月15日在西宁市第十七届人民代表大会第三次会议上）\n各位代表：\n"
            "现在，我代表市人民政府，向大会报告工作。我国经济长期向好，我市抓住机遇。"
            "我国新发展格局加快构建，我国超大规模市场优势明显，我国发展韧性强。")
    assert (attribute(text).locality, attribute(text).code) == ("西宁市", "630100")
    # Without that line, saying 我市 keeps it local too.
    county = ("我县全年新建学校3所。我国经济长期向好，我县抓住机遇，我县发展势头良好。"
              "我国新发展格局加快构建，我国发展韧性强。湟源县新增就业1200人。")
    assert attribute(county).locality == "西宁市湟源县"
