"""Gazetteer of Chinese administrative divisions (GB/T 2260 codes, county level and above).

Runtime data: ``rules/gazetteer/divisions.csv`` (built by ``rules/gazetteer/build_gazetteer.py``
from the CC0 dataset yescallop/areacodes plus jionlp short names; see ``SOURCE.md`` there)
and ``rules/gazetteer/stoplist.tsv`` (match-suppression rules).  Only the standard library
is used at runtime.

Matching rules of :meth:`Gazetteer.find` (conservative on purpose):

* full names (``西宁市``, ``大通回族土族自治县``) and suffixed aliases (``大通县``, ``黔南州``)
  always match, except county-level names of two characters (``和县``, ``城区``, ``东区``)
  and the ``compound_only`` names of the stop list (``新城区``), which match only after their
  prefecture (``马鞍山市和县``, ``西安市新城区``);
* compounds prefecture + county (``西宁市城西区``, ``西宁城西区``, ``北京市朝阳区``) match as
  one mention, so the longest match wins over ``西宁市`` and ``城西区``;
* short names (``西宁``, ``青海``, ``济源``) match only for provinces, prefectures and
  county-level units directly under a province, only when at least two characters long
  and not listed as ``short`` in the stop list;
* ``block`` words of the stop list (``长治久安``, ``城中村``) are consumed without a mention;
* ``全国`` (pseudo-unit 100000) is never matched in text; use ``lookup``/``by_code``.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from tracker import PROJECT_ROOT

DATA_DIR = PROJECT_ROOT / "rules" / "gazetteer"
DEFAULT_PATH = DATA_DIR / "divisions.csv"
NATIONAL_CODE = "100000"
LEVELS = ("country", "province", "prefecture", "county")
_LEVEL_RANK = {lv: i for i, lv in enumerate(LEVELS)}


@dataclass(frozen=True)
class Division:
    """One administrative division, current or historic (one row of ``divisions.csv``).

    ``level`` is ``country`` (only 全国, 100000), ``province``, ``prefecture`` or ``county``.
    ``parent_code`` is the prefecture for counties (the province for districts of the four
    municipalities and for 省直辖县级市 such as 济源市), the province for prefectures.
    ``prefecture`` is the prefecture name for counties (the municipality for its districts,
    empty for units directly under a province).  Historic units have ``valid_until`` (the
    year the code/name stopped) and ``successor_code`` (primary successor; all successors
    in ``successor_codes``).  ``former_codes`` lists historic codes that now map here.
    """

    code: str
    name: str
    short_name: str
    level: str
    parent_code: str
    province: str
    prefecture: str
    aliases: tuple[str, ...] = ()
    successor_code: str = ""
    successor_codes: tuple[str, ...] = ()
    former_codes: tuple[str, ...] = ()
    valid_from: str = ""
    valid_until: str = ""

    @property
    def is_current(self) -> bool:
        """True for units in use in the latest data year."""
        return not self.valid_until


@dataclass(frozen=True)
class LocalityMention:
    """A division name found in a text: ``text[start:end] == surface``.

    ``kind`` is ``full`` (official name), ``alias`` (大通县, 黔南州), ``short`` (西宁) or
    ``compound`` (西宁市城西区).  ``candidates`` are all divisions the surface can denote,
    current ones first; use :meth:`Gazetteer.resolve` / :meth:`Gazetteer.resolve_mentions`
    to pick one.
    """

    start: int
    end: int
    surface: str
    kind: str
    candidates: tuple[Division, ...] = field(default=())


def _split(value: str) -> tuple[str, ...]:
    return tuple(v for v in value.split("|") if v)


def _read_stoplist(path: Path) -> dict[str, set[str]]:
    out: dict[str, set[str]] = {"block": set(), "short": set(), "compound_only": set()}
    if not path.exists():
        return out
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        kind, term = line.split("\t")[:2]
        if kind not in out:
            raise ValueError(f"{path}: unknown stop-list kind {kind!r}")
        out[kind].add(term)
    return out


class Gazetteer:
    """Name index and matcher over :class:`Division` rows.

    Build with :func:`load_gazetteer`.  Lookups are by code (:meth:`by_code`), exact name
    form (:meth:`lookup`), or scanning text (:meth:`find`).
    """

    def __init__(self, divisions: Iterable[Division], stoplist: dict[str, set[str]]) -> None:
        self.divisions: tuple[Division, ...] = tuple(divisions)
        self._stop = stoplist
        self._by_code: dict[str, Division] = {}
        for d in self.divisions:  # current row wins over a historic row with a reused code
            old = self._by_code.get(d.code)
            newer = old is not None and not old.is_current and d.valid_until > old.valid_until
            if old is None or d.is_current or newer:
                self._by_code[d.code] = d
        # Every known code's current code, worked out once: resolution asks
        # for it for each context code of each ambiguous mention.
        self._current = {code: self._follow(code) for code in self._by_code}
        self._forms: dict[str, dict[Division, str]] = {}  # surface -> division -> kind
        self._candidate_memo: dict[str, tuple[Division, ...]] = {}
        self._matchable: dict[str, set[str]] = {}  # surface -> kinds usable in find()
        for d in self.divisions:
            self._index(d)
        self._patterns: dict[str, tuple[str, tuple[Division, ...]]] = {}
        for surface, kinds in self._matchable.items():
            cands = self._candidates(surface)
            if cands:
                kind = min(kinds, key=("compound", "full", "alias", "short").index)
                self._patterns[surface] = (kind, cands)
        for word in stoplist["block"]:
            self._patterns.setdefault(word, ("block", ()))
        first: dict[str, set[int]] = {}
        for surface in self._patterns:
            first.setdefault(surface[:2], set()).add(len(surface))
        self._first = {k: tuple(sorted(v, reverse=True)) for k, v in first.items()}
        self._longest = max(map(len, self._patterns), default=0)
        # Positions where a form may start: a first character followed by a second
        # one, each from the forms' own.  Under 1 in 50 positions of a report pass,
        # so find() spends Python time on those only.  Stdlib re, because the
        # regex module is ten times slower on this lookahead of two large classes;
        # the first character is matched, not looked ahead at, so that re skips
        # to it with its class prefilter (the same positions, ~10% faster).
        firsts = "".join(sorted({k[0] for k in first}))
        seconds = "".join(sorted({k[1] for k in first}))
        self._starts = re.compile(f"[{re.escape(firsts)}](?=[{re.escape(seconds)}])")

    # -- index construction -------------------------------------------------------------
    def _add(self, surface: str, d: Division, kind: str, matchable: bool) -> None:
        if len(surface) < 2:
            return
        kinds = self._forms.setdefault(surface, {})
        kinds.setdefault(d, kind)
        if matchable:
            self._matchable.setdefault(surface, set()).add(kind)

    def _prefix_unit(self, d: Division) -> Division | None:
        if d.level != "county" or not d.prefecture:
            return None
        p = self._by_code.get(d.parent_code)
        return p if p is not None and p.name == d.prefecture else None

    def _index(self, d: Division) -> None:
        if d.level == "country":
            self._add(d.name, d, "full", False)
            return
        compound_only = self._stop["compound_only"]
        county_forms = [(d.name, "full"), *((a, "alias") for a in d.aliases)]
        for form, kind in county_forms:
            generic = d.level == "county" and (len(form) <= 2 or form in compound_only)
            colloquial = kind == "alias" and not form.endswith(d.name[-1])
            self._add(form, d, kind, not generic and not (colloquial and d.level == "county"))
        under_province = d.level == "county" and not d.prefecture
        if d.short_name != d.name:
            ok = (d.level in ("province", "prefecture") or under_province) and (
                d.short_name not in self._stop["short"]
            )
            self._add(d.short_name, d, "short", ok)
        p = self._prefix_unit(d)
        if p is not None:
            prefixes = {p.name, *p.aliases}
            if len(p.short_name) >= 2 and p.short_name not in self._stop["short"]:
                prefixes.add(p.short_name)
            for pre in prefixes:
                for form, kind in county_forms:
                    if kind == "alias" and not form.endswith(d.name[-1]):
                        continue
                    self._add(pre + form, d, "compound", True)

    def _candidates(self, surface: str) -> tuple[Division, ...]:
        got = self._candidate_memo.get(surface)
        if got is None:
            got = self._candidates_of(surface)
            if surface in self._forms:  # a fixed, finite set of names
                self._candidate_memo[surface] = got
        return got

    def _candidates_of(self, surface: str) -> tuple[Division, ...]:
        divs = list(self._forms.get(surface, {}))
        codes_here = {d.code for d in divs if d.is_current}
        keep = [d for d in divs if d.is_current or self.current(d.code) not in codes_here]
        # Drop duplicates of one historic identity (same name, different code eras).
        seen: set[tuple[str, str]] = set()
        out = []
        for d in sorted(keep, key=lambda x: (not x.is_current, -int(x.valid_until or 0))):
            key = (d.name, self.current(d.code)) if not d.is_current else (d.code, "")
            if key in seen:
                continue
            seen.add(key)
            out.append(d)
        return tuple(out)

    # -- public API -----------------------------------------------------------------------
    def by_code(self, code: str) -> Division | None:
        """Division with this 6-digit code (the current one if the code was reused), else None."""
        return self._by_code.get(str(code))

    def lookup(self, name: str) -> list[Division]:
        """All divisions an exact surface form can denote (full name, alias, short name or
        prefecture+county compound), current units first.  Historic units whose successor
        with the same surface is also listed are folded into it.  Unknown name -> ``[]``."""
        return list(self._candidates(name))

    def current(self, code: str) -> str:
        """Code of the current unit for ``code``, following primary successors.

        ``140421`` (长治县) -> ``140404`` (上党区).  A current code maps to itself; a code
        unknown to the gazetteer, or a historic one without successor, is returned unchanged.
        """
        return self._current.get(code, code)

    def _follow(self, code: str) -> str:
        """:meth:`current` worked out along the successor chain."""
        seen: set[str] = set()
        d = self._by_code.get(code)
        while d is not None and not d.is_current and d.successor_code and code not in seen:
            seen.add(code)
            code = d.successor_code
            d = self._by_code.get(code)
        return code

    def full_name(self, div: Division) -> str:
        """Output naming convention.

        Province/prefecture -> own name (``青海省``, ``西宁市``); county -> prefecture +
        county (``西宁市城西区``, ``北京市朝阳区``); autonomous counties/banners use their
        common suffixed form (大通回族土族自治县 -> ``西宁市大通县``); county-level unit
        directly under a province (``济源市``, ``仙桃市``) -> own name; 全国 -> ``全国``.
        """
        name = div.name
        if div.level == "county" and name.endswith(("自治县", "自治旗")):
            name = next((a for a in div.aliases if a.endswith(name[-1])), name)
        if div.level == "county" and div.prefecture:
            return div.prefecture + name
        return name

    def find(self, text: str) -> list[LocalityMention]:
        """All division mentions in ``text`` (simplified Chinese, no spaces), left to right,
        non-overlapping, longest match at each position.  See the module docstring for
        which forms match.  Cost is linear in ``len(text)``: a character-class scan (in C)
        finds the few positions whose two characters could start a form, and only those
        are probed in the dictionary keyed on the next two characters."""
        out: list[LocalityMention] = []
        first = self._first.get
        patterns = self._patterns
        n = len(text)
        i = 0  # text before i is consumed by an earlier match
        for m in self._starts.finditer(text):
            p = m.start()
            if p < i:
                continue
            lens = first(text[p : p + 2])
            if not lens:
                continue
            for length in lens:
                if p + length > n:  # a longer form would run past the end
                    continue
                s = text[p : p + length]
                hit = patterns.get(s)
                if hit is not None:
                    kind, cands = hit
                    if kind != "block":
                        out.append(LocalityMention(p, p + length, s, kind, cands))
                    i = p + length
                    break
        return out

    def form_ends_between(self, text: str, start: int, lo: int, hi: int) -> bool:
        """Whether a form :meth:`find` reports (block words aside) occurs in
        ``text[start:hi]`` ending at ``lo`` or later.

        Every mention ``find(text[start:hi])`` returns is such a form, so when
        there is none no mention of it ends that late; only the few positions
        within the longest form's length of ``lo`` are probed.
        """
        first = self._first.get
        patterns = self._patterns
        for p in range(max(start, lo - self._longest), hi - 1):
            for length in first(text[p : p + 2], ()):
                if lo <= p + length <= hi:
                    hit = patterns.get(text[p : p + length])
                    if hit is not None and hit[0] != "block":
                        return True
        return False

    def resolve(self, name: str, context_codes: Iterable[str] = ()) -> Division | None:
        """Pick the division ``name`` denotes, using codes known from context.

        ``context_codes``: codes of other divisions in the same document or from a manifest.
        Each candidate scores by its closest tie to a context code: itself (4), its parent
        prefecture (3), a sibling under the same prefecture (2), same province (1).  The
        unique best scorer wins; a tie returns None.  Without a deciding context: a single
        candidate wins; else a single current candidate wins over historic ones; else, for
        a short name, a single highest-level candidate wins (吉林 -> 吉林省); else None
        (城中区, 朝阳区 are truly ambiguous).  Unknown name -> None.
        """
        cands = self._candidates(name)
        if not cands:
            return None
        if len(cands) == 1:
            return cands[0]
        ctx = {str(c) for c in context_codes}
        ctx |= set(map(self._current.get, ctx, ctx))  # each code's current code
        if ctx:
            best = self._by_context(cands, ctx)
            if best is not None:
                return best
        current = [d for d in cands if d.is_current]
        if len(current) == 1:
            return current[0]
        pool = current or list(cands)
        kinds = self._forms.get(name, {})
        if all(kinds.get(d) == "short" or d.name != name for d in pool):
            top = min(_LEVEL_RANK[d.level] for d in pool)
            highest = [d for d in pool if _LEVEL_RANK[d.level] == top]
            if len(highest) == 1:
                return highest[0]
        return None

    def _by_context(self, cands: Iterable[Division], ctx: set[str]) -> Division | None:
        ctx_prefs = {c[:4] for c in ctx if not c.endswith("00")}
        ctx_provs = {c[:2] for c in ctx if c != NATIONAL_CODE}

        def score(d: Division) -> int:
            if d.code in ctx:
                return 4
            if d.parent_code in ctx:
                return 3
            if d.level == "county" and d.parent_code[:4] in ctx_prefs:
                return 2
            return 1 if d.code[:2] in ctx_provs else 0

        scored = sorted(((score(d), d) for d in cands), key=lambda x: -x[0])
        if scored[0][0] > 0 and (len(scored) == 1 or scored[0][0] > scored[1][0]):
            return scored[0][1]
        return None

    def resolve_mentions(
        self, mentions: Iterable[LocalityMention], context_codes: Iterable[str] = ()
    ) -> list[Division | None]:
        """Resolve every mention of one document; the codes of unambiguous mentions (plus
        ``context_codes``) serve as context for the ambiguous ones.  Returns one
        Division-or-None per mention, in order."""
        mentions = list(mentions)
        ctx = set(context_codes)
        ctx |= {m.candidates[0].code for m in mentions if len(m.candidates) == 1}
        # An ambiguous name repeated in the text resolves the same each time
        # (same surface, same candidates, same context): resolved once.
        memo: dict[tuple[str, frozenset[str]], Division | None] = {}
        return [self._resolve_mention(m, ctx, memo) for m in mentions]

    def _resolve_mention(self, m: LocalityMention, ctx: set[str],
                         memo: dict[tuple[str, frozenset[str]], Division | None]
                         ) -> Division | None:
        if len(m.candidates) == 1:
            return m.candidates[0]
        own = frozenset(d.code for d in m.candidates)
        key = (m.surface, own)
        if key not in memo:
            memo[key] = self.resolve(m.surface, ctx - own)
        return memo[key]


def _row_to_division(r: dict[str, str]) -> Division:
    succ = _split(r.get("successor_code", ""))
    return Division(
        code=r["code"], name=r["name"], short_name=r["short_name"] or r["name"],
        level=r["level"], parent_code=r["parent_code"], province=r["province"],
        prefecture=r["prefecture"], aliases=_split(r["aliases"]),
        successor_code=succ[0] if succ else "", successor_codes=succ,
        former_codes=_split(r["former_codes"]), valid_from=r.get("valid_from", ""),
        valid_until=r.get("valid_until", ""),
    )


@lru_cache(maxsize=8)
def _load(path: Path) -> Gazetteer:
    with path.open(encoding="utf-8", newline="") as f:
        divisions = [_row_to_division(r) for r in csv.DictReader(f)]
    return Gazetteer(divisions, _read_stoplist(path.with_name("stoplist.tsv")))


def load_gazetteer(path: Path | None = None) -> Gazetteer:
    """Load (and cache per resolved path) the gazetteer.

    ``path`` defaults to ``<PROJECT_ROOT>/rules/gazetteer/divisions.csv``; the stop list is
    read from ``stoplist.tsv`` next to it (optional).  Raises ``FileNotFoundError`` if the
    CSV is missing and ``KeyError`` if a required column is absent.
    """
    return _load(_resolved(DEFAULT_PATH if path is None else Path(path)))


@lru_cache(maxsize=8)
def _resolved(path: Path) -> Path:
    # Resolving walks the file system (a few system calls per component), and
    # several steps of every document ask for the gazetteer.
    return path.resolve()
