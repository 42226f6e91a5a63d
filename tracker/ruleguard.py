"""Rule regexes applied to document text, under a time limit.

Every regex a researcher writes in ``rules/`` (exclusions ``before``/``after``/
``numeral``, boilerplate ``header_line``/``footer_line``, slogan
``quote_filter`` and ``numbered`` patterns, indicator ``patterns``) runs on
document text through :func:`search` or :func:`finditer`, which pass the
``regex`` module's ``timeout``.  A pathological pattern (nested quantifiers
such as ``(a|aa)+$`` backtrack exponentially) therefore cannot hang a run.

What happens when the limit is hit depends on the caller:

* inside :func:`collecting` (the pipeline wraps every document in it) the
  timeout is recorded as a :class:`RuleTimeout`, the rule counts as *not
  matching*, and the rule is skipped for the rest of that document, so the
  document's other records are still produced.  The pipeline turns each
  record into a row of ``errors.csv`` with stage ``rule``
  (:func:`timeout_rows`);
* outside it (``tracker rules check``, library use) a
  :class:`tracker.rules.RuleError` naming the rule file and line is raised.
"""

from __future__ import annotations

import contextlib
import contextvars
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

import regex

from tracker.rules import PLAIN_FLAGS, REGEX_TIMEOUT, RuleError, line_of, rules_dir

#: Extra seconds a rule may take per million characters of text it scans:
#: a pattern run over a whole 100 MB document needs more than a pattern run
#: over a 24-character window.  Well-behaved patterns scan a million
#: characters in well under a tenth of this.
SECONDS_PER_MILLION_CHARS = 1.0


@dataclass(frozen=True)
class RuleRef:
    """Where a rule lives: ``file`` (name in ``rules/``), ``line`` when known,
    ``name`` (what it is, e.g. ``exclusion '年份' after``) and ``key`` (a TOML
    key used to find the line lazily when ``line`` is None)."""

    file: str
    line: int | None
    name: str
    key: str | None = None

    def located(self) -> RuleRef:
        """This reference with ``line`` filled in from the rule file if possible."""
        if self.line is not None or self.key is None:
            return self
        try:
            text = (rules_dir() / self.file).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            return self
        line = line_of(text, f"{self.key} =") or line_of(text, self.key)
        return RuleRef(self.file, line, self.name, self.key)

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line is not None else self.file
        return f"{where} ({self.name})"


@dataclass
class RuleTimeout:
    """A rule that hit the time limit on one document.

    ``rule`` (located), ``offset`` (normalised offset of the text the rule
    ran on, when known), ``seconds`` (the limit that was hit) and ``skipped``
    (later uses of the rule in the same document that were skipped).
    """

    rule: RuleRef
    offset: int | None
    seconds: float
    skipped: int = 0


@dataclass
class Collector:
    """Timeouts of one document (see :func:`collecting`).

    ``to_original`` maps a normalised offset to an offset in the document's
    original text; the pipeline sets it once it has normalised the text.
    """

    timeouts: dict[RuleRef, RuleTimeout] = field(default_factory=dict)
    to_original: Callable[[int], int] | None = None


_CURRENT: contextvars.ContextVar[Collector | None] = contextvars.ContextVar(
    "tracker_rule_collector", default=None)


@contextlib.contextmanager
def collecting() -> Iterator[Collector]:
    """Record rule timeouts (instead of raising) while the block runs."""
    collector = Collector()
    token = _CURRENT.set(collector)
    try:
        yield collector
    finally:
        _CURRENT.reset(token)


def set_offset_map(to_original: Callable[[int], int]) -> None:
    """Tell the current collector how to map normalised offsets (no-op outside one)."""
    c = _CURRENT.get()
    if c is not None:
        c.to_original = to_original


def timeout_for(length: int) -> float:
    """Seconds a rule may run on ``length`` characters."""
    return REGEX_TIMEOUT + SECONDS_PER_MILLION_CHARS * length / 1_000_000


def _skip(rule: RuleRef) -> bool:
    """True when ``rule`` already timed out in the current document (counts the skip)."""
    c = _CURRENT.get()
    if c is None or not c.timeouts:
        return False  # the common case, without hashing the rule
    t = c.timeouts.get(rule)
    if t is None:
        return False
    t.skipped += 1
    return True


_COUNT = [0]


def timeout_count() -> int:
    """Rule timeouts so far in this process: a memo can compare it before and
    after a computation to avoid keeping an answer that a timeout cut short."""
    return _COUNT[0]


def _timed_out(rule: RuleRef, text: str, seconds: float, offset: int | None) -> None:
    _COUNT[0] += 1
    c = _CURRENT.get()
    if c is None:
        ref = rule.located()
        snippet = text if len(text) <= 40 else text[:37] + "…"
        raise RuleError(
            ref.file,
            f"rule {ref.name} timed out after {seconds:.1f} s on {snippet!r}; the pattern "
            "backtracks catastrophically: avoid nested quantifiers such as (a+)+ or (a|aa)+",
            ref.line,
        ) from None
    c.timeouts[rule] = RuleTimeout(rule.located(), offset, seconds)


def search(pattern: regex.Pattern[str], text: str, rule: RuleRef, *, pos: int = 0,
           endpos: int | None = None, offset: int | None = None) -> regex.Match[str] | None:
    """``pattern.search(text, pos, endpos)`` under the time limit.

    ``offset`` is the normalised offset of ``text`` in its document (for the
    error row).  Returns None when the rule timed out, now or earlier in the
    same document; raises :class:`tracker.rules.RuleError` on a timeout
    outside :func:`collecting`.
    """
    if _skip(rule):
        return None
    end = len(text) if endpos is None else endpos
    seconds = timeout_for(max(0, end - pos))
    try:
        return pattern.search(text, pos, end, timeout=seconds)
    except TimeoutError:
        _timed_out(rule, text, seconds, offset)
        return None


def pristine() -> bool:
    """True when no rule has timed out in the current document (always outside
    :func:`collecting`): callers may then take shortcuts that only skip rule
    uses whose result is already known, without changing which timeouts are
    recorded or how many uses are counted as skipped."""
    c = _CURRENT.get()
    return c is None or not c.timeouts




def merged(patterns: list[regex.Pattern[str]]) -> regex.Pattern[str] | None:
    """A prefilter for :func:`probe`: one pattern that matches somewhere in a
    text iff one of ``patterns`` does (an alternation is tried at every
    position), or None when there is nothing to merge or a pattern cannot be
    merged safely (groups, which backreferences could number, or inline flags)."""
    if not patterns or any(p.groups or p.flags != PLAIN_FLAGS for p in patterns):
        return None
    try:
        return regex.compile("|".join(f"(?:{p.pattern})" for p in patterns))
    except regex.error:
        return None


def probe(pattern: regex.Pattern[str], text: str) -> bool | None:
    """Whether ``pattern`` matches anywhere in ``text``, under the time limit.

    For internal prefilters built from several rules (not a rule of its own):
    nothing is recorded or raised; None means the limit was hit and the
    caller must fall back to running each rule through :func:`search`.
    """
    try:
        return pattern.search(text, timeout=timeout_for(len(text))) is not None
    except TimeoutError:
        return None


def probe_start(pattern: regex.Pattern[str], text: str, pos: int = 0) -> int | None:
    """Start of the first match of ``pattern`` in ``text`` at or after ``pos``,
    -1 when there is none, None when the time limit was hit.  For internal
    prefilters, like :func:`probe`: nothing is recorded or raised."""
    try:
        m = pattern.search(text, pos, timeout=timeout_for(len(text) - pos))
    except TimeoutError:
        return None
    return -1 if m is None else m.start()


def match(pattern: regex.Pattern[str], text: str, rule: RuleRef, *, pos: int = 0,
          offset: int | None = None) -> regex.Match[str] | None:
    """``pattern.match(text, pos)`` under the time limit; see :func:`search`."""
    if _skip(rule):
        return None
    seconds = timeout_for(max(0, len(text) - pos))
    try:
        return pattern.match(text, pos, timeout=seconds)
    except TimeoutError:
        _timed_out(rule, text, seconds, offset)
        return None


def finditer(pattern: regex.Pattern[str], text: str, rule: RuleRef, *,
             offset: int | None = None) -> list[regex.Match[str]]:
    """All matches of ``pattern`` in ``text`` under one time limit for the scan.

    Returns ``[]`` when the rule timed out (no partial results: a half-applied
    rule would depend on machine speed); raises like :func:`search` outside
    :func:`collecting`.
    """
    if _skip(rule):
        return []
    seconds = timeout_for(len(text))
    try:
        return list(pattern.finditer(text, timeout=seconds))
    except TimeoutError:
        _timed_out(rule, text, seconds, offset)
        return []


def timeout_rows(collector: Collector, *, path: str, doc_id: str) -> list[dict]:
    """Rows of ``errors.csv`` (stage ``rule``) for the timeouts of one document."""
    rows = []
    for t in collector.timeouts.values():
        offset = t.offset
        if offset is not None and collector.to_original is not None:
            offset = collector.to_original(offset)
        more = f"; skipped for the rest of this document ({t.skipped} more uses)" \
            if t.skipped else "; skipped for this document"
        rows.append({
            "path": path, "line": None, "offset": offset, "doc_id": doc_id, "stage": "rule",
            "message": f"rule {t.rule} timed out after {t.seconds:.1f} s{more}; the "
                       "document's other records are kept — simplify the pattern (nested "
                       "quantifiers such as (a+)+ or (a|aa)+ backtrack catastrophically)",
        })
    return rows
