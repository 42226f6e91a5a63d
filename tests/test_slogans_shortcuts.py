"""Shortcuts inside find_slogans and find_expansions that only save work give
the answers of the plain computation they replace, on real text."""

from __future__ import annotations

import random
import re

import regex

from tests.conftest import normalised_seed_texts
from tracker.literals import required_chars
from tracker.slogans import (
    _HAN,
    _WIDTH,
    SloganMention,
    _add_known,
    _derived,
    _may_match,
    _occurrences,
    _Quote,
    _quoted_parts,
    _quotes,
    _reject_reason,
    _segments_of,
    _SpanSet,
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


def _plain_known(text: str, found: list[tuple[int, int, str, bool, str]],
                 open_quotes: _SpanSet, prefix: str) -> None:
    rules = load_slogan_rules()
    known = sorted({f[2] for f in found}, key=lambda x: (-len(x), x))
    spans = _PlainSpanSet([(f[0], f[1]) for f in found])
    for slogan in known:
        for s in _occurrences(text, slogan):
            e = s + len(slogan)
            if spans.overlaps((s, e)):
                continue
            prev = text[s - 1] if s else ""
            if prev and _HAN.match(prev) and prev not in rules.function_chars:
                continue
            found.append((s, e, slogan, open_quotes.encloses(s, e), prefix + "known"))
            spans.add((s, e))


def test_span_set_built_at_once_as_one_by_one() -> None:
    rng = random.Random(5)
    rules = load_slogan_rules()
    samples = [[(q.open_at, q.close_at) for q in _quotes(t, rules)] for t in ALL]
    samples += [[(s, s + rng.randint(1, 9)) for s in (rng.randint(0, 99) for _ in range(n))]
                for n in (0, 1, 5, 40)]
    for spans in samples:
        fast, plain = _SpanSet(spans), _PlainSpanSet(spans)
        assert (fast._spans, fast._longest) == (plain._spans, plain._longest)


def test_known_occurrences_as_with_overlap_queries_only() -> None:
    rules = load_slogan_rules()
    checked = 0
    for text in ALL:
        mentions = find_slogans(text, rules)
        found = [(m.start, m.end, m.slogan, m.quoted, m.rule) for m in mentions
                 if not m.rule.endswith(":known")]
        accepted = [(q.open_at, q.close_at) for q in _quotes(text, rules) if q.reason is None]
        fast, plain = list(found), list(found)
        _add_known(text, fast, _SpanSet(accepted), rules, "slogans.toml:")
        _plain_known(text, plain, _PlainSpanSet(accepted), "slogans.toml:")
        assert fast == plain
        checked += len(fast) > len(found)
    assert checked >= 3  # texts where repeats were added


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
