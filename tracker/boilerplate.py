"""Web boilerplate around the article body: navigation, metadata, footers.

Scraped pages carry a header (site navigation ``豫都网 > 河南新闻 >``, section
names, ``发布日期:… 浏览:…``) and a tail (``相关资讯`` lists of other places'
news, 友情链接, copyright and disclaimer blocks).  Numbers in them belong to
other documents; extraction runs on the body only.  The markers are data in
``rules/boilerplate.toml``.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import regex

from tracker import ruleguard
from tracker.rules import compile_pattern, read_rule_file

_HEADER = ruleguard.RuleRef("boilerplate.toml", None, "header_line", key="header_line")
_FOOTER = ruleguard.RuleRef("boilerplate.toml", None, "footer_line", key="footer_line")


@dataclass(frozen=True)
class Body:
    """The article body as a normalised ``[start, end)`` range; ``rule``
    names the header and footer rules that fired (empty when none)."""

    start: int
    end: int
    rule: str = ""


@dataclass(frozen=True)
class BoilerplateRules:
    """``rules/boilerplate.toml`` compiled."""

    header_line: regex.Pattern[str]
    footer_line: regex.Pattern[str]
    header_lines: int
    footer_min_fraction: float


@functools.lru_cache(maxsize=8)
def load_boilerplate_rules(directory: Path | str | None = None) -> BoilerplateRules:
    """Load ``rules/boilerplate.toml``; raises :class:`tracker.rules.RuleError`."""
    keys = ("header_line", "footer_line", "header_lines", "footer_min_fraction", "examples")
    rf = read_rule_file("boilerplate.toml", {}, top_level=keys, directory=directory)
    d = rf.data
    return BoilerplateRules(
        compile_pattern(rf, d.get("header_line", "(?!)"), "header_line"),
        compile_pattern(rf, d.get("footer_line", "(?!)"), "footer_line"),
        _number(rf, d, "header_lines", 10, int),
        _number(rf, d, "footer_min_fraction", 0.3, float),
    )


def _number(rf, d: dict, key: str, default: float, kind: type) -> Any:
    value = d.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
        raise rf.error(f"{key} must be a non-negative number, got {value!r}", key)
    return kind(value)


# Syntax whose meaning can change when a line is searched inside the whole
# text rather than as a string of its own: lookarounds see the neighbouring
# lines, \A/\Z/\G anchor at the text's ends, \K moves a match's start,
# possessive and atomic parts can swallow a line break, and an inline (?-m)
# turns line anchors off again.
_LINE_BOUND = ("(?=", "(?!", "(?<=", "(?<!", "(?>", "(?-", "\\A", "\\Z", "\\G", "\\K",
               "*+", "++", "?+", "}+")
_TWINS: dict[int, tuple[regex.Pattern[str], regex.Pattern[str] | None]] = {}


def _whole_text_twin(pattern: regex.Pattern[str]) -> regex.Pattern[str] | None:
    """``pattern`` with ``^``/``$`` at every line, to search many lines at once.

    Whenever ``pattern`` matches a line searched on its own, the twin matches
    the text holding that line at or before that place: the line's characters
    are all there, a line break is neither a word character nor anything
    ``.`` matches, and the syntax that could tell the difference is excluded
    (None is returned for it).  So where the twin finds nothing, no line
    matches; and no line before the one where its first match starts does.
    """
    got = _TWINS.get(id(pattern))  # by identity: rule patterns live all run long
    if got is None or got[0] is not pattern:
        twin = None
        if not any(token in pattern.pattern for token in _LINE_BOUND):
            try:
                twin = regex.compile(pattern.pattern, pattern.flags | regex.MULTILINE)
            except regex.error:
                twin = None
        got = _TWINS[id(pattern)] = (pattern, twin)
    return got[1]


def _line_start_from(text: str, i: int) -> int:
    """Start of the first line of ``text`` starting at or after ``i``
    (0 <= i <= len(text)), or -1 when there is none."""
    if i == 0 or text[i - 1] == "\n":
        return i
    nl = text.find("\n", i)
    return -1 if nl < 0 else nl + 1


def strip_boilerplate(text: str, rules: BoilerplateRules | None = None) -> Body:
    """Body range of normalised ``text`` (paragraphs split on ``\\n``).

    Header: among the first ``header_lines`` lines, everything up to and
    including the last line matching ``header_line`` is dropped, provided
    every other line before it is short (a title line of a real article is
    kept).
    Footer: the body ends at the first line matching ``footer_line`` that
    starts after ``footer_min_fraction`` of the text.
    """
    rules = rules or load_boilerplate_rules()
    # Lines are cut out of the text where a rule needs them (the first few,
    # and those from the footer's floor on), not all listed up front.
    start, end, fired = 0, len(text), []
    head = text.split("\n", rules.header_lines)
    cut_end = -1  # end of the last header line cut
    pos = 0
    for i, line in enumerate(head[: rules.header_lines]):
        # A header line is short; a long one (a whole document on one line) is body.
        if line.strip() and len(line) <= 500 and ruleguard.search(rules.header_line,
                                                                   line, _HEADER):
            cut_end = pos + len(line)
            start = cut_end + 1 if i + 1 < len(head) else len(text)
        elif len(line.strip()) > 30:
            # Body text has begun: no later line can be cut as header, so the
            # rule is not run on them (in a report, that is most of the lines).
            break
        pos += len(line) + 1
    if cut_end >= 0:
        fired.append("header")
    floor = int(len(text) * rules.footer_min_fraction)
    first = _line_start_from(text, max(floor, start))  # lines from here may end the body
    if first >= 0 and ruleguard.pristine() and (
            twin := _whole_text_twin(rules.footer_line)) is not None:
        # One search over the rest of the text instead of one per line (most
        # texts have no footer): lines before the twin's first match cannot
        # match.  A twin that runs out of time decides nothing.
        found = ruleguard.probe_start(twin, text, first)
        if found == -1:
            first = -1
        elif found is not None:
            first = max(first, text.rfind("\n", 0, found) + 1)
    while first >= 0:
        nl = text.find("\n", first)
        line = text[first:] if nl < 0 else text[first:nl]
        if ruleguard.search(rules.footer_line, line, _FOOTER, offset=first):
            end = first
            fired.append("footer")
            break
        first = -1 if nl < 0 else nl + 1
    if end < start:
        start, end = 0, len(text)
    return Body(start, end, "+".join(fired))
