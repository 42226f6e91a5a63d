"""Slogans: quoted and numbered political formulations (ANNOTATION.md section 2).

Input is normalised text (:attr:`tracker.normalize.NormalText.text`); every
offset here is a normalised offset.  The stage has three steps, all driven by
``rules/slogans.toml``:

1. **Quoted** spans (“…”, 「…」, 『…』, ‘…’, "…") are candidates; the
   ``[[quote_filter]]`` rules and the length limits drop speech, honour titles,
   dates and emphasis.  Each pair of marks is scanned on its own, so a quote
   nested in quoted speech (“上党区作为‘一城四区’之一，…”) is still found.
2. **Numbered** formulations are found with or without quotation marks by the
   ``[[numbered]]`` patterns and the built-in *compound* rule (一城四区).
3. **Known** slogans: every other occurrence of a slogan found in steps 1–2
   counts, quoted or not, unless it ends a longer term (高地 in 生态文明高地).

Invariant guaranteed for every :class:`SloganMention` ``m`` of text ``t``:
``0 <= m.start < m.end <= len(t)`` and ``canonical_slogan(t[m.start:m.end]) ==
m.slogan``; on text produced by :func:`tracker.normalize.normalise`,
``t[m.start:m.end] == m.slogan``.
"""

from __future__ import annotations

import bisect
import functools
import re
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NamedTuple

import regex

from tracker import ruleguard
from tracker.literals import Windows, match_windows, required_chars
from tracker.rules import (
    RuleError,
    RuleFile,
    compile_pattern,
    longest_first,
    read_rule_file,
    string_list,
    word_alternation,
)

RULE_FILE = "slogans.toml"
FORMS = ("quoted", "numbered", "quoted+numbered")

# Full-width letters, digits and signs -> ASCII (the normaliser does this too;
# repeated here so that canonical_slogan works on raw strings).
_WIDTH = {0xFF10 + i: 0x30 + i for i in range(10)}
_WIDTH.update({0xFF21 + i: 0x41 + i for i in range(26)})
_WIDTH.update({0xFF41 + i: 0x61 + i for i in range(26)})
_WIDTH.update({ord("＋"): "+", ord("％"): "%", ord("．"): ".", ord("－"): "-",
               ord("\u3000"): " "})
_HAN = regex.compile(r"\p{Han}")


class SloganMention(NamedTuple):
    """One occurrence of a slogan in normalised text.

    Fields: ``slogan`` (canonical text: no quotation marks, width-normalised,
    trimmed), ``form`` (``quoted``/``numbered``/``quoted+numbered``, for the
    slogan in the whole document: quoted if any occurrence is quoted),
    ``start``/``end`` (normalised offsets of this occurrence, quotation marks
    excluded), ``quoted`` (this occurrence is inside quotation marks) and
    ``rule`` (``slogans.toml:quoted``, ``slogans.toml:numbered:<name>`` or
    ``slogans.toml:known`` for a repeat of a slogan found elsewhere).
    Immutable (a named tuple: cheap to build, one per occurrence).
    """

    slogan: str
    form: str
    start: int
    end: int
    quoted: bool
    rule: str


@dataclass(frozen=True)
class QuoteFilter:
    """One ``[[quote_filter]]``: a reason why a quotation is not a slogan."""

    name: str
    content: regex.Pattern[str] | None
    before: regex.Pattern[str] | None
    min_length: int
    examples: tuple[str, ...]
    counter_examples: tuple[str, ...]
    line: int | None


@dataclass(frozen=True)
class NumberedRule:
    """One ``[[numbered]]`` rule: a regex (group ``s``) or the builtin compound."""

    name: str
    pattern: regex.Pattern[str] | None
    builtin: str | None
    examples: tuple[str, ...]
    counter_examples: tuple[str, ...]
    line: int | None


@dataclass(frozen=True)
class SloganRules:
    """Compiled ``rules/slogans.toml`` (see the comments at the top of the file)."""

    path: str
    quote_pairs: tuple[tuple[str, str], ...]
    quote_res: tuple[regex.Pattern[str], ...]
    min_length: int
    max_length: int
    max_list_length: int
    max_list_part: int
    trim: str
    function_chars: frozenset[str]
    lexicons: dict[str, tuple[str, ...]]
    numerals: frozenset[str]
    cn_numerals: frozenset[str]
    measure_words: frozenset[str]
    admin_units: frozenset[str]
    ordinary_re: regex.Pattern[str]
    idioms: frozenset[str]
    follow_re: regex.Pattern[str]
    lead_verbs: tuple[str, ...]
    filters: tuple[QuoteFilter, ...]
    numbered: tuple[NumberedRule, ...]
    expansion_window: int
    expansion_max_item: int
    expansion_examples: tuple[str, ...]
    expansion_counter_examples: tuple[str, ...]
    length_examples: tuple[str, ...]
    length_counter_examples: tuple[str, ...]
    lines: dict[str, int | None]


def _expand(rf: RuleFile, pattern: Any, lexicons: dict[str, tuple[str, ...]], what: str) -> str:
    if not isinstance(pattern, str):
        raise rf.error(f"{what} must be a string, got {type(pattern).__name__}", what)

    def sub(m: regex.Match[str]) -> str:
        name = m.group(1)
        if name not in lexicons:
            raise rf.error(f"{what}: unknown lexicon <<{name}>>", f"<<{name}>>")
        return word_alternation(lexicons[name])

    return regex.sub(r"<<(\w+)>>", sub, pattern)


def _int(rf: RuleFile, data: dict[str, Any], key: str, default: int, low: int) -> int:
    v = data.get(key, default)
    if not isinstance(v, int) or isinstance(v, bool) or v < low:
        raise rf.error(f"{key} must be an integer >= {low}, got {v!r}", key)
    return v


@functools.lru_cache(maxsize=8)
def load_slogan_rules(directory: Path | str | None = None) -> SloganRules:
    """Load and compile ``rules/slogans.toml`` (cached per directory).

    Input: optional rules directory (default: ``$TRACKER_RULES`` or the repo's
    ``rules/``).  Output: :class:`SloganRules`.  Raises
    :class:`tracker.rules.RuleError` (file, line, reason) for a missing file,
    bad TOML, an unknown field, a bad regex, an unknown lexicon or a bad limit.
    """
    top = ("quote_marks", "min_length", "max_length", "max_list_length", "max_list_part",
           "trim", "function_chars", "length_examples", "length_counter_examples", "expansion")
    rf = read_rule_file(
        RULE_FILE,
        {
            "lexicon": {"name", "note", "words"},
            "quote_filter": {"name", "content", "before", "min_length", "examples",
                             "counter_examples"},
            "numbered": {"name", "pattern", "builtin", "examples", "counter_examples"},
        },
        top_level=top,
        directory=directory,
    )
    d = rf.data
    pairs = []
    for qm in string_list(rf, d.get("quote_marks", []), "quote_marks"):
        if len(qm) != 2:
            raise rf.error(f"quote_marks entries must be two characters, got {qm!r}",
                           "quote_marks")
        pairs.append((qm[0], qm[1]))
    if not pairs:
        raise rf.error("quote_marks must list at least one pair", "quote_marks")
    quote_res = []
    for o, c in pairs:
        oe, ce = regex.escape(o), regex.escape(c)
        inner = f"[^{oe}{ce}\\n]" if o != c else f"[^{oe}\\n]"
        quote_res.append(regex.compile(f"{oe}({inner}{{1,300}}?){ce}"))

    lexicons: dict[str, tuple[str, ...]] = {}
    lex_lines: dict[str, int | None] = {}
    for e in d.get("lexicon", []):
        name = e.get("name")
        if not isinstance(name, str) or not name:
            raise rf.error("each [[lexicon]] needs a `name`", "[[lexicon]]")
        words = string_list(rf, e.get("words", []), f"lexicon {name}.words")
        if any(not w for w in words):
            raise rf.error(f"lexicon {name!r} has an empty word", f'"{name}"')
        lexicons[name] = words
        lex_lines[name] = rf.line(f'name = "{name}"')
    needed = ("cn_numerals", "numerals", "ordinary_words", "idioms", "measure_words",
              "follow_words", "lead_verbs")
    for name in needed:
        if name not in lexicons:
            raise rf.error(f"lexicon {name!r} is required")

    filters = []
    for e in d.get("quote_filter", []):
        name = e.get("name")
        if not isinstance(name, str) or not name:
            raise rf.error("each [[quote_filter]] needs a `name`", "[[quote_filter]]")
        content = (compile_pattern(rf, _expand(rf, e["content"], lexicons, name), name)
                   if "content" in e else None)
        before = (compile_pattern(rf, _expand(rf, e["before"], lexicons, name), name)
                  if "before" in e else None)
        if content is None and before is None:
            raise rf.error(f"quote_filter {name!r} needs `content` or `before`", f'"{name}"')
        filters.append(QuoteFilter(
            name, content, before, _int(rf, e, "min_length", 0, 0),
            string_list(rf, e.get("examples", []), f"{name}.examples"),
            string_list(rf, e.get("counter_examples", []), f"{name}.counter_examples"),
            rf.line(f'name = "{name}"')))

    numbered = []
    for e in d.get("numbered", []):
        name = e.get("name")
        if not isinstance(name, str) or not name:
            raise rf.error("each [[numbered]] needs a `name`", "[[numbered]]")
        builtin = e.get("builtin")
        if builtin is not None and builtin != "compound":
            raise rf.error(f"numbered {name!r}: unknown builtin {builtin!r}", "builtin")
        if (builtin is None) == ("pattern" not in e):
            raise rf.error(f"numbered {name!r} needs exactly one of `pattern` or `builtin`",
                           f'"{name}"')
        pat = (compile_pattern(rf, _expand(rf, e["pattern"], lexicons, name), name)
               if "pattern" in e else None)
        numbered.append(NumberedRule(
            name, pat, builtin,
            string_list(rf, e.get("examples", []), f"{name}.examples"),
            string_list(rf, e.get("counter_examples", []), f"{name}.counter_examples"),
            rf.line(f'name = "{name}"')))

    exp = d.get("expansion", {})
    if not isinstance(exp, dict):
        raise rf.error("[expansion] must be a table", "[expansion]")
    for key in exp:
        if key not in ("window", "max_item", "examples", "counter_examples"):
            raise rf.error(f"unknown field {key!r} in [expansion]; allowed: counter_examples, "
                           "examples, max_item, window", f"{key} =")
    trim = d.get("trim", " 、，。；：！？,.;:!?")
    fchars = d.get("function_chars", "")
    if not isinstance(trim, str) or not isinstance(fchars, str):
        raise rf.error("trim and function_chars must be strings", "trim")
    ordinary = set(lexicons["ordinary_words"]) | set(lexicons["idioms"])
    min_len = _int(rf, d, "min_length", 2, 1)
    max_len = _int(rf, d, "max_length", 15, min_len)
    return SloganRules(
        path=str(rf.path),
        quote_pairs=tuple(pairs),
        quote_res=tuple(quote_res),
        min_length=min_len,
        max_length=max_len,
        max_list_length=_int(rf, d, "max_list_length", 30, max_len),
        max_list_part=_int(rf, d, "max_list_part", 10, 1),
        trim=trim,
        function_chars=frozenset(fchars),
        lexicons=lexicons,
        numerals=frozenset(lexicons["numerals"]),
        cn_numerals=frozenset(lexicons["cn_numerals"]),
        measure_words=frozenset(lexicons["measure_words"]),
        admin_units=frozenset(lexicons.get("admin_units", ())),
        ordinary_re=regex.compile(word_alternation(ordinary)),
        idioms=frozenset(lexicons["idioms"]),
        follow_re=regex.compile(word_alternation(lexicons["follow_words"])),
        lead_verbs=longest_first(lexicons["lead_verbs"]),
        filters=tuple(filters),
        numbered=tuple(numbered),
        expansion_window=_int(rf, exp, "window", 200, 1),
        expansion_max_item=_int(rf, exp, "max_item", 12, 1),
        expansion_examples=string_list(rf, exp.get("examples", []), "expansion.examples"),
        expansion_counter_examples=string_list(rf, exp.get("counter_examples", []),
                                               "expansion.counter_examples"),
        length_examples=string_list(rf, d.get("length_examples", []), "length_examples"),
        length_counter_examples=string_list(rf, d.get("length_counter_examples", []),
                                            "length_counter_examples"),
        lines={"length": rf.line("length_examples"), "expansion": rf.line("[expansion]"),
               **{f"lexicon:{k}": v for k, v in lex_lines.items()}},
    )


# ---------------------------------------------------------------- helpers


def canonical_slogan(s: str, rules: SloganRules | None = None) -> str:
    """Canonical form of a slogan: full-width ASCII mapped to ASCII, quotation
    marks removed, and ``trim`` characters (、，。 and spaces) cut from both ends.

    Input: any string.  Output: the canonical string (may be empty).  Never raises
    on a ``str`` (rules are loaded on first use and may raise RuleError).
    """
    r = rules or load_slogan_rules()
    d = _derived(r)
    return s.translate(d.canonical_table).strip(d.canonical_strip)


class _Covered:
    """Offsets inside ordinary words or idioms (so a numeral there is not a number).

    ``p in covered`` is True when some occurrence of an ``ordinary_words`` or
    ``idioms`` word spans offset ``p``.  Computed on demand and remembered:
    only numeral offsets are ever asked about, a few thousand in a long
    document, so scanning the whole text for every word (the old way, a fifth
    of the stage) did mostly wasted work.  ``ordinary_re`` tries the longest
    word first, so its match at a start is the furthest that start reaches;
    ``p`` is covered iff a start at most ``longest - 1`` before it reaches past it.
    A start is only tried when the two characters there begin some word (or
    the one there is a one-character word): most numerals start none.
    """

    def __init__(self, text: str, rules: SloganRules) -> None:
        self._text = text
        self._match = rules.ordinary_re.match
        self._pairs, self._longest = _derived(rules).ordinary_starts
        self._memo: dict[int, bool] = {}

    def __contains__(self, p: int) -> bool:
        got = self._memo.get(p)
        if got is None:
            got = False
            text = self._text
            if 0 <= p < len(text):
                pairs = self._pairs
                for a in range(max(0, p - self._longest + 1), p + 1):
                    if text[a:a + 2] in pairs or text[a] in pairs:
                        m = self._match(text, a)
                        if m is not None and m.end() > p:
                            got = True
                            break
            self._memo[p] = got
        return got


class _Derived:
    """Values computed once per :class:`SloganRules` (see :func:`_derived`)."""

    def __init__(self, rules: SloganRules) -> None:
        words = set(rules.lexicons["ordinary_words"]) | set(rules.lexicons["idioms"])
        # The words ordinary_re is built from: their first two characters (a
        # one-character word itself), and the longest one bound where a word
        # covering an offset can start.
        self.ordinary_starts: tuple[frozenset[str], int] = (
            frozenset(w[:2] for w in words), max((len(w) for w in words), default=1))
        nums = "".join(re.escape(n) for n in sorted(rules.cn_numerals) if len(n) == 1)
        meas = "".join(re.escape(w) for w in sorted(rules.measure_words) if len(w) == 1)
        # Where a compound can start: a numeral (maybe two), one or two other
        # characters, the first not a measure word, then the next segment's
        # numeral (see _compound_at); not after a numeral, ASCII digit or
        # 第百千万亿 (_compounds tests those, and other digits, again).  The
        # lookbehind comes after the numeral so that the scan still starts
        # from the character set.  A pattern of literal characters, so the
        # standard library's engine, which scans a character class twice as
        # fast as regex's.
        self.compound_start = re.compile(
            f"[{nums}](?<![{nums}第百千万亿0-9].)(?=[{nums}]?[^{nums}{meas}][^{nums}]?[{nums}])"
            if nums else "(?!)")
        self.idioms = tuple(sorted(rules.idioms))
        # quote_res for the standard library's engine: a character class and
        # a bounded lazy repeat mean the same to both, and it scans a class
        # faster (quote_res stays the regex-module pattern of the rule set).
        self.quote_scans = tuple(re.compile(q.pattern) for q in rules.quote_res)
        # canonical_slogan in one translate: _WIDTH, then quotation marks
        # deleted (a mark produced by _WIDTH too, as when done one after the other).
        marks = {ch for pair in rules.quote_pairs for ch in pair}
        table: dict[int, str | None] = {ord(m): None for m in marks}
        for k, v in _WIDTH.items():
            out = chr(v) if isinstance(v, int) else v
            table[k] = None if out in marks else out
        self.canonical_table = table
        self.canonical_strip = rules.trim + " \t\n"
        self.filter_refs = tuple((f, _filter_ref(f)) for f in rules.filters)
        # Per [[numbered]] rule, built once rather than per rule per document:
        # its RuleRef and its windows (None for the builtin).
        self.numbered = tuple(
            (rule, ruleguard.RuleRef(RULE_FILE, rule.line, f"numbered {rule.name!r}"),
             None if rule.pattern is None
             else match_windows(rule.pattern.pattern, rule.pattern.flags, rules.numerals))
            for rule in rules.numbered)
        # _reject_reason answers by (content, 12 characters before): quotations
        # such as “十四五” recur within and across documents.
        self.reject_memo: dict[tuple[str, str], str | None] = {}
        # is_numbered answers by slogan (few distinct ones, asked about per document).
        self.numbered_memo: dict[str, bool] = {}


_DERIVED: dict[int, tuple[SloganRules, _Derived]] = {}


def _derived(rules: SloganRules) -> _Derived:
    # Keyed by identity (the rules kept alive with it): SloganRules holds
    # dicts, so it cannot be hashed, and is loaded once per directory anyway.
    got = _DERIVED.get(id(rules))
    if got is None or got[0] is not rules:
        got = _DERIVED[id(rules)] = (rules, _Derived(rules))
    return got[1]


def is_numbered(slogan: str, rules: SloganRules | None = None) -> bool:
    """True when ``slogan`` contains a numeral used as a number.

    双 and 零 count (双轮驱动, 零距离); numerals inside ordinary words from the
    ``ordinary_words`` and ``idioms`` lexicons (零工, 一体化) do not.
    """
    r = rules or load_slogan_rules()
    memo = _derived(r).numbered_memo
    got = memo.get(slogan)
    if got is None:
        covered = _Covered(slogan, r)
        got = any(ch in r.numerals and i not in covered for i, ch in enumerate(slogan))
        if len(memo) >= _MEMO_SIZE:
            memo.clear()
        memo[slogan] = got
    return got


def _form(quoted: bool, numbered: bool) -> str:
    if quoted and numbered:
        return "quoted+numbered"
    return "numbered" if numbered else "quoted"


_LIST_MARKS = regex.compile(r"[、·]")
_FILTER_REFS: dict[int, tuple[QuoteFilter, ruleguard.RuleRef]] = {}


def _filter_ref(f: QuoteFilter) -> ruleguard.RuleRef:
    # Built once per filter (keyed by identity, the filter kept alive with
    # it), not once per filter per quotation.
    got = _FILTER_REFS.get(id(f))
    if got is None or got[0] is not f:
        got = _FILTER_REFS[id(f)] = (f, ruleguard.RuleRef(RULE_FILE, f.line,
                                                          f"quote_filter {f.name!r}"))
    return got[1]


def _reject_reason(text: str, open_at: int, content: str, rules: SloganRules) -> str | None:
    """Why a quotation is not a slogan (a filter's name), or None if it is one."""
    n = len(content)
    if n < rules.min_length:
        return "length"
    if n > rules.max_length:
        parts = _LIST_MARKS.split(content)
        if (len(parts) < 2 or n > rules.max_list_length
                or max(len(p) for p in parts) > rules.max_list_part):
            return "length"
    before = text[max(0, open_at - 12):open_at]
    # The answer depends on content and before only, so it is remembered --
    # while no rule has timed out in the document (otherwise filters are being
    # skipped and each skip must be counted), and only when no rule timed out
    # while computing it (a timeout would have cut the answer short).
    if not ruleguard.pristine():
        return _filter_reason(open_at, content, before, rules)
    memo = _derived(rules).reject_memo
    key = (content, before)
    if key in memo:
        return memo[key]
    timeouts = ruleguard.timeout_count()
    got = _filter_reason(open_at, content, before, rules)
    if ruleguard.timeout_count() == timeouts:
        if len(memo) >= _MEMO_SIZE:
            memo.clear()
        memo[key] = got
    return got


_MEMO_SIZE = 100_000


def _filter_reason(open_at: int, content: str, before: str, rules: SloganRules) -> str | None:
    """The first ``[[quote_filter]]`` matching a quotation, or None."""
    n = len(content)
    # Filters with only a content (or only a before) pattern are first
    # probed together: when the merged pattern finds nothing, none of them
    # matches and their searches are skipped.  Only while no rule has timed
    # out in the document; a probe that times out means "search each one",
    # as before.  None: not probed yet; True: search each filter.
    any_content: bool | None = True
    any_before: bool | None = True
    content_pf = before_pf = None
    if ruleguard.pristine():
        content_pf, before_pf = _prefilters(rules.filters)
        any_content = None if content_pf is not None else True
        any_before = None if before_pf is not None else True
    for f, ref in _derived(rules).filter_refs:
        if n < f.min_length:
            continue
        if f.content is not None:
            if f.before is None and any_content is None:
                assert content_pf is not None
                any_content = ruleguard.probe(content_pf, content)
                if any_content is None:
                    any_content = True
            if f.before is None and not any_content:
                continue
            if not ruleguard.search(f.content, content, ref, offset=open_at + 1):
                continue
        if f.before is not None:
            if f.content is None and any_before is None:
                assert before_pf is not None
                any_before = ruleguard.probe(before_pf, before)
                if any_before is None:
                    any_before = True
            if f.content is None and not any_before:
                continue
            if not ruleguard.search(f.before, before, ref, offset=max(0, open_at - 12)):
                continue
        return f.name
    return None


_PREFILTERS: dict[int, tuple[tuple[QuoteFilter, ...], regex.Pattern[str] | None,
                             regex.Pattern[str] | None]] = {}


def _prefilters(filters: tuple[QuoteFilter, ...],
                ) -> tuple[regex.Pattern[str] | None, regex.Pattern[str] | None]:
    """Merged content patterns of the content-only filters and merged before
    patterns of the before-only ones (see :func:`tracker.ruleguard.merged`)."""
    got = _PREFILTERS.get(id(filters))
    if got is None or got[0] is not filters:
        got = _PREFILTERS[id(filters)] = (
            filters,
            ruleguard.merged([f.content for f in filters
                              if f.content is not None and f.before is None]),
            ruleguard.merged([f.before for f in filters
                              if f.before is not None and f.content is None]))
    return got[1], got[2]


class _Quote(NamedTuple):
    open_at: int  # offset of the opening mark
    close_at: int  # offset just after the closing mark
    start: int  # trimmed content
    end: int
    slogan: str
    reason: str | None


def _quotes(text: str, rules: SloganRules) -> list[_Quote]:
    out = []
    strip = set(rules.trim) | {" ", "\t"}
    d = _derived(rules)
    table, chars = d.canonical_table, d.canonical_strip
    for (opening, _), qre in zip(rules.quote_pairs, d.quote_scans, strict=True):
        if opening not in text:
            continue  # looking for one character is cheaper than a regex scan
        for m in qre.finditer(text):
            s, e = m.span(1)
            while s < e and text[s] in strip:
                s += 1
            while e > s and text[e - 1] in strip:
                e -= 1
            raw = text[s:e]
            slogan = raw.translate(table).strip(chars)  # canonical_slogan(raw)
            if not slogan:
                continue
            # A slogan equal to raw has no character the table maps, so raw
            # is also its own _WIDTH translation: the usual case, one translate.
            if slogan != raw and slogan != raw.translate(_WIDTH):
                # inner quotation marks: keep the span exact for the invariant
                continue
            open_at, close_at = m.span()
            out.append(_Quote(open_at, close_at, s, e, slogan,
                              _reject_reason(text, open_at, slogan, rules)))
    out.sort(key=lambda q: q.open_at)
    return out


def _compound_at(text: str, i: int, rules: SloganRules, covered: _Covered) -> tuple[int, int]:
    """End of a compound formulation starting at ``i`` (0 if none)."""
    nums = rules.cn_numerals
    n = len(text)

    def segment(p: int, length: int) -> int | None:
        """End of a numeral + ``length`` Han segment at p, or None."""
        if p >= n or text[p] not in nums or p in covered:
            return None
        q = p + 1
        if q < n and text[q] in nums and text[q] != text[p] and q not in covered:
            q += 1  # 十二, 二十: two-character numeral
        if q >= n or text[q] in rules.measure_words:
            return None
        end = q + length
        if end > n:
            return None
        chunk = text[q:end]
        if not all(_HAN.match(ch) and ch not in nums for ch in chunk):
            return None
        return end

    best = (0, 0)
    for length in (1, 2):
        ends = []
        p = i
        while True:
            e = segment(p, length)
            if e is None:
                break
            # a follow word right here ends the compound
            ends.append(e)
            if rules.follow_re.match(text, e):
                break
            p = e
        if len(ends) < 2:
            continue
        end = ends[-1]
        # the last segment may be one longer when a follow word or punctuation follows
        if (end < n and _HAN.match(text[end]) and text[end] not in nums
                and not rules.follow_re.match(text, end)
                and (end + 1 >= n or not _HAN.match(text[end + 1])
                     or rules.follow_re.match(text, end + 1))):
            end += 1
        if end - i > best[1] - best[0]:
            best = (i, end)
        break
    if best[1]:
        words = [w for _, w in _segments(text[best[0]:best[1]], rules) or ()]
        if words and all(w in rules.admin_units for w in words):
            return (0, 0)
    if best[1] and (text[best[0]:best[1]] in rules.idioms
                    or text[best[0]:best[1]].startswith(_derived(rules).idioms)):
        return (0, 0)
    return best


def _occurrences(text: str, needle: str) -> Iterator[int]:
    """Start offsets of the non-overlapping occurrences of ``needle``."""
    i = text.find(needle)
    while i >= 0:
        yield i
        i = text.find(needle, i + len(needle))


def _non_overlapping(starts: Iterable[int], length: int) -> Iterator[int]:
    """The offsets :func:`_occurrences` yields, given every start offset of a
    needle of ``length`` characters in ascending order (overlapping ones too):
    ``str.find`` resumes after the occurrence it found, so a start before that
    end is passed over whether or not the occurrence is used."""
    after = 0
    for s in starts:
        if s >= after:
            yield s
            after = s + length


def _starts(text: str, known: Sequence[str]) -> dict[str, list[int]]:
    """Every start offset, overlapping occurrences included and in ascending
    order, of each string of ``known`` (non-empty) that occurs in ``text``.

    One scan of the text for all of them: a ``str.find`` pass per string is
    quadratic when a text quotes thousands of different strings (garbage, or
    many documents pasted into one).  The scan stops only where a character
    and the next could begin some string, a character-class test the engine
    runs without Python; there the first two characters (one if a string
    has one) select the lengths to try, so the work is at most the text's
    length times the number of distinct lengths, however many strings there are.
    """
    key = min(2, min(len(k) for k in known))  # characters the strings are grouped by
    lengths: dict[str, list[int]] = {}
    for k in known:
        lengths.setdefault(k[:key], []).append(len(k))
    tries = {first: sorted(set(ls)) for first, ls in lengths.items()}
    wanted = set(known)

    def chars(i: int) -> str:
        return "[" + "".join(sorted({re.escape(k[i]) for k in known})) + "]"

    stops = re.compile(chars(0) + (f"(?={chars(1)})" if key == 2 else ""))
    out: dict[str, list[int]] = {}
    n = len(text)
    for m in stops.finditer(text):
        p = m.start()
        for length in tries.get(text[p:p + key], ()):
            if p + length > n:
                break  # a shorter slice would stand for a shorter string
            got = text[p:p + length]
            if got in wanted:
                out.setdefault(got, []).append(p)
    return out


def _compounds(text: str, rules: SloganRules, covered: _Covered) -> list[tuple[int, int]]:
    out = []
    nums = rules.cn_numerals
    skip_to = 0
    # Only a numeral followed within three characters by another numeral can
    # start a compound (two segments at least): let the regex engine find
    # those few offsets instead of trying every numeral in Python.
    for m in _derived(rules).compound_start.finditer(text):
        i = m.start()
        if i < skip_to:
            continue
        prev = text[i - 1] if i else ""
        # the cheap test on the character before first: `covered` may match words
        if not (prev in nums or prev.isdigit() or prev in "第百千万亿") and i not in covered:
            s, e = _compound_at(text, i, rules, covered)
            if e:
                out.append((s, e))
                skip_to = e
    return out


class _SpanSet:
    """Spans that may overlap one another, with a fast "does this overlap any?".

    Spans are kept sorted by start; a query looks only at spans starting
    within the longest span's length before it, so a document with
    thousands of slogans is not quadratic.
    """

    def __init__(self, spans: Iterable[tuple[int, int]] = ()) -> None:
        # One sort instead of an insort per span: the same list.
        self._spans: list[tuple[int, int]] = sorted(spans)
        self._longest = max((e - s for s, e in self._spans), default=0)

    def add(self, span: tuple[int, int]) -> None:
        """Add ``(start, end)``."""
        bisect.insort(self._spans, span)
        self._longest = max(self._longest, span[1] - span[0])

    def overlaps(self, a: tuple[int, int]) -> bool:
        """True when ``[a[0], a[1])`` overlaps a span of the set."""
        lo = bisect.bisect_left(self._spans, (a[0] - self._longest, -1))
        hi = bisect.bisect_left(self._spans, (a[1], -1))
        return any(a[0] < e and s < a[1] for s, e in self._spans[lo:hi])

    def encloses(self, s: int, e: int) -> bool:
        """True when some span ``(o, c)`` has ``o < s`` and ``e < c``."""
        lo = bisect.bisect_left(self._spans, (s - self._longest, -1))
        hi = bisect.bisect_left(self._spans, (s, -1))
        return any(o < s and e < c for o, c in self._spans[lo:hi])


def _may_match(pattern: regex.Pattern[str], text: str, has: dict[str, bool]) -> bool:
    """False only when ``pattern`` certainly has no match in ``text``: each of
    its required strings has a character the text lacks.  Looking for one
    character is many times faster than for a string, and ``has`` remembers
    the answers for the other rules run on the same text."""
    lits = _char_checks(pattern.pattern, pattern.flags)
    if lits is None:
        return True
    for chars in lits:
        for ch in chars:
            got = has.get(ch)
            if got is None:
                got = has[ch] = ch in text
            if not got:
                break
        else:
            return True
    return False


@functools.lru_cache(maxsize=256)
def _char_checks(pattern: str, flags: int) -> tuple[tuple[str, ...], ...] | None:
    """:func:`tracker.literals.required_chars` with each string's characters
    in the order :func:`_may_match` tests them: those most strings share come
    first.  An absent character costs a scan of the whole text, and a shared
    one (圈 of 生活圈, 健身圈, ...) rules out all its strings with one scan."""
    lits = required_chars(pattern, flags)
    if lits is None:
        return None
    shared = Counter(ch for chars in lits for ch in chars)
    return tuple(tuple(sorted(chars, key=lambda ch: -shared[ch])) for chars in lits)


def _window_matches(pattern: regex.Pattern[str], text: str, ref: ruleguard.RuleRef,
                    plan: Windows) -> list[regex.Match[str]]:
    """``ruleguard.finditer(pattern, text, ref)``, running the pattern only
    around the places ``plan.finders`` find (see :func:`tracker.literals.match_windows`).

    Every match contains a found anchor ``c``, so it starts after ``c -
    width``; matching at a start ``t`` reads nothing at or beyond ``t + reach``
    and, in ``regex``, sees the text before a search's ``pos``.  Anchors are
    grouped so that a window ends ``reach`` after its last anchor and the
    next window starts after it; a search within ``[a, b)`` then finds the
    whole-text matches starting in it, in order, and no others: a match
    starting past the last anchor would contain an anchor of a later window,
    which lies beyond ``b``.  Only called while the document is pristine; a
    timeout (which bounded-work patterns cannot realistically reach) gives
    ``[]`` like ``finditer``, and stops the scan so no skip is counted.
    """
    width, reach = plan.width, plan.reach
    if len(plan.finders) == 1:
        anchors = [m.start() for m in plan.finders[0].finditer(text)]
    else:
        anchors = sorted(m.start() for f in plan.finders for m in f.finditer(text))
    out: list[regex.Match[str]] = []
    timeouts = ruleguard.timeout_count()
    n, k, i = len(text), len(anchors), 0
    while i < k:
        a = max(0, anchors[i] - width)
        last = anchors[i]
        i += 1
        while i < k and anchors[i] - width < last + reach:
            last = anchors[i]
            i += 1
        b = min(n, last + reach)
        pos = a
        while True:
            m = ruleguard.search(pattern, text, ref, pos=pos, endpos=b, offset=0)
            if m is None:
                break
            out.append(m)
            # Matches are never empty (each holds a required string); the
            # max only guards against looping.
            pos = max(m.end(), pos + 1)
            if pos > last:
                break  # a further match would hold an anchor at or after pos
        if ruleguard.timeout_count() != timeouts:
            return []
    return out


# ---------------------------------------------------------------- public API


# Below this many distinct slogans a str.find pass per slogan costs less than
# the one scan of _starts, whose cost hardly depends on their number (on the
# national reports and the bench sample the two cost the same at about a dozen).
_FEW_KNOWN = 12


def _add_known(text: str, found: list[tuple[int, int, str, bool, str]], open_quotes: _SpanSet,
               rules: SloganRules, prefix: str) -> None:
    """Append to ``found`` the other free-standing occurrences of its slogans,
    longest slogan first (``open_quotes``: the accepted quotations' spans).

    Which occurrence wins an overlap depends on that order, so each slogan's
    occurrences are those of a ``str.find`` pass (:func:`_occurrences`) taken
    slogan by slogan; with many slogans they come from one scan of the text
    (:func:`_starts`) so that a text quoting thousands of different strings is
    not read once per string.
    """
    known = sorted({f[2] for f in found}, key=lambda x: (-len(x), x))
    if not known:
        return
    spans = _SpanSet((f[0], f[1]) for f in found)
    # Most occurrences are the very spans found before (a set lookup, not an
    # overlap query); a span of the set certainly overlaps itself.
    exact = {(f[0], f[1]) for f in found}
    starts = _starts(text, known) if len(known) >= _FEW_KNOWN else None
    for slogan in known:
        occurrences = (_occurrences(text, slogan) if starts is None
                       else _non_overlapping(starts.get(slogan, ()), len(slogan)))
        for s in occurrences:
            e = s + len(slogan)
            if (s, e) in exact or spans.overlaps((s, e)):
                continue
            prev = text[s - 1] if s else ""
            if prev and _HAN.match(prev) and prev not in rules.function_chars:
                continue  # ends a longer term: 高地 inside 生态文明高地
            quoted = open_quotes.encloses(s, e)
            found.append((s, e, slogan, quoted, prefix + "known"))
            spans.add((s, e))


@functools.lru_cache(maxsize=8)
def _rule_prefix(path: str) -> str:
    return f"{Path(path).name}:"


def find_slogans(text: str, rules: SloganRules | None = None) -> list[SloganMention]:
    """Every slogan occurrence in normalised ``text``, in order of ``start``.

    Input: ``NormalText.text`` (any ``str`` is accepted); ``rules`` defaults to
    :func:`load_slogan_rules`.  Output: :class:`SloganMention` list sorted by
    ``(start, end)``; occurrences never overlap.  Quoted slogans come from
    quotation marks that pass the quote filters; numbered ones from the
    ``[[numbered]]`` rules; then every other free-standing occurrence of a
    found slogan anywhere in the document (before or after) is added with rule
    ``slogans.toml:known``.  Raises only :class:`tracker.rules.RuleError` when
    the rule file is invalid.
    """
    r = rules or load_slogan_rules()
    prefix = _rule_prefix(r.path)
    quotes = _quotes(text, r)
    accepted = [q for q in quotes if q.reason is None]
    found: list[tuple[int, int, str, bool, str]] = []  # start, end, slogan, quoted, rule
    for q in accepted:
        found.append((q.start, q.end, q.slogan, True, prefix + "quoted"))
    taken = _SpanSet((q.open_at, q.close_at) for q in accepted)

    covered = _Covered(text, r)
    candidates: list[tuple[int, int, str]] = []
    has: dict[str, bool] = {}  # characters in the text (see _may_match)
    for rule, ref, windows in _derived(r).numbered:
        if rule.builtin == "compound":
            for s, e in _compounds(text, r, covered):
                candidates.append((s, e, rule.name))
            continue
        assert rule.pattern is not None
        # Skipping a rule that cannot match is only safe while no rule has
        # timed out in the document: a timed-out rule's skips are counted.
        if ruleguard.pristine() and not _may_match(rule.pattern, text, has):
            continue
        plan = windows if ruleguard.pristine() else None
        matches = (_window_matches(rule.pattern, text, ref, plan) if plan is not None
                   else ruleguard.finditer(rule.pattern, text, ref, offset=0))
        for m in matches:
            s, e = m.span("s") if "s" in rule.pattern.groupindex else m.span()
            if e <= s or s in covered:
                continue
            candidates.append((s, e, rule.name))
    candidates.sort(key=lambda c: (c[0], -(c[1] - c[0])))
    for s, e, name in candidates:
        if taken.overlaps((s, e)):
            continue
        slogan = canonical_slogan(text[s:e], r)
        if not slogan or slogan != text[s:e].translate(_WIDTH):
            continue
        found.append((s, e, slogan, False, f"{prefix}numbered:{name}"))
        taken.add((s, e))

    _add_known(text, found, _SpanSet((q.open_at, q.close_at) for q in accepted), r, prefix)

    quoted_slogans = {f[2] for f in found if f[3]}
    numbered_cache: dict[str, bool] = {}
    out = []
    for s, e, slogan, quoted, rule in sorted(found, key=lambda f: (f[0], f[1])):
        if slogan not in numbered_cache:
            numbered_cache[slogan] = is_numbered(slogan, r)
        out.append(SloganMention(slogan, _form(slogan in quoted_slogans, numbered_cache[slogan]),
                                 s, e, quoted, rule))
    return out


def slogan_rows(
    mentions: Iterable[SloganMention],
    bounds: tuple[int, int] | None = None,
) -> list[dict[str, Any]]:
    """Aggregate mentions per canonical slogan.

    Input: mentions from :func:`find_slogans`; ``bounds`` = ``(start, end)``
    normalised offsets to count only mentions lying wholly inside that range
    (e.g. one locality's block).  Output: one dict per slogan, in order of first
    occurrence, with ``slogan``, ``form``, ``count`` and ``start`` (first
    occurrence's normalised offset).  ``form`` is ``quoted`` when some
    occurrence inside the range is quoted (or, if none is, when the slogan is
    quoted elsewhere in the document and has no numeral), plus ``numbered``
    when the slogan has a numeral used as a number.  Never raises.
    """
    rows: dict[str, dict[str, Any]] = {}
    quoted_in: dict[str, bool] = {}
    for m in mentions:
        if bounds is not None and not (bounds[0] <= m.start and m.end <= bounds[1]):
            continue
        row = rows.get(m.slogan)
        if row is None:
            rows[m.slogan] = {"slogan": m.slogan, "form": m.form, "count": 1, "start": m.start}
            quoted_in[m.slogan] = m.quoted
        else:
            row["count"] += 1
            quoted_in[m.slogan] = quoted_in[m.slogan] or m.quoted
    for slogan, row in rows.items():
        numbered = row["form"].endswith("numbered")
        quoted = quoted_in[slogan] or (not numbered and row["form"].startswith("quoted"))
        row["form"] = _form(quoted, numbered)
    return list(rows.values())


_NUM_VALUE = {"一": 1, "二": 2, "两": 2, "双": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7,
              "八": 8, "九": 9, "十": 10}


_SEGMENT = regex.compile(r"([一二两双三四五六七八九十])([^一二两双三四五六七八九十]+)")
_N_ITEMS = regex.compile(r"([一二两三四五六七八九十])[大个项]")
_QUOTED_TAIL = regex.compile(r"[“「『‘\"]([^“”「」『』‘’\"]+)[”」』’\"]$")
_TRAILING_DE = regex.compile(r"[的等]$")
_RUNS_ON = regex.compile(r"(?:和|及|与|、)$")
_QUOTE_MARK = regex.compile(r"[“”「」『』‘’\"]")


def _segments(slogan: str, rules: SloganRules) -> tuple[tuple[int, str], ...] | None:
    """(number, word) segments of a compound like 两园两地 or 四地, else None."""
    return _segments_of(slogan)


@functools.lru_cache(maxsize=65536)
def _segments_of(slogan: str) -> tuple[tuple[int, str], ...] | None:
    # Memoised (the same slogans recur in every report), hence a tuple.
    segs = _SEGMENT.findall(slogan)
    if not segs or "".join(a + b for a, b in segs) != slogan:
        return None
    return tuple((_NUM_VALUE[a], b) for a, b in segs)


def _split_items(stretch: str, rules: SloganRules) -> list[str]:
    items = [x for x in stretch.split("、")]
    if items:
        first = items[0]
        changed = True
        while changed:
            changed = False
            for v in rules.lead_verbs:
                if first.startswith(v) and len(first) > len(v):
                    first = first[len(v):]
                    changed = True
        items[0] = first
    return [x.strip() for x in items]


def _quoted_parts(text: str, m: SloganMention, segs: tuple[tuple[int, str], ...],
                  rules: SloganRules) -> list[tuple[int, str]] | None:
    """Heuristic 2 of :func:`find_expansions` for a quoted mention ``m`` with
    segments ``segs``: ``(start, term)`` of the quoted terms in its sentence
    ending in each segment's word, exactly as many as the segment's number
    (sorted), or None."""
    lo = max(0, m.start - rules.expansion_window)
    # A term ending in a word contains it, and every segment needs at least
    # one term: a word absent from the window rules this out before the
    # sentence is cut and scanned for quotations (the usual case).
    if not all(text.find(w, lo, m.start - 1) >= 0 for _, w in segs):
        return None
    sent_start = max(text.rfind(ch, lo, m.start) for ch in "。；！？\n") + 1
    sent_start = max(sent_start, lo)
    region = text[sent_start:m.start - 1]
    terms = []
    for qre in rules.quote_res:
        for qm in qre.finditer(region):
            terms.append((sent_start + qm.start(1), qm.group(1)))
    terms.sort()
    if not terms:
        return None
    picked: list[tuple[int, str]] = []
    for k, word in segs:
        hits = [(p, t) for p, t in terms if t.endswith(word) and t != m.slogan]
        if len(hits) != k:
            return None
        picked.extend(hits)
    return sorted(picked)


def find_expansions(
    text: str,
    mentions: Sequence[SloganMention],
    rules: SloganRules | None = None,
) -> list[tuple[str, str, int]]:
    """Links from numbered slogans to the parts the text spells out.

    Input: normalised ``text`` and its :func:`find_slogans` mentions.  Output:
    ``(slogan, part, start)`` triples, ``start`` being the part's normalised
    offset, without duplicates, in text order.  Three heuristics (see
    ``[expansion]`` in slogans.toml): a 、-list of exactly N items right before
    ``N大X``/``N个X``; quoted terms in the same sentence ending in each segment's
    word, exactly as many as the segment's number (两园两地); a compound's own
    segments found as slogans (一老一小 with 一老, 一小).  Nothing is linked when
    the counts do not match exactly.  Never raises on valid mentions.
    """
    r = rules or load_slogan_rules()
    out: list[tuple[str, str, int]] = []
    seen: set[tuple[str, str]] = set()

    def add(slogan: str, part: str, start: int) -> None:
        if part and part != slogan and (slogan, part) not in seen:
            seen.add((slogan, part))
            out.append((slogan, part, start))

    by_slogan: dict[str, list[SloganMention]] = {}
    for m in mentions:
        by_slogan.setdefault(m.slogan, []).append(m)

    for m in mentions:
        if not m.form.endswith("numbered"):
            continue
        # 1. list of N items right before N大X / N个X
        lm = _N_ITEMS.match(m.slogan)
        if lm:
            n = _NUM_VALUE[lm.group(1)]
            open_at = m.start - 1 if m.quoted else m.start
            head = text[max(0, open_at - r.expansion_window):open_at]
            qm = _QUOTED_TAIL.search(head)
            if qm:
                stretch, base = qm.group(1), max(0, open_at - r.expansion_window) + qm.start(1)
            else:
                cut = max(head.rfind(ch) for ch in "，。；：！？\n,;:")
                stretch = head[cut + 1:]
                base = max(0, open_at - r.expansion_window) + cut + 1
                stretch = _TRAILING_DE.sub("", stretch)
            # 马列主义、毛泽东思想、邓小平理论和“三个代表”: a list that runs on
            # into the slogan (和/及/与 before it) names its neighbours, not its parts.
            if "、" in stretch and not _RUNS_ON.search(stretch):
                items = _split_items(stretch, r)
                rest = max((len(x) for x in items[1:]), default=0)
                if (len(items) == n and all(0 < len(x) <= r.expansion_max_item for x in items)
                        and len(items[0]) <= rest + 2
                        and not any(_QUOTE_MARK.search(x) for x in items)):
                    pos = base + len(stretch) - len("、".join(items))
                    for it in items:
                        add(m.slogan, it, pos)
                        pos += len(it) + 1
                    continue
        segs = _segments(m.slogan, r)
        if not segs:
            continue
        # 2. quoted terms in the same sentence ending in each segment's word
        if m.quoted:
            picked = _quoted_parts(text, m, segs, r)
            if picked is not None:
                for p, t in picked:
                    add(m.slogan, t, p)
                continue
        # 3. the compound's own segments found as slogans in the document
        if len(segs) >= 2:
            pos = 0
            parts = []
            for _, w in segs:
                seg_len = len(w) + 1
                parts.append(m.slogan[pos:pos + seg_len])
                pos += seg_len
            for p in parts:
                if p in by_slogan:
                    add(m.slogan, p, by_slogan[p][0].start)
    out.sort(key=lambda t: t[2])
    return out


# ---------------------------------------------------------------- rule checks


def _split_example(example: str) -> tuple[str, str | None]:
    if " => " in example:
        text, want = example.rsplit(" => ", 1)
        return text, want.strip()
    return example, None


def check_slogan_rules(rules: SloganRules | None = None) -> list[str]:
    """Run every example and counter-example of ``slogans.toml`` through the stage.

    Input: compiled rules (default: loaded from ``rules/``).  Output: failure
    messages ``file:line: rule NAME: example ...: what happened``; empty when
    every example behaves.  Raises :class:`tracker.rules.RuleError` only when
    the file itself cannot be loaded.
    """
    r = rules or load_slogan_rules()
    fails: list[str] = []

    def where(line: int | None) -> str:
        return f"{r.path}:{line}" if line else r.path

    def slogans_of(text: str) -> list[SloganMention]:
        return find_slogans(text, r)

    for f in r.filters:
        for ex in f.examples:
            got = [m for m in slogans_of(ex) if m.quoted and m.rule.endswith(":quoted")]
            if got:
                fails.append(f"{where(f.line)}: quote_filter {f.name!r}: example {ex!r} "
                             f"still gives quoted slogan(s) {[m.slogan for m in got]}")
        for ex in f.counter_examples:
            text, want = _split_example(ex)
            got = {m.slogan for m in slogans_of(text) if m.quoted}
            if (want is not None and want not in got) or (want is None and not got):
                fails.append(f"{where(f.line)}: quote_filter {f.name!r}: counter-example "
                             f"{ex!r} gives {sorted(got)}")
    for ex in r.length_examples:
        got = [m.slogan for m in slogans_of(ex) if m.quoted]
        if got:
            fails.append(f"{where(r.lines.get('length'))}: length limits: example {ex!r} "
                         f"still gives {got}")
    for ex in r.length_counter_examples:
        text, want = _split_example(ex)
        got = {m.slogan for m in slogans_of(text)}
        if want not in got:
            fails.append(f"{where(r.lines.get('length'))}: length limits: counter-example "
                         f"{ex!r} gives {sorted(got)}")
    for rule in r.numbered:
        tag = f":numbered:{rule.name}"
        for ex in rule.examples:
            text, want = _split_example(ex)
            got = {m.slogan for m in slogans_of(text) if m.rule.endswith(tag)}
            if want is None:
                fails.append(f"{where(rule.line)}: numbered {rule.name!r}: example {ex!r} "
                             "must be written 'TEXT => SLOGAN'")
            elif want not in got:
                fails.append(f"{where(rule.line)}: numbered {rule.name!r}: example {ex!r} "
                             f"gives {sorted(got)}")
        for ex in rule.counter_examples:
            got = {m.slogan for m in slogans_of(ex) if m.rule.endswith(tag)}
            if got:
                fails.append(f"{where(rule.line)}: numbered {rule.name!r}: counter-example "
                             f"{ex!r} gives {sorted(got)}")
    for ex in r.expansion_examples:
        text, want = _split_example(ex)
        if want is None or ":" not in want:
            fails.append(f"{where(r.lines.get('expansion'))}: expansion example {ex!r} must be "
                         "written 'TEXT => SLOGAN: PART | PART'")
            continue
        slogan, parts = want.split(":", 1)
        want_parts = [p.strip() for p in parts.split("|")]
        got = [p for s, p, _ in find_expansions(text, slogans_of(text), r) if s == slogan.strip()]
        if got != want_parts:
            fails.append(f"{where(r.lines.get('expansion'))}: expansion example {ex!r} "
                         f"gives {got}")
    for ex in r.expansion_counter_examples:
        got = find_expansions(ex, slogans_of(ex), r)
        if got:
            fails.append(f"{where(r.lines.get('expansion'))}: expansion counter-example {ex!r} "
                         f"gives {got}")
    return fails


__all__ = [
    "FORMS",
    "RuleError",
    "SloganMention",
    "SloganRules",
    "canonical_slogan",
    "check_slogan_rules",
    "find_expansions",
    "find_slogans",
    "is_numbered",
    "load_slogan_rules",
    "slogan_rows",
]
