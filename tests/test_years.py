"""Year inference: the literal prefilters and the skipped date scan give what
the plain regex scans give."""

from __future__ import annotations

from collections import Counter

import regex
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.conftest import normalised_seed_texts
from tracker import years
from tracker.years import DocYear, find_date, infer_year

TEXTS = normalised_seed_texts()
# Each text, and its tails from every line on: dates, years and report words
# then turn up at every distance from the start.
WINDOWS = [t[i + 1:] for t in TEXTS for i in [-1, *(j for j, c in enumerate(t) if c == "\n")]]
_PIECES = ["2021", "2022年", "年是", "年为", "今年是", "发布日期:", "时间：", "日期 ", "2024-05-06",
           "2023年5月6日", "两会", "政府工作报告", "去年", "了", "将", "\n", "，", "1", " "]


def _plain_find_date(text: str) -> str | None:
    m = years._DATE.search(text[:3000])
    if not m:
        return None
    y, mo, d = m.group(1), int(m.group(2)), int(m.group(3) or 0)
    if not 1 <= mo <= 12:
        return None
    return f"{y}-{mo:02d}-{d:02d}" if 1 <= d <= 31 else f"{y}-{mo:02d}"


def _plain_infer_year(text: str, *, title: str | None = None) -> DocYear:
    """infer_year with every pattern scanned in full (no year, date given)."""
    date = _plain_find_date(text)
    report = regex.compile("政府工作报告|两会|人代会|人民代表大会")  # the words, as a pattern
    is_report = bool(report.search(text[:20000]) or (title and report.search(title)))

    def result(y: int | None, source: str) -> DocYear:
        return DocYear(y, (y - 1 if is_report else y) if y is not None else None, date, source)

    m = years._THIS_YEAR_IS.search(text)
    if m:
        return result(int(m.group(1) or m.group(2)), "text")
    if title and (m := years._TITLE_YEAR.search(title)):
        return result(int(m.group(1)), "text")
    pub = int(date[:4]) if date else None
    date_spans = [m.span() for m in years._ANY_DATE.finditer(text)]
    mentions: Counter[int] = Counter()
    review_only: dict[int, bool] = {}
    called_last: dict[int, bool] = {}
    for m in years._YEAR.finditer(text):
        if any(s <= m.start() < e for s, e in date_spans):
            continue
        y = int(m.group(1))
        if pub is not None and y > pub:
            continue
        mentions[y] += 1
        par_end = text.find("\n", m.end())
        window = text[m.end():min(m.end() + 300, par_end if par_end >= 0 else len(text))]
        last_cue = bool(years._LAST_YEAR_CUE.search(text, max(0, m.start() - 60), m.start()))
        is_review = last_cue or len(years._PAST.findall(window)) > len(
            years._PLAN.findall(window))
        review_only[y] = review_only.get(y, True) and is_review
        called_last[y] = called_last.get(y, False) or last_cue
    if mentions:
        latest = max(mentions)
        if (is_report or called_last.get(latest)) and review_only.get(latest) and (
                pub is None or latest + 1 <= pub):
            return result(latest + 1, "inferred")
        if pub == latest + 1 and "今年" in text and years._LAST_YEAR_CUE.search(text):
            return result(pub, "inferred")
        return result(latest, "inferred")
    if pub is not None:
        return result(pub, "inferred")
    return DocYear(None, None, date, None)


def _same_match(a, b) -> bool:
    return (a is None and b is None) or (
        a is not None and b is not None and a.span() == b.span() and a.groups() == b.groups())


def test_prefilter_words_are_in_every_match() -> None:
    assert all(any(w in name for w in years._DATE_WORDS) for name in years._DATE_NAMES)


def _check(text: str, title: str | None) -> None:
    assert find_date(text) == _plain_find_date(text)
    assert _same_match(years._this_year_is(text), years._THIS_YEAR_IS.search(text))
    assert infer_year(text, title=title) == _plain_infer_year(text, title=title)


def test_years_of_seed_windows_equal_the_plain_scans() -> None:
    for text in WINDOWS:
        for title in (None, "2019年政府工作报告", "城区新闻"):
            _check(text, title)


@settings(max_examples=400, deadline=None)
@given(st.lists(st.sampled_from(_PIECES), max_size=30), st.sampled_from([None, "两会报道"]))
def test_years_equal_the_plain_scans(pieces: list[str], title: str | None) -> None:
    _check("".join(pieces), title)


# Openings of the State Council's reports (../shared/corpora, 1992-2019) and
# of a county report, as a .txt file without title or metadata gives them.
_OPENING = ("各位代表：\n现在，我代表国务院，向大会报告政府工作，请予审议，"
            "并请全国政协各位委员提出意见。\n")


def test_a_report_speaks_in_the_year_after_the_one_it_reviews():
    cases = {
        "一、2018年工作回顾\n过去一年是全面贯彻党的十九大精神开局之年。"
        "今年经济增长目标6%-6.5%。": 2019,
        "一、1991年国内工作的回顾\n1991年是我们的国家沿着有中国特色的社会主义道路"
        "继续前进的一年。": 1992,
        "一、去年工作回顾\n2005年，我国社会主义现代化事业取得显著成就。": 2006,
        "一、“十一五”时期国民经济和社会发展的回顾\n“十一五”时期是我国发展进程中极不平凡的五年。"
        "到2020年基本实现工业化。": 2011,
        "一、“十四五”时期前三年回顾\n三年来，经济社会发展取得新成效。": 2024,
    }
    for body, year in cases.items():
        got = infer_year(_OPENING + body)
        assert (got.year, got.review_year, got.source) == (year, year - 1, "text"), body
    # 2008年是… would otherwise name the reviewed year as the report's.
    assert infer_year(_OPENING + "一、2008年工作回顾\n2008年是极不平凡的一年。").year == 2009


def test_the_day_a_report_was_delivered_gives_its_year_and_date():
    text = ("政府工作报\n告\n——2017年3月5日在第十二届全国人民代表大会第五次会议上\n"
            "国务院总理 李克强\n" + _OPENING + "一、2016年工作回顾\n面向2030年的重大项目启动实施。")
    assert infer_year(text) == DocYear(2017, 2016, "2017-03-05", "text")
    county = ("（2024年1月10日在湟源县第十八届人民代表大会第四次会议上）\n各位代表：\n"
              "2023年是全面贯彻落实党的二十大精神的开局之年。")
    assert infer_year(county) == DocYear(2024, 2023, "2024-01-10", "text")
