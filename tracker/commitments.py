"""Commitment records from quantity mentions: object, category, kind and year.

Input: a normalised document (:class:`tracker.normalize.NormalText`), its
:class:`DocContext`, and the spans of slogans found in it (numbers inside a
slogan such as 五个中心城市 are names, not pledges).  Output: one dict per
commitment with the fields of ANNOTATION.md plus provenance — see
:data:`COMMITMENT_COLUMNS`.  Word lists live in ``rules/objects.toml``,
``rules/kinds.toml`` and ``rules/categories.toml``.
"""

from __future__ import annotations

import bisect
import functools
import itertools
import operator
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import regex

from tracker.normalize import NormalText
from tracker.quantities import Quantity, QuantityRules, find_quantities, load_quantity_rules
from tracker.rules import (
    compile_pattern,
    longest_first,
    read_rule_file,
    string_list,
    word_alternation,
)
from tracker.segments import (
    NUMBERED_HEADING,
    Sentence,
    SentenceIndex,
    sentences,
)
from tracker.years import plan_end_year, relative_year

#: Columns of commitments.csv, in order (issue contract), then extras.
COMMITMENT_COLUMNS = ("doc_id", "locality", "kind", "year", "value", "value_max", "unit",
                      "qualifier", "object", "category", "quote", "start", "end", "rule")
EXTRA_COLUMNS = ("locality_code", "speaker", "year_source", "indicator", "multi_year")

CATEGORIES = ("economy", "investment", "industry", "employment", "education", "health",
              "elderly", "childcare", "housing", "transport", "environment", "energy",
              "agriculture", "culture_tourism", "social_governance", "safety", "finance", "other")


@dataclass(frozen=True)
class ObjectRules:
    """``rules/objects.toml``: how an object is cut from its clause."""

    clause_marks: frozenset[str]
    after_units: frozenset[str]
    cut_after: tuple[str, ...]
    strip_leading: tuple[str, ...]
    strip_trailing: tuple[str, ...]
    change_verbs: tuple[str, ...]
    generic_objects: frozenset[str]
    max_length: int
    examples: tuple[str, ...]
    # The word lists compiled once, longest first (a regex alternation tries
    # alternatives in order): one C-level match instead of a Python loop.
    cut_re: regex.Pattern[str]
    trailing_re: regex.Pattern[str]
    leading_re: regex.Pattern[str]
    mark_re: regex.Pattern[str]
    mark_back_re: regex.Pattern[str]
    list_marker_re: regex.Pattern[str]


@dataclass(frozen=True)
class KindRules:
    """``rules/kinds.toml``: cue words for pledge versus achievement."""

    default: str
    pledge: tuple[str, ...]
    achievement: tuple[str, ...]
    achievement_verbs: tuple[str, ...]
    pledge_sections: tuple[str, ...]
    achievement_sections: tuple[str, ...]
    examples: tuple[str, ...]
    strong: regex.Pattern[str]
    weak: regex.Pattern[str]
    period: regex.Pattern[str]
    carry_over: frozenset[str]
    # How far past a position matching ``strong`` / ``period`` there may read
    # (longest word plus a lookahead): see _WindowScans.  The default makes
    # every window scanned in full.
    strong_reach: int = 1 << 30
    period_reach: int = 1 << 30


@dataclass(frozen=True)
class CategoryRules:
    """``rules/categories.toml``: keyword -> category, in file order."""

    keywords: tuple[tuple[str, str, int], ...]  # (keyword, category, order)
    examples: dict[str, tuple[str, ...]]
    pattern: regex.Pattern[str]


# Patterns used per record, compiled once (the regex module's own cache
# lookup costs more than the match on these short strings).
_HAN = regex.compile(r"\p{Han}")
_HAN_OR_LATIN = regex.compile(r"\p{Han}|[A-Za-z]")
_PERSONS = regex.compile(r"人口|人数|劳动力|就业|群众|农民|居民|职工|学生")
_LIST_SEP = regex.compile(r"和|、|及|与|以及")
# Where a before-object starts: after the last number, or after a year
# written in Chinese numerals (一九五四年又比一九五三年增长 -> 增长); a split
# leaves 年/月/日 of a date at the front, which goes too (2017年年均增长).
# Digits inside a name (5G基站, PM2.5, 500强企业) are not a number to cut at.
_NUMBER = regex.compile(
    r"(?<![A-Za-z0-9.])[0-9]+(?:\.[0-9]+)?(?![A-Za-z0-9]|强|A级)%?|%|[〇零一二三四五六七八九]{4}年")
_DATE_REMNANT = regex.compile(r"^[年月日](?:的|度|底|末|初)?")
_LEADING_LINK = regex.compile(r"^(?:[和及与、.．]|转为|提高到|提高至)+")


@functools.lru_cache(maxsize=8)
def load_object_rules(directory: Path | str | None = None) -> ObjectRules:
    """Load ``rules/objects.toml``; raises :class:`tracker.rules.RuleError`."""
    keys = ("clause_marks", "after_units", "cut_after", "strip_leading", "strip_trailing",
            "change_verbs", "generic_objects", "list_marker", "max_length", "examples")
    rf = read_rule_file("objects.toml", {}, top_level=keys, directory=directory)
    d = rf.data
    ml = d.get("max_length", 16)
    if not isinstance(ml, int) or ml < 2:
        raise rf.error("max_length must be an integer >= 2", "max_length")
    marks = str(d.get("clause_marks", "，,。；;"))
    cut = longest_first(string_list(rf, d.get("cut_after", []), "cut_after"))
    leading = longest_first(string_list(rf, d.get("strip_leading", []), "strip_leading"))
    trailing = longest_first(string_list(rf, d.get("strip_trailing", []), "strip_trailing"))
    mark_class = "[" + regex.escape(marks, special_only=False) + "]"
    return ObjectRules(
        frozenset(marks),
        frozenset(string_list(rf, d.get("after_units", []), "after_units")),
        cut, leading, trailing,
        longest_first(string_list(rf, d.get("change_verbs", []), "change_verbs")),
        frozenset(string_list(rf, d.get("generic_objects", []), "generic_objects")),
        ml,
        string_list(rf, d.get("examples", []), "examples"),
        regex.compile(word_alternation(cut)),
        regex.compile(f"(?:{word_alternation(trailing)})$"),
        regex.compile(f"^(?:{word_alternation(leading)})"),
        regex.compile(mark_class),
        regex.compile(mark_class, flags=regex.REVERSE),
        compile_pattern(rf, d.get("list_marker", "(?!)"), "list_marker"),
    )


@functools.lru_cache(maxsize=8)
def load_kind_rules(directory: Path | str | None = None) -> KindRules:
    """Load ``rules/kinds.toml``; raises :class:`tracker.rules.RuleError`."""
    keys = ("default", "pledge", "achievement", "achievement_verbs", "pledge_sections",
            "achievement_sections", "examples", "multi_year", "one_year", "carry_over")
    rf = read_rule_file("kinds.toml", {}, top_level=keys, directory=directory)
    d = rf.data
    default = d.get("default", "pledge")
    if default not in ("pledge", "achievement"):
        raise rf.error("default must be pledge or achievement", "default")
    lists = {k: string_list(rf, d.get(k, []), k) for k in keys[1:]}
    # Single-character cues hide inside common words (主要, 重要, 将近); a
    # lookbehind/lookahead keeps them to their modal use.
    strong = regex.compile(
        rf"(?P<p>(?<![主重需只必纲概扼简])(?:{word_alternation(lists['pledge'])})(?!近|军))"
        rf"|(?P<a>(?<![比较同于从由])(?:{word_alternation(lists['achievement'])}))"
    )
    weak = regex.compile(rf"(?P<a>{word_alternation(lists['achievement_verbs'])})")
    period = regex.compile(rf"(?P<multi>{word_alternation(lists['multi_year'])})"
                           rf"|(?P<one>{word_alternation(lists['one_year'])}|(?:19|20)\d\d年)")
    longest = functools.partial(max, key=len, default="")
    return KindRules(default, lists["pledge"], lists["achievement"], lists["achievement_verbs"],
                     lists["pledge_sections"], lists["achievement_sections"], lists["examples"],
                     strong, weak, period, frozenset(lists["carry_over"]),
                     # + (?!近|军) and a margin; 2023年 is five characters.
                     len(longest((*lists["pledge"], *lists["achievement"]))) + 2,
                     max(len(longest((*lists["multi_year"], *lists["one_year"]))), 5) + 1)


@functools.lru_cache(maxsize=8)
def load_category_rules(directory: Path | str | None = None) -> CategoryRules:
    """Load ``rules/categories.toml``; raises :class:`tracker.rules.RuleError`."""
    rf = read_rule_file("categories.toml", {"category": {"keywords", "examples"}},
                        directory=directory)
    kws = []
    examples = {}
    for order, (name, entry) in enumerate(rf.data.get("category", {}).items()):
        if name not in CATEGORIES:
            raise rf.error(f"unknown category {name!r}; use one of {', '.join(CATEGORIES)}",
                           f"category.{name}")
        for k in string_list(rf, entry.get("keywords", []), f"category.{name}.keywords"):
            kws.append((k, name, order))
        examples[name] = string_list(rf, entry.get("examples", []), f"{name}.examples")
    pattern = regex.compile(word_alternation([k for k, _, _ in kws]), flags=regex.IGNORECASE)
    return CategoryRules(tuple(kws), examples, pattern)


_INFO: dict[int, tuple[CategoryRules, dict[str, tuple[str, int]]]] = {}


def _keyword_info(rules: CategoryRules) -> dict[str, tuple[str, int]]:
    """Lower-cased keyword -> (category, file order), built once per rules object."""
    got = _INFO.get(id(rules))
    if got is None or got[0] is not rules:
        got = (rules, {k.lower(): (c, o) for k, c, o in rules.keywords})
        _INFO[id(rules)] = got
    return got[1]


def categorise(obj: str, quote: str = "", rules: CategoryRules | None = None) -> str:
    """Category of an object (ANNOTATION.md list), from ``rules/categories.toml``.

    The keyword ending latest in the object wins (the head of a Chinese noun
    phrase is last), ties going to the longer keyword and then to file order;
    with no keyword in the object the quote is tried; else ``other``.
    """
    rules = rules or load_category_rules()
    # A pure function of short strings that recur (国内生产总值, 城镇新增就业 in
    # every report).  The quote only matters when the object names no
    # category, so the object alone is the usual key: quotes rarely repeat.
    memo = _CATEGORY_MEMO.get(id(rules))
    if memo is None or memo[0] is not rules:
        memo = _CATEGORY_MEMO[id(rules)] = (rules, {})
    cache = memo[1]
    if len(cache) >= 100_000:
        cache.clear()
    known = cache.get(obj)
    if known is None:
        known = cache[obj] = _category_of(obj, rules) or ""
    if known:
        return known
    known = cache.get("\0" + quote)  # a quote's key cannot be an object's
    if known is None:
        known = cache["\0" + quote] = _category_of(quote, rules) or "other"
    return known


_CATEGORY_MEMO: dict[int, tuple[CategoryRules, dict[str, str]]] = {}


def _category_of(text: str, rules: CategoryRules) -> str | None:
    """Category of the keyword ending latest in ``text`` (ties: longer, then
    earlier in the file), or None when no keyword occurs."""
    info = _keyword_info(rules)
    search = rules.pattern.search
    best = None
    # The first match at or after every position i: the same match for
    # every i up to its start, so jump from one match start to the next.
    i, n = 0, len(text)
    while i < n:
        m = search(text, i)
        if m is None:
            break
        cat, order = info[m.group().lower()]
        score = (m.end(), len(m.group()), -order)
        if best is None or score > best[0]:
            best = (score, cat)
        i = m.start() + 1
    return best[1] if best else None


@functools.lru_cache(maxsize=8)
def unit_prefix_pattern(surfaces: tuple[str, ...]) -> regex.Pattern[str]:
    """A unit spelling (with magnitude and a joining word) at the start of a
    string, built from ``rules/units.toml``'s surfaces."""
    alt = "|".join(regex.escape(u) for u in sorted(surfaces, key=len, reverse=True))
    return regex.compile(rf"^[十百千万亿多余]*(?:{alt}|%)(?:和|及|与|、|或|以上|左右)?")


_BASELINE = regex.compile(
    r"^(.*?\p{Han})(?:从|由)[^从由]*?(?:\d|[一二两三四五六七八九十百千万亿]{2})")


def cut_object(clause_before: str, clause_after: str, unit: str,
               rules: ObjectRules | None = None,
               unit_prefix: regex.Pattern[str] | None = None) -> tuple[str, str]:
    """The object of a quantity, from the clause text around it.

    ``clause_before`` is the clause up to the number (qualifier words
    excluded), ``clause_after`` the clause after the unit and any qualifier;
    ``unit_prefix`` (see :func:`unit_prefix_pattern`) strips the unit of an
    earlier number.  Returns ``(object, side)`` with side ``after``,
    ``before`` or ``none``.
    """
    rules = rules or load_object_rules()
    if unit in rules.after_units:
        cut = rules.cut_re.search(clause_after)
        after = clause_after[: cut.start()] if cut else clause_after
        after = after[: rules.max_length]
        if len(after) >= 2 and _HAN.match(after):
            return after, "after"
    # A value reached from a baseline (最低标准从每月70元提高到88元, 工业企业利润由
    # 上年下降2.3%转为增长8.5%) belongs to the subject before 从/由; otherwise
    # the object never reaches back past another number.
    # 从 or 由 is in every baseline: most clauses have neither and skip the search.
    base = (_BASELINE.search(clause_before)
            if "从" in clause_before or "由" in clause_before else None)
    if base:
        before = base.group(1)
        verb = next((v for v in rules.change_verbs if clause_before.endswith(v)), "")
        if verb and unit in ("%", "个百分点"):
            before += verb
    else:
        parts = _NUMBER.split(clause_before)
        before = parts[-1]
        if len(parts) > 1:
            # What follows another number starts with its unit or date word
            # (…40平方公里和600平方公里; 2017年年均增长): not the object.
            before = _DATE_REMNANT.sub("", before)
            if unit_prefix is not None:
                before = unit_prefix.sub("", before)
    before = rules.list_marker_re.sub("", _LEADING_LINK.sub("", before))
    while before and (m := rules.trailing_re.search(before)):
        if m.group() in rules.change_verbs and (unit in ("%", "个百分点") or before[0] in "比较"):
            break  # 国内生产总值增长 / 比上年增加: the change is the object
        before = before[: m.start()]
    # An object that is nothing but such words (拟安排, 每天) is no object.
    while before and (m := rules.leading_re.match(before)):
        before = before[m.end():]
    if len(before) > rules.max_length:
        before = before[-rules.max_length:]
    if before and _HAN_OR_LATIN.search(before):
        return before, "before"
    return "", "none"


@dataclass
class DocContext:
    """What commitments need to know about their document.

    ``year`` is the year the text speaks in (pledges default to it);
    ``review_year`` the year its achievements default to (the year before for
    a work report reviewing the past year).  ``locality_at`` maps a normalised
    offset to ``(locality, locality_code, speaker)`` for documents that quote
    several units in turn; without it ``locality`` applies throughout.
    ``skip_spans`` (slogans) and text outside ``body`` (web boilerplate) give
    no records.
    """

    doc_id: str
    locality: str | None = None
    locality_code: str | None = None
    year: int | None = None
    review_year: int | None = None
    year_source: str | None = None
    locality_at: Callable[[int], tuple[str | None, str | None, str | None]] | None = None
    skip_spans: Sequence[tuple[int, int]] = field(default_factory=tuple)
    body: tuple[int, int] | None = None


# A year the number is dated by; not 1985年以来 (a span's start), not 比/从/由
# 1997年 (a baseline).
_YEAR = regex.compile(
    r"(?<![\d.比较于从由])((?:19|20)\d\d)年(?!代|度预算|以来|以前|之前|前|的水平)")
_BASE_YEAR = regex.compile(r"比((?:19|20)\d\d)年")
_TARGET_YEAR = regex.compile(r"(?:到|至|在)((?:19|20)\d\d)年")


_PLAN = regex.compile(r"“?(十[一二三四五六七八九]五)”?(?:时期|期间|规划|末|以来|的?主要目标)")
_PAST_YEAR = regex.compile(r"(?<![比较于到至在])((?:19|20)\d\d)年(?![底末]?(?:的|前))")
# 国内生产总值从1997年的7.4万亿元增加到2002年的10.2万亿元 in the 2003 report:
# a span that ended before the text's own year is a result, though 到20… reads
# as a target.
_PAST_SPAN = regex.compile(r"从((?:19|20)\d\d)年[^。；;]{0,40}?[到至]((?:19|20)\d\d)年")


class _WindowScans:
    """``pattern.finditer(text, start, upto)`` for the many windows a
    document's numbers ask about (the stretch of their paragraph before them,
    at most :data:`PARAGRAPH_LOOKBACK` long), from one scan of each paragraph,
    carried on as far as the windows reach, instead of a scan of every window
    (quadratic in a long paragraph).

    Exact for a pattern that never reads more than ``reach`` characters past
    the position it tries (its longest match plus lookahead): a scan of the
    paragraph and a scan of the window try the same positions and decide
    alike wherever the window's end is out of reach, so the paragraph's
    matches serve up to ``upto - reach`` and only the rest of the window is
    scanned.  A window whose start falls inside a match of the paragraph is
    scanned in full.
    """

    def __init__(self, text: str, pattern: regex.Pattern[str], reach: int,
                 par_starts: Sequence[int]) -> None:
        self.text, self.pattern, self.reach, self.par_starts = text, pattern, reach, par_starts
        # Per paragraph start: the starts, ends and matches of its scan so
        # far, and where that scan goes on (every position before is decided).
        self._scans: dict[int, tuple[list[int], list[int], list[regex.Match[str]], list[int]]] = {}

    def finditer(self, start: int, upto: int) -> list[regex.Match[str]]:
        """The matches of ``pattern.finditer(text, start, upto)``, as a list;
        ``[start, upto)`` must lie within one paragraph."""
        found, i, j, tail = self._parts(start, upto)
        return found[i:j] + tail

    def last(self, start: int, upto: int,
             keep: Callable[[regex.Match[str]], bool] | None = None) -> regex.Match[str] | None:
        """The last of :meth:`finditer` (the last ``keep`` accepts), or None."""
        found, i, j, tail = self._parts(start, upto)
        for m in reversed(tail):
            if keep is None or keep(m):
                return m
        for k in range(j - 1, i - 1, -1):
            if keep is None or keep(found[k]):
                return found[k]
        return None

    def _parts(self, start: int, upto: int
               ) -> tuple[list[regex.Match[str]], int, int, list[regex.Match[str]]]:
        """The window's matches as ``found[i:j] + tail``: those of the
        paragraph's scan, then those of a scan of the rest of the window."""
        sync = upto - self.reach
        if sync <= start:
            return [], 0, 0, list(self.pattern.finditer(self.text, start, upto))
        par = self.par_starts[bisect.bisect_right(self.par_starts, start) - 1]
        scan = self._scans.get(par)
        if scan is None:
            scan = self._scans[par] = ([], [], [], [par])
        starts, ends, found, going = scan
        if going[0] <= sync:
            # Carry the paragraph's scan on to ``upto``: the positions it
            # tries up to ``upto - reach`` are decided as in the whole paragraph.
            cut = upto - self.reach
            for m in self.pattern.finditer(self.text, going[0], upto):
                if m.start() > cut:
                    break
                starts.append(m.start())
                ends.append(m.end())
                found.append(m)
            going[0] = max(cut + 1, ends[-1] if ends else par)
        i = bisect.bisect_right(ends, start)  # the first match ending after ``start``
        if i < len(found) and starts[i] < start:
            return [], 0, 0, list(self.pattern.finditer(self.text, start, upto))
        j = bisect.bisect_right(ends, sync)
        if j < len(found) and starts[j] < sync:
            sync = ends[j]  # the scans leave a match together at its end
            j += 1
        return found, i, j, list(self.pattern.finditer(self.text, sync, upto))


class _Scans:
    """The window scans of one document: kind cues (``strong``), period
    markers (``period``) and years before the text's own (``past_year``)."""

    def __init__(self, text: str, rules: KindRules, par_starts: Sequence[int]) -> None:
        self.strong = _WindowScans(text, rules.strong, rules.strong_reach, par_starts)
        self.period = _WindowScans(text, rules.period, rules.period_reach, par_starts)
        # 2023年 and two characters of lookahead (年底的, 年前).
        self.past_year = _WindowScans(text, _PAST_YEAR, 8, par_starts)


def _kind(text: str, sent: Sentence, q: Quantity, clause_end: int, section: str | None,
          rules: KindRules, doc_year: int | None, par_start: int,
          paragraph_cues: dict[tuple[int, int], tuple[str, str] | None],
          scans: _Scans) -> tuple[str, str]:
    """Kind (pledge/achievement) of a quantity and the rule that decided it.

    ``paragraph_cues`` (one dict per document) remembers what the paragraph
    before the sentence says (:func:`_paragraph_cue`): every quantity of a
    sentence asks for the same stretch, up to :data:`PARAGRAPH_LOOKBACK`
    characters long, found through the document's ``scans``.
    """
    before = text[sent.start:q.num_start]
    # 五 and 年 are in every match of _PLAN and of the year patterns: a text
    # without them is not scanned (a substring test is far cheaper).
    has_year = "年" in before
    if doc_year is not None:
        plans = list(_PLAN.finditer(before)) if "五" in before else ()
        if plans:
            plan = plans[-1]
            # 十三五时期的主要目标 in a 2016 report plans; 十二五时期 reviews.
            end = plan_end_year(plan.group(1))
            return ("pledge" if end > doc_year else "achievement"), f"plan:{end}"
        # 2012年，…全面实现年初确定的主要目标，国内生产总值增长7.8%: a sentence
        # dated before the text's own year reports, whatever 目标 says.
        if has_year and any(int(m.group(1)) < doc_year for m in _PAST_YEAR.finditer(before)):
            return "achievement", "past-year"
        if has_year and "从" in before and any(
                int(m.group(2)) < doc_year for m in _PAST_SPAN.finditer(before)):
            return "achievement", "past-span"
    best = None
    for m in rules.strong.finditer(before):
        best = m
    if best is not None:
        return ("pledge" if best.lastgroup == "p" else "achievement"), "cue:" + best.group()
    m = rules.strong.search(text, q.end, clause_end)
    if m:
        return ("pledge" if m.lastgroup == "p" else "achievement"), "cue:" + m.group()
    if par_start < sent.start:
        # 过去一年，我们的各项工作取得了很大成绩。国内生产总值增长10.3%: the
        # paragraph's last time-frame cue before this sentence carries over
        # (only those: 即将完成 says nothing about the next sentence).  The
        # answer is remembered per sentence: every number in it asks again.
        key = (par_start, sent.start)
        if key in paragraph_cues:
            found = paragraph_cues[key]
        else:
            found = paragraph_cues[key] = _paragraph_cue(text, par_start, sent.start, rules,
                                                         doc_year, scans)
        if found is not None:
            return found
    if section:
        return section, "section"
    m = rules.weak.search(text, sent.start, clause_end)
    if m:
        return "achievement", "cue:" + m.group()
    return rules.default, "default"


def _paragraph_cue(text: str, par_start: int, sent_start: int, rules: KindRules,
                   doc_year: int | None, scans: _Scans) -> tuple[str, str] | None:
    """Kind set by the paragraph before a sentence: its last time-frame cue,
    or a year before the text's own stated there (2008年是极不平凡的一年。…
    国内生产总值超过30万亿元), whichever comes later; None without either.
    ``scans``: the document's :class:`_Scans`."""
    best = scans.strong.last(par_start, sent_start, lambda m: m.group() in rules.carry_over)
    past = None
    if doc_year is not None and text.find("年", par_start, sent_start) >= 0:
        year = doc_year
        past = scans.past_year.last(par_start, sent_start, lambda m: int(m.group(1)) < year)
    if past is not None and (best is None or past.start() > best.start()):
        return "achievement", "paragraph:" + past.group()
    if best is not None:
        return ("pledge" if best.lastgroup == "p" else "achievement"), "paragraph:" + best.group()
    return None


_PLAN_HEADING = regex.compile(r"十[一二三四五六七八九]五")


def _sections(text: str, sents: Sequence[Sentence], rules: KindRules,
              doc_year: int | None = None) -> tuple[dict[int, str], dict[int, int]]:
    """Default kind per paragraph index, from the last heading (or paragraph
    opening) with a review or plan cue before it; and, for paragraphs under a
    five-year-plan heading (二、“十三五”时期主要目标任务), the plan's last year."""
    out: dict[int, str] = {}
    plans: dict[int, int] = {}
    current: str | None = None
    plan_end: int | None = None
    # The first sentence of each paragraph (grouped in C: a report has three
    # or four sentences per paragraph).
    for _, group in itertools.groupby(sents, key=_PARAGRAPH_OF):
        s = next(group)
        head = text[s.start:s.start + (40 if s.heading else 12)]
        new = _section_of(head, rules)
        if new:
            current = new
        if s.heading and NUMBERED_HEADING.match(text[s.start:s.end]):
            # Only numbered headings (二、…, （三）…) open or close a plan
            # section: a stray short line (a wiki link) does not.
            m = _PLAN_HEADING.search(text, s.start, s.end)
            plan_end = plan_end_year(m.group()) if m else None
            if plan_end and doc_year and not new:
                # 二、“十三五”时期主要目标任务: a plan still running is a pledge,
                # one that has ended is reviewed.
                current = "pledge" if plan_end >= doc_year else "achievement"
        if current:
            out[s.paragraph] = current
        if plan_end:
            plans[s.paragraph] = plan_end
    return out, plans


_PARAGRAPH_OF = operator.attrgetter("paragraph")
_SECTION_PATTERNS: dict[int, tuple[KindRules, regex.Pattern[str], regex.Pattern[str],
                                   re.Pattern[str]]] = {}


def _section_patterns(rules: KindRules) -> tuple[regex.Pattern[str], regex.Pattern[str],
                                                 re.Pattern[str]]:
    """Achievement and pledge section words as patterns: a search finds the
    earliest occurrence of any word of a list in one pass over a heading;
    and every word of both lists as one stdlib pattern, a cheap first test
    (most paragraph openings hold none)."""
    got = _SECTION_PATTERNS.get(id(rules))  # by identity: hashing the rules costs more
    if got is None or got[0] is not rules:
        words = (*rules.achievement_sections, *rules.pledge_sections)
        got = _SECTION_PATTERNS[id(rules)] = (
            rules, regex.compile(word_alternation(rules.achievement_sections)),
            regex.compile(word_alternation(rules.pledge_sections)),
            re.compile("|".join(re.escape(w) for w in words if w) or "(?!)"))
    return got[1], got[2], got[3]


def _section_of(head: str, rules: KindRules) -> str | None:
    achievement, pledge, either = _section_patterns(rules)
    if either.search(head) is None:
        return None
    m = achievement.search(head)
    a = m.start() if m else -1
    m = pledge.search(head)
    p = m.start() if m else -1
    if a < 0 and p < 0:
        return None
    if p < 0 or (0 <= a < p):
        return "achievement"
    return "pledge"


def extract_commitments(
    nt: NormalText,
    ctx: DocContext,
    *,
    qrules: QuantityRules | None = None,
    orules: ObjectRules | None = None,
    krules: KindRules | None = None,
    crules: CategoryRules | None = None,
    original: str | None = None,
) -> list[dict]:
    """Commitment records of one document.

    Input: normalised text, document context, optional preloaded rules, and
    the original text (used to cut ``quote`` exactly as written).  Output: a
    list of dicts with :data:`COMMITMENT_COLUMNS` plus ``locality_code``,
    ``speaker`` and ``year_source``; ``start``/``end`` are offsets into the
    ORIGINAL text so that ``original[start:end] == quote``.  ``value`` is in
    ``unit`` (元 for money, 人 for persons, % for rates).
    """
    qrules = qrules or load_quantity_rules()
    orules = orules or load_object_rules()
    krules = krules or load_kind_rules()
    crules = crules or load_category_rules()
    text = nt.text
    sents = sentences(text)
    index = SentenceIndex(sents)
    skip = sorted(ctx.skip_spans)
    skip_starts = [s for s, _ in skip]
    records: list[dict] = []
    spans: list[tuple[int, int, int, int]] = []  # sentence, clause, number, end per record
    sections, plan_sections = _sections(text, sents, krules, ctx.year)
    unit_prefix = unit_prefix_pattern(tuple(qrules.by_surface))
    years = _YearIndex(text)
    last_object: dict[int, tuple[str, int]] = {}
    paragraph_cues: dict[tuple[int, int], tuple[str, str] | None] = {}
    scans = _Scans(text, krules, years.par_starts)
    lo, hi = ctx.body or (0, len(text))
    for q in find_quantities(text, qrules):
        if not lo <= q.num_start < hi:
            continue
        k = bisect.bisect_right(skip_starts, q.num_start) - 1
        if k >= 0 and skip[k][0] <= q.num_start < skip[k][1]:
            continue
        sent = index.at(q.num_start)
        if sent is None:
            continue
        section = sections.get(sent.paragraph)
        mark = orules.mark_back_re.search(text, sent.start, q.num_start)
        cs = mark.end() if mark else sent.start
        mark = orules.mark_re.search(text, q.end, sent.end)
        ce = mark.start() if mark else sent.end
        q_first = min(q.start, q.num_start)
        obj, side = cut_object(text[cs:q_first], text[q.end:ce], q.unit or "个", orules,
                               unit_prefix)
        prev_start = q_first
        unit_rule = qrules.by_surface.get(q.unit_surface)
        if side == "none" and unit_rule is not None and unit_rule.object:
            obj, side = unit_rule.object, "unit"  # 13亿多人口: the unit names the object
        if side == "none" or obj in orules.change_verbs or obj in orules.generic_objects or (
                side == "before" and (obj[0] in "比较" or obj.startswith("同比"))):
            # 国内生产总值达到67.7万亿元，增长6.9% / 财政赤字…，比上年增加1500亿元:
            # the subject is the previous clause's object.
            prev = last_object.get(sent.start)
            if prev:
                obj, side, prev_start = prev[0] + obj, "previous-clause", prev[1]
        if not obj:
            continue  # a number with no object is not a commitment we can title
        unit = q.unit
        if not unit:
            # 农村贫困人口减少1000万以上, 6600多万农村人口: persons by their object.
            if not _PERSONS.search(obj):
                continue
            unit = "人"
        if side == "before":
            ostart = text.rfind(obj, cs, q_first)
            qs, qe = (ostart if ostart >= 0 else q_first), q.end
        elif side == "after":
            qs, qe = q_first, text.find(obj, q.end, ce) + len(obj)
        elif side == "unit":
            qs, qe = q_first, q.end
        elif side == "previous-clause":
            qs, qe = prev_start, q.end
        else:
            qs, qe = q_first, q.end
        if side in ("before", "after"):
            base = obj
            if base.endswith(orules.change_verbs):  # one test before the loop
                for v in orules.change_verbs:
                    if base.endswith(v) and len(base) > len(v):
                        base = base[: -len(v)]
                        break
            last_object[sent.start] = (base, qs)
        value, value_max, distributive = q.value, q.value_max, ""
        n = _distributive_count(text[cs:q_first]) if q.unit in orules.after_units else 0
        if n > 1:
            # 在主城区和信义产业园区分别规划新建一所学校: one per place listed.
            value *= n
            value_max = value_max * n if value_max is not None else None
            distributive = f" distributive:{n}"
            d = text.rfind("分别", cs, q_first)
            qs = min(qs, d)
        par_start = _paragraph_start(years, sent.start)
        kind, kind_rule = _kind(text, sent, q, ce, section, krules, ctx.year, par_start,
                                paragraph_cues, scans)
        multi = _multi_year(scans, par_start, q.num_start)
        year, year_rule = _year(text, sent, q, kind, ctx, krules, years)
        base = (_BASE_YEAR.search(text, cs, q.num_start)
                if text.find("比", cs, q.num_start) >= 0 else None)
        if base and year is not None and int(base.group(1)) < year - 1:
            multi = True  # 比2002年增长65.5%: growth over several years
        plan_end = plan_sections.get(sent.paragraph)
        if plan_end and year_rule in ("doc", "review", "relative"):
            # Under a 十三五 heading a target or result covers the plan's five
            # years, dated by its last.
            year, year_rule, multi = plan_end, "plan-section", True
        os_, oe = nt.span(qs, qe)
        quote = original[os_:oe] if original is not None else text[qs:qe]
        loc, code, speaker = (ctx.locality_at(q.num_start) if ctx.locality_at
                              else (ctx.locality, ctx.locality_code, None))
        spans.append((sent.start, cs, q.num_start, q.end))
        records.append({
            "doc_id": ctx.doc_id,
            "locality": loc,
            "kind": kind,
            "year": year,
            "value": value,
            "value_max": value_max,
            "unit": unit,
            "qualifier": q.qualifier,
            "object": obj,
            "category": categorise(obj, text[qs:qe], crules),
            "quote": quote,
            "start": os_,
            "end": oe,
            "rule": f"{q.unit_rule} object:{side} kind:{kind_rule} year:{year_rule}"
                    f"{distributive}",
            "locality_code": code,
            "speaker": speaker,
            # A year worked out from the document's year (今年, 明年…) is as
            # sure as that year; a stated or plan year comes from the text.
            "year_source": (ctx.year_source if year_rule in ("doc", "review", "relative")
                            else "text"),
            "multi_year": multi,
        })
    _respectively(records, spans, text, orules, crules)
    return records


_RESPECTIVE_JOIN = regex.compile(r"^[和、及与]$")
_DIGIT_OR_PCT = regex.compile(r"[0-9%]")
_SUBJECT_START = regex.compile(r"[，,。；;：:（）()\n]", flags=regex.REVERSE)
_ITEM_SPLIT = regex.compile(r"和|、|及|与")


def _respectively(records: list[dict], spans: list[tuple[int, int, int, int]], text: str,
                  orules: ObjectRules, crules: CategoryRules) -> None:
    """Give each number of a 分别 list its own object, in place.

    化学需氧量、二氧化硫排放量分别下降3.14%和4.66%: n numbers joined by 和/、
    after 分别, and a subject of n items, pair in order.  A short first item
    that does not end like the last one shares the last one's tail (3+
    characters), cut where the first item's length ends (城镇和农村居民人均
    可支配收入 -> 城镇居民…, 农村居民…).  Nothing changes when the counts
    differ or another number stands between 分别 and the list.
    """
    i = 0
    while i < len(records):
        sent, _, num, _ = spans[i]
        j = i
        while (j + 1 < len(records) and spans[j + 1][0] == sent
               and _RESPECTIVE_JOIN.match(text[spans[j][3]:spans[j + 1][2]])):
            j += 1
        n = j - i + 1
        p = text.rfind("分别", sent, num)
        if n >= 2 and p >= 0:
            # The subject may run back over 、 (a clause mark elsewhere).
            start = _SUBJECT_START.search(text, sent, p)
            subject = orules.list_marker_re.sub("", text[start.end() if start else sent:p])
            while subject and (m := orules.leading_re.match(subject)):
                subject = subject[m.end():]
            verb = next((v for v in orules.change_verbs if text.startswith(v, p + 2)), "")
            if records[i]["unit"] not in ("%", "个百分点"):
                verb = ""
            items = [x for x in _ITEM_SPLIT.split(subject) if x]
            # 分别 must introduce these numbers: nothing numeric between.
            if len(items) == n and not _DIGIT_OR_PCT.search(text, p, num) and not \
                    _DIGIT_OR_PCT.search(subject):
                # An item already ending like the last one is complete
                # (化学需氧量、二氧化硫排放量); else it borrows the last one's tail.
                tail = items[-1][len(items[0]):]
                shared = (tail if len(items[0]) <= 4 and len(tail) >= 3
                          and items[0][-1] != items[-1][-1] else "")
                for k, r in enumerate(records[i:j + 1]):
                    obj = (items[k] if k == n - 1 else items[k] + shared) + verb
                    r["object"] = obj
                    r["category"] = categorise(obj, r["quote"], crules)
                    r["rule"] += f" respectively:{k + 1}/{n}"
        i = j + 1


def _multi_year(scans: _Scans, par_start: int, num_start: int) -> bool:
    """True when the number reports several years at once: the nearest
    period marker before it in its paragraph is a multi-year one (这五年…
    城镇新增就业5771万人; 年均增长7.1%) rather than a one-year one (过去一年,
    全年, 2023年)."""
    found = scans.period.last(par_start, num_start)
    return found is not None and found.lastgroup == "multi"


_DISTRIBUTIVE = regex.compile(r"(?:在|于|为|给)?([^，,。；;在于]{2,40}?)分别[^，,。；;]{0,8}$")


def _distributive_count(clause_before: str) -> int:
    """Number of places or items listed before 分别 in the clause (A和B分别…
    -> 2, A、B、C分别… -> 3), or 0 when there is no 分别."""
    m = _DISTRIBUTIVE.search(clause_before)
    if not m:
        return 0
    items = _LIST_SEP.split(m.group(1))
    return len([i for i in items if i])


class _YearIndex:
    """Every ``_YEAR`` match and paragraph start of a text, found once.

    :func:`_year` asks for the years between a paragraph's start and a
    sentence; scanning the paragraph again for every quantity is quadratic
    on a document that is one long paragraph (a 100 MB file on one line).
    """

    def __init__(self, text: str) -> None:
        # Start of every line: after each "\n" (a split is C-fast, a match per line is not).
        self.par_starts = list(itertools.accumulate(
            (len(line) + 1 for line in text.split("\n")), initial=0))[:-1]
        matches = list(_YEAR.finditer(text))
        self.starts = [m.start() for m in matches]
        self.ends = [m.end() for m in matches]
        self.years = [int(m.group(1)) for m in matches]

    def paragraph_start(self, offset: int) -> int:
        """Start of the paragraph holding ``offset`` (just after the last ``\\n``)."""
        return self.par_starts[bisect.bisect_right(self.par_starts, offset) - 1]

    def between(self, start: int, end: int) -> list[tuple[int, int]]:
        """``(year, match end)`` of the matches lying wholly inside ``[start, end)``."""
        lo, hi = bisect.bisect_left(self.starts, start), bisect.bisect_right(self.ends, end)
        return list(zip(self.years[lo:hi], self.ends[lo:hi], strict=True))


#: How far back a paragraph-level scan (cue words, period markers, the year a
#: review paragraph states) looks from a sentence.  Real paragraphs stay far
#: below it (the longest in the national reports has 1253 characters); a
#: document that is one huge paragraph (a 100 MB file on one line) would
#: otherwise make every quantity rescan everything before it.
PARAGRAPH_LOOKBACK = 5000


def _paragraph_start(index: _YearIndex, offset: int) -> int:
    """Start of the paragraph holding ``offset``, at most :data:`PARAGRAPH_LOOKBACK` back."""
    return max(index.paragraph_start(offset), offset - PARAGRAPH_LOOKBACK)



_PLEDGE_CUES = frozenset({"next", "this", "span", "plan"})
_ACHIEVEMENT_CUES = frozenset({"this", "last"})


def _year(text: str, sent: Sentence, q: Quantity, kind: str, ctx: DocContext,
          rules: KindRules, index: _YearIndex | None = None) -> tuple[int | None, str]:
    before = text[sent.start:q.num_start]
    # 五 and 年 are in every match of _PLAN and of the year patterns (see _kind).
    has_year = "年" in before
    plans = list(_PLAN.finditer(before)) if "五" in before else ()
    if plans:
        return plan_end_year(plans[-1].group(1)), "plan"
    if kind == "pledge":
        targets = list(_TARGET_YEAR.finditer(text, sent.start, q.num_start)) if has_year else ()
        if targets:
            return int(targets[-1].group(1)), "target"
        rel = relative_year(before, ctx.year, _PLEDGE_CUES)
        if rel is not None:
            return rel[0], "plan" if rel[2] == "plan" else "relative"
        return ctx.year, "doc"
    # An achievement cannot be dated after the year the text speaks in
    # (到2030年 in a review sentence is a horizon, not the year achieved).
    latest = ctx.year if ctx.year is not None else 9999
    years = [int(m.group(1)) for m in _YEAR.finditer(before)
             if int(m.group(1)) <= latest] if has_year else []
    if years:
        return years[-1], "sentence"
    # A review paragraph often states its year once at the top (2023年，城西区…).
    index = index or _YearIndex(text)
    par_start = _paragraph_start(index, sent.start)
    stated = [(y, end) for y, end in index.between(par_start, sent.start) if y <= latest]
    if stated:
        # …2011年，是开局之年。过去一年，…: a relative cue after the stated
        # year is nearer and wins.
        rel = relative_year(text[stated[-1][1]:sent.start], ctx.year, _ACHIEVEMENT_CUES)
        if rel is not None:
            return rel[0], "relative"
        return stated[-1][0], "paragraph"
    rel = relative_year(before, ctx.year, _ACHIEVEMENT_CUES)
    if rel is not None:
        return rel[0], "relative"
    return (ctx.review_year if ctx.review_year is not None else ctx.year), "review"
