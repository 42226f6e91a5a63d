"""Body ranges: ``strip_boilerplate``, which cuts out only the lines its
rules look at, gives what a walk over the list of every line gives."""

from __future__ import annotations

import random
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from tracker import ruleguard
from tracker.boilerplate import Body, load_boilerplate_rules, strip_boilerplate
from tracker.normalize import normalise

SEEDS = Path(__file__).resolve().parent.parent / "seeds"
_DUMMY = ruleguard.RuleRef("none.toml", None, "dummy")
_LINES = ["豫都网 > 河南新闻 > 济源新闻 >", "发布日期:2025-08-12 00:47:04", "相关资讯", "友情链接",
          "标题", "全面融入“一城四区” 努力建设“四宜”上党，今年全区地区生产总值增长8%。",
          "", " ", "版权所有:某网", "下一篇:别的新闻", "正文" * 30]


def _plain(text: str) -> Body:
    """The body range by the rules' definition, every line tested in order."""
    rules = load_boilerplate_rules()
    lines, pos = [], 0
    for line in text.split("\n"):
        lines.append((pos, pos + len(line), line))
        pos += len(line) + 1
    start, end, fired, cut = 0, len(text), [], -1
    for i, (_, _, line) in enumerate(lines[: rules.header_lines]):
        if line.strip() and len(line) <= 500 and rules.header_line.search(line):
            cut = i
        elif len(line.strip()) > 30:
            break
    if cut >= 0:
        start = lines[cut][1] + 1 if cut + 1 < len(lines) else len(text)
        fired.append("header")
    first = max(int(len(text) * rules.footer_min_fraction), start)
    for s, _, line in lines:
        if s >= first and rules.footer_line.search(line):
            end = s
            fired.append("footer")
            break
    if end < start:
        start, end = 0, len(text)
    return Body(start, end, "+".join(fired))


def _rule_by_rule(text: str) -> Body:
    with ruleguard.collecting() as c:
        c.timeouts[_DUMMY] = ruleguard.RuleTimeout(_DUMMY, None, 1.0)
        return strip_boilerplate(text)


def test_seed_bodies_equal_the_line_walk() -> None:
    for path in sorted(SEEDS.glob("*.txt")):
        text = normalise(path.read_text(encoding="utf-8")).text
        assert strip_boilerplate(text) == _plain(text) == _rule_by_rule(text), path.name


def test_pages_of_mixed_lines_equal_the_line_walk() -> None:
    rng = random.Random(3)
    for _ in range(300):
        text = "\n".join(rng.choice(_LINES) for _ in range(rng.randrange(0, 30)))
        assert strip_boilerplate(text) == _plain(text) == _rule_by_rule(text), text


@settings(max_examples=200, deadline=None)
@given(st.lists(st.sampled_from(_LINES), max_size=20), st.sampled_from(["", "\n", "\n\n"]))
def test_line_walk_holds_at_text_edges(lines: list[str], edge: str) -> None:
    text = edge + "\n".join(lines) + edge
    assert strip_boilerplate(text) == _plain(text) == _rule_by_rule(text)
