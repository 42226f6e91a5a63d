"""Segments of normalised text: paragraphs, sentences, clauses, sections.

Input is the ``text`` of a :class:`tracker.normalize.NormalText`, in which a
``\\n`` is a paragraph boundary.  Offsets are normalised offsets.
"""

from __future__ import annotations

import bisect
import operator
import re
from functools import partial
from itertools import chain, repeat
from typing import NamedTuple

import regex

# Sentence ends within a paragraph (which holds no \n): a run of terminal
# marks, or a closing quote right after 。！？!?.  Matches never cross a line
# break, so one scan of the whole text gives every paragraph's ends.
# Written as one character class with the cases after it (a closing quote
# only after 。！？!?, a terminal mark taking the marks that follow), which
# is what lets stdlib re skip to candidates in C: twice as fast as regex on
# the alternation ``[。！？!?；;]+|(?<=[。！？!?])[”」』]`` it is equal to.
_SENTENCE_END = re.compile(
    r"[。！？!?；;”」』](?:(?<=[”」』])(?<=[。！？!?].)|(?<![”」』])[。！？!?；;]*)")
# A heading: a short paragraph without sentence punctuation, or a numbered one
# (一、… / （二）… / 第三部分).
NUMBERED_HEADING = regex.compile(
    r"^(?:[一二三四五六七八九十]+、|（[一二三四五六七八九十]+）|\([一二三四五六七八九十]+\)|第[一二三四五六七八九十]+部分)"
)


_CLAUSE_PUNCT = regex.compile(r"[。，,；;！？]")
# The same two patterns in stdlib re, which runs such small patterns on a
# range of the text at half the cost per call of the regex module (a long
# document has thousands of short paragraphs to test).
_NUMBERED_RE = re.compile(NUMBERED_HEADING.pattern.removeprefix("^"))
_CLAUSE_PUNCT_RE = re.compile(_CLAUSE_PUNCT.pattern)


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


def _headings(text: str, pars: list[tuple[int, int]]) -> list[bool]:
    """:func:`is_heading` of every paragraph, tested in place (no slices)."""
    numbered, punct = _NUMBERED_RE.match, _CLAUSE_PUNCT_RE.search
    return [(n := pe - ps) < 60 and (numbered(text, ps, pe) is not None
                                     or (n <= 30 and punct(text, ps, pe) is None))
            for ps, pe in pars]


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
    pars = paragraphs(text)
    if not pars:
        return []
    # One scan for all sentence ends.  Sentences run from mark to mark, the
    # last of a paragraph to its end: so the sentence ends are the marks plus
    # every paragraph end no mark falls on, and the starts are the paragraph
    # starts plus every mark that is not a paragraph end.  Both lists are
    # built by sorting, with no Python step per sentence.
    ends = list(map(_end_of, _SENTENCE_END.finditer(text, pars[0][0], pars[-1][1])))
    par_ends = [pe for _, pe in pars]
    marked = set(ends)
    par_end_set = set(par_ends)
    stops = sorted(ends + [pe for pe in par_ends if pe not in marked])
    starts = sorted([ps for ps, _ in pars] + [e for e in ends if e not in par_end_set])
    # Sentences per paragraph, from where each paragraph end sits in ``stops``.
    upto = list(map(bisect.bisect_right, repeat(stops), par_ends))
    counts = list(map(operator.sub, upto, [0, *upto[:-1]]))
    headings = _headings(text, pars)
    out = list(_new_sentences(zip(
        starts, stops,
        chain.from_iterable(map(repeat, range(len(pars)), counts)),
        chain.from_iterable(map(repeat, headings, counts)), strict=True)))
    if max(map(operator.sub, stops, starts)) > MAX_SENTENCE:
        out = _cut_overlong(out, text)
    return out


def _cut_overlong(sents: list[Sentence], text: str) -> list[Sentence]:
    """``sents`` with every sentence longer than :data:`MAX_SENTENCE` replaced
    by its :func:`_bounded` pieces (same paragraph and heading flag)."""
    out: list[Sentence] = []
    for s in sents:
        if s.end - s.start <= MAX_SENTENCE:
            out.append(s)
        else:
            out.extend(_new_sentences((a, b, s.paragraph, s.heading)
                                      for a, b in _bounded(s.start, s.end, text)))
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
