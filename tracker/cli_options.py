"""Command-line options shared by every verb (tracker.cli, tracker.compare_cli).

One definition per option, so ``--doc-id``, ``--jobs``, ``--format``… read
and behave the same in every command; and :func:`fail`, the one way a
command stops on a usage error.
"""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer


class Fmt(StrEnum):
    csv = "csv"
    xlsx = "xlsx"
    parquet = "parquet"
    jsonl = "jsonl"
    sqlite = "sqlite"


PathsArg = Annotated[
    list[Path] | None,
    typer.Argument(help="Files or folders (searched recursively): .txt .md .html .jsonl "
                        ".pdf .docx; a manifest.csv in a folder supplies metadata."),
]
OutOpt = Annotated[Path, typer.Option("--out", "-o", help="Output folder (created if missing).")]
FormatOpt = Annotated[
    list[Fmt] | None,
    typer.Option("--format", "-f", help="Table format; repeat for several. Default csv."),
]
DocIdOpt = Annotated[
    str | None,
    typer.Option("--doc-id", help="doc_id template over document fields, e.g. 'gwr_{year}' "
                                  "for a JSONL without ids (fields: stem line year title "
                                  "locality date id; line is the JSONL line number, 1 for "
                                  "a whole file: '{stem}-{line}' names a.txt a-1)."),
]
JobsOpt = Annotated[int, typer.Option("--jobs", "-j", help="Worker processes; 0 = all cores.")]
ExcelOpt = Annotated[bool, typer.Option("--excel", help="Write CSV with a BOM so Excel and "
                                                        "WPS open Chinese text correctly.")]
NoCacheOpt = Annotated[bool, typer.Option("--no-cache", help="Extract every document again; "
                                                              "read and write no cache.")]
CacheDirOpt = Annotated[
    Path | None,
    typer.Option("--cache-dir", help="Extraction cache folder (default $TRACKER_CACHE_DIR or "
                                     "OUT/.tracker-cache). Entries are keyed on document "
                                     "content and the rules version."),
]
DaskOpt = Annotated[
    str | None,
    typer.Option("--dask", help="Run on a Dask cluster: a scheduler address "
                                "(tcp://host:8786) or 'local' for a local cluster with "
                                "--jobs worker processes. Needs tracker\\[distributed]."),
]
QuietOpt = Annotated[bool, typer.Option("--quiet", "-q", help="Print nothing but errors.")]


def fail(msg: str) -> typer.Exit:
    """Print ``tracker: msg`` on stderr and return the exit (code 2, a usage
    or input error) for the caller to raise."""
    typer.echo(f"tracker: {msg}", err=True)
    return typer.Exit(2)
