"""Tests for tracker.gazetteer on real sentence fragments from government texts."""

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tracker.gazetteer import Division, LocalityMention, load_gazetteer


@pytest.fixture(scope="module")
def gaz():
    return load_gazetteer()


SEEDS = Path(__file__).resolve().parent.parent / "seeds"


def codes(mention: LocalityMention) -> list[str]:
    return [d.code for d in mention.candidates]


def test_cached_per_path(gaz):
    assert load_gazetteer() is gaz


def test_county_committee_title(gaz):
    text = "省人大代表、西宁市大通县委副书记、县长 马明旭"
    (m,) = gaz.find(text)
    assert m.surface == "西宁市大通县" and text[m.start : m.end] == m.surface
    assert codes(m) == ["630121"]
    div = m.candidates[0]
    assert div.parent_code == "630100" and div.prefecture == "西宁市"
    assert gaz.full_name(div) == "西宁市大通县"


def test_county_name_followed_by_wei(gaz):
    (m,) = gaz.find("大通县委书记")
    assert m.surface == "大通县" and codes(m) == ["630121"]


def test_shangdang_district(gaz):
    (m,) = gaz.find("上党区委书记张驰")
    assert m.surface == "上党区"
    div = m.candidates[0]
    assert (div.code, div.prefecture, div.parent_code) == ("140404", "长治市", "140400")
    assert gaz.full_name(div) == "长治市上党区"
    assert "140421" in div.former_codes


def test_historic_changzhi_county(gaz):
    div = gaz.resolve("长治县")
    assert div is not None and div.code == "140421" and not div.is_current
    assert div.valid_until == "2018" and div.successor_code == "140404"
    assert gaz.current("140421") == "140404"
    assert gaz.by_code(gaz.current(div.code)).name == "上党区"
    assert gaz.current("140404") == "140404"


def test_huangzhong(gaz):
    (div,) = gaz.lookup("湟中区")
    assert div.code == "630106" and div.parent_code == "630100"
    assert gaz.full_name(div) == "西宁市湟中区"
    assert gaz.current("630122") == "630106"  # 湟中县, 2019


def test_longest_match_wins(gaz):
    ms = gaz.find("西宁市城西区和城西区")
    assert [m.surface for m in ms] == ["西宁市城西区", "城西区"]
    assert codes(ms[0]) == ["630104"]
    # In the 2024 data only 西宁 still has a 城西区 (see divisions.csv).
    assert codes(ms[1]) == ["630104"]


def test_chengzhong_ambiguous_without_context(gaz):
    assert {d.code for d in gaz.lookup("城中区")} >= {"630103", "450202"}
    assert gaz.resolve("城中区") is None


@pytest.mark.parametrize(
    ("ctx_text", "expected"),
    [("西宁", "西宁市城中区"), ("柳州", "柳州市城中区"), ("青海省", "西宁市城中区")],
)
def test_chengzhong_resolved_by_context(gaz, ctx_text, expected):
    ctx = [m.candidates[0].code for m in gaz.find(ctx_text)]
    div = gaz.resolve("城中区", ctx)
    assert div is not None and gaz.full_name(div) == expected


def test_resolve_mentions_uses_document_context(gaz):
    text = "柳州市委常委会研究部署城中区老旧小区改造"
    ms = gaz.find(text)
    assert [m.surface for m in ms] == ["柳州市", "城中区"]
    resolved = gaz.resolve_mentions(ms)
    assert [d.code for d in resolved] == ["450200", "450202"]


def test_chaoyang_district(gaz):
    assert gaz.resolve("朝阳区") is None
    assert gaz.full_name(gaz.resolve("朝阳区", ["110000"])) == "北京市朝阳区"
    assert gaz.full_name(gaz.resolve("朝阳区", ["220100"])) == "长春市朝阳区"


def test_jiyuan_and_provincial_county_cities(gaz):
    (m,) = gaz.find("济源市政府工作报告")
    div = m.candidates[0]
    assert div.code == "419001" and div.parent_code == "410000" and div.prefecture == ""
    assert gaz.full_name(div) == "济源市"
    assert gaz.full_name(gaz.by_code("429004")) == "仙桃市"
    assert [m.surface for m in gaz.find("济源示范区")] == ["济源"]


def test_national_pseudo_unit(gaz):
    div = gaz.by_code("100000")
    assert div.name == "全国" and div.level == "country"
    assert gaz.full_name(div) == "全国"
    assert gaz.resolve("全国") == div
    assert gaz.find("全国人大代表") == []


def test_levels_and_names(gaz):
    assert gaz.full_name(gaz.by_code("630000")) == "青海省"
    assert gaz.full_name(gaz.by_code("630100")) == "西宁市"
    assert gaz.by_code("630100").short_name == "西宁"
    assert gaz.by_code("630000").level == "province"
    assert gaz.by_code("630100").level == "prefecture"
    assert gaz.by_code("999999") is None


@pytest.mark.parametrize(
    "text",
    ["大通道", "建设西部陆海新通道大通道", "城中村改造", "新区建设", "主城区和郊区", "长治久安",
     "中山路", "各位来宾", "幸福安康", "城乡和县域经济", "大理石"],
)
def test_no_false_positives(gaz, text):
    assert gaz.find(text) == []


def test_short_names(gaz):
    ms = gaz.find("青海西宁推进生态保护")
    assert [(m.surface, m.kind) for m in ms] == [("青海", "short"), ("西宁", "short")]
    assert gaz.resolve("吉林").code == "220000"  # short name: province outranks 吉林市
    assert gaz.resolve("中山").code == "442000"  # in lookup/resolve, only not in find()


def test_two_char_county_needs_prefecture(gaz):
    assert gaz.find("和县") == []
    (m,) = gaz.find("马鞍山市和县")
    assert codes(m) == ["340523"]


def test_autonomous_prefecture_alias(gaz):
    (m,) = gaz.find("黔南州委")
    assert codes(m) == ["522700"]


def test_offsets_on_long_text(gaz):
    text = "西宁市城西区" * 2000 + "长治市上党区"
    ms = gaz.find(text)
    assert len(ms) == 2001
    assert ms[-1].start == 12000 and ms[-1].candidates[0].code == "140404"


def test_division_is_frozen(gaz):
    div = gaz.by_code("140404")
    assert isinstance(div, Division)
    with pytest.raises(AttributeError):
        div.name = "x"


def _scan_every_position(gaz, text: str) -> list[tuple[int, int, str]]:
    """The matching find() must reproduce: probe every position in turn,
    longest form first, and jump past a match (blocked words consume text)."""
    out, i = [], 0
    while i < len(text) - 1:
        for length in gaz._first.get(text[i:i + 2], ()):
            hit = gaz._patterns.get(text[i:i + length]) if i + length <= len(text) else None
            if hit is not None:
                if hit[0] != "block":
                    out.append((i, i + length, text[i:i + length]))
                i += length
                break
        else:
            i += 1
    return out


_NAMES = ["西宁市", "城西区", "西宁", "大通县", "上党区", "济源", "全国", "和县", "马鞍山市",
          "黔南州", "长治", "中山"]


@settings(max_examples=200, deadline=None)
@given(st.lists(st.sampled_from([*_NAMES, "市", "县", "和", "，", "推进", "a1", "\n"]),
                max_size=30))
def test_find_equals_scan_of_every_position(text_parts):
    gaz = load_gazetteer()
    text = "".join(text_parts)
    got = [(m.start, m.end, m.surface) for m in gaz.find(text)]
    assert got == _scan_every_position(gaz, text)
    for s, e, surface in got:
        assert text[s:e] == surface


def test_find_equals_scan_on_a_real_report():
    gaz = load_gazetteer()
    text = "\n".join(p.read_text(encoding="utf-8") for p in sorted(SEEDS.glob("*.txt")))
    got = [(m.start, m.end, m.surface) for m in gaz.find(text)]
    assert got and got == _scan_every_position(gaz, text)


def test_current_codes_equal_the_successor_walk(gaz):
    codes = [d.code for d in gaz.divisions] + [d.successor_code for d in gaz.divisions]
    for code in [*codes, "999999", "", "100000"]:
        assert gaz.current(code) == gaz._follow(code), code


def test_remembered_candidates_equal_a_fresh_computation(gaz):
    for surface in [*gaz._forms, "不是地名", ""]:
        assert gaz._candidates(surface) == gaz._candidates_of(surface), surface


def test_resolved_mentions_equal_one_resolve_each(gaz):
    """resolve_mentions resolves a repeated ambiguous name once: the same as
    resolving every mention on its own."""
    for path in sorted(SEEDS.glob("*.txt")):
        text = path.read_text(encoding="utf-8")
        mentions = gaz.find(text)
        for context in (set(), {"630100"}, {"110000", "450200"}):
            ctx = set(context) | {m.candidates[0].code for m in mentions
                                  if len(m.candidates) == 1}
            plain = [m.candidates[0] if len(m.candidates) == 1 else
                     gaz.resolve(m.surface, ctx - {d.code for d in m.candidates})
                     for m in mentions]
            assert gaz.resolve_mentions(mentions, context) == plain, path.name


def test_balanced_level_is_not_hengshui(gaz):
    # National reports: 人民币汇率在合理均衡水平上基本稳定 named 衡水市 the speaker.
    text = "人民币汇率在合理均衡水平上基本稳定，财政收支保持平衡水平。衡水市新建学校3所。"
    assert [m.surface for m in gaz.find(text)] == ["衡水市"]
