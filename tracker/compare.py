"""Year-over-year comparison: ``tracker diff`` and ``tracker track``.

:func:`diff` compares two sets of records per locality — what was pledged in
one year and not the other, what changed value or qualifier, which slogans
came and went.  :func:`track` pairs each pledge for year N with the result
reported for year N (usually in the year N+1 document) and judges it.

Both pair records by a **key** (:func:`compare_key`): the canonical indicator
name from ``rules/indicators.toml`` or the object normalised by
``rules/compare.toml`` — never the raw string — plus the unit.  The rules
file also holds which direction is better per indicator and the tolerances
that decide ``met``/``partly``/``missed``; ``tracker rules check`` runs its
examples (:func:`check_compare_rules`).

Choosing one record when a locality-year has several for a key:

* pledges (both commands): the record whose qualifier states a target
  (``about``/``range`` first, then ``at_least``/``at_most``/``nearly``, then
  ``exact``), then — for ``track`` — one made in the target year's own
  document, then the latest document (``diff``) or the earliest (``track``:
  the original promise), then the first in the text;
* results (``track``): records whose quote reports several years at once
  (``multi_year`` in the rules: 年均, 累计…) are never used; then the
  document of year N+1 (the review of year N), then N, then later ones; then
  an ``exact`` figure before a rounded one (以上, 超过: often cumulative); then
  the first in the text.
"""

from __future__ import annotations

import functools
import math
import zlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

import polars as pl
import regex

from tracker.rules import REGEX_TIMEOUT, RuleFile, compile_pattern, read_rule_file, string_list

#: Columns of :func:`diff`'s frame: the contract first, then detail columns.
DIFF_SCHEMA: dict[str, pl.DataType] = {
    "locality": pl.String, "key": pl.String, "change": pl.String,
    "year_from": pl.Int64, "value_from": pl.Float64, "year_to": pl.Int64,
    "value_to": pl.Float64, "unit": pl.String, "quote_from": pl.String,
    "quote_to": pl.String,
    "kind": pl.String, "value_max_from": pl.Float64, "value_max_to": pl.Float64,
    "qualifier_from": pl.String, "qualifier_to": pl.String, "detail": pl.String,
    "doc_from": pl.String, "doc_to": pl.String,
}  # fmt: skip

#: Columns of :func:`track`'s frame: the contract first, then explanations.
TRACK_SCHEMA: dict[str, pl.DataType] = {
    "locality": pl.String, "key": pl.String, "year": pl.Int64, "unit": pl.String,
    "pledged_value": pl.Float64, "pledged_value_max": pl.Float64, "qualifier": pl.String,
    "achieved_value": pl.Float64, "status": pl.String, "ratio": pl.Float64,
    "pledge_doc": pl.String, "pledge_quote": pl.String, "result_doc": pl.String,
    "result_quote": pl.String,
    "better": pl.String, "reason": pl.String, "result_qualifier": pl.String,
}  # fmt: skip

CHANGES = ("changed", "new", "dropped", "continued")
STATUSES = ("met", "partly", "missed", "no result found")
_QUAL_RANK = {"about": 0, "range": 0, "at_least": 1, "at_most": 1, "nearly": 1, "exact": 2}


# ----------------------------------------------------------------------------- rules


@dataclass(frozen=True)
class CompareRules:
    """``rules/compare.toml``: key normalisation, directions and tolerances."""

    strip: tuple[regex.Pattern[str], ...]
    synonyms: tuple[tuple[str, tuple[regex.Pattern[str], ...]], ...]
    generic: frozenset[str]
    min_key_chars: int
    directions: tuple[tuple[str, tuple[regex.Pattern[str], ...], tuple[str, ...]], ...]
    about_points: float
    about_relative: float
    partly_points: float
    partly_relative: float
    multi_year: regex.Pattern[str] | None
    count_better: str | None
    key_examples: tuple[str, ...]
    multi_year_examples: tuple[str, ...]
    judge_examples: tuple[str, ...]


def _number(rf: RuleFile, name: str, default: float) -> float:
    v = rf.data.get(name, default)
    if not isinstance(v, int | float) or isinstance(v, bool) or v < 0:
        raise rf.error(f"{name} must be a non-negative number", name)
    return float(v)


@functools.lru_cache(maxsize=8)
def load_compare_rules(directory: Path | str | None = None) -> CompareRules:
    """Load ``rules/compare.toml``; raises :class:`tracker.rules.RuleError`."""
    rf = read_rule_file(
        "compare.toml",
        {"synonym": {"key", "patterns", "examples"},
         "direction": {"better", "patterns", "examples"}},
        directory=directory,
        top_level=("strip", "min_key_chars", "generic", "key_examples", "about_points",
                   "about_relative", "partly_points", "partly_relative", "multi_year",
                   "multi_year_examples", "judge_examples", "count_better"),
    )
    d = rf.data
    strip = tuple(compile_pattern(rf, p, "strip pattern")
                  for p in string_list(rf, d.get("strip", []), "strip"))
    synonyms = []
    for e in d.get("synonym", []):
        if not e.get("key") or not e.get("patterns"):
            raise rf.error("each [[synonym]] needs `key` and `patterns`", "[[synonym]]")
        synonyms.append((e["key"], tuple(compile_pattern(rf, p, f"synonym {e['key']!r}")
                                         for p in string_list(rf, e["patterns"], "patterns"))))
    directions = []
    for e in d.get("direction", []):
        if e.get("better") not in ("higher", "lower"):
            raise rf.error("[[direction]] better must be \"higher\" or \"lower\"", "better =")
        directions.append((e["better"],
                           tuple(compile_pattern(rf, p, f"direction {e['better']}")
                                 for p in string_list(rf, e.get("patterns", []), "patterns")),
                           string_list(rf, e.get("examples", []), "examples")))
    my = string_list(rf, d.get("multi_year", []), "multi_year")
    min_chars = d.get("min_key_chars", 2)
    if not isinstance(min_chars, int) or isinstance(min_chars, bool):
        raise rf.error("min_key_chars must be an integer", "min_key_chars")
    count_better = d.get("count_better", "higher") or None
    if count_better not in (None, "higher", "lower"):
        raise rf.error('count_better must be "higher", "lower" or ""', "count_better")
    return CompareRules(
        strip=strip, synonyms=tuple(synonyms),
        generic=frozenset(string_list(rf, d.get("generic", []), "generic")),
        min_key_chars=min_chars, directions=tuple(directions),
        about_points=_number(rf, "about_points", 0.2),
        about_relative=_number(rf, "about_relative", 0.05),
        partly_points=_number(rf, "partly_points", 0.5),
        partly_relative=_number(rf, "partly_relative", 0.10),
        multi_year=regex.compile("|".join(regex.escape(w) for w in my)) if my else None,
        count_better=count_better,
        key_examples=string_list(rf, d.get("key_examples", []), "key_examples"),
        multi_year_examples=string_list(rf, d.get("multi_year_examples", []),
                                        "multi_year_examples"),
        judge_examples=string_list(rf, d.get("judge_examples", []), "judge_examples"),
    )


# ----------------------------------------------------------------------------- keys


def compare_key(obj: str | None, unit: str | None, category: str | None = None,
                indicator: str | None = None, rules: CompareRules | None = None) -> str:
    """The key that pairs "the same indicator" across records.

    ``indicator`` (the pipeline's canonical name, when given) is used only if
    it is a name from ``rules/indicators.toml``; otherwise the key is computed
    from ``obj``/``unit`` and normalised by ``rules/compare.toml`` (strip
    regexes, synonyms; vague objects get ``category/`` in front).  Examples:
    ``("地区生产总值增长", "%")`` -> ``国内生产总值增长``;
    ``("氮氧化物排放量要下降", "%")`` -> ``氮氧化物排放量下降``;
    ``("投资", "元", "investment")`` -> ``investment/投资``.
    """
    from tracker.indicators import indicator_for, indicator_key

    rules = rules or load_compare_rules()
    obj = obj or ""
    canonical = indicator_for(obj, unit) if obj else None
    if canonical:
        return canonical
    key = indicator_key(obj, unit) if obj else (indicator or "")
    for p in rules.strip:
        key = p.sub("", key, timeout=REGEX_TIMEOUT)
    for name, pats in rules.synonyms:
        if any(p.search(key, timeout=REGEX_TIMEOUT) for p in pats):
            key = name
            break
    if canonical is None and key:
        again = indicator_for(key, unit)  # 全年GDP比上年增长 -> 国内生产总值增长
        if again:
            return again
    if key in rules.generic or len(key) < rules.min_key_chars:
        key = f"{category or 'other'}/{key}"
    return key


def better_direction(key: str, rules: CompareRules | None = None) -> str | None:
    """``"higher"``, ``"lower"`` or None: which way is better for ``key``."""
    rules = rules or load_compare_rules()
    base = key.split("@", 1)[0]
    for better, pats, _ in rules.directions:
        if any(p.search(base, timeout=REGEX_TIMEOUT) for p in pats):
            return better
    return None


def is_multi_year(quote: str | None, rules: CompareRules | None = None) -> bool:
    """True when ``quote`` reports several years at once (年均, 累计…)."""
    rules = rules or load_compare_rules()
    return bool(quote and rules.multi_year and rules.multi_year.search(quote))


def with_keys(commitments: pl.DataFrame, rules: CompareRules | None = None) -> pl.DataFrame:
    """``commitments`` plus a ``key`` column (see :func:`compare_key`)."""
    rules = rules or load_compare_rules()
    cache: dict[tuple, str] = {}
    keys = []
    for o, u, c, i in zip(commitments["object"], commitments["unit"], commitments["category"],
                          commitments["indicator"] if "indicator" in commitments.columns
                          else [None] * commitments.height, strict=True):
        k = (o, u, c, i)
        if k not in cache:
            cache[k] = compare_key(o, u, c, i, rules)
        keys.append(cache[k])
    return commitments.with_columns(pl.Series("key", keys, dtype=pl.String))


# ----------------------------------------------------------------------------- judging


def judge(qualifier: str | None, target: float | None, target_max: float | None,
          achieved: float | None, unit: str | None, better: str | None,
          rules: CompareRules | None = None) -> tuple[str, float | None, str]:
    """Judge one result against one pledge.

    Returns ``(status, ratio, reason)``: status is met, partly, missed or
    ``no result found``; ``ratio`` is achieved/target (target = ``value``, the
    lower bound of a range), rounded to 4 places; ``reason`` says why in words.
    ``better`` None with a unit other than % falls back to the rules'
    ``count_better``.  Semantics are in ``rules/compare.toml``.
    """
    rules = rules or load_compare_rules()
    if achieved is None or target is None or math.isnan(achieved):
        return "no result found", None, ""
    if better is None and unit != "%":
        better = rules.count_better
    ratio = round(achieved / target, 4) if target else None
    pct = unit == "%"
    tol = rules.about_points if pct else rules.about_relative * abs(target)
    band = rules.partly_points if pct else rules.partly_relative * abs(target)
    what = "points" if pct else unit or ""
    # 1183亿 元 rather than 1.183e+11 元: amounts as the reports write them.
    amount = _fmt if pct else _human

    def shortfall(d: float, bound: str) -> tuple[str, float | None, str]:
        status = "partly" if d <= band + 1e-9 else "missed"
        return status, ratio, f"{amount(d)} {what} {bound}".strip()

    q = qualifier or "exact"
    if q == "at_least":
        if achieved >= target - 1e-9:
            return "met", ratio, "at or above the floor"
        return shortfall(target - achieved, "below the floor")
    if q == "at_most":
        if achieved <= target + 1e-9:
            return "met", ratio, "at or below the cap"
        return shortfall(achieved - target, "above the cap")
    if q == "range" and target_max is not None:
        lo, hi = min(target, target_max), max(target, target_max)
        if lo - 1e-9 <= achieved <= hi + 1e-9:
            return "met", ratio, "inside the range"
        if achieved > hi:
            if better == "higher":
                return "met", ratio, "above the range (higher is better)"
            return shortfall(achieved - hi, "above the range")
        if better == "lower":
            return "met", ratio, "below the range (lower is better)"
        return shortfall(lo - achieved, "below the range")
    # about, nearly, exact (and a range without its maximum)
    d = achieved - target
    if abs(d) <= tol + 1e-9:
        return "met", ratio, f"within ±{amount(tol)} {what} of the target".replace("  ", " ")
    if (d > 0 and better == "higher") or (d < 0 and better == "lower"):
        return "met", ratio, f"{'above' if d > 0 else 'below'} the target ({better} is better)"
    return shortfall(abs(d), "off the target")


def _fmt(x: float | None) -> str:
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return ""
    return f"{x:.6g}"


def _human(x: float) -> str:
    """12000000 -> 1200万, 2.38e12 -> 2.38万亿, 6.5 -> 6.5."""
    for size, name in ((1e12, "万亿"), (1e8, "亿"), (1e4, "万")):
        if abs(x) >= size:
            return f"{x / size:.6g}{name}"
    return _fmt(x)


def format_value(value: float | None, value_max: float | None = None,
                 qualifier: str | None = None) -> str:
    """``6.5 about``, ``6–6.5 range``, ``1100万 at_least`` for terminal tables."""
    if value is None:
        return ""
    s = _human(value) + (f"–{_human(value_max)}" if value_max is not None else "")
    return f"{s} {qualifier}" if qualifier and qualifier != "exact" else s


# ----------------------------------------------------------------------------- inputs


def document_years(commitments: pl.DataFrame, documents: pl.DataFrame | None) -> pl.DataFrame:
    """``commitments`` plus ``doc_year``: the year of the record's document
    (``documents.year``), falling back to the record's own ``year``."""
    if documents is not None and documents.height and "year" in documents.columns:
        years = documents.select("doc_id", pl.col("year").alias("doc_year")).unique("doc_id",
                                                                                 keep="first")
        out = commitments.join(years, on="doc_id", how="left")
    else:
        out = commitments.with_columns(pl.lit(None, dtype=pl.Int64).alias("doc_year"))
    return out.with_columns(pl.coalesce("doc_year", "year").alias("doc_year"))


def _rank_qualifier(col: str = "qualifier") -> pl.Expr:
    return pl.col(col).replace_strict(_QUAL_RANK, default=3, return_dtype=pl.Int64)


def pick_pledges(records: pl.DataFrame, by: list[str], *, earliest: bool) -> pl.DataFrame:
    """One pledge per ``by`` group: target-stating qualifier first, then (when
    ``earliest``) the target year's own document and the earliest document,
    else the latest document; then the first in the text."""
    multi = (pl.col("multi_year").fill_null(False) if "multi_year" in records.columns
             else pl.lit(False))
    # A five-year target (今后五年城镇新增就业5000万人) is not the year's pledge.
    r = records.with_columns(multi.alias("_m"), _rank_qualifier().alias("_q"),
                             (pl.col("doc_year") != pl.col("year")).alias("_own"))
    order = ["_m", "_q", "_own", "doc_year", "doc_id", "start"] if earliest else \
        ["_m", "_q", "doc_year", "doc_id", "start"]
    desc = ([False] * 6) if earliest else [False, False, True, False, False]
    return (r.sort(order, descending=desc, nulls_last=True)
            .unique(by, keep="first", maintain_order=True).drop("_m", "_q", "_own"))


def pick_results(records: pl.DataFrame, by: list[str],
                 rules: CompareRules | None = None) -> pl.DataFrame:
    """One result per ``by`` group (see the module doc for the order); records
    whose quote reports several years at once are dropped first."""
    rules = rules or load_compare_rules()
    multi = (records["multi_year"].fill_null(False).to_list() if "multi_year" in records.columns
             else [False] * records.height)
    keep = [not (m or is_multi_year(q, rules)) for q, m in zip(records["quote"], multi,
                                                                 strict=True)]
    r = records.filter(pl.Series(keep, dtype=pl.Boolean)) if records.height else records
    r = r.with_columns(
        pl.when(pl.col("doc_year") == pl.col("year") + 1).then(0)
        .when(pl.col("doc_year") == pl.col("year")).then(1).otherwise(2).alias("_d"),
        (pl.col("qualifier") != "exact").alias("_x"))
    return (r.sort(["_d", "doc_year", "_x", "doc_id", "start"], nulls_last=True)
            .unique(by, keep="first", maintain_order=True).drop("_d", "_x"))


# ----------------------------------------------------------------------------- diff


def diff(commitments_from: pl.DataFrame, commitments_to: pl.DataFrame,
         slogans_from: pl.DataFrame | None = None, slogans_to: pl.DataFrame | None = None,
         *, kind: str | None = "pledge", locality: str | None = None,
         rules: CompareRules | None = None) -> pl.DataFrame:
    """Compare two sets of records per locality.

    Input: two commitments frames (``tracker.tables.COMMITMENTS_SCHEMA`` plus
    ``doc_year``, see :func:`document_years`) — e.g. one corpus's records of
    documents from 2018 and from 2019, or two extraction folders — and
    optionally two slogans frames (``SLOGANS_SCHEMA``; ``year`` is the
    document's).  ``kind`` keeps one kind (pledge, achievement; None: both,
    never paired across kinds).  ``locality`` keeps one locality.

    Output: :data:`DIFF_SCHEMA` — ``locality, key, change, year_from,
    value_from, year_to, value_to, unit, quote_from, quote_to`` then ``kind,
    value_max_from, value_max_to, qualifier_from, qualifier_to, detail,
    doc_from, doc_to``.  ``change`` is new, dropped, changed (value, range or
    qualifier differ; ``detail`` says how, e.g. ``6.5 about → 6–6.5 range``)
    or continued; slogans have key ``slogan:<text>``, value = mentions, and
    are new, dropped or continued.  Only localities present on both sides
    are compared.  ``year_*`` is the document year.  Rows are
    sorted by locality, change (changed, new, dropped, continued), kind, key.
    """
    rules = rules or load_compare_rules()
    sides = []
    for c in (commitments_from, commitments_to):
        c = c if "doc_year" in c.columns else document_years(c, None)
        if kind:
            c = c.filter(pl.col("kind") == kind)
        if locality:
            c = c.filter(pl.col("locality") == locality)
        c = with_keys(c, rules).with_columns(
            pl.when(pl.col("kind") == "pledge").then(pl.col("year")).alias("_h"))
        c = c.with_columns(
            pl.when(pl.col("_h") > pl.col("doc_year"))
            .then(pl.col("key") + "@" + pl.col("_h").cast(pl.String))
            .otherwise(pl.col("key")).alias("key")).drop("_h")
        c = c.with_columns(pl.col("locality").fill_null(""), pl.col("unit").fill_null(""))
        sides.append(pick_pledges(c, ["locality", "kind", "key", "unit"], earliest=False))
    a, b = sides
    # Only localities with records on both sides are compared: a place with
    # no document for the later year has not "dropped" its pledges.
    def places(c: pl.DataFrame, s: pl.DataFrame | None) -> set[str]:
        out = set(c["locality"].to_list())
        if s is not None and s.height:
            out |= set(s["locality"].fill_null("").to_list())
        return out

    common = places(a, slogans_from) & places(b, slogans_to)
    a = a.filter(pl.col("locality").is_in(list(common)))
    b = b.filter(pl.col("locality").is_in(list(common)))
    if slogans_from is not None and slogans_to is not None:
        slogans_from = slogans_from.filter(pl.col("locality").fill_null("").is_in(list(common)))
        slogans_to = slogans_to.filter(pl.col("locality").fill_null("").is_in(list(common)))
    cols = ["locality", "kind", "key", "unit", "doc_year", "value", "value_max", "qualifier",
            "quote", "doc_id"]
    j = a.select(cols).join(b.select(cols), on=["locality", "kind", "key", "unit"],
                            how="full", coalesce=True, suffix="_to")
    rows = []
    for r in j.iter_rows(named=True):
        has_a, has_b = r["doc_id"] is not None, r["doc_id_to"] is not None
        if has_a and has_b:
            same = (_close(r["value"], r["value_to"]) and _close(r["value_max"], r["value_max_to"])
                    and (r["qualifier"] or "exact") == (r["qualifier_to"] or "exact"))
            change = "continued" if same else "changed"
        else:
            change = "dropped" if has_a else "new"
        detail = ""
        if change == "changed":
            before = format_value(r["value"], r["value_max"], r["qualifier"] or "exact")
            after = format_value(r["value_to"], r["value_max_to"], r["qualifier_to"] or "exact")
            detail = f"{before} → {after}"
        rows.append({
            "locality": r["locality"] or None, "key": r["key"], "change": change,
            "year_from": r["doc_year"], "value_from": r["value"], "year_to": r["doc_year_to"],
            "value_to": r["value_to"], "unit": r["unit"] or None, "quote_from": r["quote"],
            "quote_to": r["quote_to"], "kind": r["kind"], "value_max_from": r["value_max"],
            "value_max_to": r["value_max_to"], "qualifier_from": r["qualifier"],
            "qualifier_to": r["qualifier_to"], "detail": detail, "doc_from": r["doc_id"],
            "doc_to": r["doc_id_to"]})
    rows += _slogan_diff(slogans_from, slogans_to, locality)
    return _sorted_diff(rows)


def _close(x: float | None, y: float | None) -> bool:
    if x is None or y is None:
        return x is None and y is None
    return math.isclose(x, y, rel_tol=1e-9, abs_tol=1e-9)


def _slogan_diff(a: pl.DataFrame | None, b: pl.DataFrame | None,
                 locality: str | None) -> list[dict]:
    def counts(s: pl.DataFrame | None) -> dict[tuple[str, str], tuple[int, int | None, str]]:
        if s is None or not s.height:
            return {}
        if locality:
            s = s.filter(pl.col("locality") == locality)
        g = (s.with_columns(pl.col("locality").fill_null(""))
             .group_by("locality", "slogan")
             .agg(pl.col("count").sum(), pl.col("year").max(), pl.col("doc_id").min()))
        return {(r["locality"], r["slogan"]): (r["count"], r["year"], r["doc_id"])
                for r in g.iter_rows(named=True)}

    ca, cb = counts(a), counts(b)
    rows = []
    for loc, slogan in sorted(set(ca) | set(cb)):
        fa, fb = ca.get((loc, slogan)), cb.get((loc, slogan))
        change = "continued" if fa and fb else "dropped" if fa else "new"
        rows.append({
            "locality": loc or None, "key": f"slogan:{slogan}", "change": change,
            "year_from": fa[1] if fa else None, "value_from": float(fa[0]) if fa else None,
            "year_to": fb[1] if fb else None, "value_to": float(fb[0]) if fb else None,
            "quote_from": slogan if fa else None, "quote_to": slogan if fb else None,
            "kind": "slogan", "doc_from": fa[2] if fa else None, "doc_to": fb[2] if fb else None,
            "detail": ""})
    return rows


def _sorted_diff(rows: list[dict]) -> pl.DataFrame:
    from tracker.tables import frame

    order = {c: i for i, c in enumerate(CHANGES)}
    kinds = {"pledge": 0, "achievement": 1, "slogan": 2}
    rows.sort(key=lambda r: (r["locality"] or "", order[r["change"]],
                             kinds.get(r["kind"] or "", 3), r["key"], r.get("unit") or ""))
    return frame(rows, DIFF_SCHEMA)


# ----------------------------------------------------------------------------- track


def track(commitments: pl.DataFrame, *, locality: str | None = None,
          keys: Iterable[str] | None = None, rules: CompareRules | None = None) -> pl.DataFrame:
    """Pair each pledge for year N with the result reported for year N.

    Input: a commitments frame (``COMMITMENTS_SCHEMA`` plus ``doc_year``, see
    :func:`document_years`) covering the pledge documents and the following
    years' documents.  ``locality`` and ``keys`` (exact keys) filter.

    Output: :data:`TRACK_SCHEMA` — ``locality, key, year, unit,
    pledged_value, pledged_value_max, qualifier, achieved_value, status,
    ratio, pledge_doc, pledge_quote, result_doc, result_quote`` then
    ``better`` (higher, lower or empty), ``reason`` (why the status) and
    ``result_qualifier``; one row per locality × key × unit × year pledged,
    sorted by locality, key, year.  Pledges aimed at no particular year
    (``year`` null) are left out.
    """
    from tracker.tables import frame

    rules = rules or load_compare_rules()
    c = commitments if "doc_year" in commitments.columns else document_years(commitments, None)
    c = c.filter(pl.col("year").is_not_null() & pl.col("value").is_not_null())
    if locality:
        c = c.filter(pl.col("locality") == locality)
    c = with_keys(c, rules).with_columns(pl.col("locality").fill_null(""),
                                         pl.col("unit").fill_null(""))
    if keys is not None:
        c = c.filter(pl.col("key").is_in(list(keys)))
    by = ["locality", "key", "unit", "year"]
    pledges = pick_pledges(c.filter(pl.col("kind") == "pledge"), by, earliest=True)
    results = pick_results(c.filter(pl.col("kind") == "achievement"), by, rules)
    results = _declines_as_growth(results, pledges, by)
    res = results.select(*by, pl.col("value").alias("achieved_value"),
                         pl.col("qualifier").alias("result_qualifier"),
                         pl.col("doc_id").alias("result_doc"),
                         pl.col("quote").alias("result_quote"))
    j = pledges.join(res, on=by, how="left")
    rows = []
    for r in j.iter_rows(named=True):
        better = better_direction(r["key"], rules)
        if better is None and r["unit"] != "%":
            better = rules.count_better
        status, ratio, reason = judge(r["qualifier"], r["value"], r["value_max"],
                                      r["achieved_value"], r["unit"], better, rules)
        rows.append({
            "locality": r["locality"] or None, "key": r["key"], "year": r["year"],
            "unit": r["unit"] or None, "pledged_value": r["value"],
            "pledged_value_max": r["value_max"], "qualifier": r["qualifier"],
            "achieved_value": r["achieved_value"], "status": status, "ratio": ratio,
            "pledge_doc": r["doc_id"], "pledge_quote": r["quote"],
            "result_doc": r["result_doc"], "result_quote": r["result_quote"],
            "better": better or "", "reason": reason,
            "result_qualifier": r["result_qualifier"]})
    rows.sort(key=lambda r: (r["locality"] or "", r["key"], r["unit"] or "", r["year"]))
    return frame(rows, TRACK_SCHEMA)


def track_in_batches(commitments: pl.LazyFrame, documents: pl.LazyFrame | None, *,
                     workdir: Path | None = None, batch_rows: int = 100_000,
                     rules: CompareRules | None = None) -> pl.DataFrame:
    """:func:`track` over ``document_years(commitments, documents)`` for a
    corpus whose records are not held in memory (tables spilled to disk,
    :class:`tracker.pipeline.RunResult`): the same frame, built a batch of
    records at a time.

    :func:`track` only pairs records of one locality and one key, or a key
    and its growth partner (X下降 answers an X增长 pledge), and its rows are
    unique per locality, key, unit and year.  So the records are split on
    disk (in a temporary folder inside ``workdir``, default the system's)
    into batches of about ``batch_rows``: whole localities, several small
    ones together, and a locality with more records split by key pair.  Each
    batch is tracked and the concatenation is put in :func:`track`'s order.
    The records are read twice, a chunk at a time; memory holds the
    documents' ``doc_id, year``, one chunk and one batch.  Output:
    :data:`TRACK_SCHEMA`.
    """
    import tempfile

    from tracker.tables import frame

    rules = rules or load_compare_rules()
    years = None if documents is None else documents.select("doc_id", "year").collect()
    usable = commitments.filter(pl.col("year").is_not_null() & pl.col("value").is_not_null())
    sizes = (usable.group_by("locality").agg(pl.len().alias("n")).collect(engine="streaming")
             .sort("locality", nulls_last=False))
    # Small localities share batches; a big one gets batches of its own,
    # chosen by a hash of the key pair.
    first: dict[str | None, tuple[int, int]] = {}  # locality -> (first batch, batches)
    batch, size = -1, batch_rows
    for loc, n in sizes.iter_rows():
        if n > batch_rows:
            # Twice the batches it would fill: key pairs differ in size, and
            # a hash spreads them unevenly.
            first[loc] = (batch + 1, -(-2 * n // batch_rows))
            batch, size = batch + first[loc][1], batch_rows
            continue
        if size + n > batch_rows:
            batch, size = batch + 1, 0
        first[loc] = (batch, 1)
        size += n
    pairs: dict[tuple, str] = {}
    combo = ("object", "unit", "category", "indicator")

    def pair_of(o: str | None, u: str | None, c: str | None, i: str | None) -> str:
        got = pairs.get((o, u, c, i))
        if got is None:
            if len(pairs) >= 100_000:  # a memo, not a table of the corpus
                pairs.clear()
            key = compare_key(o, u, c, i, rules)
            m = _DECLINE.match(key)
            got = pairs[(o, u, c, i)] = m.group("stem") + "增长" if m else key
        return got

    out = [frame([], TRACK_SCHEMA)]
    with tempfile.TemporaryDirectory(prefix="track-", dir=workdir) as tmp:
        pieces: dict[int, list[Path]] = {}
        for j, chunk in enumerate(usable.collect_batches()):
            base, count = zip(*(first[loc] for loc in chunk["locality"]), strict=True) \
                if chunk.height else ((), ())
            spread = [0 if k == 1 else
                      zlib.crc32(pair_of(o, u, c, i).encode()) % k
                      for k, o, u, c, i in zip(count, *(chunk[x] for x in combo), strict=True)]
            tagged = chunk.with_columns(pl.Series("_batch", [b + s for b, s in zip(
                base, spread, strict=True)], dtype=pl.Int64))
            for (b,), piece in tagged.partition_by("_batch", as_dict=True,
                                                   maintain_order=True).items():
                path = Path(tmp) / f"{b:06d}-{j:06d}.arrow"
                piece.drop("_batch").write_ipc(path)
                pieces.setdefault(b, []).append(path)
        for b in sorted(pieces):
            part = pl.concat([pl.read_ipc(p) for p in pieces[b]])
            out.append(track(document_years(part, years), rules=rules))
    # Rows are unique per these keys, so this is the order track() gives.
    order = [pl.col("locality").fill_null(""), "key", pl.col("unit").fill_null(""), "year"]
    return pl.concat(out).sort(order, maintain_order=True)


_DECLINE = regex.compile(r"^(?P<stem>.+?)(?:下降|减少|回落)$")


def _declines_as_growth(results: pl.DataFrame, pledges: pl.DataFrame,
                        by: list[str]) -> pl.DataFrame:
    """Results reported as a decline answer a growth pledge with a negative
    value: 固定资产投资增长3% pledged, 固定资产投资下降4.3% reported -> -4.3,
    missed.  Only for % results, and only where no growth result exists for
    the same locality, unit and year."""
    if not results.height or not pledges.height:
        return results
    wanted = {tuple(r) for r in pledges.select(by).iter_rows()}
    have = {tuple(r) for r in results.select(by).iter_rows()}
    extra = []
    for r in results.iter_rows(named=True):
        m = _DECLINE.match(r["key"] or "")
        if not m or r["unit"] != "%" or r["value"] is None:
            continue
        key = m.group("stem") + "增长"
        target = (r["locality"], key, r["unit"], r["year"])
        if target in wanted and target not in have:
            extra.append(r | {"key": key, "value": -r["value"]})
            have.add(target)
    if not extra:
        return results
    return pl.concat([results, pl.DataFrame(extra, schema=results.schema)], how="vertical")


# ----------------------------------------------------------------------------- loading


TABLE_NAMES = ("commitments", "slogans", "documents")


def is_extraction_dir(path: Path) -> bool:
    """True when ``path`` is a folder written by ``tracker extract``/``report``
    (it holds commitments.csv, .parquet or .jsonl)."""
    return path.is_dir() and any((path / f"commitments.{e}").is_file()
                                 for e in ("parquet", "csv", "jsonl"))


def read_extraction(path: Path) -> dict[str, pl.DataFrame]:
    """The commitments, slogans and documents tables of an extraction folder
    (parquet preferred, then csv, then jsonl), with the schemas of
    :mod:`tracker.tables`; a missing table is an empty frame."""
    from tracker.tables import COMMITMENTS_SCHEMA, DOCUMENTS_SCHEMA, SLOGANS_SCHEMA, frame

    schemas: Mapping[str, Mapping[str, pl.DataType]] = {
        "commitments": COMMITMENTS_SCHEMA, "slogans": SLOGANS_SCHEMA,
        "documents": DOCUMENTS_SCHEMA}
    out = {}
    for name, schema in schemas.items():
        df = None
        if (path / f"{name}.parquet").is_file():
            df = pl.read_parquet(path / f"{name}.parquet")
        elif (path / f"{name}.csv").is_file():
            df = pl.read_csv(path / f"{name}.csv", infer_schema=False, encoding="utf8-lossy")
        elif (path / f"{name}.jsonl").is_file():
            df = pl.read_ndjson(path / f"{name}.jsonl", infer_schema_length=None)
        if df is None:
            out[name] = frame([], schema)
            continue
        df = df.rename({c: c.lstrip("\ufeff") for c in df.columns})

        def cast(c: str, t: pl.DataType, have: pl.Schema = df.schema) -> pl.Expr:
            if t == pl.Boolean and have[c] == pl.String:
                # CSV stores booleans as text; polars will not cast that itself.
                return pl.col(c).str.to_lowercase().replace_strict(
                    {"true": True, "false": False}, default=None, return_dtype=pl.Boolean)
            return pl.col(c).cast(t, strict=False)

        cols = [cast(c, t) if c in df.columns
                else pl.lit(None, dtype=t).alias(c) for c, t in schema.items()]
        out[name] = df.with_columns(pl.col(pl.String).replace("", None)).select(cols)
    return out


def concat_tables(parts: Iterable[Mapping[str, pl.DataFrame]]) -> dict[str, pl.DataFrame]:
    """Stack several runs' commitments/slogans/documents tables."""
    from tracker.tables import COMMITMENTS_SCHEMA, DOCUMENTS_SCHEMA, SLOGANS_SCHEMA, frame

    empty = {"commitments": COMMITMENTS_SCHEMA, "slogans": SLOGANS_SCHEMA,
             "documents": DOCUMENTS_SCHEMA}
    parts = list(parts)
    return {n: pl.concat([p[n].select(list(s)) for p in parts if n in p] or [frame([], s)])
            for n, s in empty.items()}


# ----------------------------------------------------------------------------- rule check


def check_compare_rules() -> tuple[list[str], int]:
    """Run the examples of ``rules/compare.toml``.

    Returns ``(failure messages "file:line: example: problem", examples
    checked)``; raises :class:`tracker.rules.RuleError` if the file is invalid.
    """
    from tracker.rules import line_of, rules_dir

    rules = load_compare_rules()
    path = rules_dir() / "compare.toml"
    text = path.read_text(encoding="utf-8")
    failures: list[str] = []
    checked = 0

    def fail(example: str, what: str) -> None:
        failures.append(f"{path}:{line_of(text, example[:20]) or '?'}: {example!r}: {what}")

    for ex in rules.key_examples:
        checked += 1
        left, _, want = ex.rpartition(" => ")
        parts = [p.strip() for p in left.split("|")] + ["", ""]
        got = compare_key(parts[0], parts[1] or None, parts[2] or None, rules=rules)
        if got != want.strip():
            fail(ex, f"key {got!r}, expected {want.strip()!r}")
    for better, _, examples in rules.directions:
        for ex in examples:
            checked += 1
            key, _, want = ex.rpartition(" => ")
            got = better_direction(key.strip(), rules)
            if got != want.strip() or want.strip() != better:
                fail(ex, f"direction {got}, expected {want.strip()}")
    for ex in rules.multi_year_examples:
        checked += 1
        if not is_multi_year(ex, rules):
            fail(ex, "not recognised as a multi-year figure")
    for ex in rules.judge_examples:
        checked += 1
        try:
            left, _, want = ex.rpartition(" => ")
            pledge, _, achieved = left.partition(" : ")
            q, target, unit, key = pledge.split()
            lo, _, hi = target.partition("~")
            got, _, reason = judge(q, float(lo), float(hi) if hi else None, float(achieved),
                                   unit, better_direction(key, rules), rules)
        except ValueError:
            fail(ex, "cannot parse; write QUALIFIER TARGET[~MAX] UNIT KEY : ACHIEVED => status")
            continue
        if got != want.strip():
            fail(ex, f"status {got} ({reason}), expected {want.strip()}")
    return failures, checked
