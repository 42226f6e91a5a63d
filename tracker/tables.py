"""Records -> polars frames, and the aggregate tables of ``tracker report``.

Every frame has a fixed schema so that empty runs still write the right
headers and so that the same input gives byte-identical output.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from typing import TypeVar

import polars as pl

#: A table in memory, or a lazy scan of one spilled to disk (see
#: :class:`tracker.pipeline.RunResult`); the aggregates accept either and
#: return the same kind.
FrameT = TypeVar("FrameT", pl.DataFrame, pl.LazyFrame)

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


def height(table: pl.DataFrame | pl.LazyFrame) -> int:
    """Rows of a table, counted without holding a lazy one in memory."""
    if isinstance(table, pl.LazyFrame):
        return table.select(pl.len()).collect().item()
    return table.height


def columns(table: pl.DataFrame | pl.LazyFrame) -> list[str]:
    """Column names of a table, without reading a lazy one."""
    return table.collect_schema().names()


def eager(table: pl.DataFrame | pl.LazyFrame) -> pl.DataFrame:
    """The table in memory (a lazy one is read in full)."""
    return table.collect() if isinstance(table, pl.LazyFrame) else table


def batches(table: pl.DataFrame | pl.LazyFrame) -> Iterator[pl.DataFrame]:
    """The table as frames of consecutive rows, in order: a lazy one is read a
    batch at a time, so memory holds one batch, not the table."""
    if isinstance(table, pl.LazyFrame):
        yield from table.collect_batches()
    else:
        yield table


#: Values summed exactly to this many decimal places (see :func:`_exact_sum`).
SUM_DECIMALS = 6
_EXACT_BELOW = 1e20


def _exact_sum(col: str) -> pl.Expr:
    """Sum of a float column that does not depend on the order of its rows.

    A float sum does, in its last digits, and a streamed, parallel
    aggregation meets a group's rows in no fixed order: the same records
    must give the same bytes.  Values are summed as decimals rounded to
    :data:`SUM_DECIMALS` places, exactly (48.9, not 48.900000000000006); a
    group holding a value of 10^20 or more, or NaN, is summed as floats
    (such figures come from garbage, and 38 digits would not hold them).
    """
    v = pl.col(col)
    exact = v.cast(pl.Decimal(38, SUM_DECIMALS), strict=False).sum().cast(pl.Float64)
    huge = (v.abs() >= _EXACT_BELOW) | v.is_nan()
    return pl.when(huge.any()).then(v.sum()).otherwise(exact)


def by_locality(commitments: FrameT) -> FrameT:
    """Commitments per locality × year × kind × category × unit.

    Output columns: ``locality, year, kind, category, unit, records, value_sum``
    (``value_sum`` in ``unit``: 元, %, 人…, exact to :data:`SUM_DECIMALS`
    places whatever the order of the records; a sum of percentages is rarely
    meaningful, and is there for completeness), sorted by all keys.
    """
    keys = ["locality", "year", "kind", "category", "unit"]
    return (
        commitments.group_by(keys)
        .agg(pl.len().cast(pl.Int64).alias("records"), _exact_sum("value").alias("value_sum"))
        .sort(keys, nulls_last=True)
    )


def slogans_by_locality(slogans: FrameT) -> FrameT:
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
