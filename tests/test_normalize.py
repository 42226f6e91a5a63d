from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from tests.conftest import seed_text
from tracker import normalize
from tracker.normalize import is_column_layout, normalise

SEEDS = Path(__file__).resolve().parent.parent / "seeds"


def test_spaces_in_numbers_and_chinese_are_removed():
    assert normalise("跨境电商实现产值 5.97 亿元").text == "跨境电商实现产值5.97亿元"
    assert normalise("森 林 防 火").text == "森林防火"
    assert normalise("发布日期:2025-08-12 00:47:04").text == "发布日期:2025-08-12 00:47:04"


def test_fullwidth_digits_and_signs():
    assert normalise("增长６．５％－７％").text == "增长6.5%-7%"


def test_traditional_to_simplified_keeps_offsets():
    original = "國內生產總值增長7%左右"
    nt = normalise(original)
    assert nt.text == "国内生产总值增长7%左右"
    s, e = nt.span(nt.text.index("7"), nt.text.index("右") + 1)
    assert original[s:e] == "7%左右"


def test_newspaper_columns_are_joined_mid_word_and_mid_quote():
    original = seed_text("003")
    assert is_column_layout(original)
    nt = normalise(original)
    assert "在产业“四地”建设中积极作为" in nt.text
    i = nt.text.index("调解矛盾纠纷1652件")
    s, e = nt.span(i, i + len("调解矛盾纠纷1652件"))
    assert original[s:e] == "调解矛盾纠\n纷1652件"


def test_web_paragraphs_are_kept():
    nt = normalise(seed_text("002"))
    assert "\n" in nt.text
    assert not is_column_layout(seed_text("002"))


def test_number_split_from_its_unit_by_markup_is_joined():
    assert normalise("国内生产总值达到74.4\n\u200b\n万亿元，增长6.7%").text.startswith(
        "国内生产总值达到74.4万亿元")


_CHARS = list("城西区 新建6个１２３％。，\n\t“”國內５.亿元") + ["\u3000"]


@given(st.text(alphabet=st.sampled_from(_CHARS), max_size=80))
def test_offsets_always_map_back(original):
    nt = normalise(original)
    assert len(nt.text) <= len(original)
    for i in range(len(nt.text)):
        j = nt.to_original(i)
        assert 0 <= j < len(original)
    for i in range(len(nt.text)):
        for k in range(i + 1, min(len(nt.text), i + 5) + 1):
            s, e = nt.span(i, k)
            assert 0 <= s <= e <= len(original)


@given(st.text(max_size=200))
def test_any_unicode_normalises(original):
    nt = normalise(original)
    if nt.text:
        s, e = nt.span(0, len(nt.text))
        assert 0 <= s <= e <= len(original)


def test_number_wrapped_by_a_single_line_break_is_joined():
    text = "新建农村公路12\n0公里，城镇新增就业1.\n2万人。\n\n2023\n\n2024"
    assert normalise(text).text == "新建农村公路120公里，城镇新增就业1.2万人。\n2023\n2024"


def test_changing_characters_are_known_for_the_installed_opencc():
    # Without them every line is converted: correct, but the shortcut is lost.
    assert normalize._changing() is not None


# Phrase and character entries, compatibility ideographs (豈), astral, NUL.
_T2S_ALPHABET = "乾燥覆蓋反覆後臺颱風著显著么麼坏壞像沈深沈們的地得\n\x00 a1𠀀丽豈"


@settings(max_examples=400, deadline=None)
@given(st.text(alphabet=_T2S_ALPHABET, max_size=60))
def test_line_by_line_t2s_equals_whole_text_conversion(text):
    assert normalize.to_simplified(text) == normalize.to_simplified_plain(text)


def test_line_by_line_t2s_on_seeds_equals_whole_text_conversion():
    for path in sorted(SEEDS.glob("*.txt")):
        text = path.read_text(encoding="utf-8")
        assert normalize.to_simplified(text) == normalize.to_simplified_plain(text)


def _plain_normalise(original: str, column_layout: bool | None = None) -> normalize.NormalText:
    """``normalise`` by whole-text scans: every space run, spaced number and
    run of line breaks (``[ \\t]*\\n[ \\t\\n]*``) found over the whole text,
    each break run handled by ``_break_cuts``."""
    import re

    t = normalize.to_simplified(normalize._to_halfwidth(original))
    if column_layout is None:
        column_layout = normalize._column_layout(t.split("\n"))
    cuts = [m.span() for m in normalize._SPACE_RUN.finditer(t)]
    for m in normalize._SPACED_DIGITS.finditer(t):
        cuts.extend((i, i + 1) for i in range(m.start() + 1, m.end(), 2))
    for m in re.finditer(r"[ \t]*\n[ \t\n]*", t):
        s, e = m.span()
        if e == len(t):
            cuts.append((s, e))
        else:
            normalize._break_cuts(t, cuts, s, e, t.index("\n", s), t.count("\n", s, e),
                                  column_layout)
    kept, pos = [], 0
    for s, e in sorted(cuts):
        if s > pos:
            kept.append((pos, s))
        pos = max(pos, e)
    if pos < len(t):
        kept.append((pos, len(t)))
    anchors, n = [], 0
    for s, e in kept:
        anchors.append((n, s))
        n += e - s
    return normalize.NormalText("".join(t[s:e] for s, e in kept), tuple(anchors or [(0, 0)]),
                                len(original))


def test_line_walk_equals_whole_text_scans_on_seeds():
    for path in sorted(SEEDS.glob("*.txt")):
        text = path.read_text(encoding="utf-8")
        for layout in (None, True, False):
            assert normalise(text, column_layout=layout) == _plain_normalise(text, layout), \
                path.name


_LAYOUT_PIECES = [*"城区 \t\n6１.５。，”", "\u3000", "\u200b", "\ufeff", "  ", "\n\n",
                  "\u3000\u3000"]


@settings(max_examples=500, deadline=None)
@given(st.lists(st.sampled_from(_LAYOUT_PIECES), max_size=40), st.sampled_from(
    [None, True, False]))
def test_line_walk_equals_whole_text_scans(pieces, layout):
    original = "".join(pieces)
    assert normalise(original, column_layout=layout) == _plain_normalise(original, layout)


_WIDTH_ALPHABET = "".join(normalize._FULLWIDTH_STR) + "文a1 \n"


def test_halfwidth_equals_translate_on_seeds():
    for path in sorted(SEEDS.glob("*.txt")):
        text = path.read_text(encoding="utf-8")
        assert normalize._to_halfwidth(text) == text.translate(normalize._FULLWIDTH)


@given(st.text(alphabet=_WIDTH_ALPHABET, max_size=80))
def test_halfwidth_equals_translate(text):
    assert normalize._to_halfwidth(text) == text.translate(normalize._FULLWIDTH)


def test_bmp_class_finds_what_the_full_class_finds_without_astral_characters():
    full, bmp = normalize._changing(), normalize._changing_bmp()
    assert bmp is not full  # the shortcut is in use
    texts = [p.read_text(encoding="utf-8") for p in sorted(SEEDS.glob("*.txt"))]
    for text in [*texts, _T2S_ALPHABET.replace("𠀀", ""), "\ud800a\udfff", "\ufad9\uffff\ue000"]:
        assert bmp.findall(text) == full.findall(text)
