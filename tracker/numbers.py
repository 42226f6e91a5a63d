"""Numeral strings -> numbers.

Handles Arabic, Chinese and mixed numerals as they appear in government texts:
``6``, ``一``, ``两``, ``十``, ``1155``, ``5.97亿``, ``1.3万亿``, ``4.06万亿``,
``百亿``, ``一千二百``, ``三点五``, ``百分之八十`` (the percent sign is the
caller's business: this returns 80).

cn2an does the conversion of plain Chinese numerals; what it rejects (``百亿``,
``1.3万亿``, a bare ``万``) is split at the big units 万/亿 and each section
converted on its own, so no numeral the tracker has found is lost.
"""

from __future__ import annotations

import functools
import math
from decimal import Decimal

import regex

DIGITS = "零〇一二两三四五六七八九"
SMALL_UNITS = "十百千"
BIG_UNITS = "万亿"
CN_NUMERAL_CHARS = DIGITS + SMALL_UNITS + BIG_UNITS
_DIGIT_VALUE = {c: i for i, c in enumerate("零一二三四五六七八九")}
_DIGIT_VALUE.update({"〇": 0, "两": 2})
_SMALL_VALUE = {"十": 10, "百": 100, "千": 1000}
_BIG_VALUE = {"万": 10**4, "亿": 10**8}

_ARABIC_HEAD = regex.compile(r"(\d+(?:\.\d+)?)([十百千万亿]*)")
_CN_DECIMAL = regex.compile(rf"([{CN_NUMERAL_CHARS}]+)点([{DIGITS}]+)([万亿]*)")


class NumberError(ValueError):
    """Raised by :func:`parse_number` for a string that is not a numeral."""


def _section(s: str) -> int:
    """Value of a Chinese numeral without 万/亿 (``三百二十``, ``百``, ``十五``)."""
    total, digit = 0, None
    for ch in s:
        if ch in _DIGIT_VALUE:
            if digit is not None and digit != 0:
                # 一二三 as a digit string (e.g. 二〇二一): positional reading.
                digit = digit * 10 + _DIGIT_VALUE[ch]
            else:
                digit = _DIGIT_VALUE[ch]
        elif ch in _SMALL_VALUE:
            total += (1 if digit is None else digit) * _SMALL_VALUE[ch]
            digit = None
        else:
            raise NumberError(f"not a Chinese numeral: {s!r}")
    return total + (digit or 0)


def _chinese(s: str) -> float:
    """Value of a Chinese numeral with big units, e.g. ``三千五百万``, ``百亿``."""
    try:
        import cn2an

        return float(cn2an.cn2an(s, "strict"))
    except Exception:
        pass  # cn2an rejects 百亿, bare 万 and the like; split at big units below.
    total = 0
    section = 0
    rest = s
    # 亿 binds looser than 万: 三万亿 = 3 * 10^4 * 10^8.
    for part in regex.split(r"(亿)", rest):
        if part == "亿":
            total = (total + section) * 10**8 if (total + section) else 10**8
            section = 0
            continue
        if not part:
            continue
        sub = 0
        for chunk in regex.split(r"(万)", part):
            if chunk == "万":
                sub = (sub or 1) * 10**4
            elif chunk:
                sub += _section(chunk)
        section += sub
    return float(total + section)


@functools.lru_cache(maxsize=65536)
def parse_number(s: str) -> float:
    """Parse one numeral string to a float.

    Input: a numeral as found in normalised text (ASCII digits, Chinese
    numerals, decimal point ``.`` or ``点``, trailing 十/百/千/万/亿 multipliers,
    optional leading ``百分之``).  Output: its value (``5.97亿`` -> 597000000.0).
    Raises :class:`NumberError` for anything else, including empty strings and
    values that are not finite.
    """
    s = s.strip()
    if s.startswith("百分之"):
        s = s[3:]
    if not s:
        raise NumberError("empty numeral")
    head, dot, tail = s.partition(".")
    if s.isascii() and head.isdigit() and (not dot or tail.isdigit()):
        value = float(s)  # plain 1155 or 5.97: the same correctly rounded float as via Decimal
        if not math.isfinite(value):
            raise NumberError(f"numeral out of range: {s!r}")
        return value
    m = _ARABIC_HEAD.fullmatch(s)
    if m:
        # Decimal keeps 4.06万亿 at 4060000000000 instead of 4059999999999.9995.
        exact = Decimal(m.group(1))
        for ch in m.group(2):
            exact *= _SMALL_VALUE.get(ch) or _BIG_VALUE[ch]
        value = float(exact)
    else:
        m = _CN_DECIMAL.fullmatch(s)
        if m:
            frac = "".join(str(_DIGIT_VALUE[c]) for c in m.group(2))
            exact = Decimal(int(_chinese(m.group(1)))) + Decimal("0." + frac)
            for ch in m.group(3):
                exact *= _BIG_VALUE[ch]
            value = float(exact)
        elif all(c in CN_NUMERAL_CHARS for c in s):
            value = _chinese(s)
        else:
            raise NumberError(f"not a numeral: {s!r}")
    if not math.isfinite(value):
        raise NumberError(f"numeral out of range: {s!r}")
    return value
