"""Counting units of the length contract (../shared/LENGTH_RULES.md, section 1).

Every count in hesui — data labels, the decoding controller, evaluation, the UI — comes from here.
"""
from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

import regex

UNITS = ("char", "han", "sentence", "paragraph", "line")

# Full-width / CJK punctuation that counts as one 字 each (the contract's list plus their common kin).
CJK_PUNCT = set("，。！？、；：“”‘’（）《》【】…—～·「」『』〈〉〔〕〖〗．﹏")
SENTENCE_ENDERS = "。！？!?…"

# One user-perceived character (a Unicode extended grapheme cluster): a flag, a keycap, a ZWJ family or a
# skin-toned hand is one cluster, so one 字, as the reader sees it.
_GRAPHEME = regex.compile(r"\X")
_KEYCAP_OR_EMOJI_MARK = ("\ufe0f", "\u20e3")
_FLAG_HALVES = re.compile("[\U0001F1E6-\U0001F1FF]{3,}")  # regional indicators: two make a flag


def clusters(pattern: regex.Pattern, text: str) -> list[str]:
    """``pattern.findall(text)`` for a pattern of grapheme clusters, in linear time: regex's ``\\X`` is quadratic
    in a run of regional indicators, so a long run is first cut between its pairs, where a cluster ends anyway.

    >>> clusters(_GRAPHEME, "🇨🇳🇨🇳🇨\u0301新")
    ['🇨🇳', '🇨🇳', '🇨\u0301', '新']
    """
    runs = list(_FLAG_HALVES.finditer(text))
    if not runs:
        return pattern.findall(text)
    cuts = [0, *(i for m in runs for i in range(m.start() + 2, m.end(), 2)), len(text)]
    return [c for a, b in zip(cuts, cuts[1:]) for c in pattern.findall(text[a:b])]


# is_han as one character class, so that count_han runs at regex speed.
_HAN = re.compile("[\u4e00-\u9fff\u3400-\u4dbf\uf900-\ufaff\U00020000-\U0002fa1f\U00030000-\U000323af\u3007]")


def is_han(ch: str) -> bool:
    """CJK Unified Ideographs (basic, Ext. A–H), compatibility ideographs and 〇.

    >>> [is_han(c) for c in "汉〇㐀丽a。"]
    [True, True, True, True, False, False]
    """
    return _HAN.fullmatch(ch) is not None


def _invisible(cluster: str) -> bool:
    """Only format characters (ZWSP, ZWJ, U+2060, an in-text BOM, variation selectors: Cf/Mn)."""
    return all(unicodedata.category(ch) in ("Cf", "Mn") for ch in cluster)


def _ascii_word_part(cluster: str) -> bool:
    """An ASCII letter or digit (a keycap 1️⃣ starts with one but is an emoji)."""
    return cluster[0].isascii() and cluster[0].isalnum() and not any(m in cluster for m in _KEYCAP_OR_EMOJI_MARK)


_WORD, _ONE, _NONE, _INVISIBLE = "word", "one", "none", "invisible"


@lru_cache(maxsize=8192)
def _char_kind(cluster: str) -> str:
    """How one grapheme cluster counts; cached, as a text repeats its clusters (a 5000-字 text in about 1 ms)."""
    if _ascii_word_part(cluster):
        return _WORD
    if _invisible(cluster):
        return _INVISIBLE
    return _ONE if not cluster.isascii() and not cluster.isspace() else _NONE  # whitespace, ASCII punctuation: 0


def count_chars(text: str) -> int:
    """字数 as a Chinese word processor reports it: one per grapheme cluster, one per ASCII letter/digit run.

    >>> count_chars("新春快乐！祝您2025年蛇年大吉，Happy New Year")
    17
    >>> count_chars("🇨🇳1️⃣👨\\u200d👩\\u200d👧新\\u200b年")  # a flag, a keycap, a family, then 2 Han; ZWSP counts 0
    5
    """
    n = 0
    prev_word = False
    for cluster in clusters(_GRAPHEME, text):
        kind = _char_kind(cluster)
        if kind == _WORD:
            n += not prev_word  # a run of ASCII letters/digits is one 字
            prev_word = True
        elif kind != _INVISIBLE:  # invisible: neither counts nor splits an ASCII run ("Hap\\u200bpy" is one word)
            prev_word = False
            n += kind == _ONE
    return n


def count_han(text: str) -> int:
    """Han characters only.

    >>> count_han("新春快乐！祝您2025年蛇年大吉，Happy New Year")
    11
    """
    return len(_HAN.findall(text))


_SENTENCE_SPLIT = re.compile(f"[{re.escape(SENTENCE_ENDERS)}]+")


def sentences(text: str) -> list[str]:
    """Spans ended by a run of 。！？!?… (or the end) that hold at least one Han character."""
    return [s for s in _SENTENCE_SPLIT.split(text) if count_han(s) > 0]


def paragraphs(text: str) -> list[str]:
    """Non-empty blocks between newlines (a blank line or a single newline both separate)."""
    return [p.strip() for p in text.splitlines() if p.strip()]


_LABEL_WORDS = "上联|下联|横批|横联|第[一二三四五六七八]句"
# A label, wherever it stands: "上联：" / "上联:" / "【上联】" / "上联 " (a space after it).
_LABEL = re.compile(rf"【\s*(?:{_LABEL_WORDS})\s*】|(?:{_LABEL_WORDS})\s*(?:[:：]|\s+)")
_HENG_PI = re.compile(r"【\s*横[批联]\s*】|横[批联]\s*(?:[:：]|\s+)")
_TITLE_ROW = re.compile(r"^\s*(?:《[^》]*》|(?:题目|标题|诗题)\s*[:：].*)\s*$")
_MARKS = "，。！？；：、,.!?;:—…～·“”‘’（）()《》【】\"'"
_VERSE_SPLIT = re.compile("[，。！？；,!?;—\n]+")
_COUPLET_SPLIT = re.compile("[；;。！？!?\n]+")
_CLAUSE_SPLIT = re.compile("[，,]+")


def _rows_without_titles(text: str) -> list[str]:
    """Non-empty rows, less a title: a row in 《》, a row labelled 题目/标题, or an unmarked first row shorter
    (in Han) than the row after it ("迎春" over a poem of five-字 lines)."""
    rows = [r.strip() for r in text.splitlines() if r.strip()]
    rows = [r for r in rows if not _TITLE_ROW.match(r)]
    if len(rows) >= 2 and not any(m in rows[0] for m in _MARKS) and not _LABEL.search(rows[0]):
        first_line = count_han(_VERSE_SPLIT.split(_LABEL.sub("", rows[1]))[0])
        if count_han(rows[0]) < first_line:
            rows = rows[1:]
    return rows


def _pieces(text: str, split: re.Pattern) -> list[str]:
    return [p.strip(_MARKS + " \t\u3000") for p in split.split(text) if p.strip(_MARKS + " \t\u3000")]


def lines(text: str, *, clauses: bool = False) -> list[str]:
    """Non-empty rows with their labels ("上联：", "【下联】") taken out; with ``clauses`` a one-row text is split
    at ，。！？；— (rows of 弹幕 or a 三行情书 are lines as written; verse splits every row, see verse_lines)."""
    rows = [_LABEL.sub("", r).strip() for r in text.splitlines()]
    rows = [r for r in rows if r]
    if clauses and len(rows) == 1:
        rows = _pieces(rows[0], _VERSE_SPLIT)
    return rows


def verse_lines(text: str, *, couplet: bool = False) -> list[str]:
    """The counted lines of a poem or couplet: labels, a title and a couplet's 横批 are left out.

    Verse splits at newlines and ，。！？；—; a couplet at newlines, ；。 and labels, and at ， only when nothing
    else splits it ("春回大地，千山添秀色；福满人间，万户庆丰年" is two lines of 9 Han).

    >>> verse_lines("上联：春风入户千家暖；下联：瑞雪迎门万象新；横批：福满人间", couplet=True)
    ['春风入户千家暖', '瑞雪迎门万象新']
    >>> verse_lines("《迎春》\\n爆竹声声响，梅花朵朵开。\\n家家贴福字，户户笑颜开。")
    ['爆竹声声响', '梅花朵朵开', '家家贴福字', '户户笑颜开']
    """
    return list(_verse_lines(text, couplet))


@lru_cache(maxsize=256)
def _verse_lines(text: str, couplet: bool) -> tuple[str, ...]:
    """verse_lines, cached: each score of a poem (strict, Qianfan, LIFEBench) asks for its lines again."""
    rows = _rows_without_titles(text)
    if not couplet:
        return tuple(p for r in rows for p in _pieces(_LABEL.sub("", r), _VERSE_SPLIT))
    joined = _HENG_PI.sub("\n\0", "\n".join(rows))  # \0 marks the 横批's line, dropped below
    joined = _LABEL.sub("\n", joined)
    pieces = [p for p in _pieces(joined, _COUPLET_SPLIT) if not p.startswith("\0")]
    pieces = [p.strip("\0") for p in pieces if p.strip("\0")]
    if len(pieces) == 1:
        pieces = _pieces(pieces[0], _CLAUSE_SPLIT)
    if len(pieces) == 3 and count_han(pieces[2]) == 4 and count_han(pieces[0]) != 4:
        pieces = pieces[:2]  # an unlabelled 横批 after the two lines
    return tuple(pieces)


# --- punctuation runs (well-formedness, LENGTH_RULES.md §3) ---------------------------------------------
# Quotes and brackets wrap words ("“福”、“禄”、“寿”"): they neither count towards a run nor break one.
PAIRED_MARKS = set("“”‘’（）《》【】「」『』〈〉〔〕〖〗()[]{}\"'")
_MARK_UNIT = regex.compile(r"……|——|\.\.\.|\X", regex.S)


@lru_cache(maxsize=8192)
def is_mark(ch: str) -> bool:
    """A punctuation mark, full- or half-width (emoji and other symbols are not)."""
    return ch in CJK_PUNCT or ch in "～~" or unicodedata.category(ch).startswith("P")


def count_marks(text: str, *, paired: bool = True) -> int:
    """Punctuation marks that count as 字 (full-width / CJK ones; half-width marks count 0 字); a …… or ——
    pair is one mark, as in a run. ``paired=False`` leaves out quotes and brackets, which wrap words
    ("“福”、“禄”" is no filler) — the share rule of well-formedness counts that way.

    >>> count_marks("新年好！！“福”……"), count_marks("新年好！！“福”……", paired=False)
    (5, 3)
    """
    return sum(1 for u in clusters(_MARK_UNIT, text)
               if not u.isascii() and (u in ("……", "——") or is_mark(u[0])) and (paired or u not in PAIRED_MARKS))


def _mark_runs(text: str) -> list[int]:
    """Lengths of the runs of punctuation marks, a …… or —— pair being one mark; spaces are skipped and a
    newline or any other character ends a run."""
    runs, run = [], 0
    for unit in clusters(_MARK_UNIT, text.replace(" ", "").replace("\u3000", "")):
        if unit[0] in PAIRED_MARKS:
            continue
        if unit in ("……", "——", "...") or is_mark(unit[0]):
            run += 1
            continue
        runs.append(run)
        run = 0
    return runs + [run]


def longest_mark_run(text: str) -> int:
    """The longest run of marks.

    >>> longest_mark_run("新年好～！——"), longest_mark_run("“福”、“禄”、“寿”……")
    (3, 1)
    """
    return max(_mark_runs(text))


def trailing_mark_run(text: str) -> int:
    """Marks in the run the text ends with (what a following mark would join)."""
    return _mark_runs(text)[-1]


def leading_mark_run(text: str) -> int:
    """Marks in the run the text starts with (what joins the run before it)."""
    return _mark_runs(text)[0]


@lru_cache(maxsize=256)
def count(text: str, unit: str = "char") -> int:
    """Count ``text`` in one of the contract's units (cached: every score and check of an answer counts it again)."""
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
