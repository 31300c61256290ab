"""Counting units of the length contract (../shared/LENGTH_RULES.md, section 1).

Every count in hesui — data labels, the decoding controller, evaluation, the UI — comes from here.
"""
from __future__ import annotations

import re

UNITS = ("char", "han", "sentence", "paragraph", "line")

# Full-width / CJK punctuation that counts as one 字 each (the contract's list plus their common kin).
CJK_PUNCT = set("，。！？、；：“”‘’（）《》【】…—～·「」『』〈〉〔〕〖〗．﹏")
SENTENCE_ENDERS = "。！？!?…"

_ZWJ = 0x200D
_VARIATION_SELECTORS = range(0xFE00, 0xFE10)
_SKIN_TONES = range(0x1F3FB, 0x1F400)
_COMBINING = range(0x0300, 0x0370)


def is_han(ch: str) -> bool:
    """CJK Unified Ideographs, Extension A, B–F and compatibility ideographs."""
    cp = ord(ch)
    return (
        0x4E00 <= cp <= 0x9FFF
        or 0x3400 <= cp <= 0x4DBF
        or 0xF900 <= cp <= 0xFAFF
        or 0x20000 <= cp <= 0x2FA1F
    )


def _is_ascii_alnum(ch: str) -> bool:
    return ch.isascii() and ch.isalnum()


def _is_zero_width(cp: int) -> bool:
    """Code points that join or modify the previous glyph (emoji sequences, accents)."""
    return cp == _ZWJ or cp in _VARIATION_SELECTORS or cp in _SKIN_TONES or cp in _COMBINING


def count_chars(text: str) -> int:
    """字数 as a Chinese word processor reports it.

    >>> count_chars("新春快乐！祝您2025年蛇年大吉，Happy New Year")
    17
    """
    n = 0
    prev_alnum = False
    after_zwj = False
    for ch in text:
        cp = ord(ch)
        if _is_ascii_alnum(ch):
            n += not prev_alnum  # a run of ASCII letters/digits is one 字
            prev_alnum, after_zwj = True, False
            continue
        prev_alnum = False
        if ch.isspace() or ch.isascii():
            after_zwj = False  # whitespace and half-width punctuation count 0
            continue
        if _is_zero_width(cp):
            after_zwj = cp == _ZWJ
            continue
        if after_zwj:  # the glyph after a zero-width joiner belongs to the emoji before it
            after_zwj = False
            continue
        n += 1
    return n


def count_han(text: str) -> int:
    """Han characters only.

    >>> count_han("新春快乐！祝您2025年蛇年大吉，Happy New Year")
    11
    """
    return sum(1 for ch in text if is_han(ch))


_SENTENCE_SPLIT = re.compile(f"[{re.escape(SENTENCE_ENDERS)}]+")


def sentences(text: str) -> list[str]:
    """Spans ended by a run of 。！？!?… (or the end) that hold at least one Han character."""
    return [s for s in _SENTENCE_SPLIT.split(text) if count_han(s) > 0]


def paragraphs(text: str) -> list[str]:
    """Non-empty blocks between newlines (a blank line or a single newline both separate)."""
    return [p.strip() for p in text.splitlines() if p.strip()]


_CLAUSE_SPLIT = re.compile("[，。；,;]+")
_LINE_LABEL = re.compile(r"^\s*(上联|下联|横批|横联|第[一二三四五六七八]句)\s*[:：]\s*")


def lines(text: str, *, clauses: bool = False) -> list[str]:
    """Non-empty lines; with ``clauses`` (couplets and verse) a one-row text is split at ，。；.

    Labels such as "上联：" are dropped, so they do not count towards a line's Han characters.
    """
    rows = [_LINE_LABEL.sub("", r).strip() for r in text.splitlines()]
    rows = [r for r in rows if r]
    if clauses and len(rows) == 1:
        rows = [c.strip() for c in _CLAUSE_SPLIT.split(rows[0]) if c.strip()]
    return rows


def verse_lines(text: str, *, couplet: bool = False) -> list[str]:
    """The counted lines of a poem or couplet; a couplet's 横批 is left out.

    >>> verse_lines("上联：春风入户千家暖\\n下联：瑞雪迎门万象新\\n横批：福满人间", couplet=True)
    ['春风入户千家暖', '瑞雪迎门万象新']
    """
    raw = [r for r in text.splitlines() if r.strip()]
    if couplet:
        raw = [r for r in raw if not re.match(r"^\s*横[批联]", r)]
        if len(raw) == 3 and count_han(raw[2]) == 4 and count_han(raw[0]) != 4:
            raw = raw[:2]  # an unlabelled 横批 after the two lines
    return lines("\n".join(raw), clauses=True)


def count(text: str, unit: str = "char") -> int:
    """Count ``text`` in one of the contract's units."""
    if unit == "char":
        return count_chars(text)
    if unit == "han":
        return count_han(text)
    if unit == "sentence":
        return len(sentences(text))
    if unit == "paragraph":
        return len(paragraphs(text))
    if unit == "line":
        return len(lines(text, clauses=True))
    raise ValueError(f"unknown unit {unit!r}; expected one of {', '.join(UNITS)}")


def count_all(text: str) -> dict[str, int]:
    """The counts shown next to every answer."""
    return {u: count(text, u) for u in ("char", "han", "sentence", "paragraph")}
