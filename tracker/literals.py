"""Strings every match of a rule pattern must contain: cheap prefilters.

A rule pattern from ``rules/`` is run by the ``regex`` engine under a time
limit (:mod:`tracker.ruleguard`), which costs a fixed overhead per call and a
try at every offset of the text.  Most texts, and most short windows around
a number, hold none of the strings a rule is about (圈, 双循环, 百日; 第, 从, 每).
:func:`required_literals` reads a pattern and returns strings one of which
every match contains; when none occurs, the rule cannot match and need not
run.  It understands plain syntax only and gives up (None: always run the
rule) on anything else, and on any pattern whose work per offset is not
small and bounded: an unbounded or long repeat, or a repeated group
((a|aa)+, .*.*@).  Only a pattern that could hit the time limit can have a
timeout recorded, so every such pattern is still always run; an accepted one
cannot get near the limit.  :func:`literal_prefilter` turns the strings into a
stdlib ``re`` alternation of literals, which cannot backtrack.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass

import regex

from tracker.rules import PLAIN_FLAGS

_LIT_CAP = 64  # most strings in a set (beyond that the set is dropped)
_MAX_REPEAT = 32  # longest repeat accepted ({0,4} is fine, * and {1,300} are not)
_MAX_WORK = 1000  # product of the repeats' ranges: backtracking at one offset


class _GiveUp(Exception):
    """The pattern uses syntax the literal analysis does not handle."""


_Lits = frozenset[str] | None


def _cross(a: frozenset[str], b: frozenset[str]) -> _Lits:
    if len(a) * len(b) > _LIT_CAP:
        return None
    return frozenset(x + y for x in a for y in b)


def _best(*sets: _Lits) -> _Lits:
    """The most selective requirement: longest shortest string, then fewest strings."""
    usable = [s for s in sets if s and "" not in s]
    if not usable:
        return None
    return max(usable, key=lambda s: (min(len(x) for x in s), -len(s)))


class _LitParser:
    """Recursive descent over a regex pattern; each part gives ``(exact,
    required, width, reach)``: ``exact`` the set of strings the part matches
    (None: too many or unknown), ``required`` strings one of which any match of
    the part contains (None: no requirement known), ``width`` the most
    characters a match of the part consumes and ``reach`` the furthest
    character after the part's start that matching it may read (lookaheads
    read beyond what is consumed).  ``anchored`` records an anchor or word
    boundary (whose answer depends on where a search starts or ends) and
    ``unsized`` a grapheme ``\\X`` (no bound on its width)."""

    _ZERO_WIDTH = frozenset("bBAZGmM")
    _ONE_CHAR = frozenset("dDwWsSX")  # X: a grapheme (length unknown, no literal)
    _LITERAL = {"n": "\n", "t": "\t", "r": "\r", "f": "\f", "v": "\v"}

    def __init__(self, pattern: str) -> None:
        self.p = pattern
        self.i = 0
        self.work = 1
        self.anchored = False
        self.unsized = False
        self.width = self.reach = 0

    def parse(self) -> _Lits:
        exact, req, self.width, self.reach = self.alternation()
        if self.i != len(self.p):
            raise _GiveUp
        return _best(req, exact)

    def peek(self) -> str:
        return self.p[self.i] if self.i < len(self.p) else ""

    def alternation(self) -> tuple[_Lits, _Lits, int, int]:
        branches = [self.sequence()]
        while self.peek() == "|":
            self.i += 1
            branches.append(self.sequence())
        if len(branches) == 1:
            return branches[0]
        exact: _Lits = frozenset()
        req: _Lits = frozenset()
        for e, r, _, _ in branches:
            exact = exact | e if exact is not None and e is not None else None
            r = _best(r, e)
            req = req | r if req is not None and r is not None else None
        if exact is not None and len(exact) > _LIT_CAP:
            exact = None
        if req is not None and len(req) > _LIT_CAP:
            req = None
        return (exact, req, max(b[2] for b in branches), max(b[3] for b in branches))

    def sequence(self) -> tuple[_Lits, _Lits, int, int]:
        exact: _Lits = frozenset({""})
        run: frozenset[str] = frozenset({""})  # the current run of exactly known parts
        best: _Lits = None
        width = reach = 0
        while self.peek() not in ("", "|", ")"):
            e, r, w, rch = self.quantified()
            reach = max(reach, width + rch)
            width += w
            best = _best(best, r)
            exact = _cross(exact, e) if exact is not None and e is not None else None
            if e is None:
                best = _best(best, run)
                run = frozenset({""})
                continue
            longer = _cross(run, e)
            if longer is None:
                best = _best(best, run)
                run = e
            else:
                run = longer
        return exact, _best(best, run), width, reach

    def quantified(self) -> tuple[_Lits, _Lits, int, int]:
        e, r, is_group, w, rch = self.atom()
        c = self.peek()
        if c not in ("*", "+", "?", "{"):
            return e, r, w, rch
        if c == "{":
            m = regex.match(r"\{(\d*)(?:(,)(\d*))?\}", self.p[self.i:])
            if m is None or (not m.group(1) and not m.group(3)):
                raise _GiveUp  # a literal brace, or fuzzy matching: not handled
            low = int(m.group(1) or 0)
            high = low if not m.group(2) else (int(m.group(3)) if m.group(3) else None)
            self.i += m.end()
        else:
            low, high = {"*": (0, None), "+": (1, None), "?": (0, 1)}[c]
            self.i += 1
        if self.peek() in ("?", "+"):
            self.i += 1  # lazy or possessive: the same strings
        if self.peek() in ("*", "+", "?", "{"):
            raise _GiveUp
        if high is None or high > _MAX_REPEAT or (is_group and high > 1):
            raise _GiveUp  # may backtrack a lot (catastrophically for a group)
        self.work *= high - low + 1
        if self.work > _MAX_WORK:
            raise _GiveUp
        # ``high`` repeats at most, the last of which may read its full reach.
        width, reach = high * w, ((high - 1) * w + rch if high else 0)
        if low == 0:
            return (e | {""} if e is not None and high == 1 else None), None, width, reach
        if low == high and e is not None:
            exact: _Lits = frozenset({""})
            for _ in range(low):
                exact = _cross(exact, e) if exact is not None else None
            return exact, _best(r, e, exact), width, reach
        return None, _best(r, e), width, reach

    def atom(self) -> tuple[_Lits, _Lits, bool, int, int]:
        c = self.peek()
        if c == "(":
            e, r, w, rch = self.group()
            return e, r, True, w, rch
        if c == "[":
            return self.char_class(), None, False, 1, 1
        if c == "\\":
            e, r = self.escape()
            one = 0 if e == frozenset({""}) else 1
            return e, r, False, one, one
        if c in ("*", "+", "?", "{", ")", ""):
            raise _GiveUp
        self.i += 1
        if c in ("^", "$"):
            self.anchored = True
            return frozenset({""}), None, False, 0, 0
        if c == ".":
            return None, None, False, 1, 1
        return frozenset({c}), None, False, 1, 1

    def group(self) -> tuple[_Lits, _Lits, int, int]:
        self.i += 1
        rest = self.p[self.i:]
        look = False
        if rest.startswith("?"):
            m = regex.match(r"\?(?::|P<\w+>|<\w+>|=|!|<=|<!)", rest)
            if m is None:
                raise _GiveUp  # flags, atomic, conditional, recursion, ...
            look = m.group() in ("?=", "?!", "?<=", "?<!")
            self.i += m.end()
        e, r, w, reach = self.alternation()
        if self.peek() != ")":
            raise _GiveUp
        self.i += 1
        if look:
            # Consumes nothing of the match.  A lookbehind reads before its
            # position, but counting its width as read ahead too keeps the
            # bound safe (a lookahead nested in it reads no further).
            return frozenset({""}), None, 0, reach
        return e, r, w, reach

    def escape(self) -> tuple[_Lits, _Lits]:
        c = self.p[self.i + 1:self.i + 2]
        self.i += 2
        if c in self._ZERO_WIDTH:
            self.anchored = True
            return frozenset({""}), None
        if c in self._ONE_CHAR:
            self.unsized = self.unsized or c == "X"
            return None, None
        if c in ("p", "P"):
            m = regex.match(r"\{[\w=:&. -]+\}|[A-Za-z]", self.p[self.i:])
            if m is None:
                raise _GiveUp
            self.i += m.end()
            return None, None
        if c in self._LITERAL:
            return frozenset({self._LITERAL[c]}), None
        if c and not c.isalnum() and c != "_":
            return frozenset({c}), None
        raise _GiveUp  # backreferences, \x, \N{...}, \L<...>, \K, ...

    def char_class(self) -> _Lits:
        self.i += 1
        chars: set[str] | None = set()
        if self.peek() == "^":
            self.i += 1
            chars = None  # negated: some character, no literal
        first = True
        while True:
            c = self.peek()
            if c == "":
                raise _GiveUp
            if c == "]" and not first:
                self.i += 1
                break
            if (first and c == "]") or c == "[" or self.p.startswith(
                    ("--", "&&", "||", "~~"), self.i):
                raise _GiveUp  # set operations, nested sets
            first = False
            if c == "\\":
                d = self.p[self.i + 1:self.i + 2]
                self.i += 2
                if d in self._LITERAL:
                    lit = self._LITERAL[d]
                elif d and not d.isalnum() and d != "_":
                    lit = d
                elif d in self._ONE_CHAR or d in ("p", "P"):
                    if d in ("p", "P"):
                        m = regex.match(r"\{[\w=:&. -]+\}|[A-Za-z]", self.p[self.i:])
                        if m is None:
                            raise _GiveUp
                        self.i += m.end()
                    chars = None
                    continue
                else:
                    raise _GiveUp
            else:
                lit = c
                self.i += 1
            if self.peek() == "-" and self.p[self.i + 1:self.i + 2] not in ("]", ""):
                hi = self.p[self.i + 1]
                if hi in ("\\", "["):
                    raise _GiveUp
                self.i += 2
                if ord(hi) < ord(lit):
                    raise _GiveUp
                if chars is not None:
                    if ord(hi) - ord(lit) > _LIT_CAP:
                        chars = None
                    else:
                        chars.update(chr(k) for k in range(ord(lit), ord(hi) + 1))
                continue
            if chars is not None:
                chars.add(lit)
        if chars is None or len(chars) > _LIT_CAP:
            return None
        return frozenset(chars)




@functools.lru_cache(maxsize=256)
def required_literals(pattern: str, flags: int) -> frozenset[str] | None:
    """Strings one of which every match of ``pattern`` contains, or None when
    unknown (syntax not understood, flags, or unbounded backtracking)."""
    if flags != PLAIN_FLAGS:
        return None
    try:
        return _LitParser(pattern).parse()
    except (_GiveUp, IndexError, ValueError):
        return None


@functools.lru_cache(maxsize=256)
def required_chars(pattern: str, flags: int) -> tuple[tuple[str, ...], ...] | None:
    """The distinct characters of each of :func:`required_literals`."""
    lits = required_literals(pattern, flags)
    return None if lits is None else tuple(tuple(dict.fromkeys(x)) for x in sorted(lits))


@functools.lru_cache(maxsize=256)
def literal_prefilter(pattern: str, flags: int) -> re.Pattern[str] | None:
    """A stdlib ``re`` pattern that finds one of :func:`required_literals` of
    ``pattern``, or None when they are unknown.  ``prefilter.search(text) is
    None`` proves that ``pattern`` has no match in ``text``; a literal
    alternation scans in linear time, with no timer needed."""
    lits = required_literals(pattern, flags)
    if not lits:
        return None
    return re.compile("|".join(re.escape(x) for x in sorted(lits, key=lambda x: (-len(x), x))))


@dataclass(frozen=True)
class Windows:
    """How to find the only places a pattern can match (:func:`match_windows`).

    ``finders``: stdlib ``re`` patterns, each a single anchor character with
    lookarounds; together they find, at its anchor character, every
    occurrence of each of :func:`required_literals`, so every match of the
    pattern contains a position they find.  ``width``: the most characters a
    match consumes.  ``reach``: how far after a match's start matching may
    read (lookaheads included), so a search stopped ``reach`` characters
    after a start answers as on the whole text.
    """

    finders: tuple[re.Pattern[str], ...]
    width: int
    reach: int


def _anchors(lits: frozenset[str], numerals: frozenset[str]) -> list[str]:
    """Characters such that every string of ``lits`` contains one: greedily
    the character in most strings not yet covered, preferring non-numerals
    (a numeral is the commonest character around the rules' strings; only
    the speed of the scan depends on the choice)."""
    left = set(lits)
    out: list[str] = []
    while left:
        count: dict[str, int] = {}
        for x in sorted(left):
            for ch in dict.fromkeys(x):
                count[ch] = count.get(ch, 0) + 1
        best = max(count, key=lambda ch: (count[ch], ch not in numerals, -ord(ch)))
        out.append(best)
        left = {x for x in left if best not in x}
    return out


@functools.lru_cache(maxsize=256)
def match_windows(pattern: str, flags: int,
                  numerals: frozenset[str] = frozenset()) -> Windows | None:
    """The :class:`Windows` of ``pattern``, or None when its required strings,
    the width of its matches or how far it reads are unknown, or when it uses
    an anchor or word boundary (whose answer depends on where a search
    starts).  Like :func:`required_literals`, accepted patterns have small,
    bounded work per offset: running one only in windows cannot hide a
    timeout that running it on the whole text would have recorded.
    ``numerals``: characters to avoid as anchors when there is a choice."""
    if flags != PLAIN_FLAGS:
        return None
    parser = _LitParser(pattern)
    try:
        lits = parser.parse()
    except (_GiveUp, IndexError, ValueError):
        return None
    if not lits or parser.anchored or parser.unsized:
        return None
    finders = []
    for anchor in _anchors(lits, numerals):
        # An occurrence of x is found at its first ``anchor``: what comes
        # before it (anchor included) by a lookbehind, the rest by a
        # lookahead.  Strings differing only in their first character share
        # one lookbehind with a character set (三大, 五大: [三五]大), which
        # the engine tests many times faster than an alternation.
        firsts: dict[tuple[str, str], set[str]] = {}
        for x in sorted(lits):
            j = x.find(anchor)
            if j >= 0:
                firsts.setdefault((x[1:j + 1] if j else "", x[j + 1:]), set()).update(
                    x[:1] if j else "")
        branches = []
        for (rest, after), chars in sorted(firsts.items()):
            one = "".join(re.escape(ch) for ch in sorted(chars))
            head = "" if not chars else (one if len(chars) == 1 else f"[{one}]")
            before = f"(?<={head}{re.escape(rest)})" if chars else ""
            branches.append(before + (f"(?={re.escape(after)})" if after else ""))
        body = "" if "" in branches else "(?:" + "|".join(branches) + ")"
        finders.append(re.compile(re.escape(anchor) + body))
    return Windows(tuple(finders), parser.width, parser.reach)
