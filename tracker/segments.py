"""Segments of normalised text: paragraphs, sentences, clauses, sections.

Input is the ``text`` of a :class:`tracker.normalize.NormalText`, in which a
``\\n`` is a paragraph boundary.  Offsets are normalised offsets.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass

import regex

_SENTENCE_END = regex.compile(r"[。！？!?；;\n]+|(?<=[。！？!?])[”」』]")
# A heading: a short paragraph without sentence punctuation, or a numbered one
# (一、… / （二）… / 第三部分).
NUMBERED_HEADING = regex.compile(
    r"^(?:[一二三四五六七八九十]+、|（[一二三四五六七八九十]+）|\([一二三四五六七八九十]+\)|第[一二三四五六七八九十]+部分)"
)


_CLAUSE_PUNCT = regex.compile(r"[。，,；;！？]")


@dataclass(frozen=True)
class Sentence:
    """A sentence: normalised ``start``/``end``, its ``paragraph`` index and
    whether its paragraph is a heading."""

    start: int
    end: int
    paragraph: int
    heading: bool


def paragraphs(text: str) -> list[tuple[int, int]]:
    """``(start, end)`` of every non-empty paragraph (split on ``\\n``)."""
    out = []
    pos = 0
    for line in text.split("\n"):
        if line.strip():
            out.append((pos, pos + len(line)))
        pos += len(line) + 1
    return out


def is_heading(par: str) -> bool:
    """True for a heading-like paragraph (numbered, or short and unpunctuated)."""
    if NUMBERED_HEADING.match(par):
        return len(par) < 60
    return len(par) <= 30 and not _CLAUSE_PUNCT.search(par)


def sentences(text: str) -> list[Sentence]:
    """Sentences of ``text`` in order, each tagged with its paragraph."""
    out: list[Sentence] = []
    for p, (ps, pe) in enumerate(paragraphs(text)):
        heading = is_heading(text[ps:pe])
        pos = ps
        for m in _SENTENCE_END.finditer(text, ps, pe):
            if m.end() > pos:
                out.append(Sentence(pos, m.end(), p, heading))
            pos = m.end()
        if pos < pe:
            out.append(Sentence(pos, pe, p, heading))
    return out


class SentenceIndex:
    """Find the sentence that holds a normalised offset (binary search)."""

    def __init__(self, sents: list[Sentence]) -> None:
        self.sents = sents
        self._starts = [s.start for s in sents]

    def at(self, offset: int) -> Sentence | None:
        """The sentence containing ``offset``, or None outside every sentence."""
        k = bisect.bisect_right(self._starts, offset) - 1
        if k < 0:
            return None
        s = self.sents[k]
        return s if s.start <= offset < s.end else None
