"""Canonical indicator names for objects (``rules/indicators.toml``).

国内生产总值增长, 地区生产总值增长, 全市生产总值增长 and GDP增长 are one
indicator; :func:`indicator_for` maps an object and its unit to the key that
tables, ``tracker diff`` and ``tracker track`` use to pair records.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from pathlib import Path

import regex

from tracker import ruleguard
from tracker.rules import compile_pattern, read_rule_file, string_list

_PLACE_TIME = regex.compile(r"^(?:今年|全年|去年|年末|全市|全区|全县|全省|全国|其中)+")


@dataclass(frozen=True)
class Indicator:
    """One ``[[indicator]]``: canonical ``key``, optional ``unit``, object ``patterns``."""

    key: str
    unit: str | None
    patterns: tuple[regex.Pattern[str], ...]
    examples: tuple[str, ...]
    line: int | None


@functools.lru_cache(maxsize=8)
def load_indicators(directory: Path | str | None = None) -> tuple[Indicator, ...]:
    """Load ``rules/indicators.toml``; raises :class:`tracker.rules.RuleError`."""
    rf = read_rule_file("indicators.toml",
                        {"indicator": {"key", "unit", "patterns", "examples"}},
                        directory=directory)
    out = []
    for e in rf.data.get("indicator", []):
        key = e.get("key")
        if not key or not e.get("patterns"):
            raise rf.error("each indicator needs `key` and `patterns`", str(key or "[[indicator]]"))
        pats = tuple(compile_pattern(rf, p, f"indicator {key!r} pattern")
                     for p in string_list(rf, e["patterns"], f"{key}.patterns"))
        out.append(Indicator(key, e.get("unit"), pats,
                             string_list(rf, e.get("examples", []), f"{key}.examples"),
                             rf.line(f'"{key}"')))
    return tuple(out)


def indicator_for(obj: str, unit: str | None = None,
                  indicators: tuple[Indicator, ...] | None = None) -> str | None:
    """Canonical indicator of ``obj`` measured in ``unit``, or None.

    The first ``[[indicator]]`` (file order) whose unit agrees (or has none)
    and one of whose patterns is found in the object wins.
    """
    indicators = load_indicators() if indicators is None else indicators
    if ruleguard.pristine():
        # Most objects name no listed indicator: one search over every pattern
        # at once shows it (and, having finished in time, no pattern alone
        # would have timed out on it).
        prefilter = _prefilter(indicators)
        if prefilter is not None and ruleguard.probe(prefilter, obj) is False:
            return None
    for ind in indicators:
        if ind.unit and unit and ind.unit != unit:
            continue
        ref = ruleguard.RuleRef("indicators.toml", ind.line, f"indicator {ind.key!r} pattern")
        if any(ruleguard.search(p, obj, ref) for p in ind.patterns):
            return ind.key
    return None


_PREFILTERS: dict[int, tuple[tuple[Indicator, ...], regex.Pattern[str] | None]] = {}


def _prefilter(indicators: tuple[Indicator, ...]) -> regex.Pattern[str] | None:
    """One pattern matching wherever some indicator pattern does (see
    :func:`tracker.ruleguard.merged`), built once per indicator table."""
    got = _PREFILTERS.get(id(indicators))  # by identity: the table is cached, hashing is not
    if got is None or got[0] is not indicators:
        got = _PREFILTERS[id(indicators)] = (
            indicators, ruleguard.merged([p for ind in indicators for p in ind.patterns]))
    return got[1]


def indicator_key(obj: str, unit: str | None,
                  indicators: tuple[Indicator, ...] | None = None) -> str:
    """A stable key for "the same indicator": the canonical name when the
    table knows one, else the object stripped of time and place words
    (今年/全年/全市…), so unlisted objects still pair across years."""
    found = (canonical_indicator(obj, unit) if indicators is None
             else indicator_for(obj, unit, indicators))
    return found or _PLACE_TIME.sub("", obj) or obj


def canonical_indicator(obj: str, unit: str | None) -> str | None:
    """:func:`indicator_for` with the default rules, memoised: objects recur
    across documents (国内生产总值增长 in every report)."""
    seen = ruleguard.timeout_count()
    found = _default_indicator(obj, unit)
    if ruleguard.timeout_count() != seen:
        _default_indicator.cache_clear()  # do not keep an answer a rule timeout cut short
    return found


@functools.lru_cache(maxsize=65536)
def _default_indicator(obj: str, unit: str | None) -> str | None:
    return indicator_for(obj, unit, load_indicators())
