"""A progress bar for long runs: on a terminal only, silent in pipes and CI.

Uses rich (a typer dependency); nothing is drawn when stderr is not a TTY,
when ``CI`` is set, or with ``--quiet``.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path


def estimate_items(paths: Sequence[str | Path]) -> int | None:
    """Roughly how many documents ``paths`` hold, for an ETA: files under
    the folders (hidden ones and manifests skipped), lines of JSONL files.
    Cheap next to extraction; None when a path cannot be read."""
    total = 0
    try:
        for p in map(Path, paths):
            files = [p] if p.is_file() else (
                f for f in p.rglob("*") if f.is_file()
                and not any(part.startswith(".") for part in f.relative_to(p).parts))
            for f in files:
                if f.name == "manifest.csv":
                    continue
                if f.suffix == ".jsonl":
                    with f.open("rb") as fh:
                        total += sum(chunk.count(b"\n") for chunk in iter(
                            lambda fh=fh: fh.read(1 << 20), b""))
                else:
                    total += 1
    except OSError:
        return None
    return total or None


@contextmanager
def progress(*, quiet: bool = False, label: str = "documents",
             paths: Sequence[str | Path] = ()) -> Iterator[Callable[[], None]]:
    """Context manager yielding ``tick()``, to call once per document.

    Shows documents processed, rate, elapsed time and — when ``paths`` lets
    :func:`estimate_items` count the documents — a bar with the time left, on
    stderr when it is a terminal; otherwise ``tick`` does nothing.
    """
    if quiet or os.environ.get("CI") or not sys.stderr.isatty():
        yield lambda: None
        return
    from rich.console import Console
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        SpinnerColumn,
        TextColumn,
        TimeElapsedColumn,
        TimeRemainingColumn,
    )

    total = estimate_items(paths) if paths else None
    columns = (SpinnerColumn(), TextColumn("{task.description}"), BarColumn(),
               MofNCompleteColumn(), TextColumn("{task.fields[rate]:.1f}/s"),
               TimeElapsedColumn(), TextColumn("ETA"), TimeRemainingColumn())
    with Progress(*columns, console=Console(stderr=True), transient=True) as bar:
        task = bar.add_task(label, total=total, rate=0.0)

        def tick() -> None:
            bar.advance(task)
            t = bar.tasks[0]
            bar.update(task, rate=(t.completed / t.elapsed) if t.elapsed else 0.0)

        yield tick
