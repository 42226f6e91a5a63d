"""``tracker rules check``: every rule's examples run through the real extractor.

Like Duckling's rules, each rule in ``rules/`` carries examples that must and
must not match; they double as tests (tests/test_rules.py runs this).  An
example written ``TEXT => EXPECTED`` also pins the expected field value.
Failure messages name the rule file and line, the example and what happened.
"""

from __future__ import annotations

from collections.abc import Callable

from tracker import ruleguard
from tracker.rules import line_of, rules_dir

_HEADER = ruleguard.RuleRef("boilerplate.toml", None, "header_line", key="header_line")
_FOOTER = ruleguard.RuleRef("boilerplate.toml", None, "footer_line", key="footer_line")


def _split(example: str) -> tuple[str, str | None]:
    if " => " in example:
        text, expected = example.rsplit(" => ", 1)
        return text, expected.strip()
    return example, None


def _records(text: str) -> list[dict]:
    from tracker.commitments import DocContext, extract_commitments
    from tracker.normalize import normalise

    nt = normalise(text)
    return extract_commitments(nt, DocContext("example", year=2024, review_year=2023),
                               original=text)


def _quantities(text: str) -> list:
    from tracker.normalize import normalise
    from tracker.quantities import find_quantities

    return list(find_quantities(normalise(text).text))


def _check_speakers(expect: Callable) -> None:
    """``rules/speakers.toml`` examples through the real finders.

    ``byline``: ``LINE => LOCALITY|SPEAKER``; ``not_byline``: no byline;
    ``inline``: ``TEXT => LOCALITY|SPEAKER`` (``-``: no unit named);
    ``credit``: a credit span is found; ``subject``: ``TEXT => LOCALITY``.
    """
    from tracker.gazetteer import load_gazetteer
    from tracker.speakers import (
        find_credits,
        find_inline,
        find_subjects,
        load_speaker_rules,
        parse_byline,
    )

    gaz = load_gazetteer()
    ex = load_speaker_rules().examples

    def name(div) -> str:
        return "-" if div is None else gaz.full_name(div)

    def byline(t: str, e: str | None) -> str | None:
        sp = parse_byline(t)
        got = None if sp is None else f"{name(sp.unit)}|{sp.label}"
        return None if got == e else f"byline {got}, expected {e}"

    def inline(t: str, e: str | None) -> str | None:
        got = [f"{name(sp.unit)}|{sp.label}" for sp in find_inline(t)]
        return None if e in got else f"inline speakers {got}, expected {e}"

    def subject(t: str, e: str | None) -> str | None:
        got = [name(d) for _, d in find_subjects(t)]
        return None if e in got else f"subjects {got}, expected {e}"

    expect("speakers.toml", ex.get("byline", ()), byline)
    expect("speakers.toml", ex.get("not_byline", ()), lambda t, _e: None if parse_byline(t)
           is None else f"unexpected byline {parse_byline(t)}")
    expect("speakers.toml", ex.get("inline", ()), inline)
    expect("speakers.toml", ex.get("credit", ()), lambda t, _e: None if find_credits(t)
           else "no credit found")
    expect("speakers.toml", ex.get("subject", ()), subject)


def check_all() -> tuple[list[str], int]:
    """Run all examples.  Returns ``(failure messages, examples checked)``.

    Raises :class:`tracker.rules.RuleError` when a rule file cannot be loaded.
    """
    from tracker.boilerplate import load_boilerplate_rules
    from tracker.commitments import (
        categorise,
        load_category_rules,
        load_kind_rules,
        load_object_rules,
    )
    from tracker.indicators import indicator_for, load_indicators
    from tracker.quantities import load_quantity_rules

    base = rules_dir()
    texts: dict[str, str] = {}
    failures: list[str] = []
    checked = 0

    def fail(file: str, example: str, what: str) -> None:
        if file not in texts:
            texts[file] = (base / file).read_text(encoding="utf-8")
        line = line_of(texts[file], example.split(" => ")[0][:20]) or "?"
        failures.append(f"{base / file}:{line}: {example!r}: {what}")

    def expect(file: str, examples, test: Callable[[str, str | None], str | None]) -> None:
        nonlocal checked
        for ex in examples:
            checked += 1
            text, expected = _split(ex)
            problem = test(text, expected)
            if problem:
                fail(file, ex, problem)

    q = load_quantity_rules()
    for u in q.units:
        expect("units.toml", u.examples, lambda t, _e, u=u: None if any(
            x.unit == u.unit for x in _quantities(t)) else f"no quantity in unit {u.unit}")
        expect("units.toml", u.counter_examples, lambda t, _e: None if not _records(t)
               else f"unexpected commitment {_records(t)[0]['quote']!r}")
    for qr in q.qualifiers:
        expect("qualifiers.toml", qr.examples, lambda t, e: None if any(
            x.qualifier == e for x in _quantities(t)) else
            f"qualifiers found: {[x.qualifier for x in _quantities(t)]}, expected {e}")
    for ex in q.exclusions:
        expect("exclusions.toml", ex.examples, lambda t, _e: None if not _quantities(t) else
               f"still found {[x.surface for x in _quantities(t)]}")
        expect("exclusions.toml", ex.counter_examples, lambda t, _e: None if _quantities(t)
               else "no quantity found")
    k = load_kind_rules()
    expect("kinds.toml", k.examples, lambda t, e: None if _records(t) and all(
        r["kind"] == e for r in _records(t)) else
        f"kinds: {[r['kind'] for r in _records(t)]}, expected {e}")
    o = load_object_rules()
    expect("objects.toml", o.examples, lambda t, e: None if any(
        r["object"] == e for r in _records(t)) else
        f"objects: {[r['object'] for r in _records(t)]}, expected {e}")
    c = load_category_rules()
    for examples in c.examples.values():
        expect("categories.toml", examples, lambda t, e: None if categorise(t) == e else
               f"category {categorise(t)}, expected {e}")
    for ind in load_indicators():
        expect("indicators.toml", ind.examples, lambda t, e, ind=ind: None if indicator_for(
            t, ind.unit) == e else f"indicator {indicator_for(t, ind.unit)}, expected {e}")
    b = load_boilerplate_rules()
    from tracker.rules import read_rule_file

    bexamples = read_rule_file("boilerplate.toml", {}, top_level=(
        "header_line", "footer_line", "header_lines", "footer_min_fraction",
        "examples")).data.get("examples", [])

    def classify(t: str, e: str | None) -> str | None:
        got = ("header" if ruleguard.search(b.header_line, t, _HEADER) else
               "footer" if ruleguard.search(b.footer_line, t, _FOOTER) else "body")
        return None if got == e else f"classified {got}, expected {e}"

    expect("boilerplate.toml", bexamples, classify)
    _check_speakers(expect)
    from tracker.slogans import check_slogan_rules

    for msg in check_slogan_rules():
        failures.append(msg)
    checked += 1
    from tracker.compare import check_compare_rules

    compare_failures, compare_checked = check_compare_rules()
    return failures + compare_failures, checked + compare_checked
