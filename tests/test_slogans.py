"""Tests for tracker.slogans: gold F1 on the seeds, counts, forms, rules, properties."""

from __future__ import annotations

import bisect
import csv
import importlib.util
import json
import shutil
from collections import Counter, defaultdict
from pathlib import Path

import pytest
import regex
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tracker import PROJECT_ROOT
from tracker.normalize import NormalText, normalise
from tracker.rules import RuleError
from tracker.slogans import (
    canonical_slogan,
    check_slogan_rules,
    find_expansions,
    find_slogans,
    is_numbered,
    load_slogan_rules,
    slogan_rows,
)

SHARED = Path("/work/shared")
SEEDS = SHARED / "seeds"
GOLD = SHARED / "gold" / "seeds_slogans.csv"
CORPUS = SHARED / "corpora" / "gwr_national_1954_2019.jsonl"

pytestmark = pytest.mark.skipif(not GOLD.exists(), reason="shared gold files not available")


def _check_gold_docs() -> dict:
    """DOCS of check_gold.py: where each seed's annotated body starts and ends.

    Only the boilerplate boundaries and locality blocks are taken from it; no
    slogan list is used by the extractor.
    """
    spec = importlib.util.spec_from_file_location("check_gold", SHARED / "gold" / "check_gold.py")
    assert spec and spec.loader
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod.DOCS


DOCS = _check_gold_docs() if GOLD.exists() else {}


def read_seed(doc_id: str) -> str:
    with open(SEEDS / f"{doc_id}.txt", encoding="utf-8") as f:
        return f.read()


def body(doc_id: str) -> str:
    """The annotated part of a seed (site boilerplate cut off, as in the gold)."""
    text = read_seed(doc_id)
    start, end = DOCS[doc_id]["body"]
    b0 = 0 if start is None else text.index(start)
    b1 = len(text) if end is None else text.index(end)
    return text[b0:b1]


def gold_rows() -> list[dict[str, str]]:
    with open(GOLD, encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def gold_sets() -> tuple[dict[str, set[str]], dict[str, set[str]]]:
    """Per document: required slogans and optional (`unsure`) slogans."""
    required: dict[str, set[str]] = defaultdict(set)
    optional: dict[str, set[str]] = defaultdict(set)
    for r in gold_rows():
        (optional if "unsure" in r["note"] else required)[r["doc_id"]].add(r["slogan"])
    for doc_id in required:
        optional[doc_id] -= required[doc_id]
    return required, optional


def score(texts: dict[str, str]) -> tuple[float, dict[str, tuple[list[str], list[str]]]]:
    required, optional = gold_sets()
    tp = fp = fn = 0
    report = {}
    for doc_id, text in texts.items():
        got = {m.slogan for m in find_slogans(normalise(text).text)}
        req, opt = required.get(doc_id, set()), optional.get(doc_id, set())
        misses = sorted(req - got)
        extras = sorted(got - req - opt)
        tp += len(req & got)
        fn += len(misses)
        fp += len(extras)
        report[doc_id] = (misses, extras)
    p = tp / (tp + fp) if tp + fp else 0.0
    r = tp / (tp + fn) if tp + fn else 0.0
    return (2 * p * r / (p + r) if p + r else 0.0), report


def _fail_message(f1: float, report: dict[str, tuple[list[str], list[str]]]) -> str:
    lines = [f"slogan F1 {f1:.3f}"]
    for doc_id, (misses, extras) in report.items():
        lines.append(f"{doc_id}: misses {misses} extras {extras}")
    return "\n".join(lines)


def test_seed_f1_on_annotated_body() -> None:
    f1, report = score({d: body(d) for d in DOCS})
    print(_fail_message(f1, report))
    assert f1 >= 0.90, _fail_message(f1, report)


def test_seed_f1_on_whole_files() -> None:
    # Boilerplate (related-news lists) holds real slogans of other pages that
    # the gold does not annotate, so this is a lower bound.
    f1, report = score({d: read_seed(d) for d in DOCS})
    print(_fail_message(f1, report))
    assert f1 >= 0.90, _fail_message(f1, report)


def rows_of(doc_id: str) -> dict[str, dict]:
    nt = normalise(body(doc_id))
    return {r["slogan"]: r for r in slogan_rows(find_slogans(nt.text))}


@pytest.mark.parametrize(
    ("doc", "slogan", "count"),
    [
        ("002_179a9739007a0764", "一城四区", 7),
        ("002_179a9739007a0764", "四宜", 4),
        ("002_179a9739007a0764", "十四五", 2),
        ("003_ca7d22fc471423e3", "四地", 3),
        ("003_ca7d22fc471423e3", "五个中心城市", 2),
        ("003_ca7d22fc471423e3", "宁静小区", 2),
        ("003_ca7d22fc471423e3", "文商旅", 1),  # not inside 文商旅体融合发展
        ("003_ca7d22fc471423e3", "高地", 1),  # not inside 生态文明高地
        ("003_ca7d22fc471423e3", "强省会", 2),
        ("004_1e2f18578d06e38f", "四地", 7),
        ("004_1e2f18578d06e38f", "干部要干、思路要清、律己要严", 4),
    ],
)
def test_counts(doc: str, slogan: str, count: int) -> None:
    rows = rows_of(doc)
    assert slogan in rows
    assert rows[slogan]["count"] == count


def test_forms_match_gold() -> None:
    wrong = []
    checked = 0
    for doc_id in DOCS:
        rows = rows_of(doc_id)
        for g in gold_rows():
            if g["doc_id"] != doc_id or "unsure" in g["note"] or g["slogan"] not in rows:
                continue
            checked += 1
            if rows[g["slogan"]]["form"] != g["form"]:
                wrong.append((doc_id, g["slogan"], g["form"], rows[g["slogan"]]["form"]))
    assert checked > 60
    assert not wrong, wrong


def _to_normal(nt: NormalText, original: int) -> int:
    """Normalised offset of the first kept character at or after ``original``."""
    k = bisect.bisect_right([o for _, o in nt.anchors], original) - 1
    if k < 0:
        return 0
    n0, o0 = nt.anchors[k]
    nxt = nt.anchors[k + 1][0] if k + 1 < len(nt.anchors) else len(nt.text)
    return min(n0 + max(original - o0, 0), nxt)


def test_counts_per_locality_block() -> None:
    """slogan_rows with bounds reproduces the per-district counts of seed 004."""
    doc_id = "004_1e2f18578d06e38f"
    text = read_seed(doc_id)
    nt = normalise(text)
    mentions = find_slogans(nt.text)
    starts = sorted(
        (0 if marker is None else text.index(marker), loc)
        for marker, loc in DOCS[doc_id]["segments"]
    )
    counts: Counter[tuple[str, str]] = Counter()
    for k, (s, loc) in enumerate(starts):
        e = starts[k + 1][0] if k + 1 < len(starts) else len(text)
        for row in slogan_rows(mentions, (_to_normal(nt, s), _to_normal(nt, e))):
            counts[(loc, row["slogan"])] += row["count"]
    for g in gold_rows():
        if g["doc_id"] == doc_id and g["slogan"] in ("四地", "干部要干、思路要清、律己要严",
                                                      "有诉必应马上办", "一老一小"):
            assert counts[(g["locality"], g["slogan"])] == int(g["count"]), g


def test_speech_titles_and_emphasis_are_not_slogans() -> None:
    text = ("张驰说，“2021年是我区转型项目促进年，将在转型发展上再发力、当先锋。”"
            "通过了《济源国家产城融合示范区总体方案》。激发经济发展“新活力”，增强“拼”的精气神，"
            "获评“全省第一批法治政府建设示范地区”。")
    assert find_slogans(text) == []


def test_nested_quote_inside_speech() -> None:
    text = "“上党区作为‘一城四区’之一，有责任、有义务、有优势、有基础。”"
    (m,) = find_slogans(text)
    assert (m.slogan, m.form, m.quoted) == ("一城四区", "quoted+numbered", True)
    assert text[m.start:m.end] == "一城四区"


def test_known_slogan_repeats_and_rules() -> None:
    text = "持续深化“宁静小区”建设。扩大绿色细胞、宁静小区覆盖面。在产业“四地”建设中，四地建设。"
    ms = find_slogans(text)
    assert [(m.slogan, m.quoted, m.rule) for m in ms] == [
        ("宁静小区", True, "slogans.toml:quoted"),
        ("宁静小区", False, "slogans.toml:known"),
        ("四地", True, "slogans.toml:quoted"),
        ("四地", False, "slogans.toml:known"),
    ]
    assert all(m.form == ("quoted" if m.slogan == "宁静小区" else "quoted+numbered")
               for m in ms)


def test_numbered_unquoted_and_rule_names() -> None:
    text = ("坚决打好三大攻坚战，主动融入五个中心城市建设，按照四为四高两同步总体思路，"
            "开展12+N公共就业服务活动，打造一刻钟便民生活圈，开展百日攻坚行动。")
    got = {m.slogan: m.rule for m in find_slogans(text)}
    assert got == {
        "三大攻坚战": "slogans.toml:numbered:n-da",
        "五个中心城市": "slogans.toml:numbered:n-ge",
        "四为四高两同步": "slogans.toml:numbered:compound",
        "12+N": "slogans.toml:numbered:plus-n",
        "一刻钟便民生活圈": "slogans.toml:numbered:time-circle",
        "百日攻坚": "slogans.toml:numbered:hundred-days",
    }


def test_ordinary_numerals_are_not_numbered() -> None:
    for s in ("零工驿站", "一体化发展", "统一大市场", "一批项目"):
        assert not is_numbered(s), s
    for s in ("双轮驱动", "无缝隙、零距离", "最后一公里", "一老一小", "12+N", "十四五"):
        assert is_numbered(s), s
    assert find_slogans("进一步一体化发展，一心一意谋发展，九年一贯制学校，西宁五区两县") == []


def test_canonical_slogan() -> None:
    assert canonical_slogan("“１２＋Ｎ”、") == "12+N"
    assert canonical_slogan(" 主动仗。") == "主动仗"


def test_expansions() -> None:
    nt = normalise(body("002_179a9739007a0764"))
    exp = find_expansions(nt.text, find_slogans(nt.text))
    parts = [p for s, p, _ in exp if s == "两园两地"]
    assert parts == ["示范园", "后花园", "承接地", "新基地"]
    for _, part, start in exp:
        assert nt.text[start:start + len(part)] == part
    # 003 never spells out the four 四地: nothing is invented.
    nt3 = normalise(body("003_ca7d22fc471423e3"))
    exp3 = find_expansions(nt3.text, find_slogans(nt3.text))
    assert not [e for e in exp3 if e[0] == "四地"]
    text = "持续强化“一老一小”服务保障。围绕“一老”，新建养老中心。围绕“一小”，新建学校。"
    assert [(s, p) for s, p, _ in find_expansions(text, find_slogans(text))] == [
        ("一老一小", "一老"), ("一老一小", "一小")]


def test_rule_examples_pass() -> None:
    assert check_slogan_rules() == []


def _rules_copy(tmp_path: Path, old: str, new: str) -> Path:
    d = tmp_path / "rules"
    shutil.copytree(PROJECT_ROOT / "rules", d)
    p = d / "slogans.toml"
    text = p.read_text(encoding="utf-8")
    assert old in text
    p.write_text(text.replace(old, new, 1), encoding="utf-8")
    return d


def test_bad_rules_raise_with_line(tmp_path: Path) -> None:
    d = _rules_copy(tmp_path, 'content = "[()（）]"', 'content = "[()（）"')
    with pytest.raises(RuleError) as exc:
        load_slogan_rules(d)
    assert exc.value.line is not None and "slogans.toml" in str(exc.value)
    d2 = _rules_copy(tmp_path / "b", 'name = "n-ge"', 'name = "n-ge"\nbogus = 1')
    with pytest.raises(RuleError, match="unknown field 'bogus'"):
        load_slogan_rules(d2)
    d3 = _rules_copy(tmp_path / "c", "(?:<<heads>>)", "(?:<<nope>>)")
    with pytest.raises(RuleError, match="unknown lexicon"):
        load_slogan_rules(d3)


def test_failing_example_is_reported(tmp_path: Path) -> None:
    d = _rules_copy(tmp_path, '"坚决打好三大攻坚战 => 三大攻坚战"',
                    '"坚决打好三大攻坚 => 三大攻坚战"')
    fails = check_slogan_rules(load_slogan_rules(d))
    assert len(fails) == 1 and "n-da" in fails[0] and "三大攻坚" in fails[0]
    assert regex.search(r"slogans\.toml:\d+: ", fails[0])


_ALPHABET = st.sampled_from(
    list("“”‘’「」『』\"《》、，。：；！？+·() \n0123456789ＮN")
    + list("一二三四五六七八九十两双零百千万大个城区老小地园说表示强调评为新活力了")
    + list("的是在建设发展战略工程行动中心攻坚战联盟")
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(_ALPHABET, max_size=120).map("".join))
def test_property_offsets_and_invariant(text: str) -> None:
    ms = find_slogans(text)
    last_end = 0
    for m in ms:
        assert 0 <= m.start < m.end <= len(text)
        assert m.start >= last_end  # sorted, no overlaps
        last_end = m.end
        assert canonical_slogan(text[m.start:m.end]) == m.slogan
        assert m.form in ("quoted", "numbered", "quoted+numbered")
    nt = normalise(text)
    for m in find_slogans(nt.text):
        assert nt.text[m.start:m.end] == m.slogan
    find_expansions(text, ms)
    for row in slogan_rows(ms, (0, len(text) // 2)):
        assert row["count"] >= 1


@settings(max_examples=100, deadline=None)
@given(st.text(max_size=200))
def test_property_never_raises_on_any_text(text: str) -> None:
    ms = find_slogans(text)
    for m in ms:
        assert canonical_slogan(text[m.start:m.end]) == m.slogan


@pytest.mark.skipif(not CORPUS.exists(), reason="national corpus not available")
def test_national_reports_sanity() -> None:
    by_period: dict[str, Counter[str]] = defaultdict(Counter)
    with open(CORPUS, encoding="utf-8") as f:
        for line in f:
            d = json.loads(line)
            y = int(d["year"])
            period = "2015-2019" if y >= 2015 else f"{y // 10 * 10}s"
            for row in slogan_rows(find_slogans(normalise(d["content"]).text)):
                by_period[period][row["slogan"]] += row["count"]
    top = {p: [s for s, _ in c.most_common(12)] for p, c in by_period.items()}
    assert "三个代表" in top["2000s"]
    assert "四个现代化" in top["1970s"]
    assert {"三大攻坚战", "一带一路"} <= set(top["2015-2019"])
    assert by_period["2015-2019"]["四个全面"] >= 3
