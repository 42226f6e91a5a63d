"""Segments of normalised text: paragraphs, sentences, clauses, sections.

Input is the ``text`` of a :class:`tracker.normalize.NormalText`, in which a
``\\n`` is a paragraph boundary.  Offsets are normalised offsets.
"""

from __future__ import annotations

import bisect
from functools import partial
from itertools import repeat
from typing import NamedTuple

import regex

# Sentence ends within a paragraph (which holds no \n): a run of terminal
# marks, or a closing quote right after 。！？!?.  Matches never cross a line
# break, so one scan of the whole text gives every paragraph's ends.
_SENTENCE_END = regex.compile(r"[。！？!?；;]+|(?<=[。！？!?])[”」』]")
# A heading: a short paragraph without sentence punctuation, or a numbered one
# (一、… / （二）… / 第三部分).
NUMBERED_HEADING = regex.compile(
    r"^(?:[一二三四五六七八九十]+、|（[一二三四五六七八九十]+）|\([一二三四五六七八九十]+\)|第[一二三四五六七八九十]+部分)"
)


_CLAUSE_PUNCT = regex.compile(r"[。，,；;！？]")


class Sentence(NamedTuple):
    """A sentence: normalised ``start``/``end``, its ``paragraph`` index and
    whether its paragraph is a heading."""

    start: int
    end: int
    paragraph: int
    heading: bool


# A long document has ~10^5 sentences: built by map() from (start, end,
# paragraph, heading) tuples they cost a tenth of a Python-level constructor.
_new_sentences = partial(map, partial(tuple.__new__, Sentence))
_end_of = type(_SENTENCE_END.search("。")).end


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


#: Longest sentence the segmenter returns.  Real sentences stay far below it
#: (the longest in the national reports has 360 characters); a run of text
#: without sentence punctuation (a table dumped on one line, a 100 MB file
#: with no 。) is cut into pieces of at most this size, preferably after a
#: clause mark, so that work done per quantity within its sentence stays
#: bounded and extraction stays linear in the document's length.
MAX_SENTENCE = 1000
_CLAUSE_MARKS = "，,、：:"


def _bounded(start: int, end: int, text: str) -> list[tuple[int, int]]:
    """``[start, end)`` cut into pieces of at most :data:`MAX_SENTENCE` characters."""
    out = []
    while end - start > MAX_SENTENCE:
        limit = start + MAX_SENTENCE
        cut = max(text.rfind(ch, start + MAX_SENTENCE // 2, limit) for ch in _CLAUSE_MARKS)
        cut = cut + 1 if cut >= 0 else limit
        out.append((start, cut))
        start = cut
    out.append((start, end))
    return out


def sentences(text: str) -> list[Sentence]:
    """Sentences of ``text`` in order, each tagged with its paragraph.

    A sentence is never longer than :data:`MAX_SENTENCE` characters.
    """
    out: list[Sentence] = []
    pars = paragraphs(text)
    if not pars:
        return out
    # One scan for all sentence ends; each paragraph takes its slice of them.
    ends = list(map(_end_of, _SENTENCE_END.finditer(text, pars[0][0], pars[-1][1])))
    k = 0
    for p, (ps, pe) in enumerate(pars):
        heading = pe - ps < 60 and is_heading(text[ps:pe])  # no copy of a huge paragraph
        j = bisect.bisect_right(ends, pe, k)
        mine = ends[k:j]
        k = j
        if pe - ps <= MAX_SENTENCE:
            # The common case, no sentence can be overlong: sentences run
            # from mark to mark, the last one to the paragraph's end.
            starts = [ps, *mine]
            if not mine or mine[-1] < pe:
                mine.append(pe)
            out.extend(_new_sentences(zip(starts, mine, repeat(p), repeat(heading))))
            continue
        pos = ps
        for end in mine:
            out.extend(_new_sentences((s, e, p, heading) for s, e in _bounded(pos, end, text)))
            pos = end
        if pos < pe:
            out.extend(_new_sentences((s, e, p, heading) for s, e in _bounded(pos, pe, text)))
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
