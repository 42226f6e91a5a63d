"""Which locality's government speaks in a document.

Input: normalised text and metadata.  Output: a :class:`Attribution` with a
document-level locality (full name, GB/T 2260 code) and, for documents that
quote several units' heads in turn, per-block localities.

The document-level rule: a manifest or JSONL ``locality`` wins; otherwise the
division mentioned most in the title and body, preferring the most specific
unit among those mentioned often (a district interview mentions its city
too).  National work reports (国务院政府工作报告) are ``全国``.
"""

from __future__ import annotations

import bisect
from collections import Counter
from dataclasses import dataclass, field

import regex

from tracker.gazetteer import NATIONAL_CODE, Division, Gazetteer, load_gazetteer

_NATIONAL = regex.compile(r"国务院.{0,6}政府工作报告|国务院总理|中华人民共和国国务院")
_LEVEL_RANK = {"country": 0, "province": 1, "prefecture": 2, "county": 3}


@dataclass(frozen=True)
class Attribution:
    """Locality of a document.

    ``locality``/``code``: document-level full name (``长治市上党区``) and
    行政区划代码 (current code for renamed units), or None;
    ``blocks``: sorted ``(start, locality, code, speaker)`` in normalised
    offsets, each applying from ``start`` to the next block (empty for
    one-voice documents).
    """

    locality: str | None
    code: str | None
    blocks: tuple[tuple[int, str | None, str | None, str | None], ...] = ()
    _starts: list[int] = field(default_factory=list, compare=False, repr=False)

    def at(self, offset: int) -> tuple[str | None, str | None, str | None]:
        """``(locality, code, speaker)`` in force at a normalised offset."""
        if not self.blocks:
            return self.locality, self.code, None
        starts = self._starts or [b[0] for b in self.blocks]
        k = bisect.bisect_right(starts, offset) - 1
        if k < 0:
            return self.locality, self.code, None
        _, loc, code, speaker = self.blocks[k]
        return loc, code, speaker


def resolve_name(name: str, gaz: Gazetteer | None = None) -> tuple[str, str | None]:
    """Full name and current code of a locality given by metadata.

    ``name`` may be a full name (``西宁市城西区``), a bare name (``上党区``) or
    ``全国``; an unknown name is kept as given with no code.
    """
    gaz = gaz or load_gazetteer()
    if name == "全国":
        return "全国", NATIONAL_CODE
    mentions = gaz.find(name)
    if mentions and mentions[-1].end == len(name):
        divs = gaz.resolve_mentions(mentions)
        div = divs[-1] if divs else None
        if div is not None:
            return gaz.full_name(div), gaz.current(div.code)
    return name, None


def _score_divisions(gaz: Gazetteer, text: str, title: str) -> Counter[Division]:
    counts: Counter[Division] = Counter()
    for weight, part in ((3, title), (1, text)):
        if not part:
            continue
        mentions = gaz.find(part)
        for _m, div in zip(mentions, gaz.resolve_mentions(mentions), strict=False):
            if div is not None:
                counts[div] += weight
    return counts


def attribute(text: str, *, title: str | None = None, locality: str | None = None,
              gaz: Gazetteer | None = None) -> Attribution:
    """Document-level locality of normalised ``text``; see the module docstring."""
    gaz = gaz or load_gazetteer()
    if locality:
        name, code = resolve_name(locality, gaz)
        return Attribution(name, code)
    head = (title or "") + text[:2000]
    if _NATIONAL.search(head):
        return Attribution("全国", NATIONAL_CODE)
    counts = _score_divisions(gaz, text, title or "")
    if not counts:
        return Attribution(None, None)
    top = max(counts.values())
    # The most specific unit among those mentioned at least a third as often
    # as the leader: 上党区 over 长治市 in a 上党区 interview.
    strong = [d for d, c in counts.items() if c >= max(2, top / 3)] or list(counts)
    best = max(strong, key=lambda d: (_LEVEL_RANK.get(d.level, 0), counts[d], d.code))
    return Attribution(gaz.full_name(best), gaz.current(best.code))
