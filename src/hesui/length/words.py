"""The words around the numbers of a request: script normalisation, set phrases, rewriting verbs, and why a
number that is no length was left alone (../shared/LENGTH_RULES.md §2, "Numbers that are not the answer's length").
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache

from .numerals import CN_NUM_CHARS, NUMBER

# Set phrases that hold a numeral and a length unit but measure nothing of the answer.
SET_PHRASES = re.compile(
    rf"(?<![{CN_NUM_CHARS}\d])[{CN_NUM_CHARS}\d]+\s*个?字(?:成语|词语|词组|短语|格言|俗语|谚语|箴言|口诀|诀|真言|词)"
    r"|一字(?:一句|一顿|千金|之差|不差|不漏|不落|排开|长蛇)|生辰八字|八字(?:方针|胡|眉|没一撇|还没一撇)"
    r"|千字文|十字(?:路口|街头|架|绣)|三句半|三言两语|千言万语|一言(?:难尽|为定)|只言片语"
)
# After one of these, a length is the rewritten text's; before it, the source's.
REWRITE_VERBS = re.compile(
    r"(?:扩写|扩充|扩展|改写|缩写|压缩|精简|删减|缩减|缩短|浓缩|扩)(?:成|到|为|至|在)|缩(?:成|到)|改成|改为"
)
# Texts read aloud: a duration is their length.
SPEECH = re.compile(r"发言|致辞|讲话|演讲|主持|串词|开场白|旁白|口播|视频|配音|祝酒|朗诵|台词|脱口秀|播报|广播|"
                    r"直播|念|说|讲|宣讲|祝词|贺词|答谢词|解说")
_FULL_WIDTH_DIGITS = {0xFF10 + i: ord("0") + i for i in range(10)}
# Invisible format characters (soft hyphen, zero-width space/joiners, word joiner, BOM, variation selectors) and
# runs of whitespace: "1\u200b0字" is the 10字 the reader sees, and a run of spaces or newlines between a number and
# its unit is one separator (which also keeps every ``\s*`` of the patterns to one character: no backtracking).
_INVISIBLE = "\u00ad\u180e\u200b-\u200f\u2060-\u2064\ufeff\ufe00-\ufe0f"
_SQUEEZE = re.compile(rf"[\s{_INVISIBLE}]{{2,}}|[{_INVISIBLE}]")
_DASH = "到|至|-|~|～|—|－|–"
# "字数在200到300之间" → "字数在200到300字之间": the unit after 字数 made explicit.
_COUNT_WORD = re.compile(
    rf"(字数[^\d{CN_NUM_CHARS}]{{0,6}}?{NUMBER}(?:\s*(?:{_DASH})\s*{NUMBER})?)(?!\s*个?(?:汉字|字|\d))"
)


def to_simplified(text: str) -> str:
    """The text in simplified script (zhconv's zh-cn table; 聖誕快樂 → 圣诞快乐), words converted as words."""
    import zhconv

    return zhconv.convert(text, "zh-cn")


@lru_cache(maxsize=4096)
def _simplified(ch: str) -> str:
    """One character in simplified script (個 → 个, 內 → 内), kept as is when the mapping is not one-to-one."""
    import zhconv

    out = zhconv.convert(ch, "zh-cn")
    return out if len(out) == 1 else ch


@dataclass
class Normalized:
    text: str  # simplified script, ASCII digits, 字 after a number that follows 字数
    origin: list[int]  # origin[i]: the request's index of text[i]; one more entry for the end
    counted: set[int] = field(default_factory=set)  # indices of the 字 inserted after 字数's number

    def span(self, span: tuple[int, int]) -> tuple[int, int]:
        """A [start, end) span of ``text`` as a span of the request."""
        a, b = span
        return self.origin[a], self.origin[b - 1] + 1 if b > a else self.origin[a]


def _squeezed(text: str) -> tuple[str, list[int]]:
    """``text`` without invisible characters and with each run of whitespace as one character (a newline if it
    holds one, else a space), and for each character kept its index in ``text``, plus one entry for the end.

    >>> _squeezed("1\\u200b0 \\n  字")
    ('10\\n字', [0, 2, 3, 7, 8])
    """
    out, origin, pos = [], [], 0
    for m in _SQUEEZE.finditer(text):
        out.append(text[pos:m.start()])
        origin += range(pos, m.start())
        run = m.group(0)
        if any(ch.isspace() for ch in run):  # a run of invisible characters alone is dropped
            out.append("\n" if "\n" in run else " ")
            origin.append(m.start())
        pos = m.end()
    out.append(text[pos:])
    origin += range(pos, len(text) + 1)
    return "".join(out), origin


def normalize(request: str) -> Normalized:
    """Traditional → simplified, full-width → ASCII digits (one character each), invisible characters dropped and
    whitespace squeezed, then the 字数 rewrite.

    >>> n = normalize("字數：３００，寫一段")
    >>> n.text, n.span((3, 7))
    ('字数：300字，写一段', (3, 6))
    """
    flat, kept = _squeezed("".join(_simplified(ch) for ch in request.translate(_FULL_WIDTH_DIGITS)))
    out, origin, counted, pos = [], [], set(), 0
    for m in _COUNT_WORD.finditer(flat):
        out.append(flat[pos:m.end()])
        origin += range(pos, m.end())
        counted.add(len(origin))
        out.append("字")
        origin.append(m.end() - 1)
        pos = m.end()
    out.append(flat[pos:])
    origin += range(pos, len(flat) + 1)
    return Normalized("".join(out), [kept[i] for i in origin], counted)


class Taken:
    """The positions of a text already read as something (a length, a set phrase, a duration left unread).

    A mask, not a list of spans: testing a span costs its length, not the number of spans taken, so a request
    holding thousands of numbers is still read in linear time.
    """

    def __init__(self, size: int):
        self._mask = bytearray(size)

    def add(self, span: tuple[int, int]) -> None:
        a, b = span
        self._mask[a:b] = b"\x01" * (b - a)

    def overlaps(self, span: tuple[int, int]) -> bool:
        return self._mask.find(1, *span) != -1


def mask_set_words(text: str) -> tuple[str, list[tuple[tuple[int, int], str]]]:
    """``text`` with its set phrases (四字成语, 三句半…) blanked out, and why they were left.

    >>> mask_set_words("用四字成语写80字左右")[0]
    '用〓〓〓〓写80字左右'
    """
    ignored = [(m.span(), f"a set phrase ({m.group(0)}), not a length") for m in SET_PHRASES.finditer(text)]
    return SET_PHRASES.sub(lambda m: "〓" * len(m.group(0)), text), ignored


def rewrite_verb(text: str) -> tuple[int, int] | None:
    """The [start, end) of the first rewriting verb (扩写成, 缩写到, 压缩到…), or None."""
    m = REWRITE_VERBS.search(text)
    return m.span() if m else None


_ANY_NUMBER = re.compile(rf"\d+(?:\.\d+)?|[{CN_NUM_CHARS}]*几[{CN_NUM_CHARS}]*|[{CN_NUM_CHARS}]+")
_WHY = [
    (re.compile(r"\s*(?:周岁|岁|大寿|寿辰)"), "an age"),
    (re.compile(r"\s*(?:月|日|号|点|时)"), "a date or time"),
    (re.compile(r"\s*(?:多|来)?\s*(?:年|天|周|个月|小时|遍|次|回)"), "a span or count of times"),
    (re.compile(r"\s*(?:分钟|秒)"), "a duration, but the text is not one to be spoken"),
    (re.compile(r"\s*个?(?:汉字|字|句|段|行)"), "points at given words, not a length"),
    (re.compile(r"\s*(?:个|位|条|份|首|篇|副|张|种|版|款|口|人|家|句|段|本|封|幅|样|项|点|层|元|块)"),
     "a count of items, not a length"),
]


def _why(text: str, a: int, b: int) -> tuple[str, int]:
    """Why the number text[a:b] is no length, and how many characters after it belong to the phrase."""
    if a and text[a - 1] == "第":
        return "an ordinal", 0
    after = text[b:b + 4]
    if re.match(r"年", after) and (b - a == 4 or re.fullmatch(r"[零〇一二三四五六七八九]{4}", text[a:b])):
        return "a year", 1
    for pattern, why in _WHY:
        if m := pattern.match(after):
            return why, m.end()
    return "not followed by a length unit", 0


MAX_IGNORED = 32  # numbers and phrases explained per request: enough for any real one; 2,500 would help no one


def ignored_numbers(text: str, skip: Taken) -> list[tuple[tuple[int, int], str]]:
    """The first MAX_IGNORED numbers outside ``skip`` with why each is no length; a lone 一 (the article "a") is
    left out.

    >>> text = "给50岁的妈妈写第一条2025年的祝福"
    >>> [(s, w) for s, w in ignored_numbers(text, Taken(len(text)))]
    [((1, 4), 'an age'), ((11, 16), 'a year')]
    """
    out = []
    for m in _ANY_NUMBER.finditer(text):
        a, b = m.span()
        if m.group(0) in ("一", "几", "万", "千", "百", "亿") or skip.overlaps((a, b)):
            continue
        why, tail = _why(text, a, b)
        if why == "an ordinal":
            continue  # 第一、第二: plainly no length
        out.append(((a, b + tail), why))
        if len(out) == MAX_IGNORED:
            break
    return out
