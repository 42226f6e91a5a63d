"""Who speaks: bylines, inline speaker mentions, reporter credits, subject units.

Driven by ``rules/speakers.toml``.  Three finders, all on plain strings:

* :func:`parse_byline` — one line such as ``省人大代表、西宁市大通县委副书记、县长 马明旭``
  -> :class:`Speaker` (unit 西宁市大通县, title 县长, name 马明旭), else None;
* :func:`find_inline` — running text ``上党区委书记张驰接受记者专访`` -> speakers with
  their offsets;
* :func:`find_credits` / :func:`find_subjects` — ``（记者 师晓琼）`` spans that close a
  newspaper piece, and units named as the subject of a plan sentence
  (``大通县将深刻领会…``).

A title without a unit (``市长张宇松``) is resolved against the document's own
unit with :func:`implied_unit`.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import regex

from tracker import ruleguard
from tracker.gazetteer import Division, Gazetteer, LocalityMention, load_gazetteer
from tracker.rules import compile_pattern, read_rule_file, string_list

_LEVELS = ("", "country", "province", "prefecture", "county")
_UNIT_CHARS = "省市县区州盟旗"
_BYLINE = ruleguard.RuleRef("speakers.toml", None, "byline", key="byline_prefix")
_INLINE = ruleguard.RuleRef("speakers.toml", None, "inline name", key="name")
_CREDIT = ruleguard.RuleRef("speakers.toml", None, "credit", key="credit")
_SUBJECT = ruleguard.RuleRef("speakers.toml", None, "subject", key="subject")
_WHITESPACE = regex.compile(r"\s+")


@dataclass(frozen=True)
class SpeakerRules:
    """``rules/speakers.toml`` compiled.

    ``titles``: title -> level of the unit it heads (``""``: none implied);
    ``byline``: full-line pattern (spaces removed) with groups ``title`` and
    ``name``; ``inline``: running-text pattern, same groups; ``credit``;
    ``subject`` (what follows a unit named as a sentence subject);
    ``examples``: example lists by kind.
    """

    titles: dict[str, str]
    byline: regex.Pattern[str]
    inline: regex.Pattern[str]
    credit: regex.Pattern[str]
    subject: regex.Pattern[str]
    examples: dict[str, tuple[str, ...]]


@dataclass(frozen=True)
class Speaker:
    """A speaker found in a text.

    ``start``/``end``: offsets of the match in the searched string; ``title``
    (``县长``, ``区委书记``) and ``name`` (``马明旭``); ``unit``: the division
    named with the title (None when the text names none); ``level``: level the
    title implies (``county``…, ``""`` for 代表/书记).
    """

    start: int
    end: int
    title: str
    name: str
    unit: Division | None
    level: str

    @property
    def label(self) -> str:
        """Title and name as one value for the ``speaker`` column (``县长马明旭``)."""
        return self.title + self.name


@functools.lru_cache(maxsize=8)
def load_speaker_rules(directory: Path | str | None = None) -> SpeakerRules:
    """Load ``rules/speakers.toml``; raises :class:`tracker.rules.RuleError`."""
    keys = ("name", "name_end", "byline_prefix", "byline_roles", "credit", "subject",
            "titles", "examples")
    rf = read_rule_file("speakers.toml", {}, top_level=keys, directory=directory)
    d = rf.data
    titles = d.get("titles", {})
    if not isinstance(titles, dict):
        raise rf.error("titles must be a table of title = level", "[titles]")
    for t, lv in titles.items():
        if lv not in _LEVELS:
            raise rf.error(f"title {t!r}: level must be one of {_LEVELS}", t)
    for key in ("name", "name_end", "byline_prefix", "byline_roles", "credit", "subject"):
        compile_pattern(rf, d.get(key, ""), key)
    alt = "|".join(regex.escape(t) for t in sorted(titles, key=lambda t: (-len(t), t)))
    inline_alt = "|".join(regex.escape(t) for t in sorted(
        (t for t, lv in titles.items() if lv or t == "书记"), key=lambda t: (-len(t), t)))
    name, end = d.get("name", r"\p{Han}{2,3}"), d.get("name_end", "")
    byline = regex.compile(
        rf"^{d.get('byline_prefix', '')}(?:{d.get('byline_roles', '')})*"
        rf"[^、，,。；;：:！？!?“”]{{0,20}}?(?<!副)(?P<title>{alt})(?P<name>\p{{Han}}{{2,4}})$")
    lazy = name + "?" if name.endswith("}") else name  # shortest name first
    inline = regex.compile(rf"(?<!副)(?P<title>{inline_alt})(?P<name>{lazy})(?={end})")
    ex = d.get("examples", {})
    examples = {k: string_list(rf, v, f"examples.{k}") for k, v in ex.items()}
    return SpeakerRules(dict(titles), byline, inline,
                        compile_pattern(rf, d.get("credit", "(?!)"), "credit"),
                        compile_pattern(rf, d.get("subject", "(?!)"), "subject"), examples)


def _unit_before(gaz: Gazetteer, text: str, title_start: int,
                 context: set[str]) -> Division | None:
    """The division named right before a title (``上党区委书记``: the 区 is shared).

    Only the :data:`UNIT_WINDOW` characters before the title are scanned (the
    mentions there also serve as context for an ambiguous name): scanning the
    whole text before every title is quadratic on a long document.
    """
    lo = max(0, title_start - UNIT_WINDOW)
    if not gaz.form_ends_between(text, lo, title_start - 3, title_start + 1):
        return None  # no mention can end next to the title: the window need not be read
    mentions = gaz.find(text[lo:title_start + 1])
    if not mentions:
        return None
    divs = gaz.resolve_mentions(mentions, context)
    m, div = mentions[-1], divs[-1]
    return div if lo + m.end >= title_start - 3 else None


#: Characters before a title searched for its unit and context (see _unit_before).
UNIT_WINDOW = 3000


def parse_byline(line: str, *, gaz: Gazetteer | None = None, context: set[str] | None = None,
                 rules: SpeakerRules | None = None) -> Speaker | None:
    """A byline line -> :class:`Speaker` (offsets within the line with spaces
    removed), else None.

    ``省人大代表、西宁市大通县委副书记、县长 马明旭`` -> unit 西宁市大通县, title 县长,
    name 马明旭.  The unit is the last division named before the title.
    ``context``: codes that decide ambiguous names (城中区).
    """
    rules = rules or load_speaker_rules()
    gaz = gaz or load_gazetteer()
    s = _WHITESPACE.sub("", line)  # precompiled: regex.sub's cache lookup costs per line
    if not 4 <= len(s) <= 60:
        return None
    m = ruleguard.match(rules.byline, s, _BYLINE)
    if not m:
        return None
    title = m.group("title")
    unit = None
    mentions = gaz.find(s[:m.start("title") + 1])
    if mentions:
        unit = gaz.resolve_mentions(mentions, context or set())[-1]
    return Speaker(0, len(s), title, m.group("name"), unit, rules.titles.get(title, ""))


def find_inline(text: str, *, gaz: Gazetteer | None = None, context: set[str] | None = None,
                rules: SpeakerRules | None = None) -> list[Speaker]:
    """Speakers named in running (normalised) text, left to right.

    ``日前，上党区委书记张驰接受记者专访`` -> [Speaker(title 区委书记, name 张驰, unit 上党区)].
    Deputies (副市长) are skipped; a name is 2-3 characters followed by a
    speech verb or punctuation (``name_end``).
    """
    rules = rules or load_speaker_rules()
    gaz = gaz or load_gazetteer()
    out = []
    for m in ruleguard.finditer(rules.inline, text, _INLINE):
        title = m.group("title")
        unit = _unit_before(gaz, text, m.start(), context or set())
        out.append(Speaker(m.start(), m.end(), title, m.group("name"), unit,
                           rules.titles.get(title, "")))
    return out


def find_credits(text: str, rules: SpeakerRules | None = None) -> list[tuple[int, int]]:
    """Spans of reporter credits (``（记者 师晓琼）``) that close a piece."""
    rules = rules or load_speaker_rules()
    return [m.span() for m in ruleguard.finditer(rules.credit, text, _CREDIT)]


def find_subjects(text: str, *, gaz: Gazetteer | None = None,
                  context: set[str] | None = None,
                  rules: SpeakerRules | None = None,
                  mentions: Sequence[LocalityMention] | None = None,
                  ) -> list[tuple[int, Division]]:
    """Units named as the subject of a plan sentence, with their offsets.

    ``大通县将深刻领会…`` -> [(0, 大通回族土族自治县)].  Only a mention at the
    start of a clause (after punctuation or a line break) counts.  ``mentions``
    is ``gaz.find(text)`` when the caller has it already.
    """
    rules = rules or load_speaker_rules()
    gaz = gaz or load_gazetteer()
    if mentions is None:
        mentions = gaz.find(text)
    divs = gaz.resolve_mentions(mentions, context or set())
    out = []
    for m, div in zip(mentions, divs, strict=False):
        if div is None or div.level == "country":
            continue
        before = text[max(0, m.start - 1):m.start]
        if before and before not in "\n，,。；;：:！？!?”）)":
            continue
        if ruleguard.match(rules.subject, text, _SUBJECT, pos=m.end, offset=m.end):
            out.append((m.start, div))
    return out


def implied_unit(title: str, doc_unit: Division | None,
                 gaz: Gazetteer | None = None) -> Division | None:
    """The unit a bare title refers to in a document about ``doc_unit``.

    ``市长`` in a 济源市 document -> 济源市; ``市委书记`` in a 上党区 document ->
    长治市 (its prefecture); ``县长`` in a 西宁市 document -> None.
    """
    gaz = gaz or load_gazetteer()
    ch = next((c for c in title if c in _UNIT_CHARS), None)
    div, seen = doc_unit, 0
    while ch and div is not None and seen < 4:
        if div.name.endswith(ch) or (ch == "区" and div.level == "county"
                                     and div.name.endswith("区")):
            return div
        div = gaz.by_code(div.parent_code) if div.parent_code else None
        seen += 1
    return None
