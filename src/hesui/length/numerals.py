"""Numbers as people write them in a request: 50, 五十, 两百, 一百五十, 二百五, 1千, 2万, 1.5千."""
from __future__ import annotations

import re

_DIGITS = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5,
           "六": 6, "七": 7, "八": 8, "九": 9}
_UNITS = {"十": 10, "百": 100, "千": 1000}
_BIG_UNITS = {"万": 10_000, "亿": 100_000_000}
CN_NUM_CHARS = "零〇一二两三四五六七八九十百千万亿"
_MULTIPLIERS = {"": 1, "千": 1000, "k": 1000, "K": 1000, "万": 10_000, "亿": 100_000_000}
# Larger than any length in any unit: a bigger number is read as this, so arithmetic on it stays finite
# (a 400-digit number would overflow a float) and the caller still refuses it as out of range.
CEILING = 10**12

# One number: Arabic (1,000 with thousands separators; optionally with a Chinese multiplier) or a run of
# Chinese numerals. At most four separators (10^12 > CEILING): an unbounded run would be tried again from every
# group of a long "0,000,000,…", quadratic in its length.
_ARABIC = r"(?:\d{1,3}(?:,\d{3}){1,4}|\d+)(?:\.\d+)?"
NUMBER = rf"(?:{_ARABIC}\s*[千万亿kK]?|[{CN_NUM_CHARS}]+)"
_MIXED = re.compile(rf"^({_ARABIC})\s*([千万亿kK]?)$")


def _chinese_to_int(s: str) -> int:
    """Positional Chinese numerals, with the spoken short forms (二百五 = 250, 一千二 = 1200).

    >>> [_chinese_to_int(x) for x in ["五十", "两百", "一百五十", "二百五", "十五", "一百零五", "三万五", "万", "一亿"]]
    [50, 200, 150, 250, 15, 105, 35000, 10000, 100000000]
    """
    total, section, digit, last_unit, zero_after_unit = 0, 0, None, 1, False
    for ch in s:
        if ch in _DIGITS:
            if _DIGITS[ch] == 0:
                zero_after_unit = True
            digit = _DIGITS[ch]
        elif ch in _UNITS:
            section += (1 if digit is None else digit) * _UNITS[ch]
            digit, last_unit, zero_after_unit = None, _UNITS[ch], False
        elif ch in _BIG_UNITS:
            # A bare 万 is one 万, as a bare 百 is one 百 (万多字 → 10000多).
            head = 1 if digit is None and section == 0 and total == 0 else section + (digit or 0)
            total = (total + head) * _BIG_UNITS[ch] if ch == "亿" else total + head * _BIG_UNITS[ch]
            section, digit, last_unit, zero_after_unit = 0, None, _BIG_UNITS[ch], False
    if digit:
        # A trailing digit right after a unit is one place lower: 二百五 → 250, 三万五 → 35000.
        short_form = last_unit >= 100 and not zero_after_unit
        section += digit * (last_unit // 10) if short_form else digit
    return total + section


def parse_number(s: str) -> int:
    """Any written number → int, at most ``CEILING``.

    >>> [parse_number(x) for x in ["50", "1,000", "1千", "2万", "1.5千", "二百五", "两百", "百", "万", "9" * 400]]
    [50, 1000, 1000, 20000, 1500, 250, 200, 100, 10000, 1000000000000]
    """
    s = s.strip()
    m = _MIXED.match(s)
    if m:
        digits = m.group(1).replace(",", "")
        if len(digits.split(".")[0]) > len(str(CEILING)):
            return CEILING
        value = round(float(digits) * _MULTIPLIERS[m.group(2)])
    else:
        value = _chinese_to_int(s)
    return min(value, CEILING)


_CN = "零一二三四五六七八九"


def to_chinese(n: int) -> str:
    """An int as a person writes it in Chinese, for n < 10000 (two hundred as 两百).

    >>> [to_chinese(x) for x in (8, 10, 15, 50, 120, 200, 250, 305, 1000)]
    ['八', '十', '十五', '五十', '一百二十', '两百', '两百五十', '三百零五', '一千']
    """
    if not 0 < n < 10000:
        raise ValueError(f"{n} is out of range")
    if n < 20:
        return ("十" + (_CN[n - 10] if n > 10 else "")) if n >= 10 else _CN[n]
    out, zero = "", False
    for value, unit in ((1000, "千"), (100, "百"), (10, "十"), (1, "")):
        digit = n // value % 10
        if digit == 0:
            zero = bool(out)
            continue
        if zero:
            out += "零"
            zero = False
        out += ("两" if digit == 2 and unit in "百千" and unit else _CN[digit]) + unit
    return out
