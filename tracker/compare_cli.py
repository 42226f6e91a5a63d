"""``tracker diff`` and ``tracker track``: the comparison verbs.

Registered on the main app in :mod:`tracker.cli` by :func:`register`.  Inputs
are documents (extracted on the fly, like ``tracker extract``) or folders that
``tracker extract`` already wrote (recognised by their commitments table), in
any mix.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import polars as pl
import typer

from tracker.cli_options import DocIdOpt, ExcelOpt, FormatOpt, JobsOpt, QuietOpt, fail
from tracker.rules import RuleError

InputsArg = Annotated[
    list[Path] | None,
    typer.Argument(help="Documents or folders (as for extract), or folders written by "
                        "`tracker extract` (read, not re-extracted)."),
]
OutOpt = Annotated[Path, typer.Option("--out", "-o", help="Output folder (created if missing); "
                                                          "keep it apart from extract's.")]
LocalityOpt = Annotated[str | None, typer.Option("--locality", "-l",
                                                 help="Only this locality (e.g. 全国, 杭州市).")]
ShowOpt = Annotated[int, typer.Option("--show", help="Rows to print in the terminal "
                                                     "(all rows go to the file).")]
AllRowsOpt = Annotated[bool, typer.Option("--verbose", "-v",
                                          help="Print every row, not the first --show.")]


def _load(paths: list[Path], doc_id: str | None, jobs: int) -> dict[str, pl.DataFrame]:
    """Commitments, slogans and documents from documents and extraction folders."""
    from tracker.compare import concat_tables, is_extraction_dir, read_extraction

    for p in paths:
        if not p.exists():
            raise fail(f"{p}: no such file or folder")
    parts = [read_extraction(p) for p in paths if is_extraction_dir(p)]
    raw = [p for p in paths if not is_extraction_dir(p)]
    if raw:
        from tracker.cli import _check_doc_id, _preload_rules

        _check_doc_id(doc_id)
        from tracker.pipeline import run

        try:
            _preload_rules()
        except RuleError as exc:
            raise fail(str(exc)) from None
        result = run(raw, doc_id_template=doc_id, jobs=jobs)
        for row in result.tables["errors"].iter_rows(named=True):
            typer.echo(f"{row['path']}: {row['message']}", err=True)
        parts.append(result.tables)
    return concat_tables(parts)


def _write(name: str, table: pl.DataFrame, out: Path, formats, excel: bool) -> list[Path]:
    from tracker.writers import write_tables

    fmts = [str(f) for f in formats] if formats else ["csv"]  # Fmt is a StrEnum
    try:
        return write_tables({name: table}, out, fmts, excel_bom=excel)
    except (OSError, ValueError) as exc:
        raise fail(f"{out}: cannot write outputs: {exc}") from None


def _print(title: str, columns: list[tuple[str, str]], rows: list[dict], total: int,
           out_note: str) -> None:
    from rich.console import Console
    from rich.table import Table

    console = Console()
    if not console.is_terminal:
        console = Console(width=160)  # piped or captured: do not squeeze into 80 columns
    table = Table(title=title, show_lines=False, header_style="bold")
    for _, header in columns:
        table.add_column(header, overflow="fold")
    for r in rows:
        table.add_row(*[("" if r.get(c) is None else str(r.get(c))) for c, _ in columns])
    console.print(table)
    more = f" (showing {len(rows)} of {total})" if len(rows) < total else ""
    console.print(f"{total} rows{more}; {out_note}")


def _clip(s: str | None, n: int = 40) -> str:
    if not s:
        return ""
    s = s.replace("\n", " ")
    return s if len(s) <= n else s[: n - 1] + "…"


def diff_cmd(
    paths: InputsArg = None,
    year_from: Annotated[int | None, typer.Option("--from", help="Year of the earlier "
                                                                 "documents.")] = None,
    year_to: Annotated[int | None, typer.Option("--to", help="Year of the later "
                                                             "documents.")] = None,
    a: Annotated[Path | None, typer.Option("--a", help="Earlier side: an extraction folder "
                                                       "or documents (instead of PATH).")] = None,
    b: Annotated[Path | None, typer.Option("--b", help="Later side: an extraction folder "
                                                       "or documents.")] = None,
    locality: LocalityOpt = None,
    kind: Annotated[str, typer.Option("--kind", help="pledge, achievement or all.")] = "pledge",
    all_rows: Annotated[bool, typer.Option("--all", help="Print continued rows too.")] = False,
    out: OutOpt = Path("out/compare"),
    fmt: FormatOpt = None,
    doc_id: DocIdOpt = None,
    jobs: JobsOpt = 1,
    excel: ExcelOpt = False,
    show: ShowOpt = 60,
    quiet: QuietOpt = False,
    verbose: AllRowsOpt = False,
) -> None:
    """What changed between two years: pledges new, dropped, changed, continued; slogans.

    Two years of one corpus:  tracker diff reports/ --from 2018 --to 2019
    Two extraction folders:   tracker diff --a out2018/ --b out2019/
    (--from/--to then pick a year inside each side).  Writes DIR/diff.csv:
    locality, key, change, year_from, value_from, year_to, value_to, unit,
    quote_from, quote_to, then kind, qualifiers, value_max and detail.
    """
    from tracker.compare import diff, document_years

    if kind not in ("pledge", "achievement", "all"):
        raise fail("--kind must be pledge, achievement or all")
    if (a is None) != (b is None):
        raise fail("give both --a and --b, or PATH... with --from and --to")
    if a is not None:
        if paths:
            raise fail("give either PATH... or --a/--b, not both")
        ta, tb = _load([a], doc_id, jobs), _load([b], doc_id, jobs)
    else:
        if not paths or year_from is None or year_to is None:
            raise fail("give PATH... with --from YEAR and --to YEAR (or --a DIR --b DIR)")
        ta = tb = _load(paths, doc_id, jobs)
    ca = document_years(ta["commitments"], ta["documents"])
    cb = document_years(tb["commitments"], tb["documents"])
    sa, sb = ta["slogans"], tb["slogans"]
    if year_from is not None:
        ca, sa = ca.filter(pl.col("doc_year") == year_from), sa.filter(pl.col("year") == year_from)
    if year_to is not None:
        cb, sb = cb.filter(pl.col("doc_year") == year_to), sb.filter(pl.col("year") == year_to)
    try:
        table = diff(ca, cb, sa, sb, kind=None if kind == "all" else kind, locality=locality)
    except RuleError as exc:
        raise fail(str(exc)) from None
    written = _write("diff", table, out, fmt, excel)
    if quiet:
        return
    shown = table if all_rows else table.filter(pl.col("change") != "continued")
    rows = [{**r, "from": _value(r, "from"), "to": _value(r, "to"),
             "quote_from": _clip(r["quote_from"]), "quote_to": _clip(r["quote_to"])}
            for r in (shown if verbose else shown.head(show)).iter_rows(named=True)]
    counts = ", ".join(f"{n} {c}" for c, n in table.group_by("change").len()
                       .sort("change").iter_rows())
    _print(f"diff {year_from or a} → {year_to or b}",
           [("locality", "locality"), ("change", "change"), ("key", "key"), ("unit", "unit"),
            ("from", "from"), ("to", "to"), ("quote_from", "quote from"),
            ("quote_to", "quote to")], rows, shown.height,
           f"{counts or 'no rows'}; wrote {', '.join(str(p) for p in written)}")


def _value(r: dict, side: str) -> str:
    from tracker.compare import format_value

    if r["kind"] == "slogan":
        return "" if r[f"value_{side}"] is None else f"{r[f'value_{side}']:g}×"
    return format_value(r[f"value_{side}"], r[f"value_max_{side}"], r[f"qualifier_{side}"])


def track_cmd(
    paths: Annotated[list[Path], typer.Argument(help=InputsArg.__metadata__[0].help)],
    locality: LocalityOpt = None,
    key: Annotated[list[str] | None, typer.Option("--key", "-k", help="Only this key "
                                                  "(repeat), e.g. 国内生产总值增长.")] = None,
    found_only: Annotated[bool, typer.Option("--found", help="Print only pledges with a "
                                                             "result found.")] = False,
    out: OutOpt = Path("out/compare"),
    fmt: FormatOpt = None,
    doc_id: DocIdOpt = None,
    jobs: JobsOpt = 1,
    excel: ExcelOpt = False,
    show: ShowOpt = 60,
    quiet: QuietOpt = False,
    verbose: AllRowsOpt = False,
) -> None:
    """Did last year's pledges come true?  Pledge of year N vs result for year N.

    Example: tracker track reports/ --key 国内生产总值增长 --key 城镇新增就业
    Writes DIR/track.csv: locality, key, year, unit, pledged_value,
    pledged_value_max, qualifier, achieved_value, status (met, partly,
    missed, no result found), ratio, pledge_doc, pledge_quote, result_doc,
    result_quote, then better and reason.  Tolerances: rules/compare.toml.
    """
    from tracker.compare import document_years, format_value, track

    t = _load(paths, doc_id, jobs)
    try:
        table = track(document_years(t["commitments"], t["documents"]), locality=locality,
                      keys=key)
    except RuleError as exc:
        raise fail(str(exc)) from None
    written = _write("track", table, out, fmt, excel)
    if quiet:
        return
    shown = table.filter(pl.col("status") != "no result found") if found_only else table
    rows = [{**r, "pledged": format_value(r["pledged_value"], r["pledged_value_max"],
                                          r["qualifier"]),
             "achieved": format_value(r["achieved_value"]),
             "ratio": "" if r["ratio"] is None else f"{r['ratio']:.3f}",
             "pledge_quote": _clip(r["pledge_quote"], 30),
             "result_quote": _clip(r["result_quote"], 30)}
            for r in (shown if verbose else shown.head(show)).iter_rows(named=True)]
    counts = ", ".join(f"{n} {s}" for s, n in table.group_by("status").len()
                       .sort("status").iter_rows())
    _print("track: pledges against results",
           [("locality", "locality"), ("key", "key"), ("year", "year"), ("unit", "unit"),
            ("pledged", "pledged"), ("achieved", "achieved"), ("status", "status"),
            ("ratio", "ratio"), ("pledge_doc", "pledge doc"), ("result_doc", "result doc"),
            ("result_quote", "result quote")], rows, shown.height,
           f"{counts or 'no pledges'}; wrote {', '.join(str(p) for p in written)}")


def register(app: typer.Typer) -> None:
    """Add ``diff`` and ``track`` to the ``tracker`` app."""
    app.command("diff")(diff_cmd)
    app.command("track")(track_cmd)
