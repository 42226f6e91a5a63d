"""The extraction pipeline: documents in, record frames out.

files -> :class:`~tracker.model.Document` -> :func:`~tracker.normalize.normalise`
-> locality and year -> slogans and commitments -> rows.  :func:`process_document`
does one document and never raises: a failure becomes an error row and the
document's status says so.  :func:`run` streams documents through it (in
worker processes with ``jobs > 1``) and builds the polars frames.
"""

from __future__ import annotations

import os
import traceback
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import polars as pl

from tracker.model import Document, InputError
from tracker.tables import (
    COMMITMENTS_SCHEMA,
    DOCUMENTS_SCHEMA,
    ERRORS_SCHEMA,
    EXPANSIONS_SCHEMA,
    SLOGANS_SCHEMA,
    frame,
)


@dataclass
class DocResult:
    """Everything extracted from one document (plain rows, picklable)."""

    document: dict
    commitments: list[dict] = field(default_factory=list)
    slogans: list[dict] = field(default_factory=list)
    expansions: list[dict] = field(default_factory=list)
    errors: list[dict] = field(default_factory=list)


def error_row(err: InputError) -> dict:
    """An :class:`InputError` as a row of ``errors.csv``."""
    return {"path": err.path, "line": err.line, "offset": err.offset, "doc_id": err.doc_id,
            "stage": err.stage, "message": err.message}


def _doc_row(doc: Document, **extra) -> dict:
    return {"doc_id": doc.doc_id, "path": doc.path, "title": doc.title,
            "locality": doc.locality, "year": doc.year, "date": doc.date,
            "chars": len(doc.text), "status": "ok"} | extra


def process_document(doc: Document) -> DocResult:
    """Extract one document; never raises.

    Output: a :class:`DocResult` whose rows follow the schemas in
    :mod:`tracker.tables`.  Offsets (``start``/``end``) in commitments and
    slogans are offsets into ``doc.text``.
    """
    from tracker import ruleguard

    with ruleguard.collecting() as timeouts:  # a rule that times out is an error row
        try:
            result = _process(doc)
        except Exception as exc:  # one bad document must not stop a corpus run
            where = traceback.extract_tb(exc.__traceback__)[-1]
            msg = (f"extraction failed: {type(exc).__name__}: {exc} (at "
                   f"{Path(where.filename).name}:{where.lineno}); please report this document")
            result = DocResult(
                _doc_row(doc, status="failed"),
                errors=[error_row(InputError(doc.path, msg, doc_id=doc.doc_id, stage="extract"))],
            )
    result.errors += ruleguard.timeout_rows(timeouts, path=doc.path, doc_id=doc.doc_id)
    return result


def _process(doc: Document) -> DocResult:
    from tracker.boilerplate import strip_boilerplate
    from tracker.commitments import DocContext, extract_commitments
    from tracker.indicators import indicator_key
    from tracker.localities import attribute
    from tracker.normalize import normalise
    from tracker.ruleguard import set_offset_map
    from tracker.slogans import find_expansions, find_slogans
    from tracker.years import infer_year

    nt = normalise(doc.text)
    set_offset_map(nt.to_original)
    body = strip_boilerplate(nt.text)
    text = nt.text
    attribution = attribute(text[body.start:body.end], title=doc.title, locality=doc.locality)
    dy = infer_year(text[body.start:body.end], title=doc.title, year=doc.year, date=doc.date,
                    year_from_metadata="year" in doc.metadata_from)
    mentions = [m for m in find_slogans(text) if body.start <= m.start < body.end]
    ctx = DocContext(
        doc_id=doc.doc_id, locality=attribution.locality, locality_code=attribution.code,
        year=dy.year, review_year=dy.review_year, year_source=dy.source,
        locality_at=attribution.at, skip_spans=[(m.start, m.end) for m in mentions],
        body=(body.start, body.end),
    )
    commitments = extract_commitments(nt, ctx, original=doc.text)
    for c in commitments:
        c["indicator"] = indicator_key(c["object"], c["unit"])
        c["page"] = doc.page_at(c["start"])
    slogans = _slogan_rows(doc, nt, mentions, attribution.at, dy.year)
    expansions = [{"doc_id": doc.doc_id, "slogan": s, "part": p, "start": nt.span(st, st + 1)[0]}
                  for s, p, st in find_expansions(text, mentions)]
    row = _doc_row(doc, locality=attribution.locality, locality_code=attribution.code,
                   year=dy.year, date=doc.date or dy.date, year_source=dy.source,
                   dropped_chars=len(text) - (body.end - body.start),
                   commitments=len(commitments), slogans=len(slogans))
    return DocResult(row, commitments, slogans, expansions)


def _slogan_rows(doc: Document, nt, mentions, locality_at: Callable,
                 year: int | None) -> list[dict]:
    """One row per (locality block, canonical slogan): count and first offset."""
    groups: dict[tuple[str | None, str], list] = defaultdict(list)
    for m in mentions:
        loc, code, _ = locality_at(m.start)
        groups[(loc, m.slogan)].append((m, code))
    rows = []
    for (loc, slogan), ms in groups.items():
        forms = {m.form for m, _ in ms}
        form = ("quoted+numbered" if "quoted+numbered" in forms or
                {"quoted", "numbered"} <= forms else ms[0][0].form)
        first = ms[0][0]
        s, e = nt.span(first.start, first.end)
        context = doc.text[max(0, s - 30):e + 30].replace("\n", " ").strip()
        rows.append({"doc_id": doc.doc_id, "locality": loc, "slogan": slogan, "form": form,
                     "count": len(ms), "start": s, "year": year, "locality_code": ms[0][1],
                     "rule": first.rule, "context": context})
    rows.sort(key=lambda r: (r["start"], r["slogan"]))
    return rows


@dataclass
class RunResult:
    """Frames of one run: ``commitments``, ``slogans``, ``expansions``,
    ``documents``, ``errors`` (schemas in :mod:`tracker.tables`)."""

    tables: dict[str, pl.DataFrame]

    @property
    def failed(self) -> int:
        """Number of error rows (documents or inputs that failed)."""
        return self.tables["errors"].height


def _results(docs: Iterable[Document | InputError], jobs: int,
             on_item: Callable[[], None] | None) -> Iterator[DocResult | InputError]:
    if jobs <= 1:
        for item in docs:
            yield item if isinstance(item, InputError) else process_document(item)
            if on_item:
                on_item()
        return
    with ProcessPoolExecutor(max_workers=jobs) as pool:
        batch: list[Document | InputError] = []

        def flush() -> Iterator[DocResult | InputError]:
            real = [d for d in batch if isinstance(d, Document)]
            out = iter(pool.map(process_document, real, chunksize=8))
            for item in batch:
                yield item if isinstance(item, InputError) else next(out)
                if on_item:
                    on_item()
            batch.clear()

        # Bounded batches keep memory flat on corpora of any size.
        for item in docs:
            batch.append(item)
            if len(batch) >= 64 * jobs:
                yield from flush()
        yield from flush()


def run(paths: Sequence[str | Path], *, doc_id_template: str | None = None, jobs: int = 1,
        on_item: Callable[[], None] | None = None) -> RunResult:
    """Extract every document under ``paths``.

    ``jobs`` worker processes (``0`` = all cores).  ``on_item`` is called once
    per document or input error (progress bars).  Returns the frames; input
    problems are rows of ``errors``, never exceptions.
    """
    from tracker.documents import read_inputs

    if jobs == 0:
        jobs = os.cpu_count() or 1
    docs: list[dict] = []
    commitments: list[dict] = []
    slogans: list[dict] = []
    expansions: list[dict] = []
    errors: list[dict] = []
    for res in _results(read_inputs(paths, doc_id_template=doc_id_template), jobs, on_item):
        if isinstance(res, InputError):
            errors.append(error_row(res))
            continue
        docs.append(res.document)
        commitments += res.commitments
        slogans += res.slogans
        expansions += res.expansions
        errors += res.errors
    return RunResult({
        "commitments": frame(commitments, COMMITMENTS_SCHEMA),
        "slogans": frame(slogans, SLOGANS_SCHEMA),
        "expansions": frame(expansions, EXPANSIONS_SCHEMA),
        "documents": frame(docs, DOCUMENTS_SCHEMA),
        "errors": frame(errors, ERRORS_SCHEMA),
    })
