"""Stopping a run cleanly: Ctrl-C, SIGTERM and SIGHUP.

A run writes every output to a temporary file and renames it into place only
when all outputs are complete (:mod:`tracker.writers`), so stopping it at any
moment leaves the previous outputs as they were — provided the process
unwinds instead of dying on the spot.  Python turns SIGINT into
:class:`KeyboardInterrupt` but dies silently on SIGTERM (the default action),
skipping that clean-up; :func:`handle_interrupts` makes SIGTERM and SIGHUP
raise :class:`Interrupted` like Ctrl-C, and turns any of them into one line
on stderr and the shell's exit code ``128 + signal number`` (130 for Ctrl-C,
143 for SIGTERM) instead of click's "Aborted!" and exit 1, which would read
as "some documents failed".
"""

from __future__ import annotations

import contextlib
import functools
import signal
import sys
from collections.abc import Callable, Iterator
from types import FrameType
from typing import ParamSpec, TypeVar

_P = ParamSpec("_P")
_R = TypeVar("_R")


class Interrupted(KeyboardInterrupt):
    """A termination signal received while a run was in progress."""

    def __init__(self, signum: int) -> None:
        self.signum = signum
        super().__init__(signal.Signals(signum).name)


def _raise(signum: int, frame: FrameType | None) -> None:
    raise Interrupted(signum)


_CATCH = tuple(s for s in (signal.SIGTERM, getattr(signal, "SIGHUP", None)) if s is not None)


@contextlib.contextmanager
def handle_interrupts() -> Iterator[None]:
    """Run the block so that SIGINT, SIGTERM or SIGHUP end it cleanly.

    Inside the block these signals raise (so ``finally`` blocks and the
    writers' clean-up run); leaving the block on one prints
    ``tracker: interrupted by SIG…; no output is half-written …`` and
    raises ``typer.Exit(128 + signum)``.  Handlers are restored afterwards.
    Only the main thread can install handlers; elsewhere this does nothing.
    """
    previous: dict[int, object] = {}
    try:
        for sig in _CATCH:
            previous[sig] = signal.signal(sig, _raise)
    except ValueError:  # not the main thread
        previous.clear()
    try:
        yield
    except KeyboardInterrupt as exc:
        import typer

        signum = exc.signum if isinstance(exc, Interrupted) else signal.SIGINT
        name = signal.Signals(signum).name
        lead = "\n" if sys.stderr.isatty() else ""  # off a progress bar's line
        typer.echo(f"{lead}tracker: interrupted by {name}; no output is half-written (outputs "
                   "are replaced only once all are complete)", err=True)
        raise typer.Exit(128 + signum) from None
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def restore_defaults() -> None:
    """Give SIGTERM and SIGHUP their default action (die) in this process.

    For worker processes: forked while :func:`handle_interrupts` is active,
    they inherit its handler, and a worker that raises on ``kill -TERM
    -<group>`` (how ``timeout``, schedulers and containers stop a job) dies
    in the middle of handing a result back, leaving the pool's queue locked
    and the main process waiting for ever.  Dying at once lets the main
    process see a broken pool and unwind.
    """
    for sig in _CATCH:
        signal.signal(sig, signal.SIG_DFL)


def interruptible(func: Callable[_P, _R]) -> Callable[_P, _R]:
    """Decorator: run ``func`` inside :func:`handle_interrupts`."""

    @functools.wraps(func)
    def wrapper(*args: _P.args, **kwargs: _P.kwargs) -> _R:
        with handle_interrupts():
            return func(*args, **kwargs)

    return wrapper
