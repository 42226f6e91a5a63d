"""A progress bar for long runs: on a terminal only, silent in pipes and CI.

Uses rich (a typer dependency); nothing is drawn when stderr is not a TTY,
when ``CI`` is set, or with ``--quiet``.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager


@contextmanager
def progress(*, quiet: bool = False, label: str = "documents") -> Iterator[Callable[[], None]]:
    """Context manager yielding ``tick()``, to call once per document.

    Shows documents processed, rate and elapsed time on stderr when it is a
    terminal; otherwise ``tick`` does nothing.
    """
    if quiet or os.environ.get("CI") or not sys.stderr.isatty():
        yield lambda: None
        return
    from rich.console import Console
    from rich.progress import (
        MofNCompleteColumn,
        Progress,
        SpinnerColumn,
        TextColumn,
        TimeElapsedColumn,
    )

    columns = (SpinnerColumn(), TextColumn("{task.description}"), MofNCompleteColumn(),
               TextColumn("{task.fields[rate]:.1f}/s"), TimeElapsedColumn())
    with Progress(*columns, console=Console(stderr=True), transient=True) as bar:
        task = bar.add_task(label, total=None, rate=0.0)

        def tick() -> None:
            bar.advance(task)
            t = bar.tasks[0]
            bar.update(task, rate=(t.completed / t.elapsed) if t.elapsed else 0.0)

        yield tick
