"""Write the pipeline's tables to disk as CSV, XLSX, Parquet, JSON Lines or SQLite.

Every table is a polars DataFrame keyed by its name (``commitments``,
``slogans``, ``documents``, ``errors``, ``by_locality``, ``slogans_by_locality``,
optionally ``diff`` and ``track``).  Outputs are deterministic (the same
tables give byte-identical files) and written atomically: each file is first
written to a temporary file in the target directory and only moved into place
with :func:`os.replace` once *every* requested output has been written, so an
interrupted or failing run leaves the previous outputs untouched.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
import secrets
import shutil
import sqlite3
import unicodedata
from collections.abc import Callable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

import polars as pl

from tracker.tables import FrameT, batches, columns, eager, height

FORMATS = ("csv", "xlsx", "parquet", "jsonl", "sqlite")

#: Name of the single workbook written for ``xlsx``.
XLSX_NAME = "tracker.xlsx"
#: Name of the single database written for ``sqlite``.
SQLITE_NAME = "tracker.db"

#: Canonical column order per known table.  Known columns come first in this
#: order, any further columns follow in the order the frame has them.
COLUMN_ORDER: dict[str, tuple[str, ...]] = {
    "commitments": (
        "doc_id", "locality", "kind", "year", "value", "value_max", "unit", "qualifier",
        "object", "category", "quote", "start", "end", "rule",
    ),
    "slogans": ("doc_id", "locality", "slogan", "form", "count", "start"),
    "documents": ("doc_id", "path", "title", "locality", "year", "date", "chars", "status"),
    "errors": ("path", "line", "offset", "doc_id", "stage", "message"),
    "by_locality": ("locality", "year", "kind", "category", "unit", "records", "value_sum"),
    "slogans_by_locality": ("slogan", "locality", "year", "count", "documents"),
    "diff": (
        "locality", "key", "change", "year_from", "value_from", "year_to", "value_to", "unit",
        "quote_from", "quote_to",
    ),
    "track": (
        "locality", "key", "year", "unit", "pledged_value", "pledged_value_max", "qualifier",
        "achieved_value", "status", "ratio", "pledge_doc", "pledge_quote", "result_doc",
        "result_quote",
    ),
}  # fmt: skip

#: Columns holding long text (quotes); wrapped and wide in the workbook.
QUOTE_COLUMNS = frozenset(
    {"quote", "quote_from", "quote_to", "pledge_quote", "result_quote", "message", "title"}
)

#: Columns that get an index in the SQLite database when present.
INDEX_COLUMNS = ("doc_id", "locality", "year")

#: Full-text search: table -> text columns indexed in ``<table>_fts``.
FTS_COLUMNS: dict[str, tuple[str, ...]] = {"commitments": ("quote",), "slogans": ("slogan",)}

# Fixed workbook creation date so that the same tables give the same bytes.
_XLSX_CREATED = dt.datetime(2000, 1, 1, 0, 0, 0)
_XLSX_MAX_ROWS = 1_048_576
_XLSX_MAX_CELL_CHARS = 32_767
_SHEET_BAD_CHARS = str.maketrans({c: "_" for c in "[]:*?/\\"})


def write_tables(
    tables: Mapping[str, pl.DataFrame | pl.LazyFrame],
    out_dir: Path,
    formats: Sequence[str] = ("csv",),
    *,
    excel_bom: bool = False,
) -> list[Path]:
    """Write ``tables`` into ``out_dir`` in each of ``formats``; return the paths written.

    Args:
        tables: table name -> DataFrame, or LazyFrame (a table spilled to
            disk: CSV, Parquet, JSON Lines and SQLite stream it batch by batch,
            a workbook sheet reads one table at a time; the bytes are those the
            DataFrame would give).  Names become file stems, sheet names
            and SQLite table names; iteration order is kept (sheets, db tables).
            Known tables get a stable column order (see :data:`COLUMN_ORDER`).
        out_dir: target directory; created if missing.
        formats: any of :data:`FORMATS`:

            * ``csv``: ``<name>.csv`` per table, UTF-8, comma separated, ``\\n``
              line ends, empty field for null.  List/struct columns become JSON text.
            * ``xlsx``: one workbook ``tracker.xlsx``, one sheet per table (name cut
              to 31 characters), frozen header, autofilter, numbers as numbers.
            * ``parquet``: ``<name>.parquet`` per table, original dtypes.
            * ``jsonl``: ``<name>.jsonl`` per table, one UTF-8 JSON object a line,
              non-ASCII kept as is.
            * ``sqlite``: one database ``tracker.db``, a table per frame, indexes on
              ``doc_id``/``locality``/``year``, and FTS5 tables ``commitments_fts``
              (over ``quote``) and ``slogans_fts`` (over ``slogan``) following the
              sqlite-utils/Datasette convention.  See :func:`search_sqlite`.
        excel_bom: prefix CSV files with the UTF-8 byte-order mark so that Excel
            and WPS open Chinese text correctly.

    Returns:
        The final paths, in the order of ``formats`` then ``tables``.

    Raises:
        ValueError: unknown format (message lists the valid ones), or a table too
            large for one worksheet.
        OSError: the directory or a file cannot be written; no output is replaced.
    """
    formats = list(dict.fromkeys(formats))  # keep order, drop repeats
    unknown = [f for f in formats if f not in FORMATS]
    if unknown:
        raise ValueError(
            f"unknown output format {', '.join(map(repr, unknown))}; "
            f"valid formats: {', '.join(FORMATS)}"
        )
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    ordered = {name: order_columns(name, df) for name, df in tables.items()}

    jobs: list[tuple[Path, Callable[[Path], None]]] = []
    for fmt in formats:
        if fmt == "xlsx":
            jobs.append((out_dir / XLSX_NAME, lambda p: _write_xlsx(ordered, p)))
        elif fmt == "sqlite":
            jobs.append((out_dir / SQLITE_NAME, lambda p: _write_sqlite(ordered, p)))
        else:
            writer = _PER_TABLE_WRITERS[fmt]
            for name, df in ordered.items():
                jobs.append(
                    (
                        out_dir / f"{name}.{fmt}",
                        lambda p, df=df, w=writer: w(df, p, excel_bom=excel_bom),
                    )
                )
    return _commit_all(jobs)


def order_columns(name: str, df: FrameT) -> FrameT:
    """Return ``df`` with the canonical column order for table ``name``.

    Columns listed in :data:`COLUMN_ORDER` for ``name`` come first (those that
    exist), then every other column in its current order.  Unknown table names
    are returned unchanged.
    """
    names = columns(df)
    known = [c for c in COLUMN_ORDER.get(name, ()) if c in names]
    rest = [c for c in names if c not in known]
    return df.select(known + rest)


# --------------------------------------------------------------------------- atomic


@contextlib.contextmanager
def atomic_path(final: Path) -> Iterator[Path]:
    """Yield a temporary path next to ``final``; move it onto ``final`` on success.

    On an exception (Ctrl-C and SIGTERM included) the temporary file is removed
    and ``final`` is left as it was.
    """
    staged: list[tuple[Path, Path]] = []
    try:
        tmp = _reserve_temp(final, staged)
        yield tmp
        _move_all(staged)
    except BaseException:
        while True:  # a second interrupt must not cut the clean-up short
            try:
                _remove_all(staged)
                break
            except KeyboardInterrupt:
                continue
        raise


def _reserve_temp(final: Path, staged: list[tuple[Path, Path]]) -> Path:
    """Create an empty temp file beside ``final``, recorded in ``staged`` *before*
    it exists, so that an interrupt at any moment leaves nothing untracked.

    The file gets the usual umask-based mode (not mkstemp's private 0600).
    """
    while True:
        tmp = final.with_name(f".{final.name}.{secrets.token_hex(4)}.tmp")
        staged.append((tmp, final))
        try:
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
        except FileExistsError:
            staged.pop()  # someone else's file: leave it alone
            continue
        os.close(fd)
        return tmp


def _unlink_quietly(path: Path) -> None:
    for p in (path, path.with_name(path.name + "-journal")):
        with contextlib.suppress(FileNotFoundError):
            p.unlink()


def _move_all(staged: Sequence[tuple[Path, Path]]) -> None:
    """Move every temp file onto its final path, all of them even if Ctrl-C or
    SIGTERM arrives meanwhile (the interrupt is re-raised afterwards), so the
    outputs are never a mix of old and new files.

    A move can also fail (a file locked open by a spreadsheet program, made
    read-only, a folder gone): the files moved before it are then put back
    from copies of the previous outputs taken first (hard links, or copies
    where the file system has none), and an :class:`OSError` naming the file
    says the previous outputs are kept.
    """
    backups = _keep_previous([final for _, final in staged])
    interrupt: BaseException | None = None
    done = 0
    try:
        while done < len(staged):
            try:
                while done < len(staged):
                    tmp, final = staged[done]
                    if os.path.lexists(tmp):  # moved already if interrupted right after
                        os.replace(tmp, final)
                    done += 1
            except KeyboardInterrupt as exc:  # tracker.interrupts.Interrupted too
                interrupt = interrupt or exc
    except OSError as exc:
        _put_back(backups[:done])
        final = staged[done][1]
        raise OSError(exc.errno, f"cannot replace {final} ({exc.strerror or exc}); the "
                                 "previous outputs are kept") from exc
    finally:
        # Finishes even if a (second) interrupt arrives meanwhile.
        _remove_all([(backup, final) for final, backup in backups if backup is not None])
    if interrupt is not None:
        raise interrupt


def _keep_previous(finals: Sequence[Path]) -> list[tuple[Path, Path | None]]:
    """A copy of each existing final path (None where there is none yet)."""
    out: list[tuple[Path, Path | None]] = []
    try:
        for final in finals:
            if not os.path.lexists(final):
                out.append((final, None))
                continue
            backup = final.with_name(f".{final.name}.{secrets.token_hex(4)}.old")
            out.append((final, backup))
            try:
                os.link(final, backup)
            except OSError:  # no hard links here (FAT, some network shares)
                shutil.copy2(final, backup)
    except BaseException:
        for _, backup in out:
            if backup is not None:
                _unlink_quietly(backup)
        raise
    return out


def _put_back(moved: Sequence[tuple[Path, Path | None]]) -> None:
    """Undo the moves of ``moved``: previous outputs back, new files gone."""
    for final, backup in moved:
        if backup is None:
            _unlink_quietly(final)
        else:
            os.replace(backup, final)


def _remove_all(staged: Sequence[tuple[Path, Path]]) -> None:
    """Remove every temp file still there, finishing even if interrupted again
    (polars, for one, can raise a second KeyboardInterrupt for one Ctrl-C)."""
    done = 0
    while done < len(staged):
        try:
            while done < len(staged):
                _unlink_quietly(staged[done][0])
                done += 1
        except KeyboardInterrupt:
            continue  # the first interrupt is already on its way up


def _commit_all(jobs: Sequence[tuple[Path, Callable[[Path], None]]]) -> list[Path]:
    """Run every writer into a temp file; replace the finals only if all succeeded.

    An interrupt (Ctrl-C, or SIGTERM with :mod:`tracker.interrupts`) while the
    writers run removes every temp file and leaves the previous outputs; one
    that arrives while the finished files are being moved into place is held
    until all of them are moved.  Either way no temp file is left behind and
    no mix of old and new outputs.
    """
    staged: list[tuple[Path, Path]] = []
    try:
        for final, write in jobs:
            tmp = _reserve_temp(final, staged)
            write(tmp)
            _fsync(tmp)
        _move_all(staged)
    except BaseException:
        while True:  # a second interrupt must not cut the clean-up short
            try:
                _remove_all(staged)  # files already moved have no temp file left
                break
            except KeyboardInterrupt:
                continue
        raise
    return [final for _, final in staged]


def _fsync(path: Path) -> None:
    with open(path, "rb") as fh:
        os.fsync(fh.fileno())


# --------------------------------------------------------------------------- per table


def _nested(schema: Mapping[str, pl.DataType]) -> list[str]:
    return [c for c, t in schema.items()
            if isinstance(t, pl.List | pl.Array | pl.Struct) or t == pl.Object]


def _flatten_nested(df: pl.DataFrame) -> pl.DataFrame:
    """Turn list/struct/array/object columns into JSON text (for CSV, XLSX, SQLite)."""
    nested = _nested(df.schema)
    if not nested:
        return df
    return df.with_columns(
        pl.Series(
            c,
            [None if v is None else json.dumps(_jsonable(v), ensure_ascii=False)
             for v in df[c].to_list()],
            dtype=pl.String,
        )
        for c in nested
    )  # fmt: skip


def _jsonable(v: Any) -> Any:
    if isinstance(v, dict):
        return {k: _jsonable(x) for k, x in v.items()}
    if isinstance(v, list | tuple):
        return [_jsonable(x) for x in v]
    if isinstance(v, dt.date | dt.datetime | dt.time):
        return v.isoformat()
    return v


def _write_csv(df: pl.DataFrame | pl.LazyFrame, path: Path, *, excel_bom: bool = False) -> None:
    # A spilled table batch by batch (sink_csv's memory grows with the number
    # of files it is made of); the header once, and alone for no rows at all.
    with open(path, "wb") as fh:
        first = True
        for part in batches(df):
            _flatten_nested(part).write_csv(fh, include_header=first,
                                            include_bom=first and excel_bom,
                                            line_terminator="\n")
            first = False
        if first:
            _flatten_nested(pl.DataFrame(schema=df.collect_schema())).write_csv(
                fh, include_bom=excel_bom, line_terminator="\n")


def _write_parquet(df: pl.DataFrame | pl.LazyFrame, path: Path, *,
                   excel_bom: bool = False) -> None:
    if isinstance(df, pl.LazyFrame):
        df.sink_parquet(path, statistics=True)
    else:
        df.write_parquet(path, statistics=True)


def _write_jsonl(df: pl.DataFrame | pl.LazyFrame, path: Path, *,
                 excel_bom: bool = False) -> None:
    with open(path, "wb") as fh:
        for part in batches(df):
            part.write_ndjson(fh)


_PER_TABLE_WRITERS: dict[str, Callable[..., None]] = {
    "csv": _write_csv,
    "parquet": _write_parquet,
    "jsonl": _write_jsonl,
}


# --------------------------------------------------------------------------- xlsx


def display_width(text: str) -> int:
    """Columns ``text`` takes in a monospace grid: East Asian wide/fullwidth count 2."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def sheet_names(names: Sequence[str]) -> list[str]:
    """Valid, unique Excel sheet names (≤31 chars, no ``[]:*?/\\``) for ``names``."""
    out: list[str] = []
    seen: set[str] = set()
    for name in names:
        base = (name.translate(_SHEET_BAD_CHARS).strip("'") or "sheet")[:31]
        cand, i = base, 2
        while cand.lower() in seen:
            suffix = f"~{i}"
            cand = base[: 31 - len(suffix)] + suffix
            i += 1
        seen.add(cand.lower())
        out.append(cand)
    return out


def _write_xlsx(tables: Mapping[str, pl.DataFrame | pl.LazyFrame], path: Path) -> None:
    import xlsxwriter

    for name, df in tables.items():
        rows = height(df)
        if rows + 1 > _XLSX_MAX_ROWS:
            raise ValueError(
                f"table {name!r} has {rows} rows, more than one Excel sheet holds "
                f"({_XLSX_MAX_ROWS - 1}); write it as csv or parquet instead"
            )
    wb = xlsxwriter.Workbook(
        str(path),
        {
            # text stays text: no formulas, URLs or numbers guessed from strings
            "strings_to_numbers": False,
            "strings_to_formulas": False,
            "strings_to_urls": False,
            "nan_inf_to_errors": True,
        },
    )
    try:
        wb.set_properties(
            {"title": "tracker tables", "creator": "tracker", "created": _XLSX_CREATED}
        )
        header_fmt = wb.add_format(
            {"bold": True, "bg_color": "#DDE6F0", "bottom": 1, "text_wrap": True,
             "valign": "top"}
        )  # fmt: skip
        wrap_fmt = wb.add_format({"text_wrap": True, "valign": "top"})
        top_fmt = wb.add_format({"valign": "top"})
        int_fmt = wb.add_format({"num_format": "0", "valign": "top"})
        date_fmt = wb.add_format({"num_format": "yyyy-mm-dd", "valign": "top"})
        dtm_fmt = wb.add_format({"num_format": "yyyy-mm-dd hh:mm:ss", "valign": "top"})
        for sheet_name, (_, df) in zip(sheet_names(list(tables)), tables.items(), strict=True):
            df = _flatten_nested(eager(df))  # one sheet's table in memory at a time
            ws = wb.add_worksheet(sheet_name)
            for j, col in enumerate(df.columns):
                ws.write_string(0, j, col, header_fmt)
                dtype = df.schema[col]
                if col in QUOTE_COLUMNS:
                    fmt = wrap_fmt
                elif dtype.is_integer():
                    fmt = int_fmt
                elif dtype == pl.Date:
                    fmt = date_fmt
                elif dtype == pl.Datetime:
                    fmt = dtm_fmt
                else:
                    fmt = top_fmt
                ws.set_column(j, j, _column_width(col, df[col]), fmt)
                for i, v in enumerate(df[col].to_list(), start=1):
                    _write_cell(ws, i, j, v, fmt)
            ws.freeze_panes(1, 0)
            if df.width:
                ws.autofilter(0, 0, max(df.height, 1), df.width - 1)
    finally:
        wb.close()


def _column_width(name: str, s: pl.Series, sample: int = 2000) -> float:
    if name in QUOTE_COLUMNS:
        return 60.0
    if s.dtype.is_float():
        texts = [f"{v:g}" for v in s.head(sample).drop_nulls().to_list()]
    else:
        texts = [str(v) for v in s.head(sample).drop_nulls().to_list()]
    widest = max([display_width(name) + 3, *(display_width(t) for t in texts)])
    return float(min(max(widest + 2, 6), 50))


def _write_cell(ws: Any, row: int, col: int, v: Any, fmt: Any) -> None:
    if v is None:
        return  # blank; the column format applies
    if isinstance(v, bool):
        ws.write_boolean(row, col, v, fmt)
    elif isinstance(v, int | float):
        ws.write_number(row, col, v, fmt)
    elif isinstance(v, dt.datetime | dt.date):
        ws.write_datetime(row, col, v, fmt)
    else:
        ws.write_string(row, col, str(v)[:_XLSX_MAX_CELL_CHARS], fmt)


# --------------------------------------------------------------------------- sqlite


def fts_tokenizer() -> str:
    """``"trigram"`` if this SQLite's FTS5 has it (SQLite ≥ 3.34), else ``"unicode61"``.

    With ``unicode61`` a run of Chinese characters is one token, so only whole
    runs or prefixes (``养老*`` won't find ``社区养老``) match; trigram finds any
    substring of three or more characters.
    """
    con = sqlite3.connect(":memory:")
    try:
        con.execute("CREATE VIRTUAL TABLE t USING fts5(x, tokenize='trigram')")
        return "trigram"
    except sqlite3.OperationalError:
        return "unicode61"
    finally:
        con.close()


def _sql_type(dtype: pl.DataType) -> str:
    if dtype.is_integer() or dtype == pl.Boolean:
        return "INTEGER"
    if dtype.is_float():
        return "REAL"
    return "TEXT"


def _quote_ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _sql_value(v: Any) -> Any:
    if isinstance(v, dt.date | dt.datetime | dt.time):
        return v.isoformat()
    if isinstance(v, float) and v != v:  # NaN -> NULL
        return None
    return v


def _write_sqlite(tables: Mapping[str, pl.DataFrame | pl.LazyFrame], path: Path) -> None:
    import sqlite_utils

    tokenizer = fts_tokenizer()
    con = sqlite3.connect(path)
    try:
        con.execute("PRAGMA journal_mode=DELETE")
        with con:
            for name, df in tables.items():
                schema = df.collect_schema()
                flat = {c: pl.String if c in _nested(schema) else t for c, t in schema.items()}
                t = _quote_ident(name)
                cols = ", ".join(
                    f"{_quote_ident(c)} {_sql_type(dtype)}" for c, dtype in flat.items()
                )
                con.execute(f"CREATE TABLE {t} ({cols})")
                if flat:
                    marks = ", ".join("?" * len(flat))
                    for part in batches(df):  # a spilled table, one batch at a time
                        con.executemany(
                            f"INSERT INTO {t} VALUES ({marks})",
                            ([_sql_value(v) for v in row]
                             for row in _flatten_nested(part).iter_rows()),
                        )
                for col in INDEX_COLUMNS:
                    if col in flat:
                        con.execute(
                            f"CREATE INDEX {_quote_ident(f'idx_{name}_{col}')} ON {t} "
                            f"({_quote_ident(col)})"
                        )
        db = sqlite_utils.Database(con)
        for name, fts_columns in FTS_COLUMNS.items():
            if name in tables and all(c in columns(tables[name]) for c in fts_columns):
                db.table(name).enable_fts(list(fts_columns), tokenize=tokenizer,
                                          create_triggers=True)
        con.commit()
    finally:
        con.close()


def search_sqlite(db_path: Path, table: str, text: str, limit: int = 100) -> list[dict[str, Any]]:
    """Rows of ``table`` in a database from :func:`write_tables` whose text contains ``text``.

    Uses the ``<table>_fts`` index (``commitments``: quote, ``slogans``: slogan).
    The trigram tokenizer cannot match fewer than three characters, so shorter
    queries (most two-character Chinese words, e.g. ``养老``) fall back to a
    ``LIKE`` scan of the table itself.  Results are dicts keyed by column name,
    in rowid order.

    Raises:
        ValueError: ``table`` has no full-text index.
    """
    if table not in FTS_COLUMNS:
        raise ValueError(f"no full-text index for {table!r}; indexed: {', '.join(FTS_COLUMNS)}")
    t, fts = _quote_ident(table), _quote_ident(table + "_fts")
    con = sqlite3.connect(f"file:{Path(db_path)}?mode=ro", uri=True)
    con.row_factory = sqlite3.Row
    try:
        if len(text) >= 3:
            phrase = '"' + text.replace('"', '""') + '"'
            sql = (
                f"SELECT {t}.* FROM {t} JOIN {fts} ON {fts}.rowid = {t}.rowid "
                f"WHERE {fts} MATCH ? ORDER BY {t}.rowid LIMIT ?"
            )
            rows = con.execute(sql, (phrase, limit)).fetchall()
        else:
            like = "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
            where = " OR ".join(f"{_quote_ident(c)} LIKE ? ESCAPE '\\'" for c in FTS_COLUMNS[table])
            sql = f"SELECT * FROM {t} WHERE {where} ORDER BY rowid LIMIT ?"
            rows = con.execute(sql, (*[like] * len(FTS_COLUMNS[table]), limit)).fetchall()
        return [dict(r) for r in rows]
    finally:
        con.close()
