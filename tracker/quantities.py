"""Quantity mentions: number + unit + qualifier, found in normalised text.

The hot path is one scan with one compiled pattern for *number anchors* (a
numeral followed by a unit from ``rules/units.toml``); everything else —
qualifier, range, exclusions — is decided by looking a few characters around
each anchor, never by running every rule over every sentence.

A :class:`Quantity` follows the quantulum3/CQE model: value, unit, surface,
span and uncertainty (``qualifier``, ``value_max``).
"""

from __future__ import annotations

import functools
import operator
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import NamedTuple

import regex

from tracker import ruleguard
from tracker.literals import literal_prefilter
from tracker.numbers import NumberError, parse_number
from tracker.rules import PLAIN_FLAGS, RuleError, compile_pattern, read_rule_file, string_list

QUALIFIERS = ("exact", "about", "at_least", "at_most", "nearly", "range")

# Thousands separators (28,049,780 or ２８，０４９，７８０) only with exactly three
# digits after each separator, so a clause comma between numbers is not read
# as one.
# Repeats are bounded far above any real number (64 digits, 32 numeral
# characters): the engine retries a number at every position of a run of
# digits, and an unbounded run made a page of 20,000 digits take minutes.
_AR = r"\d{1,3}(?:[,，]\d{3}){1,21}(?!\d)(?:\.\d{1,64})?|\d{1,64}(?:\.\d{1,64})?"
_CN = r"[零〇一二两三四五六七八九十百千万亿]{1,32}(?:点[零〇一二三四五六七八九]{1,32})?"
_NUM = rf"(?:{_AR}|{_CN})"
_DIGIT_CHARS = frozenset("0123456789一二两三四五六七八九")
_RANGE_SEP = r"(?:-|–|—|~|～|至|到)"
# The anchor's groups find_quantities reads for every number, in this order.
ANCHOR_FIELDS = ("unit", "pct", "imp", "mag", "pnum", "num", "inside", "inside2", "num2")
_BARE = frozenset(("十", "百", "千", "万", "百万", "千万", "亿"))
_ADJACENT = regex.compile(
    r"(一(?=二)|二(?=三)|三(?=四)|四(?=五)|五(?=六)|六(?=七)|七(?=八)|八(?=九))([二三四五六七八九])"
)


@dataclass(frozen=True)
class Unit:
    """One ``[[unit]]`` of ``rules/units.toml``: spellings -> unit and factor."""

    surfaces: tuple[str, ...]
    unit: str
    factor: float
    object: str | None
    examples: tuple[str, ...]
    counter_examples: tuple[str, ...]
    line: int | None


@dataclass(frozen=True)
class QualifierRule:
    """One ``[[qualifier]]`` of ``rules/qualifiers.toml``."""

    qualifier: str
    before: tuple[str, ...]
    after: tuple[str, ...]
    inside: tuple[str, ...]
    vague: tuple[str, ...]
    examples: tuple[str, ...]
    line: int | None


@dataclass(frozen=True)
class Exclusion:
    """One ``[[exclusion]]`` of ``rules/exclusions.toml``."""

    name: str
    before: regex.Pattern[str] | None
    after: regex.Pattern[str] | None
    numeral: regex.Pattern[str] | None
    units: frozenset[str]
    examples: tuple[str, ...]
    counter_examples: tuple[str, ...]
    line: int | None


class Quantity(NamedTuple):
    """A number with its unit, as found in normalised text.

    Fields: ``value`` (float, in ``unit``; magnitudes folded in: 5.97亿元 ->
    597000000.0 元), ``value_max`` (high end of a range, else None), ``unit``
    (normalised: 元, %, 人, 个…), ``qualifier`` (one of :data:`QUALIFIERS`),
    ``unit`` is "" for a bare 万/亿 number (1000万以上) whose unit the
    object must supply.  ``start``/``end`` (normalised offsets of the number
    through its unit and
    any qualifier word), ``num_start`` (where the numeral begins), ``surface``
    (the matched text), ``unit_rule`` (the unit's line in units.toml).
    Immutable; a named tuple because one is built for every number in a
    corpus (a frozen dataclass costs five times as much to build).
    """

    value: float
    value_max: float | None
    unit: str
    qualifier: str
    start: int
    end: int
    num_start: int
    unit_end: int
    surface: str
    numeral: str
    unit_surface: str
    unit_rule: str


@dataclass(frozen=True)
class QuantityRules:
    """Compiled quantity rules: units, qualifiers, exclusions and the anchor pattern."""

    units: tuple[Unit, ...]
    by_surface: dict[str, Unit]
    qualifiers: tuple[QualifierRule, ...]
    exclusions: tuple[Exclusion, ...]
    anchor: regex.Pattern[str]
    before_words: tuple[tuple[str, str], ...]
    after_words: tuple[tuple[str, str], ...]
    inside_words: dict[str, str]
    vague_words: dict[str, str]
    before_re: regex.Pattern[str]
    before_words_map: dict[str, str]
    after_re: regex.Pattern[str]
    after_words_map: dict[str, str]
    # Characters a qualifier before a number can end with (a word's last
    # character or a linking 在/为/到…), and those a qualifier after a unit
    # starts with: a number whose neighbour is none of them skips the search.
    before_ends: frozenset[str] = frozenset()
    after_starts: frozenset[str] = frozenset()
    # ``anchor_fields(m.groups())`` -> the groups named in ANCHOR_FIELDS, in
    # that order: the regex module looks a group name up far slower (about
    # 0.3 µs a name) than it hands over all groups as one tuple.
    anchor_fields: Callable[[tuple], tuple] = tuple


def _examples(rf, entry, key: str, what: str) -> tuple[str, ...]:
    return string_list(rf, entry.get(key, []), f"{what}.{key}")


@functools.lru_cache(maxsize=8)
def load_quantity_rules(directory: Path | str | None = None) -> QuantityRules:
    """Load ``units.toml``, ``qualifiers.toml`` and ``exclusions.toml``.

    Raises :class:`tracker.rules.RuleError` (file, line, reason) on any
    invalid entry: a missing field, an unknown qualifier, a bad regex.
    """
    uf = read_rule_file(
        "units.toml",
        {"unit": {"surface", "unit", "factor", "object", "examples", "counter_examples"}},
        directory=directory,
    )
    units = []
    for i, e in enumerate(uf.data.get("unit", [])):
        if "surface" not in e or "unit" not in e:
            raise uf.error(f"unit #{i + 1} needs `surface` and `unit`")
        surfaces = string_list(uf, e["surface"], "unit.surface")
        if not surfaces or not all(surfaces):
            raise uf.error(f"unit {e['unit']!r}: surface must list at least one non-empty "
                           "spelling", f"{e['unit']}")
        factor = e.get("factor", 1)
        if not isinstance(factor, int | float) or factor <= 0:
            raise uf.error(f"unit {e['unit']!r}: factor must be a positive number", "factor")
        units.append(Unit(surfaces, str(e["unit"]), float(factor), e.get("object"),
                          _examples(uf, e, "examples", "unit"),
                          _examples(uf, e, "counter_examples", "unit"),
                          uf.line(f'"{surfaces[0]}"')))
    by_surface = {s: u for u in units for s in u.surfaces}

    qf = read_rule_file(
        "qualifiers.toml",
        {"qualifier": {"qualifier", "before", "after", "inside", "vague", "examples"}},
        directory=directory,
    )
    quals = []
    for e in qf.data.get("qualifier", []):
        q = e.get("qualifier")
        if q not in QUALIFIERS:
            raise qf.error(f"qualifier must be one of {', '.join(QUALIFIERS)}, got {q!r}", str(q))
        quals.append(QualifierRule(q, string_list(qf, e.get("before", []), "before"),
                                   string_list(qf, e.get("after", []), "after"),
                                   string_list(qf, e.get("inside", []), "inside"),
                                   string_list(qf, e.get("vague", []), "vague"),
                                   _examples(qf, e, "examples", "qualifier"),
                                   qf.line(f'"{q}"')))

    xf = read_rule_file(
        "exclusions.toml",
        {"exclusion": {"name", "before", "after", "numeral", "units", "examples",
                       "counter_examples"}},
        directory=directory,
    )
    excl = []
    for e in xf.data.get("exclusion", []):
        name = e.get("name")
        if not name:
            raise xf.error("each exclusion needs a `name`")
        pats = {k: compile_pattern(xf, e[k], f"exclusion {name!r} {k}") if k in e else None
                for k in ("before", "after", "numeral")}
        if not any(pats.values()):
            raise xf.error(f"exclusion {name!r} needs `before`, `after` or `numeral`", name)
        excl.append(Exclusion(name, pats["before"], pats["after"], pats["numeral"],
                              frozenset(string_list(xf, e.get("units", []), f"{name}.units")),
                              _examples(xf, e, "examples", "exclusion"),
                              _examples(xf, e, "counter_examples", "exclusion"),
                              xf.line(f'"{name}"')))
    if not units:
        raise RuleError(uf.path, "no units defined")

    unit_alt = "|".join(regex.escape(s) for s in sorted(by_surface, key=len, reverse=True))
    inside = sorted({w for q in quals for w in q.inside}, key=len, reverse=True)
    inside_alt = "|".join(regex.escape(w) for w in inside) or "(?!)"
    # The unit is part of the pattern, so the C regex engine rejects the
    # many numerals with no unit (一体化, 2021年) without a Python step; the
    # only unit-less anchors are 百分之N and a bare 万/亿 after digits
    # (1000万以上), whose unit the object supplies.
    anchor = regex.compile(
        rf"(?P<pct>百分之)(?P<pnum>{_NUM})"
        rf"|(?P<num>{_NUM})"
        rf"(?:(?P<unit0>%|{unit_alt})?{_RANGE_SEP}(?P<num2>{_NUM}))?"
        rf"(?P<inside>{inside_alt})?(?P<mag>(?:[十百千万亿](?![瓦克米])){{0,8}})(?P<inside2>{inside_alt})?"
        rf"(?:(?P<unit>{unit_alt})|(?P<imp>(?<=[0-9][万亿]|[0-9][多余][万亿]|[0-9][万亿][多余])))"
    )
    before_words = tuple(sorted(((w, q.qualifier) for q in quals for w in q.before),
                                key=lambda x: -len(x[0])))
    after_words = tuple(sorted(((w, q.qualifier) for q in quals for w in q.after),
                               key=lambda x: -len(x[0])))
    inside_words = {w: q.qualifier for q in quals for w in q.inside}
    vague_words = {w: q.qualifier for q in quals for w in q.vague}
    # Longest words first: a regex alternation tries alternatives in order.
    link_alt = "|".join(_LINK)
    before_re = regex.compile(
        rf"(?P<w>{'|'.join(regex.escape(w) for w, _ in before_words) or '(?!)'})"
        rf"(?:{link_alt})?$")
    after_re = regex.compile("|".join(regex.escape(w) for w, _ in after_words) or "(?!)")
    return QuantityRules(tuple(units), by_surface, tuple(quals), tuple(excl), anchor,
                         before_words, after_words, inside_words, vague_words,
                         before_re, dict(before_words), after_re, dict(after_words),
                         frozenset(w[-1] for w, _ in before_words if w) | frozenset(_LINK),
                         frozenset(w[0] for w, _ in after_words if w),
                         operator.itemgetter(*(anchor.groupindex[n] - 1 for n in ANCHOR_FIELDS)))


# Words that may stand between a qualifier word and the number (控制在3.5%以内,
# 超过了, 达到) without breaking the link.
_LINK = ("在", "为", "到", "了", "至", "达", "有")


def _qualifier_before(text: str, start: int, rules: QuantityRules) -> tuple[str | None, int]:
    """Qualifier word right before a number (近万人, 控制在以内 … 超过了): the
    word, optionally followed by one linking character, ending at ``start``."""
    # The match ends at ``start``, or just before a line break there ($).
    last = text[start - 1] if start else ""
    if last not in rules.before_ends and last != "\n":
        return None, start
    m = rules.before_re.search(text, max(0, start - 7), start)
    if m is None:
        return None, start
    return rules.before_words_map[m.group(1)], m.start()  # group 1 is (?P<w>…)


_REFS: dict[tuple[int, str], ruleguard.RuleRef] = {}


def _ref(ex: Exclusion, field: str) -> ruleguard.RuleRef:
    # Keyed by identity: hashing the whole rule on every number cost more
    # than the match.  Rules live for the process (load_quantity_rules caches).
    key = (id(ex), field)
    ref = _REFS.get(key)
    if ref is None:
        ref = _REFS[key] = ruleguard.RuleRef("exclusions.toml", ex.line,
                                             f"exclusion {ex.name!r} {field}")
    return ref


@dataclass(frozen=True)
class _UnitExclusions:
    """The exclusions that apply to one unit, in file order, and prefilters:
    ``any_before``/``any_after`` match iff the ``before``/``after`` of some
    rule without a ``numeral`` does, so one search usually shows that no such
    rule's context matches.

    ``quick`` says whether :func:`_quick_reject` may decide for this unit:
    every rule without a ``numeral`` has a ``before`` or ``after``, and the
    prefilters it needs exist.  ``gated`` are the rules with a ``numeral``;
    ``after_only`` whether some rule without one has an ``after`` but no
    ``before``.  ``numeral_hits`` remembers, per numeral, whether some gated
    rule's ``numeral`` matches it (numerals repeat: 一, 3, 两)."""

    rules: tuple[Exclusion, ...]
    any_before: regex.Pattern[str] | None
    any_after: regex.Pattern[str] | None
    quick: bool = False
    gated: tuple[Exclusion, ...] = ()
    after_only: bool = False
    any_numeral: regex.Pattern[str] | None = None
    numeral_hits: dict[str, bool] = field(default_factory=dict, compare=False)
    # Literal prefilters of the prefilters (tracker.literals): a stdlib search
    # for the strings a match must contain, far cheaper than a timed probe
    # and enough for most windows (a before window holds 第/从/每 about one
    # time in ten).  None: no such strings known, always probe.
    lit_before: re.Pattern[str] | None = None
    lit_after: re.Pattern[str] | None = None
    lit_numeral: re.Pattern[str] | None = None
    # When every ``after`` of the rules without a numeral is "starts with one
    # of these words" (^(?:措施|举措|…)), the words: any_after then matches
    # exactly when the window starts with one of them (str.startswith).
    after_words: tuple[str, ...] | None = None
    # The words of the before rules of the form "ends with one of these
    # words" (第$, 每$), answered by str.endswith; ``any_before`` and
    # ``lit_before`` cover only the other before rules, and ``rest_unmerged``
    # says that some of those could not be merged (then look rule by rule).
    before_words: tuple[str, ...] | None = None
    rest_unmerged: bool = False


_PLANS: dict[tuple[int, str], tuple[QuantityRules, _UnitExclusions]] = {}


def _literals(pattern: regex.Pattern[str] | None) -> re.Pattern[str] | None:
    return None if pattern is None else literal_prefilter(pattern.pattern, pattern.flags)


def _plan(rules: QuantityRules, unit: str) -> _UnitExclusions:
    # Keyed by identity (hashing the rules would cost more than the work);
    # the rules object is kept with its plan so that its id is never reused.
    key = (id(rules), unit)
    got = _PLANS.get(key)
    if got is None or got[0] is not rules:
        applicable = tuple(ex for ex in rules.exclusions if not ex.units or unit in ex.units)
        # Rules gated by a numeral (article-one: 一 only) rarely get to their
        # context, and their before patterns are negative lookbehinds that
        # match almost anywhere: they stay out of the prefilters.
        ungated = [ex for ex in applicable if not ex.numeral]
        # Before rules that only say "ends with one of these words" (第$, 每$)
        # are answered by str.endswith; the others share a merged prefilter.
        befores = [ex.before for ex in ungated if ex.before]
        rest = [p for p in befores if _ends_with_words(p) is None]
        any_before = ruleguard.merged(rest)
        any_after = ruleguard.merged([ex.after for ex in ungated if ex.after])
        after_only = any(ex.after and not ex.before for ex in ungated)
        any_numeral = ruleguard.merged([ex.numeral for ex in applicable if ex.numeral])
        quick = (all(ex.before or ex.after for ex in ungated)
                 and (any_before is not None or not rest)
                 and (any_after is not None or not after_only))
        got = _PLANS[key] = (rules, _UnitExclusions(
            applicable, any_before, any_after, quick,
            tuple(ex for ex in applicable if ex.numeral), after_only,
            any_numeral,
            lit_before=_literals(any_before), lit_after=_literals(any_after),
            lit_numeral=_literals(any_numeral),
            after_words=_all_words([ex.after for ex in ungated if ex.after], _starts_with_words),
            before_words=_all_words([p for p in befores if p not in rest], _ends_with_words),
            rest_unmerged=bool(rest) and any_before is None))
    return got[1]


# (rule, numeral) -> whether the rule's ``numeral`` pattern matches: numerals
# are few and repeat (一, 3, 两), the search is pure.  Only answers reached
# without a timeout are kept, and only used while no rule has timed out.
# Keyed by the pattern's text and flags (the answer depends on nothing else),
# so rules loaded again from another directory cannot get a stale answer.
_NUMERAL_MEMO: dict[tuple[str, int, str], bool] = {}


def _numeral_matches(ex: Exclusion, numeral: str, num_start: int) -> bool:
    assert ex.numeral is not None
    if not ruleguard.pristine():
        # After a timeout the guard decides: a timed-out rule must count as
        # not matching (and its use as skipped), whatever an earlier answer was.
        return ruleguard.search(ex.numeral, numeral, _ref(ex, "numeral"),
                                offset=num_start) is not None
    key = (ex.numeral.pattern, ex.numeral.flags, numeral)
    hit = _NUMERAL_MEMO.get(key)
    if hit is not None:
        return hit
    before = ruleguard.timeout_count()
    hit = ruleguard.search(ex.numeral, numeral, _ref(ex, "numeral"), offset=num_start) is not None
    if ruleguard.timeout_count() == before:
        if len(_NUMERAL_MEMO) > 100_000:
            _NUMERAL_MEMO.clear()
        _NUMERAL_MEMO[key] = hit
    return hit


def _excluded(text: str, num_start: int, unit_end: int, numeral: str, unit: str,
              rules: QuantityRules, plan: _UnitExclusions | None = None) -> str | None:
    """Name of the first exclusion (in file order) whose conditions all match
    around this number, else None.  A rule that times out counts as not
    matching (see tracker.ruleguard).  ``plan`` is ``_plan(rules, unit)``
    when the caller has it."""
    plan = plan if plan is not None else _plan(rules, unit)
    if not plan.rules:
        return None
    before = text[max(0, num_start - 12):num_start]
    after = text[unit_end:unit_end + 24]
    if ruleguard.pristine():
        if plan.quick and _quick_reject(plan, before, after, numeral, num_start):
            return None
        # Fast path: the same rules in the same order, but a rule's
        # before/after search is only run when the merged prefilter shows
        # some rule's context matches.  A skipped search would have found
        # nothing (and, as the prefilter finished in time, not timed out).
        found = _excluded_prefiltered(plan, before, after, numeral, num_start, unit_end)
        if found is not _UNDECIDED:
            return found
    for ex in plan.rules:
        if ex.numeral and not _numeral_matches(ex, numeral, num_start):
            continue
        if ex.before and not ruleguard.search(ex.before, before, _ref(ex, "before"),
                                              offset=max(0, num_start - 12)):
            continue
        if ex.after and not ruleguard.search(ex.after, after, _ref(ex, "after"),
                                             offset=unit_end):
            continue
        return ex.name
    return None


_UNDECIDED = "\0undecided"  # a prefilter timed out: decide rule by rule

# Rules made of plain words only (no syntax but | between them) are answered
# by string tests instead of the regex engine and its timer; these shapes
# recognise them from the pattern's text.
_WORD = r"[^|()\\\[\]{}*+?.^$#\s]+"
_WORDS = rf"({_WORD}(?:\|{_WORD})*)"
# "not right after one of these words": (?<!新建|新增|…)$
_NOT_AFTER = regex.compile(rf"\(\?<!{_WORDS}\)\$")
# "starts with one of these words": ^(?:措施|举措|…) or ^口
_STARTS_WITH = regex.compile(rf"\^(?:\(\?:{_WORDS}\)|({_WORD}))")
# "ends with one of these words": 第$, 每$, (?:于|在)$
_ENDS_WITH = regex.compile(rf"(?:\(\?:{_WORDS}\)|({_WORD}))\$")
_SHAPES: dict[tuple[int, str], tuple[regex.Pattern[str], tuple[str, ...] | None]] = {}


def _words_of(pattern: regex.Pattern[str], shape: regex.Pattern[str]) -> tuple[str, ...] | None:
    """The words of ``pattern`` when its text has ``shape`` (and no flags), else None."""
    key = (id(pattern), shape.pattern)  # by identity: rule patterns live all run long
    got = _SHAPES.get(key)
    if got is None or got[0] is not pattern:
        m = shape.fullmatch(pattern.pattern) if pattern.flags == PLAIN_FLAGS else None
        words = next(g for g in m.groups() if g).split("|") if m else None
        got = _SHAPES[key] = (pattern, tuple(words) if words else None)
    return got[1]


def _not_after_words(pattern: regex.Pattern[str]) -> tuple[str, ...] | None:
    """The words of a ``before`` rule of the form ``(?<!w1|w2|…)$`` (plain
    words, no flags), else None.  Such a rule matches a window exactly when
    the window does not end with one of the words (``$`` before a final line
    break adds nothing: no word holds one), which ``str.endswith`` answers:
    article-one and abstract-count are asked about every 一, 两, 三… with a unit."""
    return _words_of(pattern, _NOT_AFTER)


def _starts_with_words(pattern: regex.Pattern[str]) -> tuple[str, ...] | None:
    """The words of an ``after`` rule of the form ``^(?:w1|w2|…)`` or ``^w``
    (plain words, no flags), else None: such a rule matches a window exactly
    when the window starts with one of the words."""
    return _words_of(pattern, _STARTS_WITH)


def _ends_with_words(pattern: regex.Pattern[str]) -> tuple[str, ...] | None:
    """The words of a ``before`` rule of the form ``(?:w1|w2|…)$`` or ``w$``
    (plain words, no flags), else None; see :func:`_ends_with`."""
    return _words_of(pattern, _ENDS_WITH)


def _ends_with(window: str, words: tuple[str, ...]) -> bool:
    """What ``(?:w1|w2|…)$`` finds in ``window``: ``$`` matches at the end and
    also before a final line break (a number at the start of a paragraph)."""
    return window.endswith(words) or (window.endswith("\n") and window[:-1].endswith(words))


def _all_words(patterns: list[regex.Pattern[str]],
               shape: Callable[[regex.Pattern[str]], tuple[str, ...] | None],
               ) -> tuple[str, ...] | None:
    """The words of every pattern when all have ``shape``, else None."""
    words: list[str] = []
    for p in patterns:
        got = shape(p)
        if got is None:
            return None
        words += got
    return tuple(words) if words else None


def _quick_reject(plan: _UnitExclusions, before: str, after: str, numeral: str,
                  num_start: int) -> bool:
    """True when no exclusion of ``plan`` can match: no gated rule's numeral
    matches, and the prefilters show that no other rule's context does.  Most
    numbers end here after one or two searches, instead of a walk over every
    rule; False means "look rule by rule" (a hit, or a prefilter timed out).
    Only for a pristine document and a ``quick`` plan."""
    hit = plan.numeral_hits.get(numeral)
    if hit is None:
        if plan.any_numeral is not None and (
                (plan.lit_numeral is not None and plan.lit_numeral.search(numeral) is None)
                or ruleguard.probe(plan.any_numeral, numeral) is False):
            hit = False  # one search instead of one per gated rule
        else:
            count = ruleguard.timeout_count()
            hit = any(_numeral_matches(ex, numeral, num_start) for ex in plan.gated)
            if ruleguard.timeout_count() != count:
                return False
        if len(plan.numeral_hits) > 10_000:
            plan.numeral_hits.clear()
        plan.numeral_hits[numeral] = hit
    if hit:
        return False
    if _any_before(plan, before) is not False:
        return False
    # No rule with a ``before`` can match: only after-only rules remain.
    return not plan.after_only or _any_after(plan, after) is False


def _excluded_prefiltered(plan: _UnitExclusions, before: str, after: str, numeral: str,
                          num_start: int, unit_end: int) -> str | None:
    any_before: bool | None = None  # computed when a rule first needs it
    any_after: bool | None = None
    for ex in plan.rules:
        if ex.numeral and not _numeral_matches(ex, numeral, num_start):
            continue
        if ex.before and ex.numeral:  # not in the prefilter
            if not _before_matches(ex, before, num_start):
                continue
        elif ex.before:
            if any_before is None:
                any_before = _any_before(plan, before)
                if any_before is None:
                    return _UNDECIDED
            if not any_before or not _before_matches(ex, before, num_start):
                continue
        if ex.after and ex.numeral:
            if not _after_matches(ex, after, unit_end):
                continue
        elif ex.after:
            if any_after is None:
                any_after = _any_after(plan, after)
                if any_after is None:
                    return _UNDECIDED
            if not any_after or not _after_matches(ex, after, unit_end):
                continue
        return ex.name
    return None


def _any_before(plan: _UnitExclusions, before: str) -> bool | None:
    """Whether the ``before`` of some rule without a numeral may match: False
    proves that none does; True means "look rule by rule"; None that the
    prefilter ran out of time."""
    if plan.before_words is not None and _ends_with(before, plan.before_words):
        return True
    if plan.rest_unmerged:
        return True
    if plan.any_before is None:
        return False
    if plan.lit_before is not None and plan.lit_before.search(before) is None:
        return False
    return ruleguard.probe(plan.any_before, before)


def _any_after(plan: _UnitExclusions, after: str) -> bool | None:
    """Whether the ``after`` of some rule without a numeral may match: as
    :func:`_any_before`, for the window after the unit."""
    if plan.after_words is not None:
        return after.startswith(plan.after_words)
    if plan.any_after is None:
        return True  # no prefilter: look rule by rule
    if plan.lit_after is not None and plan.lit_after.search(after) is None:
        return False
    return ruleguard.probe(plan.any_after, after)


def _before_matches(ex: Exclusion, before: str, num_start: int) -> bool:
    """``ex.before`` searched in the window before a number (pristine documents
    only): rules made of plain words are answered by string tests."""
    assert ex.before is not None
    words = _ends_with_words(ex.before)
    if words is not None:
        return _ends_with(before, words)
    words = _not_after_words(ex.before)
    if words is not None:
        return not before.endswith(words)
    return ruleguard.search(ex.before, before, _ref(ex, "before"),
                            offset=max(0, num_start - 12)) is not None


def _after_matches(ex: Exclusion, after: str, unit_end: int) -> bool:
    """``ex.after`` searched in the window after a unit (pristine documents
    only), by ``str.startswith`` for a rule made of plain words."""
    assert ex.after is not None
    words = _starts_with_words(ex.after)
    if words is not None:
        return after.startswith(words)
    return ruleguard.search(ex.after, after, _ref(ex, "after"), offset=unit_end) is not None


def find_quantities(text: str, rules: QuantityRules | None = None) -> Iterator[Quantity]:
    """All quantity mentions in normalised ``text``, in order.

    Input: normalised text (see :mod:`tracker.normalize`).  Output: one
    :class:`Quantity` per number that carries a unit and is not excluded by
    ``rules/exclusions.toml``.  Years, dates and ordinals never qualify because
    年/月/日/届 are not units.
    """
    rules = rules or load_quantity_rules()
    plans: dict[str, _UnitExclusions] = {}  # per unit, for this text
    fields = rules.anchor_fields
    i_pct, i_pnum, i_num = (rules.anchor.groupindex[n] for n in ("pct", "pnum", "num"))
    for m in rules.anchor.finditer(text):
        # One call for every group: this loop runs for every number in the text.
        unit_surface, pct, imp, mag, pnum, num, inside, inside2, num2 = fields(m.groups())
        implicit = imp is not None
        if implicit and mag not in ("万", "亿"):
            continue
        num_start = m.start(i_pnum if pct else i_num)
        prev = text[num_start - 1] if num_start else ""
        # A numeral glued to a Latin letter or digit is part of a name (PM2.5, 5G).
        if prev and prev.isascii() and (prev.isalnum() or prev in "./"):
            continue
        numeral = pnum if pct else num
        if "," in numeral or "，" in numeral:
            numeral = numeral.replace(",", "").replace("，", "")
        if len(numeral) > 1 and numeral[0] == "0" and numeral[1].isdigit():
            continue  # 049: a fragment of a broken number, not a value
        inside = inside or inside2
        vague = numeral in _BARE and prev in rules.vague_words
        if numeral in ("十", "百", "千") and not mag and not inside and not vague \
                and not pct:
            continue  # 十大, 百日: bare 十/百/千 + measure word is a set phrase
        bare = _DIGIT_CHARS.isdisjoint(numeral)
        unit = rules.by_surface[unit_surface] if unit_surface else None
        # 1000万以上 with no unit: the unit comes from the object (人口 -> 人),
        # decided by the caller; "" marks it.
        unit_name = unit.unit if unit else ("" if implicit else "%")
        factor = unit.factor if unit else 1.0
        mag = mag or ""
        try:
            value = parse_number(numeral + mag) * factor
            num2 = (num2 or "").replace(",", "").replace("，", "")
            value_max = parse_number(num2 + mag) * factor if num2 else None
        except NumberError:
            continue
        q_end = m.end()
        qualifier = "exact"
        if len(numeral) == 2 and (pair := _ADJACENT.fullmatch(numeral)) and not mag \
                and value_max is None:
            # 三四个, 五六所: two neighbouring digits mean "three or four".
            value, value_max = parse_number(pair.group(1)) * factor, parse_number(
                pair.group(2)) * factor
        if inside:
            qualifier = rules.inside_words[inside]
        after = (rules.after_re.match(text, q_end)
                 if text[q_end:q_end + 1] in rules.after_starts else None)
        if after:
            word = after.group()
            # 多/余 after the unit only mean "more than" before a noun-less
            # end (1000万人以上 yes; 10个多功能厅 no): keep to 2+ char words
            # or clause ends.
            if len(word) > 1 or q_end + 1 >= len(text) or text[q_end + 1] in "，,。；;、）)":
                qualifier = rules.after_words_map[word]
                q_end += len(word)
        q_start = num_start
        if vague:
            qualifier, q_start = rules.vague_words[text[num_start - 1]], num_start - 1
        elif qualifier == "exact" and not pct:
            bq, bstart = _qualifier_before(text, num_start, rules)
            if bq:
                qualifier, q_start = bq, bstart
        elif pct:
            q_start = m.start(i_pct)
        if bare and qualifier == "exact":
            continue  # 千万人, 万家: rhetoric unless bounded (近万人, 超过百亿元)
        if value_max is not None:
            if value_max < value:
                continue  # 5-3: not a range (a date, a code)
            qualifier = "range"
        unit_end = m.end()
        plan = plans.get(unit_name)
        if plan is None:
            plan = plans[unit_name] = _plan(rules, unit_name)
        if _excluded(text, num_start, unit_end, numeral, unit_name, rules, plan):
            continue
        yield Quantity(value, value_max, unit_name, qualifier, min(q_start, m.start()), q_end,
                       num_start, unit_end, text[m.start():m.end()], numeral,
                       unit_surface or ("" if implicit else "百分之"),
                       f"units.toml:{unit.line}" if unit
                       else ("implicit" if implicit else "百分之"))
