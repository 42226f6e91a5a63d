"""The ``tracker`` command line: one verb per job.

    tracker extract PATH... --out DIR     records from documents
    tracker report [PATH...]              records + per-locality tables (seeds/ by default)
    tracker slogans [PATH...] --grep X    browse slogans: counts, localities, years
    tracker eval GOLD PRED                score against a gold file
    tracker rules check                   validate rule files and run their examples
    tracker diff PATH... --from Y --to Y  what changed between two years
    tracker track PATH...                 pledges of year N against results for year N

Exit codes: 0 all fine; 1 some inputs failed (the rest is written); 2 usage
or rule-file error.
"""

from __future__ import annotations

import contextlib
import functools
import os
import shutil
import socket
import sys
import tempfile
from collections.abc import Callable, Iterator
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, ParamSpec, TypeVar

import typer

from tracker import PROJECT_ROOT
from tracker.cli_options import (
    CacheDirOpt,
    DaskOpt,
    DocIdOpt,
    ExcelOpt,
    Fmt,
    FormatOpt,
    JobsOpt,
    NoCacheOpt,
    OutOpt,
    PathsArg,
    QuietOpt,
    fail,
)
from tracker.interrupts import interruptible
from tracker.model import NOTICE_STAGES
from tracker.rules import RuleError

if TYPE_CHECKING:
    from tracker.cache import Cache

_P = ParamSpec("_P")
_R = TypeVar("_R")

app = typer.Typer(
    help=(
        "Find slogans and numeric commitments (pledges and reported results) in Chinese "
        "government texts, and tabulate them per locality and year.\n\n"
        "Start with `tracker report` (runs on the bundled seeds/), then "
        "`tracker extract YOUR_FOLDER --out out/`."
    ),
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
rules_app = typer.Typer(help="Inspect and check the rule files in rules/.", no_args_is_help=True)
app.add_typer(rules_app, name="rules")

VerboseOpt = Annotated[bool, typer.Option("--verbose", "-v",
                                          help="Also print a line per document: locality, "
                                               "year and where it came from, counts.")]


def _check_doc_id(template: str | None) -> None:
    """Fail with one line (exit 2) on a bad --doc-id template, before any work."""
    if template is None:
        return
    from tracker.documents import read_inputs

    try:
        read_inputs([], doc_id_template=template)
    except ValueError as exc:
        msg = str(exc).replace("doc_id_template", "--doc-id")
        raise fail(msg if msg.startswith("--doc-id") else f"--doc-id {template!r}: {msg}") \
            from None


def _preload_rules() -> None:
    """Load every rule file once, so a broken rule stops the run up front."""
    from tracker.boilerplate import load_boilerplate_rules
    from tracker.commitments import load_category_rules, load_kind_rules, load_object_rules
    from tracker.indicators import load_indicators
    from tracker.quantities import load_quantity_rules
    from tracker.rules import rules_dir
    from tracker.slogans import load_slogan_rules
    from tracker.speakers import load_speaker_rules

    loads = {load_quantity_rules: "units.toml, qualifiers.toml or exclusions.toml",
             load_object_rules: "objects.toml", load_kind_rules: "kinds.toml",
             load_category_rules: "categories.toml", load_indicators: "indicators.toml",
             load_boilerplate_rules: "boilerplate.toml", load_slogan_rules: "slogans.toml",
             load_speaker_rules: "speakers.toml"}
    for load, files in loads.items():
        try:
            load()
        except RuleError:
            raise
        except Exception as exc:  # a value of the wrong type that no check caught
            raise RuleError(rules_dir() / files if "," not in files else rules_dir(),
                            f"{files}: cannot load ({type(exc).__name__}: {exc}); check the "
                            "types of the values against the comments in the file") from None


def _rule_errors_exit_2(func: Callable[_P, _R]) -> Callable[_P, _R]:
    """Decorator: a :class:`RuleError` (even one raised mid-run, by a rule file
    loaded lazily) ends the command with one line on stderr and exit 2."""

    @functools.wraps(func)
    def wrapper(*args: _P.args, **kwargs: _P.kwargs) -> _R:
        try:
            return func(*args, **kwargs)
        except RuleError as exc:
            raise fail(str(exc)) from None

    return wrapper


@interruptible
@_rule_errors_exit_2
def _extract(paths: list[Path], out: Path, formats: list[Fmt] | None, doc_id: str | None,
             jobs: int, excel: bool, quiet: bool, verbose: bool, *, aggregate: bool,
             html: bool = False, no_cache: bool = False, cache_dir: Path | None = None,
             dask: str | None = None) -> int:
    from tracker.cache import Cache, default_cache_dir

    _check_doc_id(doc_id)
    try:
        _preload_rules()
    except RuleError as exc:
        raise fail(str(exc)) from None
    if jobs < 0:
        raise fail("--jobs must be 0 (all cores) or a positive number")
    if out.exists() and not out.is_dir():
        raise fail(f"--out {out}: is a file, not a folder; give a folder for the tables")
    cache = None if no_cache else Cache(cache_dir or default_cache_dir(out))
    try:
        out.mkdir(parents=True, exist_ok=True)
        # Rows go to disk as they come (memory stays flat whatever the corpus
        # size); beside the outputs, because /tmp is often a RAM disk.
        _clear_stale_spills(out)
        spill = Path(tempfile.mkdtemp(prefix=f"{_SPILL}{_run_tag()}-", dir=out))
    except OSError as exc:
        raise _write_failure(out, exc) from None
    try:
        return _extract_into(paths, out, spill, formats, doc_id, jobs, excel, quiet, verbose,
                             aggregate=aggregate, html=html, cache=cache, dask=dask)
    finally:
        # Not TemporaryDirectory: its clean-up recurses without end on a
        # folder that became unwritable.  What cannot be removed now, the
        # next run into --out removes (_clear_stale_spills).
        shutil.rmtree(spill, ignore_errors=True)


def _write_failure(out: Path, exc: OSError) -> typer.Exit:
    """One line for an output that cannot be written, naming the file."""
    where = Path(exc.filename) if exc.filename else out
    if where.name.startswith(".") and where.suffix in (".tmp", ".old"):
        where = where.parent  # our own temporary file: the folder is what matters
    return fail(f"{where}: cannot write outputs: {exc.strerror or exc}")


_SPILL = ".tracker-spill-"


def _host() -> str:
    """This machine's name without ``-``, which separates the parts of a
    spill folder's name."""
    return socket.gethostname().replace("-", "_")


def _run_tag() -> str:
    """``host-pid`` of this run, in its spill folder's name."""
    return f"{_host()}-{os.getpid()}"


def _clear_stale_spills(out: Path) -> None:
    """Remove spill folders left in ``out`` by runs killed outright (SIGKILL,
    power cut), which had no chance to remove their own.  Only folders of
    this host whose process is gone: another run may be writing to ``out``
    (from this machine, or another one sharing the disk)."""
    host = _host()
    for folder in out.glob(_SPILL + "*"):
        parts = folder.name[len(_SPILL):].rsplit("-", 2)
        if len(parts) != 3 or parts[0] != host or not parts[1].isdigit():
            continue
        try:
            os.kill(int(parts[1]), 0)
        except ProcessLookupError:
            shutil.rmtree(folder, ignore_errors=True)
        except OSError:  # alive, someone else's
            continue


@contextlib.contextmanager
def _spill_errors_exit_2() -> Iterator[None]:
    from tracker.pipeline import SpillError

    try:
        yield
    except SpillError as exc:
        raise fail(f"{exc.strerror}; the run's rows are kept on disk as it goes, so it needs "
                   "free space beside --out (about half the corpus size)") from None


def _extract_into(paths: list[Path], out: Path, spill: Path, formats: list[Fmt] | None,
                  doc_id: str | None, jobs: int, excel: bool, quiet: bool, verbose: bool, *,
                  aggregate: bool, html: bool, cache: Cache | None, dask: str | None) -> int:
    from tracker.pipeline import run
    from tracker.progress import progress
    from tracker.tables import batches, by_locality, eager, slogans_by_locality
    from tracker.writers import write_tables

    with progress(quiet=quiet, paths=paths) as tick, _spill_errors_exit_2():
        if dask:
            try:
                from tracker.distributed import run_dask
            except ImportError as exc:
                raise fail(f"--dask needs dask and distributed ({exc.name} is missing): "
                            "pip install 'tracker[distributed]'") from None
            result = run_dask(paths, doc_id_template=doc_id, scheduler=dask,
                              n_workers=jobs or None, on_item=tick, cache=cache,
                              spill_dir=spill)
        else:
            result = run(paths, doc_id_template=doc_id, jobs=jobs, on_item=tick, cache=cache,
                         spill_dir=spill)
    tables = dict(result.tables)
    if aggregate:
        from tracker.compare import track_in_batches

        tables["by_locality"] = by_locality(tables["commitments"])
        tables["slogans_by_locality"] = slogans_by_locality(tables["slogans"])
        # Pledges of year N against results for year N, for the report's chart.
        tables["track"] = track_in_batches(tables["commitments"], tables["documents"],
                                           workdir=spill)
    fmts = [f.value for f in formats] if formats else ["csv"]
    try:
        written = write_tables(tables, out, fmts, excel_bom=excel)
        if html:
            from tracker.html_report import write_html

            # The page lists records and charts them: it reads the tables in full.
            written.append(write_html({k: eager(v) for k, v in tables.items()},
                                      out / "report.html"))
    except OSError as exc:
        raise _write_failure(out, exc) from None
    errors = eager(tables["errors"])
    for row in errors.iter_rows(named=True):
        # --quiet keeps the errors but not the notices (a file skipped for
        # its type, an unknown manifest locality).
        if verbose or not quiet or row["stage"] not in NOTICE_STAGES:
            where = row["path"] + (f":{row['line']}" if row["line"] is not None else
                                   f"@{row['offset']}" if row["offset"] is not None else "")
            typer.echo(f"{where}: {row['message']}", err=True)
    if verbose:
        for part in batches(tables["documents"]):
            for d in part.iter_rows(named=True):
                typer.echo(f"  {d['doc_id']}: {d['locality'] or '?'} {d['year'] or '?'} "
                           f"({d['year_source'] or 'no year'}), {d['commitments']} "
                           f"commitments, {d['slogans']} slogans, {d['status']}", err=True)
    n_docs = result.rows["documents"]
    failed = result.failed  # reads the errors table: once
    if not quiet:
        cached = f" ({result.cache_hits} from cache)" if result.cache_hits else ""
        typer.echo(
            f"{n_docs} documents{cached}, {result.rows['commitments']} commitments, "
            f"{result.rows['slogans']} slogan rows, {failed} errors"
            + (f", {errors.height - failed} notices" if errors.height > failed else ""))
        typer.echo(f"wrote {len(written)} files to {out}/: "
                   + ", ".join(sorted(p.name for p in written)))
    if not n_docs:
        typer.echo("tracker: no documents found in " + ", ".join(map(str, paths)), err=True)
    # Notices are reported, but only documents and inputs that could not be
    # read or extracted make the run exit 1.
    return 1 if failed else 0


@app.command()
def extract(
    paths: Annotated[list[Path], typer.Argument(help=PathsArg.__metadata__[0].help)],
    out: OutOpt = Path("out"),
    fmt: FormatOpt = None,
    doc_id: DocIdOpt = None,
    jobs: JobsOpt = 0,
    excel: ExcelOpt = False,
    quiet: QuietOpt = False,
    verbose: VerboseOpt = False,
    no_cache: NoCacheOpt = False,
    cache_dir: CacheDirOpt = None,
    dask: DaskOpt = None,
) -> None:
    """Extract commitments and slogans from documents.

    Writes commitments, slogans, expansions, documents and errors tables to
    --out.  Example: tracker extract reports/2024/ --out out/ --format xlsx
    """
    raise typer.Exit(_extract(paths, out, fmt, doc_id, jobs, excel, quiet, verbose,
                              aggregate=False, no_cache=no_cache, cache_dir=cache_dir,
                              dask=dask))


@app.command()
def report(
    paths: PathsArg = None,
    out: OutOpt = Path("reports"),
    fmt: FormatOpt = None,
    doc_id: DocIdOpt = None,
    jobs: JobsOpt = 0,
    excel: ExcelOpt = False,
    html: Annotated[bool, typer.Option("--html", help="Also write report.html, a "
                                                      "self-contained page with charts.")] = False,
    quiet: QuietOpt = False,
    verbose: VerboseOpt = False,
    no_cache: NoCacheOpt = False,
    cache_dir: CacheDirOpt = None,
    dask: DaskOpt = None,
) -> None:
    """Extract, then add per-locality tables (by_locality, slogans_by_locality, track).

    With no PATH it runs on the bundled seeds/; tables go to ./reports/ unless
    --out says otherwise.
    Example: tracker report my_reports/ --out my_tables/ --format xlsx --html
    """
    paths = paths or [PROJECT_ROOT / "seeds"]
    raise typer.Exit(_extract(paths, out, fmt, doc_id, jobs, excel, quiet, verbose,
                              aggregate=True, html=html, no_cache=no_cache,
                              cache_dir=cache_dir, dask=dask))


class Scope(StrEnum):
    doc = "doc"
    para = "para"


@app.command("eval")
def eval_(
    gold: Annotated[Path, typer.Argument(help="Gold CSV in ANNOTATION.md's format "
                                              "(commitments or slogans).")],
    pred: Annotated[Path, typer.Argument(help="An extraction folder or a predictions CSV.")],
    scope: Annotated[Scope, typer.Option(help="para: count precision only in paragraphs "
                                              "that hold gold quotes.")] = Scope.doc,
    show: Annotated[int, typer.Option(help="How many misses and extras to list.")] = 10,
    quiet: Annotated[bool, typer.Option("--quiet", "-q",
                                        help="Print only the scores.")] = False,
    verbose: Annotated[bool, typer.Option("--verbose", "-v",
                                          help="List every miss, extra and mismatch.")]
    = False,
) -> None:
    """Score predictions against gold: precision, recall, F1, field accuracy.

    Example: tracker eval ../shared/gold/seeds_commitments.csv out/
    """
    from tracker.evaluate import evaluate

    for p in (gold, pred):
        if not p.exists():
            raise fail(f"{p}: no such file or folder")
    try:
        score = evaluate(gold, pred, scope=scope.value)
    except (FileNotFoundError, ValueError, KeyError) as exc:
        raise fail(str(exc)) from None
    if score.shared_docs < score.gold_docs:
        typer.echo(f"tracker: only {score.shared_docs} of the gold's {score.gold_docs} documents "
                   f"are in {pred} (doc_ids differ? see --doc-id)", err=True)
    typer.echo(score.summary())
    if quiet:
        return
    if verbose:
        show = 1 << 30
    for f, g, p in score.mismatches[:show]:
        typer.echo(f"  {f}: gold {g.get(f)!r}, predicted {p.get(f)!r} | {g['doc_id']} | "
                   + str(g.get("quote") or g.get("slogan")).replace("\n", "⏎")[:40])
    cols = (("doc_id", "value", "unit", "quote") if score.kind == "commitments"
            else ("doc_id", "locality", "slogan", "form"))
    for label, rows in (("miss", score.misses), ("extra", score.extras)):
        for r in rows[:show]:
            typer.echo(f"  {label}: " + " | ".join(str(r.get(c, "")).replace("\n", "⏎")
                                                   for c in cols))
        if len(rows) > show:
            typer.echo(f"  … {len(rows) - show} more {label}es" if label == "miss"
                       else f"  … {len(rows) - show} more extras")


@app.command()
def slogans(
    paths: PathsArg = None,
    grep: Annotated[str | None, typer.Option("--grep", "-g",
                                             help="Only slogans containing this text.")] = None,
    limit: Annotated[int, typer.Option("--limit", "-n", help="Rows to print.")] = 40,
    out: Annotated[Path | None, typer.Option("--out", "-o",
                                             help="Also write slogan_index.csv here.")] = None,
    doc_id: DocIdOpt = None,
    jobs: JobsOpt = 1,
    quiet: QuietOpt = False,
    verbose: Annotated[bool, typer.Option("--verbose", "-v",
                                          help="Print every slogan, not the first --limit.")]
    = False,
) -> None:
    """Browse a corpus's slogans: count, localities, first and last year, context.

    Example: tracker slogans ../corpora/gwr.jsonl --doc-id 'gwr_{year}' --grep 攻坚
    """
    from rich import box
    from rich.console import Console
    from rich.table import Table

    from tracker.pipeline import run
    from tracker.tables import slogan_index

    try:
        _preload_rules()
    except RuleError as exc:
        raise fail(str(exc)) from None
    _check_doc_id(doc_id)
    result = run(paths or [PROJECT_ROOT / "seeds"], doc_id_template=doc_id, jobs=jobs)
    index = slogan_index(result.tables["slogans"], grep)
    if out is not None:
        from tracker.writers import write_tables

        write_tables({"slogan_index": index}, out, ["csv"])
    console = Console()
    widths = (("slogan", 16), ("form", 8), ("count", 5), ("docs", 4), ("years", 9),
              ("localities", 14))
    # Fixed widths keep the short columns readable on an 80-column terminal;
    # the context gets what is left (rich would otherwise squeeze the others).
    context_width = max(8, console.width - sum(w for _, w in widths) - 2 * len(widths) - 2)
    table = Table(box=box.SIMPLE_HEAD, pad_edge=False, collapse_padding=True)
    for name, width in widths:
        table.add_column(name, width=width, no_wrap=True, overflow="ellipsis")
    table.add_column("context", width=context_width, no_wrap=True, overflow="ellipsis")
    if verbose:
        limit = index.height
    for r in index.head(limit).iter_rows(named=True):
        years = ("" if r["first_year"] is None else
                 str(r["first_year"]) if r["first_year"] == r["last_year"]
                 else f"{r['first_year']}–{r['last_year']}")
        table.add_row(r["slogan"], r["form"].replace("quoted+numbered", "q+num"),
                      str(r["count"]), str(r["documents"]), years,
                      r["localities"] or "", (r["context"] or "")[:80])
    for row in result.tables["errors"].iter_rows(named=True):
        if not quiet or row["stage"] not in NOTICE_STAGES:  # as extract does
            typer.echo(f"{row['path']}: {row['message']}", err=True)
    if quiet:
        raise typer.Exit(1 if result.failed else 0)
    console.print(table)
    typer.echo(f"{index.height} slogans" + (f" (showing {limit})" if index.height > limit else ""))
    raise typer.Exit(1 if result.failed else 0)


@rules_app.command("check")
def rules_check() -> None:
    """Load every rule file and run each rule's examples through the extractor.

    The rules come from the repository's rules/ folder, or from the folder
    named by the TRACKER_RULES environment variable (copy rules/, edit, then
    TRACKER_RULES=my_rules tracker rules check and TRACKER_RULES=my_rules
    tracker extract ...).

    Prints each failing example with its rule file and line; exit 1 if any
    fails, 2 if a rule file cannot be loaded.
    """
    from tracker.rulecheck import check_all

    try:
        failures, checked = check_all()
    except RuleError as exc:
        raise fail(str(exc)) from None
    for f in failures:
        typer.echo(f, err=True)
    typer.echo(f"{checked} examples checked, {len(failures)} failed")
    raise typer.Exit(1 if failures else 0)


from tracker.compare_cli import register as _register_compare  # noqa: E402

_register_compare(app)


def main() -> None:  # pragma: no cover - console entry point
    app(prog_name="tracker")


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
