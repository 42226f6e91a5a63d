"""The shortcuts inside find_slogans give the answers of the plain computation:
the literal prefilter of [[numbered]] rules, running them only in windows
around their required strings, the on-demand covered offsets and the
compound-start pattern."""

from __future__ import annotations

import random
from collections.abc import Iterator

import regex

from tests.conftest import normalised_seed_texts
from tracker import ruleguard
from tracker.literals import match_windows, required_literals
from tracker.rules import PLAIN_FLAGS
from tracker.slogans import (
    _compounds,
    _Covered,
    _may_match,
    _window_matches,
    find_slogans,
    load_slogan_rules,
)

TEXTS = normalised_seed_texts()
# The robustness tests' catastrophic pattern (tests/test_robustness.py).
EVIL = r"(?:.|.|.)*(?:.|.|.)*[@#]"


def _lits(pattern: str) -> frozenset[str] | None:
    return required_literals(pattern, regex.compile(pattern).flags)


def test_required_literals_of_plain_patterns() -> None:
    assert _lits("abc") == {"abc"}
    assert _lits("(?P<s>[二三]大)") == {"二大", "三大"}
    assert _lits(r"\p{Han}{0,4}?(?:圈|环)") == {"圈", "环"}
    assert _lits("(?<![一二])x(?=y)") == {"x"}
    assert _lits("ab?c") == {"abc", "ac"}
    assert _lits("[^a]bc") == {"bc"}


def test_required_literals_give_up_where_unsure_or_slow() -> None:
    # Unbounded or repeated-group patterns may hit the time limit: they must
    # always run, so that the timeout is recorded.
    for p in (EVIL, ".*.*[@#]", "a+b", "a{3,}b", "(ab){2}c", "x.{1,300}y"):
        assert _lits(p) is None, p
    # Syntax the analysis does not read: flags, backreferences, \K, named lists.
    for p in ("(?i)abc", r"(a)\1b", r"a\Kb", r"(?>ab)c", "a|", "a{0,3}"):
        assert _lits(p) is None, p


def _random_pattern(rng: random.Random, depth: int = 0) -> str:
    parts = []
    for _ in range(rng.randint(1, 4)):
        k = rng.random()
        if k < 0.35:
            atom = rng.choice("abcd")
        elif k < 0.5:
            atom = rng.choice(["[ab]", "[^a]", "[b-d]", ".", r"\w", r"\d"])
        elif k < 0.6:
            atom = rng.choice(["(?=a)", "(?!b)", "(?<=c)", "(?<!d)", r"\b", "^", "$"])
        elif depth < 2:
            inner = "|".join(_random_pattern(rng, depth + 1) for _ in range(rng.randint(1, 3)))
            atom = rng.choice(["(?:", "(", f"(?P<g{rng.randint(0, 99)}>"]) + inner + ")"
        else:
            atom = "a"
        q = rng.random()
        if q < 0.15:
            atom += "?"
        elif q < 0.25 and not atom.endswith(")"):
            atom += rng.choice(["{2}", "{0,2}", "{1,3}?", "{2,3}"])
        elif q < 0.3:
            atom += "*"
        parts.append(atom)
    return "".join(parts)


def _random_patterns(rng: random.Random, n: int) -> Iterator[tuple[str, regex.Pattern[str]]]:
    """Of ``n`` random patterns, each that compiles, with its compiled form."""
    for _ in range(n):
        p = _random_pattern(rng)
        try:
            yield p, regex.compile(p)
        except regex.error:
            continue


def test_required_literals_are_in_every_match() -> None:
    rng = random.Random(7)
    checked = 0
    for p, pat in _random_patterns(rng, 3000):
        lits = _lits(p)
        if lits is None:
            continue
        text = "".join(rng.choice("abcd1 ") for _ in range(60))
        for m in pat.finditer(text, overlapped=True):
            assert any(x in m.group() for x in lits), (p, text, m.group(), lits)
        assert _may_match(pat, text, {}) or pat.search(text) is None, (p, text)
        checked += 1
    assert checked > 1000


def test_numbered_rules_never_skipped_where_they_match() -> None:
    rules = load_slogan_rules()
    for text in TEXTS:
        for rule in rules.numbered:
            if rule.pattern is not None and not _may_match(rule.pattern, text, {}):
                assert rule.pattern.search(text) is None, rule.name


def test_covered_on_demand_equals_the_full_scan() -> None:
    rules = load_slogan_rules()
    for text in TEXTS + ["一心一意，一体化，统一一批"]:
        full: set[int] = set()
        for m in rules.ordinary_re.finditer(text, overlapped=True):
            full.update(range(m.start(), m.end()))
        lazy = _Covered(text, rules)
        assert {p for p in range(-2, len(text) + 2) if p in lazy} == full


def test_compounds_same_as_trying_every_numeral() -> None:
    from tracker.slogans import _compound_at

    rules = load_slogan_rules()
    nums = rules.cn_numerals
    # Numerals after 第, digits and numerals, before measure words, at the
    # ends of the text, and two-character numerals.
    extra = ["一城四区第一城四区3一城四区五一城四区两个中心两园两地一年两地一老一小",
             "十二城四区，二十园两地，一一城四区、一个城四区\n一城\n四区一城四区", "两园两地",
             "一是一城四区，进一步一体化发展，一心一意，四为四高两同步，三去一降一补"]
    for text in TEXTS + extra:
        covered = _Covered(text, rules)
        want = []
        skip_to = 0
        for i, ch in enumerate(text):
            if ch not in nums or i < skip_to or i in covered:
                continue
            prev = text[i - 1] if i else ""
            if not (prev in nums or prev.isdigit() or prev in "第百千万亿"):
                s, e = _compound_at(text, i, rules, covered)
                if e:
                    want.append((s, e))
                    skip_to = e
        assert _compounds(text, rules, covered) == want


def test_a_document_with_a_timeout_runs_every_numbered_rule() -> None:
    # Once a rule has timed out in a document, no rule is skipped by the
    # prefilter (ruleguard counts the skips of a timed-out rule).
    dummy = ruleguard.RuleRef("none.toml", None, "dummy")
    text = TEXTS[0]
    with ruleguard.collecting() as c:
        c.timeouts[dummy] = ruleguard.RuleTimeout(dummy, None, 1.0)
        slow = find_slogans(text)
    assert slow == find_slogans(text)


def _spans(matches: list[regex.Match[str]]) -> list[tuple[int, int, tuple[int, int]]]:
    return [(m.start(), m.end(), m.span("s") if "s" in m.re.groupindex else m.span())
            for m in matches]


def test_regex_sees_before_pos_but_not_after_endpos() -> None:
    # What _window_matches relies on: a search from pos still reads the text
    # before it (lookbehinds), while endpos cuts the text (lookaheads).
    assert regex.compile("(?<=a)b").search("ab", 1) is not None
    assert regex.compile("(?<!a)b").search("ab", 1) is None
    assert regex.compile("b(?!c)").search("abc", 0, 2) is not None


def test_match_windows_bounds_and_give_ups() -> None:
    w = match_windows("(?<![一二])(?P<s>[三五]大\\p{Han}{0,2}?(?:战|工程))(?!战)", PLAIN_FLAGS)
    assert w is not None and (w.width, w.reach) == (6, 7)
    assert [f.pattern for f in w.finders] == ["大(?:(?<=[三五]大))"]
    for p in ("^ab", "ab$", r"\bab", r"a\Xb", r"\Gab", EVIL, "a+b", "(?i)ab"):
        assert match_windows(p, regex.compile(p).flags) is None, p


def test_windows_give_the_matches_of_the_whole_text() -> None:
    rng = random.Random(11)
    ref = ruleguard.RuleRef("none.toml", None, "random")
    checked = 0
    for p, pat in _random_patterns(rng, 4000):
        plan = match_windows(p, pat.flags)
        if plan is None:
            continue
        for size in (5, 60, 400):
            text = "".join(rng.choice("abcd1 ") for _ in range(size))
            got = _window_matches(pat, text, ref, plan)
            assert _spans(got) == _spans(list(pat.finditer(text))), (p, text)
        checked += 1
    assert checked > 1000


def test_numbered_rules_in_windows_as_on_the_whole_text() -> None:
    rules = load_slogan_rules()
    samples = [
        "坚决打好三大攻坚战，三大攻坚战，十三大以来，新建两个中心，增强四个意识四个自信",
        "实现双碳目标双循环双轮驱动两轮驱动，十四五规划十三五时期，12+N，1+X，3+2=5",
        "最后一公里最后一米，一二三产融合一二三产业融合，百日攻坚战千日行动，15分钟健身圈",
    ]
    checked = 0
    for text in TEXTS + samples + ["".join(samples) * 3]:
        for rule in rules.numbered:
            if rule.pattern is None:
                continue
            plan = match_windows(rule.pattern.pattern, rule.pattern.flags, rules.numerals)
            if plan is None:
                continue
            ref = ruleguard.RuleRef("slogans.toml", rule.line, rule.name)
            got = _window_matches(rule.pattern, text, ref, plan)
            assert _spans(got) == _spans(list(rule.pattern.finditer(text))), rule.name
            checked += 1
    assert checked > 50
