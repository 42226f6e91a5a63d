"""The shortcuts inside find_slogans give the answers of the plain computation:
the literal prefilter of [[numbered]] rules, the on-demand covered offsets and
the compound-start pattern."""

from __future__ import annotations

import random
from pathlib import Path

import regex

from tracker import ruleguard
from tracker.literals import required_literals
from tracker.normalize import normalise
from tracker.slogans import (
    _compounds,
    _Covered,
    _may_match,
    find_slogans,
    load_slogan_rules,
)

SEEDS = Path(__file__).resolve().parent.parent / "seeds"
TEXTS = [normalise(p.read_text(encoding="utf-8")).text for p in sorted(SEEDS.glob("*.txt"))]
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


def test_required_literals_are_in_every_match() -> None:
    rng = random.Random(7)
    checked = 0
    for _ in range(3000):
        p = _random_pattern(rng)
        try:
            pat = regex.compile(p)
        except regex.error:
            continue
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
    for text in TEXTS:
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
