"""Plain records passed between the pipeline's stages.

Data flows one way: files -> :class:`Document` -> normalised text -> segments ->
mentions -> records (polars frames) -> reports.  Stages exchange these small,
immutable dataclasses so that each module can be tested on its own.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Document:
    """One input document, as read from disk, before any normalisation.

    Fields:
        doc_id: identifier used in every output table (file stem by default,
            ``id``/``doc_id`` of a JSONL line, or the manifest's ``doc_id``).
        path: where it came from (``file.jsonl:12`` for line 12 of a JSONL file).
        text: the decoded main text.  Every record's ``start``/``end`` are
            character offsets into exactly this string.
        title, locality, date, source: metadata when known (manifest, JSONL
            fields, HTML ``<title>``); ``date`` is ISO ``YYYY-MM-DD`` or ``YYYY``.
        year: the year the document speaks in, when supplied by metadata.
        metadata_from: names of the fields that came from a manifest or JSONL
            line (they override inference downstream).
        page_starts: for paged formats (PDF), the offset in ``text`` where each
            page starts; ``page_starts[i]`` is the start of page ``i + 1``.
    """

    doc_id: str
    path: str
    text: str
    title: str | None = None
    locality: str | None = None
    year: int | None = None
    date: str | None = None
    source: str | None = None
    metadata_from: frozenset[str] = field(default_factory=frozenset)
    page_starts: tuple[int, ...] = ()

    def page_at(self, offset: int) -> int | None:
        """1-based page holding ``text[offset]`` for paged formats (PDF), else None."""
        if not self.page_starts:
            return None
        return max(1, bisect.bisect_right(self.page_starts, offset))


NOTICE_STAGES: frozenset[str] = frozenset({"skip", "notice"})
"""Stages of ``errors.csv`` rows that are notices, not failures: a file
skipped for its type or read twice (``skip``), a manifest value worth a look
(``notice``: a locality the gazetteer does not know, a parent manifest's value
a subfolder's manifest overrides).  They are reported but leave the exit code
at 0; every other stage makes the run exit 1."""


@dataclass(frozen=True)
class InputError:
    """A problem with one input (file, JSONL line or manifest row).

    ``message`` is one line that names what is wrong and what to do; ``line``
    (1-based) or ``offset`` (character or byte offset) say where, when known.
    The pipeline writes these to ``errors.csv`` and stderr and carries on.
    ``stage`` says where it arose; see :data:`NOTICE_STAGES` for the stages
    that do not fail a run.
    """

    path: str
    message: str
    line: int | None = None
    offset: int | None = None
    doc_id: str | None = None
    stage: str = "read"

    def one_line(self) -> str:
        """``path:line: message`` (or ``path@offset``), for stderr."""
        where = self.path
        if self.line is not None:
            where += f":{self.line}"
        elif self.offset is not None:
            where += f"@{self.offset}"
        return f"{where}: {self.message}".replace("\n", " ")
