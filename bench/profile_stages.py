"""Where extraction time goes: CPU seconds per pipeline stage, one process.

    PYTHONPATH=. python bench/profile_stages.py CORPUS [--mb 8] [--no-title]

Reads documents with the real readers (files, folders, JSONL), extracts each
one with :func:`tracker.pipeline.process_document`, and times every stage by
wrapping the stage functions (CPU time of this process, so other load on the
machine matters little).  Stages nest: ``find_quantities``, ``sentences`` and
the per-record steps run inside ``extract_commitments``.  ``--no-title`` drops
titles supplied by metadata, as for plain-text files, which makes locality
attribution read the whole body.  For a line-level view, run the same command
under ``py-spy record -f raw``.
"""

from __future__ import annotations

import argparse
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import replace
from typing import Any

# (module, function, is a generator to drain) for every stage worth a line.
STAGES = [
    ("tracker.normalize", "normalise", False),
    ("tracker.boilerplate", "strip_boilerplate", False),
    ("tracker.localities", "attribute", False),
    ("tracker.years", "infer_year", False),
    ("tracker.years", "find_date", False),
    ("tracker.slogans", "find_slogans", False),
    ("tracker.slogans", "find_expansions", False),
    ("tracker.commitments", "extract_commitments", False),
    ("tracker.commitments", "sentences", False),
    ("tracker.commitments", "find_quantities", True),
    ("tracker.commitments", "cut_object", False),
    ("tracker.commitments", "_kind", False),
    ("tracker.commitments", "_year", False),
    ("tracker.commitments", "categorise", False),
    ("tracker.quantities", "_excluded", False),
    ("tracker.indicators", "indicator_key", False),
    ("tracker.pipeline", "_slogan_rows", False),
]


def _timed(fn: Callable[..., Any], name: str, drain: bool, spent: Counter[str]) -> Callable:
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        t = time.process_time()
        try:
            out = fn(*args, **kwargs)
            return iter(list(out)) if drain else out
        finally:
            spent[name] += time.process_time() - t
    return wrapper


def main() -> int:
    import importlib

    from tracker import pipeline
    from tracker.documents import read_inputs
    from tracker.model import Document
    from tracker.numbers import parse_number

    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("corpus", nargs="+", help="files or folders, as for tracker extract")
    ap.add_argument("--mb", type=float, default=8.0, help="stop after this many MB of text")
    ap.add_argument("--no-title", action="store_true", help="drop titles from metadata")
    args = ap.parse_args()

    docs: list[Document] = []
    size = 0
    for doc in read_inputs(args.corpus):
        if not isinstance(doc, Document):
            continue
        docs.append(replace(doc, title=None) if args.no_title else doc)
        size += len(doc.text.encode("utf-8"))
        if size >= args.mb * 1e6:
            break
    pipeline.warm_up()
    parse_number("三千五百万")  # imports cn2an: a one-off cost, not a stage's

    spent: Counter[str] = Counter()
    for module, name, drain in STAGES:
        mod = importlib.import_module(module)
        setattr(mod, name, _timed(getattr(mod, name), name, drain, spent))
    t = time.process_time()
    for doc in docs:
        pipeline.process_document(doc)
    total = time.process_time() - t
    print(f"{len(docs)} documents, {size / 1e6:.1f} MB: {total:.2f} CPU-s, "
          f"{size / 1e6 / total:.2f} MB per CPU-second")
    for name, sec in spent.most_common():
        print(f"  {name:22s} {sec:7.3f} s  {100 * sec / total:5.1f}%")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
