import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tracker.numbers import NumberError, parse_number


@pytest.mark.parametrize(("text", "value"), [
    ("6", 6), ("一", 1), ("两", 2), ("十", 10), ("1155", 1155), ("5.97亿", 597000000),
    ("百亿", 10_000_000_000), ("1.3万亿", 1_300_000_000_000), ("4.06万亿", 4_060_000_000_000),
    ("1200万", 12_000_000), ("一千二百", 1200), ("三点五", 3.5), ("百分之八十", 80),
    ("万", 10000), ("三万亿", 3e12), ("一百零五", 105), ("二〇二一", 2021), ("0.4", 0.4),
])
def test_numerals_as_reports_write_them(text, value):
    assert parse_number(text) == value


@pytest.mark.parametrize("text", ["", "近", "abc", "五个", "第一"])
def test_non_numerals_raise(text):
    with pytest.raises(NumberError):
        parse_number(text)


@given(st.integers(min_value=0, max_value=10**12))
def test_arabic_integers_round_trip(n):
    assert parse_number(str(n)) == n


@given(st.integers(min_value=1, max_value=9999), st.sampled_from(["万", "亿", "万亿"]))
def test_magnitudes_multiply(n, mag):
    factor = {"万": 10**4, "亿": 10**8, "万亿": 10**12}[mag]
    assert parse_number(f"{n}{mag}") == n * factor


@given(st.integers(min_value=0, max_value=99_999_999))
def test_chinese_numerals_from_cn2an_agree(n):
    import cn2an

    assert parse_number(cn2an.an2cn(n)) == n


@given(st.text(alphabet="零〇一二两三四五六七八九十百千万亿点.0123456789", max_size=12))
def test_random_numeral_strings_never_crash(s):
    try:
        v = parse_number(s)
    except NumberError:
        return
    assert math.isfinite(v) and v >= 0
