"""Normalised text with an offset map back to the original.

Extraction rules see one canonical form of the text:

* full-width digits, Latin letters and the number signs ``％．－＋`` become ASCII;
* traditional characters become simplified (OpenCC ``t2s``), so one rule set
  serves mainland, Hong Kong/Taiwan and mirror pages;
* spaces next to a CJK character or inside a number are removed
  (``5.97 亿元`` -> ``5.97亿元``, ``森 林 防 火`` -> ``森林防火``);
* hard line breaks inside a sentence are joined.  Newspaper columns (seeds 003,
  004) break lines every dozen characters, mid-word and mid-quote; a document
  whose lines are mostly short and unterminated is treated as such a column and
  every break not after sentence-final punctuation is removed.  Elsewhere a line
  break is a paragraph boundary and is kept as a single ``\\n``.

Only deletions and one-for-one substitutions are made, so the map from
normalised to original offsets is piecewise linear: a short list of anchors
``(normalised_start, original_start)`` covers it, which keeps memory small on
large files.
"""

from __future__ import annotations

import bisect
import functools
import re
from dataclasses import dataclass

import regex

# Full-width ASCII block (U+FF01..U+FF5E) maps to ASCII by a fixed offset; only
# digits, letters and the signs numbers use are mapped, so Chinese punctuation
# (，：（）) stays as the reports wrote it.
_FULLWIDTH = {0xFF10 + i: 0x30 + i for i in range(10)}
_FULLWIDTH.update({0xFF21 + i: 0x41 + i for i in range(26)})
_FULLWIDTH.update({0xFF41 + i: 0x61 + i for i in range(26)})
_FULLWIDTH.update({ord("％"): "%", ord("．"): ".", ord("－"): "-", ord("＋"): "+",
                   ord("\u3000"): " ", ord("\u00a0"): " ", ord("\r"): "\n",
                   ord("\u200b"): " ", ord("\ufeff"): " "})

# str.translate is slow on CJK text (no fast path for non-ASCII strings).
# One stdlib-re scan lists the affected characters present (a page uses a
# few kinds, mostly the ideographic space) and str.replace maps each kind:
# the identical string, without a Python call per character.
_FULLWIDTH_STR = {chr(k): v if isinstance(v, str) else chr(v) for k, v in _FULLWIDTH.items()}
_FULLWIDTH_RE = re.compile("[" + "".join(re.escape(c) for c in sorted(_FULLWIDTH_STR)) + "]")


def _to_halfwidth(text: str) -> str:
    """``text.translate(_FULLWIDTH)``, faster."""
    for c in set(_FULLWIDTH_RE.findall(text)):
        text = text.replace(c, _FULLWIDTH_STR[c])
    return text


_CJK = r"\p{Han}\u3000-\u303F\uFF00-\uFFEF“”‘’「」『』《》—…·"
_SPACE = r"[ \t\u200b\ufeff]"
# Spaces next to a CJK character, or splitting a decimal number or a percentage
# (``5 .97``, ``3 %``); a space between two plain digit runs is left alone, as it
# usually separates a date from a time.
_SPACE_RUN = regex.compile(
    rf"(?<=[{_CJK}]){_SPACE}+|{_SPACE}+(?=[{_CJK}])"
    rf"|(?<=\d){_SPACE}+(?=\.\d|%)|(?<=\d\.){_SPACE}+(?=\d)"
)
# Digits typed one by one with spaces (3 0 0 多个城市 in some transcriptions).
_SPACED_DIGITS = regex.compile(r"(?<!\d)\d(?:[ \t]\d)+(?!\d)")
# A line that ends a sentence (or a heading-like line ending in a closing mark).
_TERMINAL = set("。！？!?；;：:…”』」》）)】")
_SPACE_CHARS = " \t\u200b\ufeff"


@functools.lru_cache(maxsize=1)
def _t2s():
    import opencc

    _changing()  # derived once, with the converter (warm_up loads it in the parent)
    return opencc.OpenCC("t2s")


@functools.lru_cache(maxsize=1)
def _changing() -> re.Pattern[str] | None:
    """A pattern for the characters t2s may change, or None when unknown.

    Conversion can alter a character only where some entry of its
    dictionaries has a different value at that position (or a value of
    another length); a line with none of those characters comes out as it
    went in.  The set is read from the installed OpenCC's own dictionaries
    (dumped with its bundled ``opencc_dict``), so it is exact for that
    version; anything unexpected (another config layout, a dictionary type
    not understood, a failed dump) gives None and every line is converted.
    """
    import json
    import os
    import subprocess
    import tempfile
    from pathlib import Path

    import opencc

    try:
        if os.path.isfile("t2s.json"):  # OpenCC("t2s") would load this one
            return None
        root = Path(opencc.__file__).parent / "clib"
        share = root / "share" / "opencc"
        config = json.loads((share / "t2s.json").read_text(encoding="utf-8"))
        if set(config) - {"name", "normalization", "conversion_chain"}:
            return None
        files: list[Path] = []

        def walk(d: dict) -> None:
            if d["type"] == "group":
                for sub in d["dicts"]:
                    walk(sub)
            elif d["type"] == "ocd2":
                files.append(share / d["file"])
            else:
                raise ValueError(d["type"])

        for step in (*config.get("normalization", ()), *config["conversion_chain"]):
            walk(step["dict"])
        chars: set[str] = set()
        with tempfile.TemporaryDirectory() as tmp:
            for i, f in enumerate(files):
                out = Path(tmp) / f"{i}.txt"
                subprocess.run([str(root / "bin" / "opencc_dict"), "-i", str(f), "-o", str(out),
                                "-f", "ocd2", "-t", "text"], check=True, capture_output=True)
                for line in out.read_text(encoding="utf-8").splitlines():
                    key, values = line.split("\t")
                    for v in values.split(" "):
                        chars.update(key if len(v) != len(key)
                                     else (a for a, b in zip(key, v, strict=True) if a != b))
        if not chars or "\n" in chars:
            return None
    except Exception:  # no dump, no shortcut: conversion stays correct, only slower
        return None
    # Astral characters are all in the class (stdlib re scans a class of BMP
    # characters as a fast bitmap, a long list of astral ones one by one), and
    # so are surrogates, which convert() rejects with an error.
    bmp = "".join(sorted(c for c in chars if c <= "\uffff" and not "\ud800" <= c <= "\udfff"))
    return re.compile(f"[{re.escape(bmp)}\ud800-\udfff\U00010000-\U0010ffff]")


_ASTRAL = "\U00010000-\U0010ffff]"


@functools.lru_cache(maxsize=1)
def _changing_bmp() -> re.Pattern[str] | None:
    """:func:`_changing` without its astral range: the same matches in a text
    with no character beyond the BMP, found faster (the range is a second
    test on every character stdlib re scans, the rest one bitmap test)."""
    full = _changing()
    if full is None or not full.pattern.endswith(_ASTRAL):
        return full
    return re.compile(full.pattern.removesuffix(_ASTRAL) + "]")


def _convert_line(conv, line: str) -> str:
    """t2s of one line, character by character if a phrase changed its length."""
    c = conv.convert(line)
    if len(c) != len(line):
        c = "".join(ch if len(cc := conv.convert(ch)) != 1 else cc for ch in line)
    return c


def to_simplified(text: str) -> str:
    """Traditional -> simplified with OpenCC, guaranteed length-preserving.

    OpenCC converts phrase by phrase and may, rarely, change the length of a
    phrase; offsets must not move, so such a line falls back to per-character
    conversion.  No dictionary entry holds a line break, so conversion works
    line by line, and only lines holding a character some entry changes are
    converted at all (most simplified pages have few or none).
    """
    conv = _t2s()
    changing = _changing()
    if changing is None:
        return to_simplified_plain(text)
    if len(text.encode("utf-16-le", "surrogatepass")) == 2 * len(text):
        changing = _changing_bmp() or changing  # no astral character (each takes four bytes)
    m = changing.search(text)
    if m is None:
        return text
    out = []
    pos = 0
    while m is not None:
        if "\ud800" <= m.group() <= "\udfff":
            return to_simplified_plain(text)  # raises as the whole text's conversion does
        s = text.rfind("\n", pos, m.start()) + 1 or pos
        e = text.find("\n", m.end())
        e = len(text) if e < 0 else e
        out += (text[pos:s], _convert_line(conv, text[s:e]))
        pos = e
        m = changing.search(text, e)
    out.append(text[pos:])
    return "".join(out)


def to_simplified_plain(text: str) -> str:
    """:func:`to_simplified` converting the whole text (the reference)."""
    conv = _t2s()
    out = conv.convert(text)
    if len(out) == len(text):
        return out
    return "\n".join(_convert_line(conv, line) for line in text.split("\n"))


def is_column_layout(text: str) -> bool:
    """True when most lines are short and end mid-sentence (newspaper columns).

    Input: original text.  A line counts as unterminated when its last
    character is not sentence-final punctuation.
    """
    return _column_layout(text.split("\n"))


def _column_layout(raw_lines: list[str]) -> bool:
    """:func:`is_column_layout` of the text whose ``split("\\n")`` is ``raw_lines``."""
    lines = [ln for ln in map(str.strip, raw_lines) if ln]
    if len(lines) < 8:
        return False
    short = sum(1 for ln in lines if len(ln) <= 40)
    open_ = sum(1 for ln in lines if ln[-1] not in _TERMINAL)
    return short / len(lines) > 0.6 and open_ / len(lines) > 0.5


@dataclass(frozen=True)
class NormalText:
    """Normalised text plus the map back to the original.

    ``text`` is the normalised string; ``anchors`` is a sorted tuple of
    ``(normalised_offset, original_offset)`` pairs, one per kept run of the
    original.  ``original_length`` closes the last run.
    """

    text: str
    anchors: tuple[tuple[int, int], ...]
    original_length: int

    def to_original(self, i: int) -> int:
        """Original offset of normalised offset ``i`` (0 <= i <= len(text))."""
        if i >= len(self.text):
            return self.original_length if i > 0 else 0
        k = bisect.bisect_right(self._starts, i) - 1
        n0, o0 = self.anchors[k]
        return o0 + (i - n0)

    def span(self, start: int, end: int) -> tuple[int, int]:
        """Original ``(start, end)`` of the normalised span ``[start, end)``.

        The end maps through the last character, so characters removed after
        the span (a line break, a space) are not included in the evidence.
        """
        if end <= start:
            s = self.to_original(start)
            return s, s
        return self.to_original(start), self.to_original(end - 1) + 1

    @functools.cached_property
    def _starts(self) -> list[int]:
        return [a for a, _ in self.anchors]


def _break_cuts(t: str, cuts: list[tuple[int, int]], s: int, e: int, nl: int, breaks: int,
                column_layout: bool) -> None:
    """Cuts for the run of line breaks ``t[s:e]`` (its first \\n at ``nl``,
    ``breaks`` of them), which has text on both sides."""
    if s == 0:
        cuts.append((s, e))
        return
    prev, nxt = t[s - 1], t[e]
    number_split = (prev.isdigit() or prev == ".") and (not nxt.isdigit() or breaks == 1)
    if (column_layout and prev not in _TERMINAL) or number_split:
        # A column break inside a sentence, a number split from its unit
        # (74.4⏎万亿元) by a page's markup, or a number wrapped mid-way by
        # a single line break (12⏎0公里, 1.⏎2万人).
        cuts.append((s, e))
    else:
        if nl > s:
            cuts.append((s, nl))
        if e > nl + 1:
            cuts.append((nl + 1, e))


def normalise(original: str, *, column_layout: bool | None = None) -> NormalText:
    """Normalise ``original`` for matching; see the module docstring.

    Input: the document text as read.  Output: :class:`NormalText`, whose
    ``span`` maps any match back to ``original`` offsets.  ``column_layout``
    forces or disables line joining; by default :func:`is_column_layout` decides.
    Never raises on any ``str``.
    """
    t = to_simplified(_to_halfwidth(original))
    # Work line by line: a line break run, a space run and a spaced number
    # are found with str methods and per-line regex scans instead of three
    # regex scans over the whole text (most lines have no space at all).
    lines = t.split("\n")
    if column_layout is None:
        column_layout = _column_layout(lines)
    # Deleted spans (start, end) of the translated text.
    cuts: list[tuple[int, int]] = []
    spaces = [c for c in _SPACE_CHARS if c in t]
    space = spaces[0] if len(spaces) == 1 else None  # usually just " "
    # The open run of line breaks (what ``[ \t]*\n[ \t\n]*`` matches): its
    # start, the position of its first \n and the line that \n ends.
    run = (0, len(lines[0]), 0) if len(lines) > 1 and not lines[0].strip(" \t") else None
    pos = 0
    last = len(lines) - 1
    for k, line in enumerate(lines):
        end = pos + len(line)
        body = line.lstrip(" \t")
        if body:
            # Only the rest of a line after its leading spaces and tabs is
            # searched for spaces (all of the first line): from the second
            # line on, those are cut with the line break before them.  A
            # line of spaces and tabs alone holds no match.
            rest = body if k else line
            if space in rest if space else spaces and any(map(rest.__contains__, spaces)):
                # No match of these patterns holds a \n, and their lookarounds
                # see the same \n or text end at the line's edges.
                cuts.extend(m.span() for m in _SPACE_RUN.finditer(t, pos, end))
                for m in _SPACED_DIGITS.finditer(t, pos, end):
                    cuts.extend((i, i + 1) for i in range(m.start() + 1, m.end(), 2))
            if run is not None:
                s, nl, k0 = run
                e = end - len(body)
                if s == nl and e == nl + 1 and s:
                    # A lone \n with no space around it (most paragraph
                    # breaks): _break_cuts' answer, without the call.
                    prev = t[s - 1]
                    if prev not in _TERMINAL if column_layout else prev.isdigit() or prev == ".":
                        cuts.append((s, e))
                else:
                    _break_cuts(t, cuts, s, e, nl, k - k0, column_layout)
                run = None
            if k < last:
                run = (pos + len(line.rstrip(" \t")), end, k)
        pos = end + 1
    if run is not None:
        cuts.append((run[0], len(t)))
    cuts.sort()
    pieces: list[str] = []
    anchors: list[tuple[int, int]] = []
    pos = 0
    n = 0
    for s, e in cuts:
        if e <= pos:
            continue
        s = max(s, pos)
        if s > pos:
            anchors.append((n, pos))
            pieces.append(t[pos:s])
            n += s - pos
        pos = e
    if pos < len(t):
        anchors.append((n, pos))
        pieces.append(t[pos:])
    if not anchors:
        anchors.append((0, 0))
    return NormalText("".join(pieces), tuple(anchors), len(original))
