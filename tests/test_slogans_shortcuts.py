"""Shortcuts inside find_slogans and find_expansions that only save work give
the answers of the plain computation they replace, on real text."""

from __future__ import annotations

import json
import random
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any, SupportsIndex
from unittest import mock

import pytest
import regex
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from tests.conftest import normalised_seed_texts
from tracker import slogans
from tracker.literals import required_chars
from tracker.normalize import normalise
from tracker.slogans import (
    _FEW_KNOWN,
    _HAN,
    _WIDTH,
    SloganMention,
    _add_known,
    _derived,
    _may_match,
    _non_overlapping,
    _occurrences,
    _Quote,
    _quoted_parts,
    _quotes,
    _reject_reason,
    _segments_of,
    _SpanSet,
    _starts,
    canonical_slogan,
    find_slogans,
    load_slogan_rules,
)

TEXTS = normalised_seed_texts()
# Repeats of quoted and numbered slogans, quoted, unquoted, glued to a longer
# term, nested in other quotations and overlapping one another.
EXTRA = [
    "打造“一城四区”，一城四区建设；建设“生态文明高地”和“高地”，生态文明高地，高地。"
    "产业“四地”，四地建设，“四地建设”，“两园两地”和两园两地，“一老一小”一老一小",
    "上党区作为‘一城四区’之一，“上党区作为‘一城四区’之一”，“三大攻坚战”三大攻坚战三大攻坚战，"
    "“攻坚”“攻坚战”攻坚战攻坚战，“双碳”双碳目标、“双碳”，“一一”一一一一一",
    # Full-width letters, digits and spaces, marks inside marks, trimmed ends.
    "“１２＋Ｎ”、“12+N”，“ 主动仗。”“．５Ｇ．”“\u3000双碳\u3000”“＂四地＂”「“两园”两地」"
    "『一老一小』‘三个代表’\"四个全面\"“。，”“”““一城”四区”“AＢ”",
]
ALL = TEXTS + EXTRA + ["".join(EXTRA) + TEXTS[0]]


class _PlainSpanSet(_SpanSet):
    """_SpanSet as built before: one insort per span."""

    def __init__(self, spans: list[tuple[int, int]]) -> None:
        super().__init__()
        for sp in spans:
            self.add(sp)


def _plain_occurrences(text: str, needle: str) -> Iterator[int]:
    i = text.find(needle)
    while i >= 0:
        yield i
        i = text.find(needle, i + len(needle))


def _plain_known(text: str, found: list[tuple[int, int, str, bool, str]],
                 open_quotes: _SpanSet, prefix: str) -> None:
    """_add_known before its shortcuts, the reference they must agree with:
    one str.find pass per slogan, longest first, overlap queries only."""
    rules = load_slogan_rules()
    known = sorted({f[2] for f in found}, key=lambda x: (-len(x), x))
    spans = _PlainSpanSet([(f[0], f[1]) for f in found])
    for slogan in known:
        for s in _plain_occurrences(text, slogan):
            e = s + len(slogan)
            if spans.overlaps((s, e)):
                continue
            prev = text[s - 1] if s else ""
            if prev and _HAN.match(prev) and prev not in rules.function_chars:
                continue
            found.append((s, e, slogan, open_quotes.encloses(s, e), prefix + "known"))
            spans.add((s, e))


# _add_known always scanning once, as shipped, and always a find pass per slogan.
PATHS = (0, _FEW_KNOWN, 10**9)


def _known(few: int, text: str, found: list[tuple[int, int, str, bool, str]],
           open_quotes: _SpanSet) -> None:
    with mock.patch.object(slogans, "_FEW_KNOWN", few):
        _add_known(text, found, open_quotes, load_slogan_rules(), "slogans.toml:")


def _with_plain_known(text: str) -> list[SloganMention]:
    def plain(text: str, found: list[tuple[int, int, str, bool, str]], open_quotes: _SpanSet,
              rules: object, prefix: str) -> None:
        _plain_known(text, found, open_quotes, prefix)

    with mock.patch.object(slogans, "_add_known", plain):
        return find_slogans(text)


def _with_few(few: int, text: str) -> list[SloganMention]:
    with mock.patch.object(slogans, "_FEW_KNOWN", few):
        return find_slogans(text)


def test_span_set_built_at_once_as_one_by_one() -> None:
    rng = random.Random(5)
    rules = load_slogan_rules()
    samples = [[(q.open_at, q.close_at) for q in _quotes(t, rules)] for t in ALL]
    samples += [[(s, s + rng.randint(1, 9)) for s in (rng.randint(0, 99) for _ in range(n))]
                for n in (0, 1, 5, 40)]
    for spans in samples:
        fast, plain = _SpanSet(spans), _PlainSpanSet(spans)
        assert (fast._spans, fast._longest) == (plain._spans, plain._longest)


@pytest.mark.parametrize("few", PATHS)
def test_known_occurrences_as_with_overlap_queries_only(few: int) -> None:
    rules = load_slogan_rules()
    checked = 0
    for text in ALL:
        mentions = find_slogans(text, rules)
        found = [(m.start, m.end, m.slogan, m.quoted, m.rule) for m in mentions
                 if not m.rule.endswith(":known")]
        accepted = [(q.open_at, q.close_at) for q in _quotes(text, rules) if q.reason is None]
        fast, plain = list(found), list(found)
        _known(few, text, fast, _SpanSet(accepted))
        _plain_known(text, plain, _PlainSpanSet(accepted), "slogans.toml:")
        assert fast == plain
        checked += len(fast) > len(found)
    assert checked >= 3  # texts where repeats were added


def test_known_slogans_on_seeds_as_with_a_find_pass_per_slogan() -> None:
    for text in ALL:
        plain = _with_plain_known(text)
        for few in PATHS:
            assert _with_few(few, text) == plain


def test_known_slogans_on_national_reports_as_with_a_find_pass_per_slogan(
        national_jsonl: Path) -> None:
    with national_jsonl.open(encoding="utf-8") as fh:
        texts = [normalise(json.loads(line)["content"]).text for line in fh]
    many = 0
    for text in texts:
        plain = _with_plain_known(text)
        assert _with_few(0, text) == plain
        assert _with_few(_FEW_KNOWN, text) == plain
        many += len({m.slogan for m in plain}) >= _FEW_KNOWN
    assert many >= 10  # reports that take the one-scan path as shipped


# Overlapping, nested, repeated and prefix pieces, Han and function
# characters (的, 和) and others to stand before them, full-width forms,
# quotation marks alone and around pieces.
_PIECES = ["一城四区", "四区", "城四", "一城", "城", "一", "一一", "高地", "生态文明高地",
           "文明", "四地建设", "四地", "双碳", "aa", "a", "ａａ", "１２＋Ｎ", "12+N", "的", "和",
           "区", "，", "、", "。", " ", "\n"]
_TEXTS = st.lists(st.sampled_from(_PIECES + ["“", "”"] + [f"“{p}”" for p in _PIECES[:18]]),
                  min_size=5, max_size=50).map("".join)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_TEXTS)
# find resumes after the occurrence after 区, rejected, so not at the one after 和
@example("“高地和高地”区高地和高地和高地")
def test_property_known_slogans_as_with_a_find_pass_per_slogan(text: str) -> None:
    plain = _with_plain_known(text)
    for few in PATHS:
        assert _with_few(few, text) == plain


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_property_known_any_found_spans(data: st.DataObject) -> None:
    # Found slogans of all lengths: pieces of the text (occurring again
    # elsewhere, overlapping, as prefixes of one another) and any spans
    # (overlapping those, or strings not in the text), in the order appended.
    parts = data.draw(st.lists(st.sampled_from(_PIECES + list("的，和 a"))
                               .flatmap(lambda p: st.sampled_from([p, "的" + p, "，" + p])),
                               min_size=8, max_size=40))
    picked = data.draw(st.lists(st.integers(0, 3).map(lambda i: i == 0),
                                min_size=len(parts), max_size=len(parts)))
    text = "".join(parts)
    n = len(text)
    found, at = [], 0
    for part, pick in zip(parts, picked, strict=True):
        if pick:
            found.append((at, at + len(part), part, data.draw(st.booleans()), "r"))
        at += len(part)
    for s, length in data.draw(st.lists(st.tuples(st.integers(0, n), st.integers(1, 7)),
                                        max_size=4)):
        e = min(n, s + length)
        found.append((s, e, text[s:e] or data.draw(st.sampled_from(_PIECES)), False, "r"))
    found = data.draw(st.permutations(found))
    open_quotes = [(f[0] - 1, f[1] + 1) for f in found if f[3]]
    plain = list(found)
    _plain_known(text, plain, _PlainSpanSet(open_quotes), "slogans.toml:")
    for few in PATHS:
        fast = list(found)
        _known(few, text, fast, _SpanSet(open_quotes))
        assert fast == plain
    known = sorted({f[2] for f in found})
    if known:
        starts = _starts(text, known)
        for k in known:
            assert starts.get(k, []) == [i for i in range(n) if text.startswith(k, i)]
            assert (list(_non_overlapping(starts.get(k, []), len(k)))
                    == list(_plain_occurrences(text, k)) == list(_occurrences(text, k)))


class _CountingText(str):
    """A text that counts its ``find`` calls (each may read the rest of the
    text) and its slicing and indexing."""

    finds = 0
    reads = 0

    def find(self, *args: Any) -> int:
        self.finds += 1
        return super().find(*args)

    def __getitem__(self, key: SupportsIndex | slice) -> str:
        self.reads += 1
        return super().__getitem__(key)


def test_known_slogans_do_not_scan_the_text_once_per_slogan() -> None:
    # Random characters with 3,000 quotations of different strings of 2 to 6
    # characters: a pass per slogan would read the text 3,000 times.
    rng = random.Random(11)
    pool = [chr(c) for c in range(0x4E00, 0x4E00 + 3000)] + list("的和，。")
    text = "".join("".join(rng.choice(pool) for _ in range(rng.randint(5, 30)))
                   + "“" + "".join(rng.choice(pool) for _ in range(rng.randint(2, 6))) + "”"
                   for _ in range(3000))
    rules = load_slogan_rules()
    quotes = [q for q in _quotes(text, rules) if q.reason is None]
    found = [(q.start, q.end, q.slogan, True, "slogans.toml:quoted") for q in quotes]
    known = {f[2] for f in found}
    assert len(known) > 2500
    counting = _CountingText(text)
    fast = list(found)
    _add_known(counting, fast, _SpanSet((q.open_at, q.close_at) for q in quotes), rules,
               "slogans.toml:")
    assert counting.finds == 0
    # At most the first characters and a slice of each distinct length where
    # a slogan may start, and the character before each occurrence (at most
    # one of each length at each offset): bounded by the text's length, not
    # by the number of slogans.
    lengths = len({len(k) for k in known})
    assert counting.reads <= (1 + 2 * lengths) * len(text)
    plain_counting = _CountingText(text)
    plain = list(found)
    _plain_known(plain_counting, plain, _PlainSpanSet([(q.open_at, q.close_at) for q in quotes]),
                 "slogans.toml:")
    assert plain == fast
    assert plain_counting.finds >= 2 * len(known)  # the reference's passes, for contrast


def _plain_quotes(text: str) -> list[_Quote]:
    rules = load_slogan_rules()
    out = []
    strip = set(rules.trim) | {" ", "\t"}
    for qre in rules.quote_res:
        for m in qre.finditer(text):
            s, e = m.span(1)
            while s < e and text[s] in strip:
                s += 1
            while e > s and text[e - 1] in strip:
                e -= 1
            raw = text[s:e]
            slogan = canonical_slogan(raw, rules)
            if not slogan or slogan != raw.translate(_WIDTH):
                continue
            reason = _reject_reason(text, m.start(), slogan, rules)
            out.append(_Quote(m.start(), m.end(), s, e, slogan, reason))
    out.sort(key=lambda q: q.open_at)
    return out


def test_quotations_as_with_canonical_slogan_and_both_translations() -> None:
    rules = load_slogan_rules()
    for text in ALL:
        assert _quotes(text, rules) == _plain_quotes(text)
    # Both ways past the second translation: kept although mapped (１２＋Ｎ),
    # dropped for ends that only map to trim characters (．５Ｇ．).
    got = {q.slogan for q in _quotes(EXTRA[2], rules)}
    assert "12+N" in got and "5G" not in got


def test_may_match_in_shared_first_order_as_in_given_order() -> None:
    rules = load_slogan_rules()
    patterns = [r.pattern for r in rules.numbered if r.pattern is not None]
    extra = ("(?:便民|健身|生活)圈", "[二三]大(?:战|工程)", "ab|ac|b")
    patterns += [regex.compile(p) for p in extra]
    checked = 0
    for text in ALL + ["健身生活便民", "三大工程", "ac"]:
        for pattern in patterns:
            lits = required_chars(pattern.pattern, pattern.flags)
            assert lits is not None
            plain = any(all(ch in text for ch in chars) for chars in lits)
            assert _may_match(pattern, text, {}) == plain, (pattern.pattern, text[:20])
            checked += plain
    assert checked > 20


def _plain_quoted_parts(text: str, m: SloganMention,
                        segs: tuple[tuple[int, str], ...]) -> list[tuple[int, str]] | None:
    rules = load_slogan_rules()
    lo = max(0, m.start - rules.expansion_window)
    sent_start = max(max(text.rfind(ch, lo, m.start) for ch in "。；！？\n") + 1, lo)
    region = text[sent_start:m.start - 1]
    terms = sorted((sent_start + q.start(1), q.group(1))
                   for qre in rules.quote_res for q in qre.finditer(region))
    ok = bool(terms)
    picked: list[tuple[int, str]] = []
    for k, word in segs:
        hits = [(p, t) for p, t in terms if t.endswith(word) and t != m.slogan]
        if len(hits) != k:
            ok = False
            break
        picked.extend(hits)
    return sorted(picked) if ok else None


def test_quoted_parts_as_without_the_word_test() -> None:
    rules = load_slogan_rules()
    texts = ALL + [ex.rsplit(" => ", 1)[0] for ex in rules.expansion_examples]
    texts += list(rules.expansion_counter_examples)
    checked = found = 0
    for text in texts:
        for m in find_slogans(text, rules):
            segs = _segments_of(m.slogan)
            if m.quoted and segs:
                got = _quoted_parts(text, m, segs, rules)
                assert got == _plain_quoted_parts(text, m, segs), (m, text[:30])
                checked += 1
                found += got is not None
    assert checked > 20 and found >= 2


def _quote_pattern(o: str, c: str) -> str:
    # As load_slogan_rules builds quote_res.
    oe, ce = regex.escape(o), regex.escape(c)
    inner = f"[^{oe}{ce}\\n]" if o != c else f"[^{oe}\\n]"
    return f"{oe}({inner}{{1,300}}?){ce}"


def test_quotation_scans_in_re_as_in_regex() -> None:
    rules = load_slogan_rules()
    scans = _derived(rules).quote_scans
    assert [q.pattern for q in scans] == [q.pattern for q in rules.quote_res]
    assert [_quote_pattern(o, c) for o, c in rules.quote_pairs] == [q.pattern for q in scans]
    rng = random.Random(3)
    marks = [o + c for o, c in rules.quote_pairs]
    marks += [chr(i) * 2 for i in range(33, 127) if not chr(i).isalnum()] + ["()", "<>", "[]"]
    for pair in marks:
        pattern = _quote_pattern(pair[0], pair[1])
        fast, plain = re.compile(pattern), regex.compile(pattern)
        texts = ALL if pair in marks[:len(rules.quote_pairs)] else []
        texts = texts + ["".join(rng.choice(pair + "ab一\n") for _ in range(n))
                         for n in (3, 30, 400, 700)]
        texts.append(pair[0] + "x" * 300 + pair[1] + pair[0] + "x" * 301 + pair[1])
        for text in texts:
            assert ([(m.span(), m.span(1)) for m in fast.finditer(text)]
                    == [(m.span(), m.span(1)) for m in plain.finditer(text)]), (pair, text[:30])
