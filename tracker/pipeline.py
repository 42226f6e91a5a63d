"""The extraction pipeline: documents in, record frames out.

files -> :class:`~tracker.model.Document` -> :func:`~tracker.normalize.normalise`
-> locality and year -> slogans and commitments -> rows.  :func:`process_document`
does one document and never raises: a failure becomes an error row and the
document's status says so.  :func:`run` streams documents through it and
builds the polars frames; with ``jobs > 1``, worker processes read parts of
the input themselves (:func:`read_and_process`) and this process collects.
"""

from __future__ import annotations

import os
import traceback
from collections import defaultdict, deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING

import polars as pl

from tracker.cache import Cache
from tracker.model import NOTICE_STAGES, Document, InputError
from tracker.tables import (
    COMMITMENTS_SCHEMA,
    DOCUMENTS_SCHEMA,
    ERRORS_SCHEMA,
    EXPANSIONS_SCHEMA,
    SLOGANS_SCHEMA,
    eager,
    frame,
)

if TYPE_CHECKING:
    from tracker.documents import Source


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
    """Extract one document; never raises for anything the document holds.

    Output: a :class:`DocResult` whose rows follow the schemas in
    :mod:`tracker.tables`.  Offsets (``start``/``end``) in commitments and
    slogans are offsets into ``doc.text``.  A rule that times out on the text
    is skipped, reported as an error row (stage ``rule``) and the document's
    status is ``partial``.  Raises :class:`tracker.rules.RuleError` only when
    a rule file cannot be loaded: that is no fault of the document, and the
    whole run must stop (exit 2).
    """
    from tracker import ruleguard
    from tracker.rules import RuleError

    with ruleguard.collecting() as timeouts:  # a rule that times out is an error row
        try:
            result = _process(doc)
        except RuleError:
            raise
        except Exception as exc:  # one bad document must not stop a corpus run
            where = traceback.extract_tb(exc.__traceback__)[-1]
            msg = (f"extraction failed: {type(exc).__name__}: {exc} (at "
                   f"{Path(where.filename).name}:{where.lineno}); please report this document")
            result = DocResult(
                _doc_row(doc, status="failed"),
                errors=[error_row(InputError(doc.path, msg, doc_id=doc.doc_id, stage="extract"))],
            )
    if timeouts.timeouts:
        result.errors += ruleguard.timeout_rows(timeouts, path=doc.path, doc_id=doc.doc_id)
        if result.document.get("status") == "ok":
            result.document["status"] = "partial"  # not cached: a timeout may be transient
    return result


def _process(doc: Document) -> DocResult:
    from tracker.boilerplate import strip_boilerplate
    from tracker.commitments import DocContext, extract_commitments
    from tracker.indicators import indicator_key
    from tracker.localities import attribute
    from tracker.normalize import normalise
    from tracker.ruleguard import set_offset_map
    from tracker.slogans import find_expansions, find_slogans
    from tracker.years import find_date, infer_year

    nt = normalise(doc.text)
    set_offset_map(nt.to_original)
    body = strip_boilerplate(nt.text)
    text = nt.text
    if doc.title is None:
        doc = replace(doc, title=_title_line(text[body.start:body.end]))
    attribution = attribute(text, body=(body.start, body.end), title=doc.title,
                            locality=doc.locality, nt=nt, original=doc.text)
    # The page date usually sits in the header that the body excludes.
    dy = infer_year(text[body.start:body.end], title=doc.title, year=doc.year,
                    date=doc.date or find_date(text),
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
    commitments = _drop_restated(commitments)
    slogans = _slogan_rows(doc, nt, mentions, attribution.at, dy.year)
    expansions = [{"doc_id": doc.doc_id, "slogan": s, "part": p, "start": nt.span(st, st + 1)[0]}
                  for s, p, st in find_expansions(text, mentions)]
    row = _doc_row(doc, locality=attribution.locality, locality_code=attribution.code,
                   year=dy.year, date=doc.date or dy.date, year_source=dy.source,
                   dropped_chars=len(text) - (body.end - body.start),
                   speaker=attribution.speaker,
                   commitments=len(commitments), slogans=len(slogans))
    return DocResult(row, commitments, slogans, expansions)


def _drop_restated(commitments: list[dict]) -> list[dict]:
    """Keep the first statement of a known indicator's figure in a document.

    A report lists its targets, then explains them (提出国内生产总值增长8%左右，
    主要是…): the same indicator, kind, year, locality and value again is the
    same commitment, not a second one.  Only indicators of
    ``rules/indicators.toml`` are merged; other repeats may be distinct things.
    """
    from tracker.indicators import canonical_indicator

    seen: set[tuple] = set()
    out = []
    for c in commitments:
        if canonical_indicator(c["object"], c["unit"]) is not None:
            key = (c["indicator"], c["kind"], c["year"], c["locality"], c["value"],
                   c["value_max"], c["unit"], c["qualifier"])
            if key in seen:
                continue
            seen.add(key)
        out.append(c)
    return out


def _slogan_rows(doc: Document, nt, mentions, locality_at: Callable,
                 year: int | None) -> list[dict]:
    """One row per (locality block, canonical slogan): count and first offset.

    A block whose only mentions of a slogan are plain repeats of one found
    in another block gets no row for it.
    """
    groups: dict[tuple[str | None, str], list] = defaultdict(list)
    for m in mentions:
        loc, code, _ = locality_at(m.start)
        groups[(loc, m.slogan)].append((m, code))
    rows = []
    for (loc, slogan), ms in groups.items():
        if all(m.rule.endswith("known") for m, _ in ms):
            # Only repeats of a slogan found in another speaker's block (高地
            # quoted by one district head, a plain word in the next): not this
            # block's slogan.
            continue
        forms = {m.form for m, _ in ms}
        form = ("quoted+numbered" if "quoted+numbered" in forms or
                {"quoted", "numbered"} <= forms else ms[0][0].form)
        first = ms[0][0]
        s, e = nt.span(first.start, first.end)
        context = doc.text[max(0, s - 12):e + 40].replace("\n", " ").strip()
        rows.append({"doc_id": doc.doc_id, "locality": loc, "slogan": slogan, "form": form,
                     "count": len(ms), "start": s, "year": year, "locality_code": ms[0][1],
                     "rule": first.rule, "context": context})
    rows.sort(key=lambda r: (r["start"], r["slogan"]))
    return rows


def _title_line(text: str) -> str | None:
    """The first line of a plain-text document when it reads as a title
    (short, no sentence punctuation): 湟源县2024年政府工作报告."""
    first = text.lstrip().split("\n", 1)[0].strip()
    if 4 <= len(first) <= 60 and not any(c in first for c in "。；;！!？?"):
        return first
    return None


@dataclass
class RunResult:
    """Frames of one run: ``commitments``, ``slogans``, ``expansions``,
    ``documents``, ``errors`` (schemas in :mod:`tracker.tables`).

    ``tables`` holds polars DataFrames, or LazyFrames over Arrow IPC batch
    files when the run spilled its rows to a folder (``run(spill_dir=...)``);
    those are valid as long as the folder exists.  ``rows`` is each table's
    row count, known without reading a spilled table back.
    """

    tables: dict[str, pl.DataFrame | pl.LazyFrame]
    cache_hits: int = 0
    rows: dict[str, int] = field(default_factory=dict)

    @property
    def failed(self) -> int:
        """Number of error rows of documents or inputs that failed: notices
        (:data:`tracker.model.NOTICE_STAGES`) are not counted."""
        errors = eager(self.tables["errors"])
        return errors.filter(~pl.col("stage").is_in(list(NOTICE_STAGES))).height


# A chunk of documents read by this process (a Dask partition, or a batch of
# a one-process run) holds up to this many documents or characters: big enough
# to amortise inter-process traffic, small enough to keep memory flat.  Local
# worker processes read their own parts instead (tracker.documents.input_parts).
CHUNK_DOCS = 32
CHUNK_CHARS = 1_000_000
# Rows held as Python dicts before they are packed into polars frames.
FRAME_BATCH_ROWS = 20_000


def warm_up() -> None:
    """Load every rule file, the gazetteer, OpenCC and cn2an once in this process.

    Worker processes call it on start, so rules are compiled once per worker
    and reused for every document it extracts.  A process that calls it
    before it forks its workers hands them all of it loaded (then their own
    call finds everything cached).
    """
    from tracker.boilerplate import load_boilerplate_rules
    from tracker.commitments import load_category_rules, load_kind_rules, load_object_rules
    from tracker.gazetteer import load_gazetteer
    from tracker.indicators import load_indicators
    from tracker.normalize import _t2s
    from tracker.numbers import parse_number
    from tracker.quantities import load_quantity_rules
    from tracker.slogans import load_slogan_rules
    from tracker.speakers import load_speaker_rules

    for load in (load_quantity_rules, load_object_rules, load_kind_rules, load_category_rules,
                 load_indicators, load_boilerplate_rules, load_slogan_rules, load_gazetteer,
                 load_speaker_rules, _t2s):
        load()
    parse_number("三千五百万")  # imports cn2an, which compiles its patterns on import


def process_chunk(chunk: Sequence[tuple[Document, str | None]],
                  cache: Cache | None = None) -> list[DocResult]:
    """:func:`process_document` over ``(document, cache key)`` pairs; with a
    ``cache``, each good result is stored under its key.  Never raises."""
    out = []
    for doc, key in chunk:
        res = process_document(doc)
        if cache is not None and key is not None:
            cache.put(key, res)
        out.append(res)
    return out


def _chunks(docs: Iterable[Document | InputError], cache: Cache | None,
            hits: list[int]) -> Iterator[list[tuple[Document | InputError, object]]]:
    """Group the input stream into chunks of ``(item, result-or-key)``.

    An :class:`InputError` or a cache hit carries its final result; a document
    to extract carries its cache key (or None).
    """
    chunk: list[tuple[Document | InputError, object]] = []
    chars = 0
    for item in docs:
        if isinstance(item, InputError):
            chunk.append((item, item))
            continue
        key = cache.key(item) if cache is not None else None
        cached = cache.get(key, item) if key is not None else None
        if cached is not None:
            hits[0] += 1
            chunk.append((item, cached))
            continue
        chunk.append((item, key))
        chars += len(item.text)
        if len(chunk) >= CHUNK_DOCS or chars >= CHUNK_CHARS:
            yield chunk
            chunk, chars = [], 0
    if chunk:
        yield chunk


def _todo(chunk) -> list[tuple[Document, str | None]]:
    return [(item, r) for item, r in chunk
            if isinstance(item, Document) and (r is None or isinstance(r, str))]


def _merge(chunk, done: Iterator[DocResult], on_item,
           store: Cache | None = None) -> Iterator[DocResult | InputError]:
    for item, r in chunk:
        if isinstance(item, Document) and (r is None or isinstance(r, str)):
            res = next(done)
            if store is not None and r is not None:
                store.put(r, res)
            yield res
        else:
            yield r
        if on_item:
            on_item()


def ordered_results(docs: Iterable[Document | InputError], submit: Callable | None,
                    *, cache: Cache | None = None, window: int = 4,
                    on_item: Callable[[], None] | None = None,
                    hits: list[int] | None = None,
                    store: Cache | None = None) -> Iterator[DocResult | InputError]:
    """Results for ``docs`` in input order.

    ``submit(todo)`` starts extracting a list of ``(document, key)`` and
    returns a future whose ``result()`` is the list of :class:`DocResult`; None
    extracts in this process.  At most ``window`` chunks are in flight, so
    memory stays flat whatever the corpus size.  ``cache`` is looked up here;
    fresh results are stored by the workers, or here when ``store`` is given.
    """
    hits = hits if hits is not None else [0]
    pending: deque = deque()
    for chunk in _chunks(docs, cache, hits):
        todo = _todo(chunk)
        if submit is None:
            yield from _merge(chunk, iter(process_chunk(todo, cache)), on_item)
            continue
        pending.append((chunk, submit(todo) if todo else None))
        while len(pending) >= window:
            c, fut = pending.popleft()
            yield from _merge(c, iter(fut.result() if fut else ()), on_item, store)
    while pending:
        c, fut = pending.popleft()
        yield from _merge(c, iter(fut.result() if fut else ()), on_item, store)


def read_and_process(part: Sequence[Source | InputError], doc_id_template: str | None = None,
                     cache: Cache | None = None
                     ) -> list[tuple[Path | None, DocResult | InputError, bool]]:
    """Read one part of the input (:func:`tracker.documents.read_part`) and
    extract its documents: the worker's job in a parallel run, so that
    reading, decoding and parsing files (HTML, PDF) runs in every worker too.

    With a ``cache``, documents it holds are taken from it and new results
    are stored.  Returns ``(file, result, from_cache)`` per document or input
    problem, in input order; ``doc_id`` duplicates are left to the caller.
    Never raises for bad input.
    """
    from tracker.documents import read_part

    out: list[tuple[Path | None, DocResult | InputError, bool]] = []
    for file, item in read_part(part, doc_id_template):
        if isinstance(item, InputError):
            out.append((file, item, False))
            continue
        if cache is None:
            out.append((file, process_document(item), False))
            continue
        key = cache.key(item)
        cached = cache.get(key, item)
        if cached is not None:
            out.append((file, cached, True))
            continue
        res = process_document(item)
        cache.put(key, res)
        out.append((file, res, False))
    return out


def _start_worker() -> None:
    from tracker.interrupts import restore_defaults

    restore_defaults()
    warm_up()


def _parallel_results(paths: Sequence[str | Path], doc_id_template: str | None, jobs: int,
                      on_item: Callable[[], None] | None, cache: Cache | None,
                      hits: list[int]) -> Iterator[DocResult | InputError]:
    """Results in input order from ``jobs`` worker processes that each read
    and extract parts of the input; this process only walks the paths, cuts
    JSONL files at line ends, refuses duplicate ``doc_id``s and collects."""
    from tracker.documents import DocIds, input_parts

    parts = input_parts(paths, doc_id_template=doc_id_template)
    ids = DocIds()

    def settle(fut) -> Iterator[DocResult | InputError]:
        for file, res, from_cache in fut.result():
            if isinstance(res, DocResult) and file is not None:
                refused = ids.refuse(res.document["doc_id"], res.document["path"], file)
                if refused is not None:
                    res = refused
                elif from_cache:
                    hits[0] += 1
            yield res
            if on_item:
                on_item()

    # Loaded here once, forked workers start with everything in place instead
    # of each spending most of a second loading the same tables.
    warm_up()
    with ProcessPoolExecutor(max_workers=jobs, initializer=_start_worker) as pool:
        # At most three parts per worker in flight: memory stays flat
        # whatever the corpus size, and results are taken in input order.
        pending: deque = deque()
        for part in parts:
            pending.append(pool.submit(read_and_process, part, doc_id_template, cache))
            while len(pending) >= 3 * jobs:
                yield from settle(pending.popleft())
        while pending:
            yield from settle(pending.popleft())


class SpillError(OSError):
    """A batch of rows could not be written to the spill folder (disk full,
    folder removed): the run cannot go on without losing rows."""

    def __init__(self, path: Path, cause: OSError) -> None:
        super().__init__(cause.errno, f"cannot write {path}: {cause.strerror or cause}")
        self.path = path


class _Tables:
    """Rows collected in small Python batches, packed into polars frames.

    With a ``spill_dir``, each packed batch is written there as an Arrow IPC
    file and dropped from memory, so a run holds at most one batch of rows
    whatever the corpus size; the result's tables then scan those files.
    """

    NAMES = ("commitments", "slogans", "expansions", "documents", "errors")
    SCHEMAS = (COMMITMENTS_SCHEMA, SLOGANS_SCHEMA, EXPANSIONS_SCHEMA, DOCUMENTS_SCHEMA,
               ERRORS_SCHEMA)

    def __init__(self, spill_dir: Path | None = None) -> None:
        self.rows: dict[str, list[dict]] = {n: [] for n in self.NAMES}
        self.parts: dict[str, list[pl.DataFrame]] = {n: [] for n in self.NAMES}
        self.files: dict[str, list[Path]] = {n: [] for n in self.NAMES}
        self.heights: dict[str, int] = dict.fromkeys(self.NAMES, 0)
        self.spill_dir = spill_dir

    def add(self, res: DocResult | InputError) -> None:
        rows = self.rows
        if isinstance(res, InputError):
            rows["errors"].append(error_row(res))
        else:
            rows["documents"].append(res.document)
            rows["commitments"] += res.commitments
            rows["slogans"] += res.slogans
            rows["expansions"] += res.expansions
            rows["errors"] += res.errors
        if len(rows["commitments"]) + len(rows["documents"]) >= FRAME_BATCH_ROWS:
            self.flush()

    def flush(self) -> None:
        for name, schema in zip(self.NAMES, self.SCHEMAS, strict=True):
            rows = self.rows[name]
            if not rows:
                continue
            self.heights[name] += len(rows)
            part = frame(rows, schema)
            self.rows[name] = []
            if self.spill_dir is None:
                self.parts[name].append(part)
                continue
            path = self.spill_dir / f"{name}-{len(self.files[name]):06d}.arrow"
            try:
                part.write_ipc(path)
            except OSError as exc:
                raise SpillError(path, exc) from exc
            self.files[name].append(path)

    def result(self) -> RunResult:
        self.flush()
        tables: dict[str, pl.DataFrame | pl.LazyFrame] = {}
        for name, schema in zip(self.NAMES, self.SCHEMAS, strict=True):
            parts, files = self.parts[name], self.files[name]
            if files:
                tables[name] = pl.scan_ipc(files)
            elif self.spill_dir is not None:
                tables[name] = frame([], schema).lazy()
            else:
                tables[name] = (pl.concat(parts, rechunk=True) if len(parts) > 1
                                else parts[0] if parts else frame([], schema))
        return RunResult(tables, rows=dict(self.heights))


def collect(results: Iterable[DocResult | InputError],
            spill_dir: Path | None = None) -> RunResult:
    """Frames from a stream of results (rows packed per batch, never all as
    dicts); with ``spill_dir``, batches go to Arrow IPC files there and the
    tables are LazyFrames over them (see :class:`RunResult`)."""
    tables = _Tables(spill_dir)
    for res in results:
        tables.add(res)
    return tables.result()


def run(paths: Sequence[str | Path], *, doc_id_template: str | None = None, jobs: int = 1,
        on_item: Callable[[], None] | None = None, cache: Cache | None = None,
        spill_dir: Path | None = None) -> RunResult:
    """Extract every document under ``paths``.

    ``jobs`` worker processes (``0`` = all cores).  ``on_item`` is called once
    per document or input error (progress bars).  ``cache`` (a
    :class:`tracker.cache.Cache`) skips documents extracted before with the
    same rules and stores new results.  Returns the frames; input problems are
    rows of ``errors``, never exceptions.  Output does not depend on ``jobs``
    or on the cache.  ``spill_dir`` (an existing, empty folder) keeps memory
    flat whatever the corpus size: rows go to Arrow IPC files there as they
    come, and the tables are LazyFrames over them (:class:`RunResult`);
    :class:`SpillError` if a batch cannot be written there.
    """
    from tracker.documents import read_inputs

    if jobs == 0:
        jobs = os.cpu_count() or 1
    hits = [0]
    if jobs > 1:
        results = _parallel_results(paths, doc_id_template, jobs, on_item, cache, hits)
    else:
        results = ordered_results(read_inputs(paths, doc_id_template=doc_id_template), None,
                                  cache=cache, on_item=on_item, hits=hits)
    result = collect(results, spill_dir)
    result.cache_hits = hits[0]
    return result
