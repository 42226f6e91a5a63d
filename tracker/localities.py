"""Which locality's government speaks in each part of a document.

Input: normalised text (with its article ``body`` range), metadata, and the
original text for line structure.  Output: an :class:`Attribution` with a
document-level locality (full name, current GB/T 2260 code), the main
speaker, and — for pages that quote several units' heads in turn — blocks
``(start, locality, code, speaker)``.

Document level: a manifest or JSONL ``locality`` wins; otherwise the
division mentioned most in the title and body, preferring the most specific
unit among those mentioned often (a district interview mentions its city
too); national work reports (国务院政府工作报告, 我代表国务院, delivered to the
全国人民代表大会) and texts that say 我国 more than they name any division
are ``全国``; Hong Kong, Macao and Taiwan in running text are partners, not
speakers; a page whose blocks belong to several counties of one prefecture
is that prefecture.

Blocks (rules in ``rules/speakers.toml``, finders in :mod:`tracker.speakers`):
the body is cut at byline lines (``省人大代表、西宁市大通县委副书记、县长 马明旭``,
with the headline next to them) and after reporter credits (``（记者 师晓琼）``).
Runs of bylines pair in order with the passages before them (or after them,
whichever fits the passages' own units better); a passage no byline claims
takes the unit its own text names as subject (``城北区将积极践行…``).
Ambiguous names (城中区) are resolved from the other names in the document
and the manifest.  Without bylines or credits a document is one block.
"""

from __future__ import annotations

import bisect
import functools
from collections import Counter
from dataclasses import dataclass, field
from itertools import accumulate

import regex

from tracker.gazetteer import NATIONAL_CODE, Division, Gazetteer, load_gazetteer
from tracker.normalize import NormalText
from tracker.speakers import (
    Speaker,
    find_credits,
    find_inline,
    find_subjects,
    implied_unit,
    load_speaker_rules,
    parse_byline,
)

# The State Council's own words: its report's title, its premier, the
# report's first sentence (我代表国务院，向大会报告政府工作; 我受国务院的委托，
# 向全国人民代表大会报告) and the line saying it was delivered to the
# National People's Congress (a local report's line names that locality's
# congress: 在西宁市第十七届人民代表大会…).
_NATIONAL = regex.compile(r"国务院.{0,6}政府工作报告|国务院总理|中华人民共和国国务院|我代表国务院"
                          r"|受国务院的?委托|根据国务院的决定"
                          r"|[在向][^\n。]{0,6}全国人民代表大会[^\n。]{0,12}(?:会议上|报告|作政府工作报告)")
_LEVEL_RANK = {"country": 0, "province": 1, "prefecture": 2, "county": 3}


@dataclass(frozen=True)
class Attribution:
    """Locality of a document.

    ``locality``/``code``: document-level full name (``长治市上党区``) and
    行政区划代码 (current code for renamed units), or None; ``speaker``: the
    document's main speaker (``区委书记张驰``) or None;
    ``blocks``: sorted ``(start, locality, code, speaker)`` in normalised
    offsets, each applying from ``start`` to the next block (empty for
    one-voice documents).
    """

    locality: str | None
    code: str | None
    blocks: tuple[tuple[int, str | None, str | None, str | None], ...] = ()
    speaker: str | None = None
    _starts: list[int] = field(default_factory=list, compare=False, repr=False)

    def __post_init__(self) -> None:
        if self.blocks and not self._starts:
            self._starts.extend(b[0] for b in self.blocks)

    def at(self, offset: int) -> tuple[str | None, str | None, str | None]:
        """``(locality, code, speaker)`` in force at a normalised offset."""
        if not self.blocks:
            return self.locality, self.code, self.speaker
        k = bisect.bisect_right(self._starts, offset) - 1
        if k < 0:
            return self.locality, self.code, self.speaker
        _, loc, code, speaker = self.blocks[k]
        return loc, code, speaker


def resolve_name(name: str, gaz: Gazetteer | None = None) -> tuple[str, str | None]:
    """Full name and current code of a locality given by metadata.

    ``name`` may be a full name (``西宁市城西区``), a bare name (``上党区``) or
    ``全国``; an unknown name is kept as given with no code.
    """
    gaz = gaz or load_gazetteer()
    if name == "全国":
        return "全国", NATIONAL_CODE
    mentions = gaz.find(name)
    if mentions and mentions[-1].end == len(name):
        divs = gaz.resolve_mentions(mentions)
        div = divs[-1] if divs else None
        if div is not None:
            return gaz.full_name(div), gaz.current(div.code)
    return name, None


NATIONAL_ALIASES = frozenset({"中国", "中华人民共和国", "国家", "国务院"})
"""Names a researcher may write for the whole country, which metadata spells 全国."""


def unresolved(name: str, gaz: Gazetteer | None = None) -> tuple[str, ...] | None:
    """Why :func:`resolve_name` gives metadata locality ``name`` no code.

    Returns None when ``name`` resolves to a code; otherwise the full names
    of the divisions it may denote when it is ambiguous (``城中区`` ->
    ``("柳州市城中区", "西宁市城中区")``, sorted), or ``()`` when the gazetteer
    does not know it (a typo, a unit it lacks, or one of
    :data:`NATIONAL_ALIASES`).
    """
    gaz = gaz or load_gazetteer()
    if resolve_name(name, gaz)[1] is not None:
        return None
    mentions = gaz.find(name)
    if mentions and mentions[-1].end == len(name):
        return tuple(sorted({gaz.full_name(d) for d in mentions[-1].candidates}))
    return ()


def _resolve(gaz: Gazetteer, mentions, ctx: set[str] = frozenset()) -> list[Division | None]:
    """Resolve mentions twice: names settled in the first pass (柳州 ->
    柳州市, once its historic namesake is ruled out) become context for
    the ambiguous ones (城中区 -> 柳州市城中区) in the second."""
    mentions = list(mentions)
    first = gaz.resolve_mentions(mentions, ctx)
    more = set(ctx) | {d.code for d in first if d is not None}
    return gaz.resolve_mentions(mentions, more) if more != set(ctx) else first


@functools.lru_cache(maxsize=32)
def _find(gaz: Gazetteer, text: str) -> tuple:
    """``gaz.find(text)``, memoised: the title and body are scanned by
    several steps of one document."""
    return tuple(gaz.find(text))


# Mainland government texts name Hong Kong, Macao and Taiwan as partners
# (支持香港、澳门保持长期繁荣稳定, 台湾同胞, 港澳台资), never as the unit that
# speaks: in running text they are not counted (a title still names them).
_PARTNER_CODES = ("71", "81", "82")
# How a local government speaks of its own unit.
_LOCAL_SELF = ("我市", "我县", "我区", "我省", "我州", "我旗", "我盟")


def _score_divisions(gaz: Gazetteer, text: str, title: str) -> Counter[Division]:
    counts: Counter[Division] = Counter()
    for weight, part in ((3, title), (1, text)):
        if not part:
            continue
        mentions = _find(gaz, part)
        for _m, div in zip(mentions, _resolve(gaz, mentions), strict=False):
            if div is not None and (weight > 1 or not div.code.startswith(_PARTNER_CODES)):
                counts[div] += weight
    return counts


def _context_codes(gaz: Gazetteer, text: str, title: str, code: str | None) -> set[str]:
    """Codes of unambiguous mentions plus the manifest unit: context that
    decides ambiguous names (城中区 next to 西宁市 -> 西宁市城中区)."""
    ctx = {code} if code and code != NATIONAL_CODE else set()
    for part in (title, text):
        ctx |= {d.code for d in _resolve(gaz, _find(gaz, part), ctx) if d is not None}
    return ctx


_REPORT_TITLE = regex.compile(
    r"^(?P<name>\p{Han}{2,12}?)(?:(?:19|20)\d\d年)?(?:政府工作报告|国民经济和社会发展)")


def _title_unit(gaz: Gazetteer, title: str, text: str) -> Division | None:
    """The unit a report's title names (凤县2023年政府工作报告 -> 凤县), which
    is surer than counting mentions and works for two-character county
    names that are not matched in running text.  Ambiguous names are
    resolved with the body's other mentions; None when the title is not
    a report title or the name is unknown or still ambiguous."""
    m = _REPORT_TITLE.match(title)
    return _unit_named(gaz, m.group("name"), text) if m else None


# The line under a local report's title names the congress it was delivered
# to: （2024年1月10日在西宁市第十七届人民代表大会第四次会议上）.
_LOCAL_CONGRESS = regex.compile(r"在(\p{Han}{2,12}?)第[^\n。]{1,4}届人民代表大会")


def _congress_unit(gaz: Gazetteer, head: str, text: str) -> Division | None:
    """The unit whose people's congress a report was delivered to, or None."""
    m = _LOCAL_CONGRESS.search(head) if "人民代表大会" in head else None
    return _unit_named(gaz, m.group(1), text) if m else None


def _unit_named(gaz: Gazetteer, name: str, text: str) -> Division | None:
    """The division ``name`` stands for (ambiguous names resolved with the
    text's other mentions); None when unknown or still ambiguous."""
    cands = [d for d in gaz.lookup(name) if d.level != "country"]
    if len(cands) > 1:
        ctx = {d.code for d in _resolve(gaz, _find(gaz, text)) if d is not None}
        return gaz.resolve(name, ctx)
    return cands[0] if cands else None


def _document_level(gaz: Gazetteer, text: str, title: str | None,
                    locality: str | None) -> tuple[str | None, str | None]:
    if locality:
        return resolve_name(locality, gaz)
    head = (title or "") + text[:2000]
    if _NATIONAL.search(head):
        return "全国", NATIONAL_CODE
    named = _title_unit(gaz, title or "", text) or _congress_unit(gaz, head, text)
    if named is not None:
        return gaz.full_name(named), gaz.current(named.code)
    counts = _score_divisions(gaz, text, title or "")
    top = max(counts.values(), default=0)
    # 我国 is how the country's own government speaks of it (a county says 我县,
    # a city 我市): a text that says it more often than it names any one
    # division, or speaks of itself locally, speaks for the whole country.
    ours = text.count("我国")
    if ours >= max(3, top) and ours > sum(map(text.count, _LOCAL_SELF)):
        return "全国", NATIONAL_CODE
    if not counts:
        return None, None
    # The most specific unit among those mentioned at least a third as often
    # as the leader: 上党区 over 长治市 in a 上党区 interview.
    strong = [d for d, c in counts.items() if c >= max(2, top / 3)] or list(counts)
    best = max(strong, key=lambda d: (_LEVEL_RANK.get(d.level, 0), counts[d], d.code))
    return gaz.full_name(best), gaz.current(best.code)


def attribute(text: str, *, title: str | None = None, locality: str | None = None,
              gaz: Gazetteer | None = None, body: tuple[int, int] | None = None,
              nt: NormalText | None = None, original: str | None = None) -> Attribution:
    """Locality, speaker and per-block localities of normalised ``text``.

    Input: the normalised text (the whole document, with ``body`` its
    ``[start, end)`` article range; without ``body`` all of ``text``), the
    title, a manifest ``locality`` if any, and — for bylines, which are
    whole lines of the page — the :class:`~tracker.normalize.NormalText` and
    the original text (without them the lines of ``text`` are used).
    Output: :class:`Attribution` whose block offsets are offsets into
    ``text``.  See the module docstring for the rules.
    """
    gaz = gaz or load_gazetteer()
    rules = load_speaker_rules()
    b0, b1 = body or (0, len(text))
    btext = text[b0:b1]
    name, code = _document_level(gaz, btext, title, locality)
    if code == NATIONAL_CODE:
        # The State Council speaks with one voice: no blocks to find.
        return Attribution(name, code)
    doc_div = gaz.by_code(code) if code and code != NATIONAL_CODE else None
    ctx = _context_codes(gaz, btext, title or "", code)
    pieces = _pieces(text, b0, b1, nt, original, gaz, ctx, rules)
    bylines = [p for p in pieces if p.kind == "byline"]
    speaker = _doc_speaker(gaz, btext, doc_div, code, bylines, ctx, rules)
    if len(pieces) < 2:
        return Attribution(name, code, speaker=speaker)
    manifest_div = doc_div if locality else None
    blocks = _assign(gaz, text, pieces, name, code, speaker, manifest_div, bool(locality))
    if len({(b[2], b[3]) for b in blocks}) < 2:
        return Attribution(name, code, speaker=blocks[0][3] if blocks else speaker)
    if not locality:
        new_name, new_code = _common_unit(gaz, blocks, name, code)
        if new_code != code:
            name, code = new_name, new_code
            doc_div = gaz.by_code(code) if code else None
            speaker = _doc_speaker(gaz, btext, doc_div, code, bylines, ctx, rules)
    return Attribution(name, code, tuple(blocks), speaker)


@dataclass
class _Piece:
    """A passage of text or a byline unit (byline plus its headline), in
    normalised offsets; ``speaker``/``unit`` for bylines, ``unit`` for a
    passage is the unit its text speaks for (None when unclear)."""

    kind: str  # "passage" | "byline"
    start: int
    end: int
    unit: Division | None = None
    speaker: Speaker | None = None
    owner: _Piece | None = None  # the byline that claims a passage


_TERMINAL = regex.compile(r"[。！？!?；;]")
# At least eight Han characters (a passage worth attributing); matched rather
# than counted with findall, which lists every character of a long passage.
_EIGHT_HAN = regex.compile(r"(?:\P{Han}*+\p{Han}){8}")
_WHITESPACE = regex.compile(r"\s+")


def _to_normalised(nt: NormalText, o: int, starts: list[int] | None = None) -> int:
    """Normalised offset of original offset ``o`` (a deleted character maps to
    the next kept one).  ``starts``: the anchors' original offsets, when the
    caller converts many offsets of one text."""
    if starts is None:
        starts = [a[1] for a in nt.anchors]
    k = bisect.bisect_right(starts, o) - 1
    if k < 0:
        return 0
    n0, o0 = nt.anchors[k]
    run = (nt.anchors[k + 1][0] if k + 1 < len(nt.anchors) else len(nt.text)) - n0
    return n0 + min(o - o0, run)


class _Lines:
    """Lines of the page body: ``raw[i]`` as on the page (the original text,
    or ``text`` without an offset map) and :meth:`span`, its normalised
    ``(start, end)`` clipped to the body.

    Only byline units need a line's offsets, so they are worked out for the
    lines asked about rather than for every line of the page.
    """

    def __init__(self, text: str, b0: int, b1: int, nt: NormalText | None,
                 original: str | None) -> None:
        if nt is None or original is None:
            src, lo, hi = text, b0, b1
            nt = None
        else:
            src, lo = original, nt.to_original(b0)
            hi = nt.to_original(b1) if b1 < len(nt.text) else len(original)
        self.raw = src[lo:hi].split("\n")
        self._nt, self._lo, self._b0, self._b1 = nt, lo, b0, b1
        self._starts: list[int] | None = None
        self._anchor_starts: list[int] | None = None

    def span(self, i: int) -> tuple[int, int]:
        """Normalised ``(start, end)`` of line ``i``, within the body."""
        if self._starts is None:
            self._starts = list(accumulate(map((1).__add__, map(len, self.raw)),
                                           initial=self._lo))
        s = self._starts[i]
        e = s + len(self.raw[i])
        if self._nt is not None:
            if self._anchor_starts is None:
                self._anchor_starts = [a[1] for a in self._nt.anchors]
            s = _to_normalised(self._nt, s, self._anchor_starts)
            e = _to_normalised(self._nt, e, self._anchor_starts)
        return max(s, self._b0), min(e, self._b1)


def _is_headline(raw: str) -> bool:
    s = _WHITESPACE.sub("", raw)
    return 4 <= len(s) <= 40 and not _TERMINAL.search(s) and not s.startswith(("（", "("))


def _pieces(text: str, b0: int, b1: int, nt: NormalText | None, original: str | None,
            gaz: Gazetteer, ctx: set[str], rules) -> list[_Piece]:
    """The body cut into passages and byline units.

    A byline line takes a short headline line directly above it (after a
    blank line) or, failing that, the headline line below it (followed by a
    blank line).  Reporter credits (``（记者 师晓琼）``) close a passage.
    """
    lines = _Lines(text, b0, b1, nt, original)
    raw = lines.raw
    blank = [not ln.strip() for ln in raw]
    spk = [None if b else parse_byline(ln, gaz=gaz, context=ctx, rules=rules)
           for b, ln in zip(blank, raw, strict=True)]
    used: set[int] = set()
    units: list[_Piece] = []
    for i, sp in enumerate(spk):
        if sp is None:
            continue
        first = last = i
        if (i >= 1 and not blank[i - 1] and spk[i - 1] is None and i - 1 not in used
                and (i < 2 or blank[i - 2]) and _is_headline(raw[i - 1])):
            first = i - 1
        else:
            j = i + 1
            while j < len(raw) and blank[j]:
                j += 1
            nxt_blank = j + 1 >= len(raw) or blank[j + 1]
            if (j < len(raw) and spk[j] is None and _is_headline(raw[j])
                    and nxt_blank):
                last = j
        used.update(range(first, last + 1))
        div = sp.unit
        units.append(_Piece("byline", lines.span(first)[0], lines.span(last)[1], div, sp))
    cuts: list[tuple[int, int, _Piece | None]] = [(u.start, u.end, u) for u in units]
    for s, e in find_credits(text[b0:b1], rules):
        if not any(u.start <= b0 + s < u.end for u in units):
            cuts.append((b0 + s, b0 + e, None))
    cuts.sort(key=lambda c: c[0])
    pieces: list[_Piece] = []
    pos = b0

    def passage(s: int, e: int) -> None:
        if _EIGHT_HAN.match(text, s, e):
            pieces.append(_Piece("passage", s, e, _text_unit(gaz, text[s:e], ctx, rules)))

    for s, e, unit in cuts:
        if unit is None:  # a credit ends the passage it closes
            passage(pos, e)
            pos = max(pos, e)
        else:
            passage(pos, s)
            pieces.append(unit)
            pos = max(pos, e)
    passage(pos, b1)
    return pieces


def _is_ancestor(a: Division, b: Division) -> bool:
    """True when ``a`` is a province or prefecture containing ``b``."""
    if _LEVEL_RANK.get(a.level, 0) >= _LEVEL_RANK.get(b.level, 0):
        return False
    return b.parent_code == a.code or (a.level == "province" and b.province == a.name)


def _text_unit(gaz: Gazetteer, text: str, ctx: set[str], rules) -> Division | None:
    """The unit a passage speaks for, from its own text: units named as the
    subject of a plan sentence weigh 3, other mentions 1; units containing
    another mentioned unit (西宁市 around 城中区) are skipped; the leader needs
    a weight of 2 and a clear lead."""
    mentions = _find(gaz, text)  # a one-passage body was scanned already
    divs = [d for d in _resolve(gaz, mentions, ctx) if d is not None]
    score: Counter[str] = Counter()
    by_code: dict[str, Division] = {}
    for d in divs:
        c = gaz.current(d.code)
        score[c] += 1
        by_code.setdefault(c, gaz.by_code(c) or d)
    for _, d in find_subjects(text, gaz=gaz, context=ctx, rules=rules, mentions=mentions):
        c = gaz.current(d.code)
        score[c] += 2
        by_code.setdefault(c, gaz.by_code(c) or d)
    units = [by_code[c] for c in score if by_code[c].level != "country"]
    units = [u for u in units if not any(_is_ancestor(u, v) for v in units if v is not u)]
    ranked = sorted(units, key=lambda u: -score[u.code])
    if not ranked or score[ranked[0].code] < 2:
        return None
    if len(ranked) > 1 and score[ranked[1].code] * 2 > score[ranked[0].code]:
        return None
    return ranked[0]


def _compat(p: _Piece, u: _Piece) -> int:
    """How well a passage fits a byline: 2 same unit, 1 unknown or enclosing,
    -2 another unit."""
    if p.unit is None or u.unit is None:
        return 1
    if p.unit.code == u.unit.code:
        return 2
    return 1 if _is_ancestor(p.unit, u.unit) else -2


def _runs(pieces: list[_Piece]) -> list[tuple[list[_Piece], list[_Piece], list[_Piece]]]:
    """Runs of consecutive bylines with the passages just before and after."""
    out = []
    i = 0
    while i < len(pieces):
        if pieces[i].kind != "byline":
            i += 1
            continue
        j = i
        while j < len(pieces) and pieces[j].kind == "byline":
            j += 1
        b = i
        while b > 0 and pieces[b - 1].kind == "passage":
            b -= 1
        a = j
        while a < len(pieces) and pieces[a].kind == "passage":
            a += 1
        out.append((pieces[i:j], pieces[b:i], pieces[j:a]))
        i = j
    return out


def _passage_speaker(gaz: Gazetteer, text: str, unit: Division) -> str | None:
    """First head named in a passage whose title fits ``unit`` (same unit,
    or a title of the unit's level with no unit named), as ``title+name``."""
    for sp in find_inline(text, gaz=gaz, context={unit.code}):
        if (sp.unit is not None and gaz.current(sp.unit.code) == gaz.current(unit.code)) or (
                sp.unit is None and sp.level == unit.level):
            return sp.label
    return None


def _assign(gaz: Gazetteer, text: str, pieces: list[_Piece], name: str | None,
            code: str | None, speaker: str | None, manifest: Division | None,
            has_manifest: bool) -> list[tuple[int, str | None, str | None, str | None]]:
    """Pair bylines with passages and name every piece's unit.

    Bylines come either after their piece (newspaper pages: text, credit,
    byline) or before it; the direction that fits the passages' own units
    best wins.  A run of k bylines pairs, in order, with the k passages next
    to it (seed 004 lists three district heads' bylines after their three
    pieces).  A passage no byline claims keeps the unit of its own text.
    """
    runs = _runs(pieces)

    def pairs(backward: bool) -> list[tuple[_Piece, _Piece]]:
        out = []
        for run, before, after in runs:
            side = [p for p in (before if backward else after) if p.owner is None]
            k = min(len(run), len(side))
            chosen = side[len(side) - k:] if backward else side[:k]
            bys = run[len(run) - k:] if backward else run[:k]
            out += list(zip(chosen, bys, strict=True))
        return out

    back, fwd = pairs(True), pairs(False)
    sb = sum(_compat(p, u) for p, u in back)
    sf = sum(_compat(p, u) for p, u in fwd)
    first_byline = next(i for i, p in enumerate(pieces) if p.kind == "byline") \
        if runs else 0
    use = back if (sb > sf or (sb == sf and first_byline > 0)) else fwd
    for p, u in use:
        if _compat(p, u) > 0:
            p.owner = u

    def allowed(div: Division | None) -> bool:
        return div is not None and (manifest is None or div.code == manifest.code
                                    or _is_ancestor(manifest, div)) and (
            not has_manifest or manifest is not None)

    blocks = []
    for p in pieces:
        src = p if p.kind == "byline" else p.owner
        if src is not None and allowed(src.unit):
            u = src.unit
            cur = gaz.current(u.code)
            loc = gaz.full_name(gaz.by_code(cur) or u)
            who = src.speaker.label if src.speaker else None
            blocks.append((p.start, loc, cur, who))
        elif src is not None:
            blocks.append((p.start, name, code, src.speaker.label if src.speaker else None))
        elif allowed(p.unit):
            cur = gaz.current(p.unit.code)
            loc = gaz.full_name(gaz.by_code(cur) or p.unit)
            # The passage's own speaker (县长王涛作政府工作报告) when it names
            # one with this unit's rank; the document's otherwise.
            own = _passage_speaker(gaz, text[p.start:p.end], p.unit)
            blocks.append((p.start, loc, cur, own or (speaker if cur == code else None)))
        else:
            doc_div = gaz.by_code(code) if code else None
            own = (_passage_speaker(gaz, text[p.start:p.end], doc_div)
                   if doc_div is not None and p.kind == "passage" else None)
            blocks.append((p.start, name, code, own or speaker))
    merged: list[tuple[int, str | None, str | None, str | None]] = []
    for b in blocks:
        if merged and merged[-1][1:] == b[1:]:
            continue
        merged.append(b)
    return merged


def _common_unit(gaz: Gazetteer, blocks, name: str | None,
                 code: str | None) -> tuple[str | None, str | None]:
    """Document-level unit of a page quoting several units: their common
    prefecture (西宁五区两县 -> 西宁市) when they share one."""
    divs = {gaz.by_code(b[2]) for b in blocks if b[2]}
    divs.discard(None)
    if len(divs) < 2:
        return name, code
    parents = {d.parent_code if d.level == "county" else d.code for d in divs}
    if len(parents) == 1:
        p = gaz.by_code(parents.pop())
        if p is not None:
            return gaz.full_name(p), gaz.current(p.code)
    return name, code


def _doc_speaker(gaz: Gazetteer, text: str, doc_div: Division | None, code: str | None,
                 bylines: list[_Piece], ctx: set[str], rules) -> str | None:
    """The speaker of the document's own unit: a byline naming that unit,
    else the title+name most often named inline with that unit
    (``上党区委书记张驰``, ``市长张宇松`` in a 济源市 page)."""
    for b in bylines:
        if b.speaker and b.unit is not None and code and gaz.current(b.unit.code) == code:
            return b.speaker.label
    counts: Counter[str] = Counter()
    for sp in find_inline(text, gaz=gaz, context=ctx, rules=rules):
        unit = sp.unit or implied_unit(sp.title, doc_div, gaz)
        own = unit is not None and code and gaz.current(unit.code) == code
        if own or (code == NATIONAL_CODE and sp.level == "country"):
            counts[sp.label] += 1
    return counts.most_common(1)[0][0] if counts else None
