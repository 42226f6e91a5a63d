"""Records -> polars frames, and the aggregate tables of ``tracker report``.

Every frame has a fixed schema so that empty runs still write the right
headers and so that the same input gives byte-identical output.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

import polars as pl

COMMITMENTS_SCHEMA: dict[str, pl.DataType] = {
    "doc_id": pl.String, "locality": pl.String, "kind": pl.String, "year": pl.Int64,
    "value": pl.Float64, "value_max": pl.Float64, "unit": pl.String, "qualifier": pl.String,
    "object": pl.String, "category": pl.String, "quote": pl.String, "start": pl.Int64,
    "end": pl.Int64, "rule": pl.String,
    "locality_code": pl.String, "speaker": pl.String, "year_source": pl.String,
    "indicator": pl.String, "multi_year": pl.Boolean, "page": pl.Int64,
}
SLOGANS_SCHEMA: dict[str, pl.DataType] = {
    "doc_id": pl.String, "locality": pl.String, "slogan": pl.String, "form": pl.String,
    "count": pl.Int64, "start": pl.Int64, "year": pl.Int64, "locality_code": pl.String,
    "rule": pl.String, "context": pl.String,
}
EXPANSIONS_SCHEMA: dict[str, pl.DataType] = {
    "doc_id": pl.String, "slogan": pl.String, "part": pl.String, "start": pl.Int64,
}
DOCUMENTS_SCHEMA: dict[str, pl.DataType] = {
    "doc_id": pl.String, "path": pl.String, "title": pl.String, "locality": pl.String,
    "year": pl.Int64, "date": pl.String, "chars": pl.Int64, "status": pl.String,
    "locality_code": pl.String, "year_source": pl.String, "dropped_chars": pl.Int64,
    "commitments": pl.Int64, "slogans": pl.Int64, "speaker": pl.String,
}
ERRORS_SCHEMA: dict[str, pl.DataType] = {
    "path": pl.String, "line": pl.Int64, "offset": pl.Int64, "doc_id": pl.String,
    "stage": pl.String, "message": pl.String,
}


def frame(rows: Iterable[Mapping], schema: Mapping[str, pl.DataType]) -> pl.DataFrame:
    """A frame with exactly ``schema``'s columns, in order, from dict rows.

    Missing keys become nulls; extra keys are dropped.
    """
    rows = list(rows)
    cols = {name: [r.get(name) for r in rows] for name in schema}
    return pl.DataFrame(cols, schema=dict(schema), strict=False)


def by_locality(commitments: pl.DataFrame) -> pl.DataFrame:
    """Commitments per locality × year × kind × category × unit.

    Output columns: ``locality, year, kind, category, unit, records, value_sum``
    (``value_sum`` in ``unit``: 元, %, 人…; a sum of percentages is rarely
    meaningful, and is there for completeness), sorted by all keys.
    """
    keys = ["locality", "year", "kind", "category", "unit"]
    return (
        commitments.group_by(keys)
        .agg(pl.len().cast(pl.Int64).alias("records"), pl.col("value").sum().alias("value_sum"))
        .sort(keys, nulls_last=True)
    )


def slogans_by_locality(slogans: pl.DataFrame) -> pl.DataFrame:
    """Slogan use per slogan × locality × year.

    Output columns: ``slogan, locality, year, count`` (occurrences) and
    ``documents`` (distinct documents), sorted by count descending then keys.
    """
    keys = ["slogan", "locality", "year"]
    return (
        slogans.group_by(keys)
        .agg(pl.col("count").sum().alias("count"),
             pl.col("doc_id").n_unique().cast(pl.Int64).alias("documents"))
        .sort(["count", *keys], descending=[True, False, False, False], nulls_last=True)
    )


def slogan_index(slogans: pl.DataFrame, grep: str | None = None) -> pl.DataFrame:
    """A corpus's slogan vocabulary, one row per slogan.

    Input: the ``slogans`` frame.  Output columns: ``slogan, form, count``
    (occurrences), ``documents``, ``localities`` (sorted, joined with 、),
    ``first_year, last_year``, ``context`` (text around the first
    occurrence), sorted by count descending.  ``grep`` keeps slogans
    containing that text.
    """
    if grep:
        slogans = slogans.filter(pl.col("slogan").str.contains(grep, literal=True))
    ordered = slogans.sort(["year", "doc_id", "start"], nulls_last=True)
    return (
        ordered.group_by("slogan", maintain_order=True)
        .agg(
            pl.col("form").first(),
            pl.col("count").sum(),
            pl.col("doc_id").n_unique().cast(pl.Int64).alias("documents"),
            pl.col("locality").drop_nulls().unique().sort().str.join("、").alias("localities"),
            pl.col("year").min().alias("first_year"),
            pl.col("year").max().alias("last_year"),
            pl.col("context").first(),
        )
        .sort(["count", "slogan"], descending=[True, False])
    )
