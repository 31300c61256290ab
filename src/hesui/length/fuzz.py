"""Requests drawn from the length contract's own alphabet, as ``hypothesis`` strategies.

Shared by the property tests (tests/test_length_fuzz.py) and benchmarks/fuzz_length.py. The words come from the
parser's vocabulary (spec.py), so a word added there is fuzzed too; around them stand what people and editors put
between a number and its unit: spaces, newlines, emoji, zero-width characters. Needs the ``test`` extra.
"""
from __future__ import annotations

from hypothesis import strategies as st

from . import spec
from .numerals import CN_NUM_CHARS

MAX_CHARS = 5000  # the longest text the server parses: /hesui/parse and /hesui/count cut a request there


def _words(*alternations: str) -> list[str]:
    return [w for a in alternations for w in a.split("|")]


DIGITS = list("0123456789") + ["０", "１", "５", ",", ".", "，", "k", "K", "e"]
NUMERALS = list(CN_NUM_CHARS) + ["兩", "萬", "億", "几", "半"]
UNITS = ["字", "个字", "個字", "汉字", "漢字", "句", "句话", "段", "段落", "行", "言", "分钟", "分", "秒", "钟",
         "字数", "字數", "：", "联"]
APPROXIMATORS = ["多", "来", "几", "余", "左右", "上下", "約"] + _words(spec._ABOUT_WORDS)
MODALS = _words(spec._MAX_WORDS, spec._STRICT_MAX_WORDS, spec._MIN_WORDS, spec._STRICT_MIN_WORDS, spec._DASH,
                "以内|之内|以下|以上|之间|内|以內|不超過|和|与|在|每段|每句|每行|各|上下联各|都")
CONTEXT = ["写", "一篇", "一段", "的", "拜年短信", "祝福", "春联", "对联", "七言", "五言", "绝句", "律诗", "藏头诗",
           "三行情书", "扩写成", "缩写到", "把", "致辞", "发言稿", "主持词", "四字成语", "一字千金", "岁", "年", "第",
           "这", "“", "”", "《", "》", "【上联】", "横批：", "Happy"]
SEPARATORS = [" ", "  ", "\n", "\n\n", "\r\n", "\t", "\u3000", "，", "。", "、", "！", "？", "……", "——"]
EMOJI = ["🧧", "🐍", "🇨🇳", "1️⃣", "👨\u200d👩\u200d👧", "👍🏽", "❤️"]
INVISIBLE = ["\u200b", "\u200c", "\u200d", "\u2060", "\ufeff", "\ufe0f", "\u00ad"]
ALPHABET = DIGITS + NUMERALS + UNITS + APPROXIMATORS + MODALS + CONTEXT + SEPARATORS + EMOJI + INVISIBLE


def pieces() -> st.SearchStrategy[str]:
    """One word of the alphabet, now and then any character at all."""
    return st.one_of(st.sampled_from(ALPHABET), st.sampled_from(ALPHABET), st.sampled_from(ALPHABET),
                     st.characters(codec="utf-8"))


def requests(max_chars: int = MAX_CHARS) -> st.SearchStrategy[str]:
    """A short request of up to 40 words, or one such stretch repeated up to ``max_chars`` characters (long runs
    of digits, spaces or numbers are where a pattern backtracks)."""
    short = st.lists(pieces(), max_size=40).map("".join)
    repeated = st.tuples(short, st.integers(1, max_chars)).map(lambda sk: (sk[0] * sk[1])[:max_chars])
    return st.one_of(short, short, repeated)


# Every kind of constraint a text is scored against, besides those read from the text itself.
SCORED_AGAINST = ("七言春联", "五言绝句", "分三段，每段不超过50字，共100多字，三到五句话", "两分钟的致辞")


def score_all(text: str, constraints: list) -> dict:
    """``count_all`` and every score of ``text``, against ``constraints`` and each of ``SCORED_AGAINST``."""
    from . import count_all, lifebench, measured, parse, qianfan, strict, well_formed

    sets = [parse(s).constraints for s in SCORED_AGAINST] + [constraints]
    return {"count": count_all(text), "well_formed": well_formed(text),
            "measured": [n for cs in sets for c in cs for n in measured(text, c)],
            "scores": [(strict(text, cs), qianfan(text, cs), lifebench(text, cs)) for cs in sets]}
