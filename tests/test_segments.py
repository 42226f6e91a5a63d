"""Sentence segmentation: the sorted-list construction of ``sentences`` gives
what a paragraph-by-paragraph walk gives."""

from __future__ import annotations

import random
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from tracker.normalize import normalise
from tracker.segments import (
    _SENTENCE_END,
    MAX_SENTENCE,
    Sentence,
    _bounded,
    _headings,
    is_heading,
    paragraphs,
    sentences,
)

SEEDS = Path(__file__).resolve().parent.parent / "seeds"


def _plain(text: str) -> list[Sentence]:
    """Sentences paragraph by paragraph: from mark to mark, the last one to the
    paragraph's end, each cut to MAX_SENTENCE."""
    out: list[Sentence] = []
    for p, (ps, pe) in enumerate(paragraphs(text)):
        heading = is_heading(text[ps:pe])
        pos = ps
        for m in _SENTENCE_END.finditer(text, ps, pe):
            out.extend(Sentence(s, e, p, heading) for s, e in _bounded(pos, m.end(), text))
            pos = m.end()
        if pos < pe:
            out.extend(Sentence(s, e, p, heading) for s, e in _bounded(pos, pe, text))
    return out


def test_sentences_of_seeds_equal_the_plain_walk() -> None:
    for path in sorted(SEEDS.glob("*.txt")):
        text = normalise(path.read_text(encoding="utf-8")).text
        assert sentences(text) == _plain(text), path.name


def test_overlong_runs_are_cut_as_by_the_plain_walk() -> None:
    rng = random.Random(7)
    for _ in range(50):
        text = "".join(rng.choice("文字，。”！\n ") if rng.random() < 0.02 else "字"
                       for _ in range(rng.randrange(1, 5000)))
        got = sentences(text)
        assert got == _plain(text)
        assert all(s.end - s.start <= MAX_SENTENCE for s in got)


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet="文。！？!?；;”」』，\n a1", max_size=200))
def test_sentences_equal_the_plain_walk(text: str) -> None:
    assert sentences(text) == _plain(text)


def test_heading_flags_equal_is_heading_on_seeds() -> None:
    for path in sorted(SEEDS.glob("*.txt")):
        text = normalise(path.read_text(encoding="utf-8")).text
        pars = paragraphs(text)
        assert _headings(text, pars) == [is_heading(text[s:e]) for s, e in pars], path.name


@settings(max_examples=300, deadline=None)
@given(st.lists(st.text(alphabet="一二十、（）()第部分文。，;a", max_size=70), max_size=8))
def test_heading_flags_equal_is_heading(lines: list[str]) -> None:
    text = "\n".join(lines)
    pars = paragraphs(text)
    assert _headings(text, pars) == [is_heading(text[s:e]) for s, e in pars]
