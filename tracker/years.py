"""The year a document speaks in, and where that came from.

A page's publication date is not always the year it speaks of: seed 002 was
posted on 2022-10-08 but is an interview about 2021 (2021年是我区转型项目促进年);
a speech at the 2024 两会 reviews 2023 (seed 003) and plans 2024.  The
``year_source`` column lets a researcher see how sure the year is:

* ``manifest`` — supplied by a manifest or JSONL metadata;
* ``text`` — stated by the text (``2021年是…``, ``今年是…``, a title year);
* ``inferred`` — worked out from year mentions and the publication date.
"""

from __future__ import annotations

import bisect
from collections import Counter
from dataclasses import dataclass

import regex

_DATE_NAMES = ("发布日期", "发布时间", "时间", "日期", "来源日期", "更新时间", "发表时间")
_DATE = regex.compile(
    rf"(?:{'|'.join(_DATE_NAMES)})\s*[:：]?\s*"
    r"((?:19|20)\d\d)\s*[-/年.]\s*(\d{1,2})(?:\s*[-/月.]\s*(\d{1,2}))?"
)
# Every field name holds one of these: a text without them has no _DATE match
# (a str search is several times cheaper than the regex module's scan).
_DATE_WORDS = ("时间", "日期")
_ANY_DATE = regex.compile(r"((?:19|20)\d\d)\s*[-/年.]\s*(\d{1,2})\s*[-/月.]\s*(\d{1,2})日?")
# The line under a work report's title says when and where it was delivered:
# ——2017年3月5日在第十二届全国人民代表大会第五次会议上, （2024年1月10日在
# 西宁市第十七届人民代表大会第四次会议上）.  The report speaks in that year.
_DELIVERED = regex.compile(
    r"((?:19|20)\d\d)\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*日\s*在[^\n。]{0,40}?"
    r"(?:人民代表大会|人大)[^\n。]{0,30}?会议上")
# A report's first part looks back on the year before the one it speaks in:
# 一、2018年工作回顾, 一、1991年国内工作的回顾; 一、去年工作回顾 then 2005年，…;
# 一、“十一五”时期国民经济和社会发展的回顾 (a five-year plan's last year; 前三年回顾:
# its third).
_REVIEW_HEADING = regex.compile(
    r"(?:^|\n)[^\n]{0,6}?(?:((?:19|20)\d\d)\s*年[^\n\d]{0,6}?工作的?回顾"
    r"|(?:去年|过去一年)的?工作回顾\s*((?:19|20)\d\d)\s*年"
    r"|[“\"]?(十[一二三四五六七八九]?五)[”\"]?时期(?:前([一二三四两])年)?[^\n]{0,16}?回顾)")
_THIS_YEAR_IS = regex.compile(r"((?:19|20)\d\d)年(?:是|为)|今年是((?:19|20)\d\d)")
# Every match holds 年是 or 年为, its 年 at most four characters after its start.
_THIS_YEAR_WORDS = ("年是", "年为")
_TITLE_YEAR = regex.compile(r"((?:19|20)\d\d)年")
_YEAR = regex.compile(r"(?<![\d.到至])((?:19|20)\d\d)\s*年(?!代|前|以前|之前|以来)")
# Words that mark a work report or a reaction to one.
_REPORT_WORDS = ("政府工作报告", "两会", "人代会", "人民代表大会", "向大会报告")
# Past-tense and plan cues counted in the paragraph after a year mention: a
# paragraph that opens with "2023年，" and then reports 获评/建成/兑现…了 is a
# review of that year.
_PAST = regex.compile(r"了|已|获评|荣获|成功|建成|兑现|取得|累计|完成了|实现了|一年来")
_LAST_YEAR_CUE = regex.compile(r"过去一年|(?<![比较同于从由])去年|一年来")
_PLAN = regex.compile(r"(?<![主重需只必])要|将(?!近)|力争|计划|争取|确保|拟|预期|目标|今年")


@dataclass(frozen=True)
class DocYear:
    """Result of :func:`infer_year`.

    ``year``: year the text speaks in (pledges default to it) or None;
    ``review_year``: year its achievements default to; ``date``: the
    publication date found (ISO ``YYYY-MM-DD``) or None; ``source``: manifest,
    text or inferred.
    """

    year: int | None
    review_year: int | None
    date: str | None
    source: str | None


def find_date(text: str) -> str | None:
    """The publication date stated on a page (``发布日期:2025-08-12``), ISO."""
    head = text[:3000]
    m = _DATE.search(head) if any(w in head for w in _DATE_WORDS) else None
    if not m:
        return None
    y, mo, d = m.group(1), int(m.group(2)), int(m.group(3) or 0)
    if not 1 <= mo <= 12:
        return None
    return f"{y}-{mo:02d}-{d:02d}" if 1 <= d <= 31 else f"{y}-{mo:02d}"


def _this_year_is(text: str) -> regex.Match[str] | None:
    """``_THIS_YEAR_IS.search(text)``, scanning only from where a match may start."""
    found = [i for i in map(text.find, _THIS_YEAR_WORDS) if i >= 0]
    return _THIS_YEAR_IS.search(text, max(0, min(found) - 4)) if found else None


def _reviewed_year(m: regex.Match[str]) -> int | None:
    """The last year a :data:`_REVIEW_HEADING` match looks back on: its
    year, or the plan's last year, or its N-th year for 前N年."""
    if not m.group(3):
        return int(m.group(1) or m.group(2))
    end = plan_end_year(m.group(3))
    if end is None or not m.group(4):
        return end
    return end - 5 + _SMALL[m.group(4)]  # 十四五时期前三年: 2021-2023


def infer_year(text: str, *, title: str | None = None, year: int | None = None,
               date: str | None = None, year_from_metadata: bool = False) -> DocYear:
    """Work out the year ``text`` (normalised) speaks in.

    Order: metadata year; the day a report was delivered, under its title
    (``——2017年3月5日在第十二届全国人民代表大会第五次会议上``); the year after
    the one its first part reviews (``一、2018年工作回顾``); ``20XX年是…`` /
    ``今年是20XX``; a year in the title
    (``2019年政府工作报告``); the latest year mentioned in the body that is
    not later than the publication date — moved one year on when the text
    reacts to a work report and mentions that year only in review sentences
    (a 2024 两会 speech reviewing 2023); else the publication date's year.

    A work report (or a reaction to one) reviews the year before, so its
    achievements default to ``year - 1``; other texts default to ``year``.
    """
    date = date or find_date(text)
    head = text[:20000]
    is_report = any(w in head for w in _REPORT_WORDS) or bool(
        title and any(w in title for w in _REPORT_WORDS))

    def result(y: int | None, source: str) -> DocYear:
        review = (y - 1 if is_report else y) if y is not None else None
        return DocYear(y, review, date, source)

    if year is not None:
        return result(year, "manifest" if year_from_metadata else "text")
    m = _DELIVERED.search(head[:3000]) if "会议上" in head[:3000] else None
    if m and 1 <= int(m.group(2)) <= 12 and 1 <= int(m.group(3)) <= 31:
        date = date or f"{m.group(1)}-{int(m.group(2)):02d}-{int(m.group(3)):02d}"
        return result(int(m.group(1)), "text")
    m = _REVIEW_HEADING.search(head[:3000]) if "回顾" in head[:3000] else None
    reviewed = _reviewed_year(m) if m else None
    if reviewed is not None:  # a review of that year, whatever words the text uses
        return DocYear(reviewed + 1, reviewed, date, "text")
    m = _this_year_is(text)
    if m:
        return result(int(m.group(1) or m.group(2)), "text")
    if title:
        m = _TITLE_YEAR.search(title)
        if m:
            return result(int(m.group(1)), "text")
    pub = int(date[:4]) if date else None
    years = list(_YEAR.finditer(text))
    # Dates only matter around a year mention: no mention, no date scan.
    dates = list(_ANY_DATE.finditer(text)) if years else []
    # In order and apart (one scan): the date a year may lie in is the last
    # one starting at or before it, found by bisection (a text with thousands
    # of dates and years stays linear).
    date_starts = [d.start() for d in dates]
    mentions: Counter[int] = Counter()
    review_only: dict[int, bool] = {}
    called_last: dict[int, bool] = {}
    for m in years:
        k = bisect.bisect_right(date_starts, m.start()) - 1
        if k >= 0 and m.start() < dates[k].end():
            continue
        y = int(m.group(1))
        if pub is not None and y > pub:
            continue
        mentions[y] += 1
        # The window is the next 300 characters of the paragraph: the line
        # break is looked for only that far (on a text with no line break, a
        # search to the end for every year would be quadratic).
        par_end = text.find("\n", m.end(), m.end() + 300)
        window = text[m.end():par_end if par_end >= 0 else m.end() + 300]
        # 过去一年…2023年，天河区实现…: the text calls that year "last year".
        last_cue = bool(_LAST_YEAR_CUE.search(text, max(0, m.start() - 60), m.start()))
        is_review = last_cue or len(_PAST.findall(window)) > len(_PLAN.findall(window))
        review_only[y] = review_only.get(y, True) and is_review
        called_last[y] = called_last.get(y, False) or last_cue
    if mentions:
        latest = max(mentions)
        if (is_report or called_last.get(latest)) and review_only.get(latest) and (
                pub is None or latest + 1 <= pub):
            return result(latest + 1, "inferred")
        # Published the year after the latest year it names, looking back on
        # it (过去一年) and ahead (今年): it speaks in its publication year.
        if pub == latest + 1 and "今年" in text and _LAST_YEAR_CUE.search(text):
            return result(pub, "inferred")
        return result(latest, "inferred")
    if pub is not None:
        return result(pub, "inferred")
    return DocYear(None, None, date, None)


_PLAN_NO = "一二三四五六七八九十"
_RELATIVE = regex.compile(
    r"(?P<next>明年|下一年|来年)"
    r"|(?P<this>今年|本年|当年)"
    r"|(?P<last>(?<![比较同于从由])(?:去年|上年|上一年)|过去一年)"
    r"|(?:今后|未来)(?P<span>[一二三四五六七八九十两\d]{1,2})年"
    r"|[“\"]?(?P<plan>十[一二三四五六七八九]?五|[三四五六七八九]五)[”\"]?"
    r"(?:规划)?(?:期间|时期|末|期末)"
)
_SMALL = {c: i + 1 for i, c in enumerate(_PLAN_NO)} | {"两": 2}


def _small_int(s: str) -> int | None:
    if s.isdigit():
        return int(s)
    if len(s) == 1:
        return _SMALL.get(s)
    if s[0] == "十":
        return 10 + (_SMALL.get(s[1], 0) if len(s) > 1 else 0)
    return None


def plan_end_year(name: str) -> int | None:
    """Last year of a five-year plan: ``十四五`` -> 2025, ``十三五`` -> 2020,
    ``三五`` -> 1970 (from the third plan on, 1955 + 5n); else None."""
    n = _small_int(name[:-1])
    return 1955 + 5 * n if n is not None and n >= 3 else None


def relative_year(text: str, year: int | None,
                  kinds: frozenset[str] = frozenset({"next", "this", "last", "span", "plan"}),
                  ) -> tuple[int, str, str] | None:
    """The year a relative expression in ``text`` points to, given the year
    the document speaks in; the LAST expression in ``text`` wins.

    ``明年`` -> year+1; ``今年`` -> year; ``去年``/``上年``/``过去一年`` ->
    year-1; ``今后五年``/``未来5年`` -> year+4 (a government's term counts the
    current year as its first); ``十四五期间``/``“十四五”末`` -> 2025 (the plan's
    end, whatever ``year`` is).  ``kinds`` limits the expressions used
    (pledges skip ``last``: 比去年 is a base, not the target).  Returns
    ``(year, cue, kind)`` (kind: next, this, last, span or plan) or None.
    """
    if "年" not in text and "五" not in text:
        return None  # every expression holds 年 (明年, 未来五年) or 五 (十四五期间)
    found = None
    # Each alternative of _RELATIVE is one named group and holds no other:
    # lastgroup names the kind and group(lastindex) is its text (looking a
    # group up by name costs the regex module far more).
    for m in _RELATIVE.finditer(text):
        kind = m.lastgroup
        if kind not in kinds:
            continue
        if kind == "plan":
            end = plan_end_year(m.group(m.lastindex))
            if end is not None:
                found = (end, m.group(), "plan")
            continue
        if year is None:
            continue
        if kind == "next":
            found = (year + 1, m.group(), "next")
        elif kind == "this":
            found = (year, m.group(), "this")
        elif kind == "last":
            found = (year - 1, m.group(), "last")
        else:
            n = _small_int(m.group(m.lastindex))
            if n:
                found = (year + n - 1, m.group(), "span")
    return found
