"""Merged-pattern prefilters (exclusions, quote filters) give the same answers
as running each rule on its own."""

from __future__ import annotations

import regex

from tests.conftest import normalised_seed_texts
from tracker import ruleguard
from tracker.quantities import _excluded, load_quantity_rules
from tracker.slogans import _reject_reason, load_slogan_rules

TEXTS = normalised_seed_texts()
# A recorded timeout of an unrelated rule makes every caller take the rule by
# rule path (ruleguard.pristine() is False), without skipping any real rule.
_DUMMY = ruleguard.RuleRef("none.toml", None, "dummy")


def _rule_by_rule(fn, *args):
    with ruleguard.collecting() as c:
        c.timeouts[_DUMMY] = ruleguard.RuleTimeout(_DUMMY, None, 1.0)
        return fn(*args)


def test_merged_matches_iff_one_pattern_does() -> None:
    pats = [regex.compile(p) for p in ("第$", "^(?:措施|方面)", "(?<!新建)$")]
    m = ruleguard.merged(pats)
    assert m is not None
    for s in ("第", "措施很多", "新建", "abc", ""):
        assert (m.search(s) is not None) == any(p.search(s) for p in pats), s


def test_merged_refuses_groups_and_inline_flags() -> None:
    assert ruleguard.merged([regex.compile("(a)\\1"), regex.compile("b")]) is None
    assert ruleguard.merged([regex.compile("(?i)a"), regex.compile("b")]) is None
    assert ruleguard.merged([]) is None


def test_exclusions_same_with_and_without_prefilters() -> None:
    rules = load_quantity_rules()
    units = sorted({u.unit for u in rules.units} | {"%", ""})
    checked = 0
    for text in TEXTS:
        for m in rules.anchor.finditer(text):
            num = m.group("pnum") or m.group("num")
            start = m.start("pnum") if m.group("pct") else m.start("num")
            for unit in (units[checked % len(units)], "个"):
                args = (text, start, m.end(), num, unit, rules)
                assert _excluded(*args) == _rule_by_rule(_excluded, *args), text[start:m.end()]
            checked += 1
    assert checked > 40


def test_quote_filters_same_with_and_without_prefilters() -> None:
    rules = load_slogan_rules()
    checked = 0
    for text in TEXTS:
        for qre in rules.quote_res:
            for m in qre.finditer(text):
                args = (text, m.start(), m.group(1), rules)
                assert _reject_reason(*args) == _rule_by_rule(_reject_reason, *args)
                checked += 1
    assert checked > 50


def test_category_memo_gives_the_uncached_answer() -> None:
    from tracker.commitments import _category_of, categorise, load_category_rules

    rules = load_category_rules()
    pairs = [("国内生产总值增长", "国内生产总值增长6.5%左右"), ("新建", "新建6个社区养老服务中心"),
             ("新建", "新建3所学校"), ("", "城镇新增就业1100万人以上"), ("项目", "实施100个项目")]
    for _ in range(2):  # the second round answers from the memo
        for obj, quote in pairs:
            want = _category_of(obj, rules) or _category_of(quote, rules) or "other"
            assert categorise(obj, quote, rules) == want, (obj, quote)
    assert categorise("新建", "新建6个社区养老服务中心", rules) != categorise(
        "新建", "新建3所学校", rules)


def test_window_scans_equal_a_scan_of_each_window() -> None:
    import random

    from tracker.commitments import (
        _PAST_YEAR,
        _paragraph_start,
        _WindowScans,
        _YearIndex,
        load_kind_rules,
    )

    rules = load_kind_rules()
    anchor = load_quantity_rules().anchor
    rng = random.Random(5)
    # The seeds as written, and as one long paragraph each (a page scraped
    # without line breaks), where windows start mid-paragraph.
    texts = TEXTS + ["".join(t.split("\n")) for t in TEXTS]
    checked = straddled = 0
    for text in texts:
        years = _YearIndex(text)
        for pattern, reach in ((rules.strong, rules.strong_reach),
                               (rules.period, rules.period_reach), (_PAST_YEAR, 8)):
            scans = _WindowScans(text, pattern, reach, years.par_starts)
            windows = []
            for m in anchor.finditer(text):
                upto = m.start("pnum") if m.group("pct") else m.start("num")
                windows.append((_paragraph_start(years, upto), upto))
            for _ in range(300):  # any start and end within a paragraph
                upto = rng.randrange(len(text) + 1)
                par = years.paragraph_start(upto)
                windows.append((rng.randint(max(par, upto - 6000), upto), upto))
            whole = {p: list(pattern.finditer(text, p)) for p in set(years.par_starts)}
            # Windows ending inside and right after each match (where a scan
            # stopped short decides differently: 已 of 已经, 将 before 近).
            for matches in whole.values():
                for x in matches[:40]:
                    par = years.paragraph_start(x.start())
                    windows += [(par, e) for e in range(x.start() + 1, x.end() + 2)]
            windows.sort(key=lambda w: w[1])  # as a document's numbers ask
            for start, upto in windows:
                got = [(x.span(), x.group()) for x in scans.finditer(start, upto)]
                assert got == [(x.span(), x.group())
                               for x in pattern.finditer(text, start, upto)], (start, upto)
                par = years.paragraph_start(start)
                straddled += any(x.start() < start < x.end() for x in whole[par])
                checked += 1
    assert checked > 2000 and straddled > 10


def test_literal_prefilters_never_hide_a_match() -> None:
    from tracker.literals import literal_prefilter
    from tracker.quantities import _plan

    rules = load_quantity_rules()
    skipped = 0
    for unit in ("元", "个", "%", "人"):
        plan = _plan(rules, unit)
        for merged, lit in ((plan.any_before, plan.lit_before), (plan.any_after, plan.lit_after)):
            assert merged is not None and lit is not None
            assert lit.pattern == literal_prefilter(merged.pattern, merged.flags).pattern
            for text in TEXTS:
                for m in rules.anchor.finditer(text):
                    s = m.start("pnum") if m.group("pct") else m.start("num")
                    for window in (text[max(0, s - 12):s], text[m.end():m.end() + 24]):
                        if lit.search(window) is None:
                            assert merged.search(window) is None, window
                            skipped += 1
    assert skipped > 100


def test_not_after_rules_answered_by_endswith() -> None:
    import random

    from tracker.quantities import _not_after_words

    rules = load_quantity_rules()
    shaped = [ex.before for ex in rules.exclusions if ex.before and _not_after_words(ex.before)]
    assert len(shaped) >= 2  # article-one, abstract-count
    assert _not_after_words(regex.compile("第$")) is None
    assert _not_after_words(regex.compile("(?<!a.b)$")) is None
    assert _not_after_words(regex.compile("(?i)(?<!ab)$")) is None
    rng = random.Random(7)
    pieces = ["新建", "建", "中心", "所", "园区", "完成了", "一", "\n", " ", "个", "增"]
    windows = ["", "\n"] + ["".join(rng.choice(pieces) for _ in range(rng.randint(1, 6)))
                            for _ in range(3000)]
    for pattern in shaped:
        words = _not_after_words(pattern)
        for w in windows:
            assert (pattern.search(w) is not None) == (not w.endswith(words)), (pattern, w)


def test_starts_with_rules_answered_by_startswith() -> None:
    import random

    from tracker.quantities import _plan, _starts_with_words

    rules = load_quantity_rules()
    shaped = [ex.after for ex in rules.exclusions if ex.after and _starts_with_words(ex.after)]
    assert len(shaped) >= 3  # talking-points, set-phrase, named-thing…
    assert _starts_with_words(regex.compile("^(?:a|b.)")) is None
    assert _starts_with_words(regex.compile("(?:措施|举措)")) is None
    assert _starts_with_words(regex.compile("^口")) == ("口",)
    rng = random.Random(11)
    pieces = ["措施", "举", "工作", "口", "会议", "全会", "楼", "\n", " ", "的", "项目", "号"]
    windows = [""] + ["".join(rng.choice(pieces) for _ in range(rng.randint(1, 8)))
                      for _ in range(3000)]
    for pattern in shaped:
        words = _starts_with_words(pattern)
        for w in windows:
            assert (pattern.search(w) is not None) == w.startswith(words), (pattern, w)
    plan = _plan(rules, "个")
    assert plan.after_words is not None and plan.any_after is not None
    for w in windows:
        assert (plan.any_after.search(w) is not None) == w.startswith(plan.after_words), w


def test_ends_with_rules_answered_by_string_tests() -> None:
    import random

    from tracker.quantities import _ends_with, _ends_with_words, _plan

    rules = load_quantity_rules()
    shaped = [ex.before for ex in rules.exclusions if ex.before and _ends_with_words(ex.before)]
    assert len(shaped) >= 2  # ordinal, per-unit-rate
    assert _ends_with_words(regex.compile("(?<!第)$")) is None
    assert _ends_with_words(regex.compile("(?:于|在)$")) == ("于", "在")
    rng = random.Random(5)
    pieces = ["第", "每", "于", "在", "\n", " ", "年", "从", "项", "第\n"]
    windows = ["", "\n"] + ["".join(rng.choice(pieces) for _ in range(rng.randint(1, 8)))
                            for _ in range(3000)]
    for pattern in [*shaped, regex.compile("(?:于|在)$")]:
        words = _ends_with_words(pattern)
        for w in windows:
            assert (pattern.search(w) is not None) == _ends_with(w, words), (pattern, w)
    # The plan's split prefilter answers as the merged pattern of every rule.
    plan = _plan(rules, "个")
    every = regex.compile("|".join(f"(?:{ex.before.pattern})" for ex in plan.rules
                                   if ex.before and not ex.numeral))
    for w in windows:
        split = _ends_with(w, plan.before_words) or plan.any_before.search(w) is not None
        assert split == (every.search(w) is not None), w


def test_qualifier_shortcuts_agree_with_their_patterns() -> None:
    import random

    from tracker.quantities import _qualifier_before

    rules = load_quantity_rules()
    rng = random.Random(2)
    pieces = ["超过", "约", "达到以上", "控制在以内", "在", "了", "\n", "将近", "以上", "左右",
              "多", "余", "5", "个", "年", "增长", "，"]
    for _ in range(4000):
        text = "".join(rng.choice(pieces) for _ in range(rng.randint(0, 8)))
        for start in range(len(text) + 1):
            m = rules.before_re.search(text, max(0, start - 7), start)
            want = (None, start) if m is None else (
                rules.before_words_map[m.group("w")], m.start())
            assert _qualifier_before(text, start, rules) == want, (text, start)
            quick = (rules.after_re.match(text, start)
                     if text[start:start + 1] in rules.after_starts else None)
            full = rules.after_re.match(text, start)
            assert (quick and quick.group()) == (full and full.group()), (text, start)


def test_relative_years_need_nian_or_wu() -> None:
    import random

    from tracker.years import _RELATIVE, relative_year

    rng = random.Random(4)
    pieces = ["明", "下一", "来", "今", "本", "当", "去", "上", "过去一", "今后", "未来", "三",
              "十四", "规划", "期间", "末", "“", "”", "比", "2", "全", "的"]
    found = 0
    for _ in range(20000):
        text = "".join(rng.choice(pieces) for _ in range(rng.randint(0, 8)))
        assert _RELATIVE.search(text) is None  # no 年 and no 五: nothing to find
        found += _RELATIVE.search(text + "年") is not None
    assert found > 1000  # the same pieces do form expressions once 年 is there
    assert relative_year("十四五期间", 2021) == (2025, "十四五期间", "plan")
    assert relative_year("明年", 2021) == (2022, "明年", "next")


def test_section_of_as_by_word_positions() -> None:
    import random

    from tracker.commitments import _section_of, load_kind_rules

    rules = load_kind_rules()
    words = [*rules.achievement_sections, *rules.pledge_sections]
    rng = random.Random(9)
    for _ in range(3000):
        head = "".join(rng.choice([*words, "的", "工作", "一、", "，", "年"])
                       for _ in range(rng.randint(0, 4)))[:40]
        a = min((head.find(w) for w in rules.achievement_sections if w in head), default=-1)
        p = min((head.find(w) for w in rules.pledge_sections if w in head), default=-1)
        want = (None if a < 0 and p < 0 else
                "achievement" if p < 0 or (0 <= a < p) else "pledge")
        assert _section_of(head, rules) == want, head
