"""From the words of a request to length constraints (../shared/LENGTH_RULES.md, section 2).

``parse("给领导写不超过80字的拜年短信")`` → one ``max`` constraint on ``char`` with ``hi = 80``.
"""
from __future__ import annotations

import math
import re
from dataclasses import asdict, dataclass, field

from .numerals import CN_NUM_CHARS, NUMBER, parse_number
from .words import MAX_IGNORED, SPEECH, Taken, ignored_numbers, mask_set_words, normalize, rewrite_verb

MAX_LENGTH = 5000  # 字; a longer request is out of scope for a greeting model
MAX_CONSTRAINTS = 8  # a real request states 1–3 ("三段，每段不超过50字"); each one is counted and scored per answer


class LengthSpecError(ValueError):
    """The request's length constraints contradict each other or cannot be met."""


@dataclass(frozen=True)
class Constraint:
    kind: str  # max | min | about | range | exact | couplet | verse
    unit: str  # char | han | sentence | paragraph | line
    lo: int | None
    hi: int | None
    target: int | None  # the number the user wrote; None for a range
    per: str | None = None  # "line" / "paragraph" / "sentence": the bound holds for every such piece

    def to_dict(self) -> dict:
        d = asdict(self)
        if d["per"] is None:
            del d["per"]
        return d

    @classmethod
    def from_dict(cls, d: dict) -> "Constraint":
        return cls(d["kind"], d["unit"], d.get("lo"), d.get("hi"), d.get("target"), d.get("per"))

    @property
    def nominal(self) -> float:
        """The length aimed at: the written number, or a range's midpoint."""
        if self.target is not None:
            return float(self.target)
        if self.lo is not None and self.hi is not None:
            return (self.lo + self.hi) / 2
        return float(self.lo if self.lo is not None else self.hi)


@dataclass
class Spec:
    constraints: list[Constraint] = field(default_factory=list)
    source: str = ""
    # For each constraint, the words it was read from and their [start, end) in the request.
    origins: list[tuple[str, int, int]] = field(default_factory=list)
    # Numbers read but not taken as the answer's length: (words, why), in the order they stand; the first MAX_IGNORED.
    ignored: list[tuple[str, str]] = field(default_factory=list)

    def to_dict(self) -> dict:
        if not self.constraints:
            return {"constraints": []}
        return {"constraints": [c.to_dict() for c in self.constraints], "source": self.source}

    @property
    def is_couplet(self) -> bool:
        return any(c.kind == "couplet" for c in self.constraints)

    @property
    def is_verse(self) -> bool:
        return any(c.kind == "verse" for c in self.constraints)


# --- the vocabulary -------------------------------------------------------------------------------

_MAX_WORDS = ("不超过|不多于|不要超过|别超过|不得超过|不能超过|不可超过|不要多于|不超出|最多|至多|"
              "控制在|限制在|限定在|限")
_STRICT_MAX_WORDS = "少于|不到|低于|不足"
_MIN_WORDS = "不少于|至少|最少|不低于|起码|不得少于|不能少于|不要少于"
_STRICT_MIN_WORDS = "超过|多于|大于"
_ABOUT_WORDS = "大约|大概|差不多|约莫|约"
_EXACT_WORDS = "正好|恰好|刚好|整整|必须等于|等于"
# A modal link between the qualifier and the number, as benchmarks and forms write it: 至多有 128字, 至少要写300字,
# 最多为80字. Only after a qualifier (the conditional group), so a bare "写300字" reads as before.
_PREFIX = (f"(?P<pre>{_MAX_WORDS}|{_STRICT_MAX_WORDS}|{_MIN_WORDS}|{_STRICT_MIN_WORDS}|{_ABOUT_WORDS}|{_EXACT_WORDS})?"
           r"(?(pre)(?:\s*(?:要|得|须|需|需要)?\s*(?:有|为|是|写|在|达到))?)")
_SUFFIX = "(?P<suf>以内|之内|以下|以上|左右|上下|之间|内)?"
# 段 as a span of time or road ("一段时间", "一段路") is no paragraph.
_UNIT = "(?P<ge>个)?(?P<unit>汉字|字|句话|句|段话|段落|段(?!时|日子|路|距离|岁月|旅程)|行)"
_CLOSING_QUOTE = "”」』’》\"'"
# Not an ordinal, not "这四个字" / "“福”这个字" (words pointed at), not the tail of a number.
_NUM = rf"(?<![第这那{_CLOSING_QUOTE}])(?<![\d.{CN_NUM_CHARS}几])"
_DASH = "到|至|-|~|～|—|－|–"
_DIGIT = "[一二两三四五六七八九]"

_RANGE = re.compile(
    rf"(?:在\s*)?{_NUM}(?P<a>{NUMBER})\s*(?:个?字|个?汉字)?\s*(?:{_DASH}|和|与)\s*(?P<b>{NUMBER})\s*{_UNIT}\s*{_SUFFIX}"
)
# Two neighbouring numerals: 两三段 (2–3), 七八十字 (70–80), 两三百字 (200–300), 三五句 (3–5), 十一二个字 (11–12).
_APPROX = re.compile(rf"{_NUM}(?P<head>{_DIGIT}?十)?(?P<a>{_DIGIT})(?P<b>{_DIGIT})(?P<mult>[十百千]?)\s*{_UNIT}\s*(?:左右|上下)?")
# Fuzzy: 五十来字 (50–65), 一百多字 / 一百余字 (101–199), 十几个字 (11–19), 二十几 (21–29), 几十字 (20–90),
# 几百字 (200–900).
_FUZZY = re.compile(
    rf"{_NUM}(?:(?P<n>{NUMBER})\s*(?P<fz>来|多|余)|(?P<tens>{_DIGIT}?十)几|几(?P<place>十|百|千|万|亿))"
    rf"\s*{_UNIT}\s*(?:左右|上下)?"
)
_SINGLE = re.compile(rf"{_PREFIX}\s*{_NUM}(?P<n>{NUMBER})\s*{_UNIT}\s*{_SUFFIX}")
_PER = re.compile(rf"每(?P<per>段|句|行|联)(?:话)?\s*(?:各|都|均)?\s*(?P<body>.{{0,6}}?{NUMBER}\s*(?:个)?(?:汉字|字)(?:以内|之内|以下|以上|左右|上下|内)?)")

# Durations of a spoken text: 三分钟, 半分钟, 一分半钟, 1分30秒, 两三分钟, 3到5分钟, 30秒.
_MIN_NUM = rf"(?:{NUMBER})"
_DURATION = re.compile(
    rf"{_PREFIX}\s*{_NUM}(?:"
    rf"(?P<a>{_MIN_NUM})\s*(?:{_DASH})\s*(?P<b>{_MIN_NUM})\s*个?\s*分钟"
    rf"|(?P<aa>{_DIGIT})(?P<bb>{_DIGIT})\s*个?\s*分钟"
    rf"|(?P<m>{_MIN_NUM})\s*个?\s*分\s*(?:(?P<half>半)|(?P<sec>{_MIN_NUM})\s*秒)钟?"
    rf"|(?P<m2>{_MIN_NUM})\s*个?\s*(?P<half2>半)?\s*分钟"
    rf"|(?P<halfmin>半)\s*分钟"
    rf"|(?P<s>{_MIN_NUM})\s*秒钟?(?!杀|懂|回|变))"
    rf"\s*{_SUFFIX}"
)
SPEECH_RATE = (200, 250)  # 字 a minute, slow and brisk speech

_COUPLET = re.compile(rf"(?:(?<![\d{CN_NUM_CHARS}])(?P<n>{NUMBER})\s*(?:言|个?字)\s*的?\s*)?(?P<what>春联|对联)(?!欢)")  # not 新春联欢会
_COUPLET_PER_LINE = re.compile(rf"(?:上下联|上联和下联|上联下联|上下两联|每边)\s*各?\s*(?:为|是)?\s*(?P<n>{NUMBER})\s*(?:个)?(?:汉?字|言)")
_VERSE = re.compile(r"(?:(?P<n>五|七|5|7)\s*言\s*的?\s*)?(?P<what>绝句|律诗|藏头诗)|(?P<n2>五|七)(?P<short>绝|律)(?![对师])")
_VERSE_YAN = re.compile(r"(?P<n>五|七|5|7)\s*言|每[句行]话?\s*各?\s*(?P<n3>五|七|5|7)\s*个?字")
_LOVE_LETTER = re.compile(r"三行情书")

_UNIT_OF = {"汉字": "han", "字": "char", "句话": "sentence", "句": "sentence",
            "段话": "paragraph", "段落": "paragraph", "段": "paragraph", "行": "line"}
_PER_OF = {"段": "paragraph", "句": "sentence", "行": "line", "联": "line"}


# --- turning one matched phrase into a constraint -------------------------------------------------

def _about(n: int) -> tuple[int, int]:
    return math.ceil(0.9 * n), math.floor(1.1 * n)


def _bounds(kind_words: str | None, suffix: str | None, n: int) -> tuple[str, int | None, int | None]:
    """(kind, lo, hi) for a single number with its qualifier words, suffix wins over prefix."""
    if suffix in ("以内", "之内", "以下", "内"):
        return "max", None, n
    if suffix == "以上":
        return "min", n, None
    if suffix in ("左右", "上下"):
        return ("about", *_about(n))
    pre = kind_words or ""
    for words, kind, lo, hi in (
        (_STRICT_MAX_WORDS, "max", None, n - 1),
        (_MAX_WORDS, "max", None, n),
        (_MIN_WORDS, "min", n, None),
        (_STRICT_MIN_WORDS, "min", n + 1, None),
        (_ABOUT_WORDS, "about", *_about(n)),
        (_EXACT_WORDS, "exact", n, n),
    ):
        if pre and pre in words.split("|"):
            return kind, lo, hi
    return "", None, None  # bare number: the caller decides by unit and size


def _single(m: re.Match, counted: bool = False) -> Constraint:
    """One number with its unit; ``counted``: the number followed 字数 ("字数：20" is about, not exactly 20 Han)."""
    n = parse_number(m["n"])
    unit = _UNIT_OF[m["unit"]]
    kind, lo, hi = _bounds(m["pre"], m["suf"], n)
    if kind == "exact" and unit == "char" and n <= 20:
        unit = "han"  # "正好八个字" is eight Han, as a bare "八个字" is
    if kind:
        return Constraint(kind, unit, lo, hi, n)
    if unit in ("char", "han"):
        if n > 20 or counted:  # "写一篇300字的作文": about
            return Constraint("about", unit, *_about(n), n)
        return Constraint("exact", "han", n, n, n)  # "用八个字", "四字祝福": exactly N Han
    return Constraint("exact", unit, n, n, n)  # 三句话, 分三段


def _range(m: re.Match) -> Constraint:
    a, b = parse_number(m["a"]), parse_number(m["b"])
    if a > b:
        raise LengthSpecError(f"范围“{m.group(0)}”的下限大于上限（{a} > {b}）")
    return Constraint("range", _UNIT_OF[m["unit"]], a, b, None)


def _approx(m: re.Match) -> Constraint | None:
    a, b = parse_number(m["a"]), parse_number(m["b"])
    if not a < b <= a + 2:  # 二三 and 三五 are spoken ranges; "九二" is not
        return None
    mult = parse_number(m["mult"]) if m["mult"] else 1
    head = parse_number(m["head"]) if m["head"] else 0
    return Constraint("range", _UNIT_OF[m["unit"]], head + a * mult, head + b * mult, None)


def _fuzzy(m: re.Match) -> Constraint:
    """N来 → [N, 1.3N]; N多 / N余 → [N+1, N+10^k−1] (10^k the place of N's last non-zero digit); 十几, 几十…"""
    unit = _UNIT_OF[m["unit"]]
    if m["n"]:
        n = parse_number(m["n"])
        if n < 1:  # "0多字": no place to be more than (and no length)
            raise LengthSpecError(f"“{m.group(0).strip()}”不是一个长度：数字须至少为 1")
        if m["fz"] == "来":
            return Constraint("range", unit, n, math.floor(1.3 * n), None)
        place = _last_place(n)
        return Constraint("range", unit, n + 1, n + place - 1 if place > 1 else n + 9, None)
    if m["tens"]:
        base = parse_number(m["tens"])
        return Constraint("range", unit, base + 1, base + 9, None)
    place = parse_number(m["place"])
    return Constraint("range", unit, 2 * place, 9 * place, None)


def _last_place(n: int) -> int:
    """10^k, the place of the last non-zero digit of n ≥ 1: 1500 → 100, 7 → 1.

    >>> [_last_place(n) for n in (7, 10, 1500, 10000)]
    [1, 10, 100, 10000]
    """
    digits = str(n)
    return 10 ** (len(digits) - len(digits.rstrip("0")))


def _per_piece(m: re.Match, poem: bool = False) -> Constraint | None:
    inner = _SINGLE.search(m["body"])
    if inner is None:
        return None
    c = _single(inner)
    per = "line" if poem and m["per"] == "句" else _PER_OF[m["per"]]  # a poem's 句 is its line
    return Constraint(c.kind, c.unit, c.lo, c.hi, c.target, per=per)


def _round(x: float) -> int:
    return math.floor(x + 0.5)  # half up: 15秒 → 62.5 → 63


def _minutes(m: re.Match) -> tuple[float, float]:
    """The (shortest, longest) minutes a duration phrase names."""
    if m["a"]:
        return parse_number(m["a"]), parse_number(m["b"])
    if m["aa"]:
        return parse_number(m["aa"]), parse_number(m["bb"])
    if m["m"]:
        t = parse_number(m["m"]) + (0.5 if m["half"] else parse_number(m["sec"]) / 60)
    elif m["m2"]:
        t = parse_number(m["m2"]) + (0.5 if m["half2"] else 0)
    elif m["halfmin"]:
        t = 0.5
    else:
        t = parse_number(m["s"]) / 60
    return t, t


def _duration(m: re.Match) -> Constraint | None:
    """A spoken text's duration at 200–250 字 a minute; a qualifier keeps only its side of the range."""
    lo_min, hi_min = _minutes(m)
    if lo_min > hi_min:
        raise LengthSpecError(f"范围“{m.group(0)}”的下限大于上限")
    lo, hi = _round(SPEECH_RATE[0] * lo_min), _round(SPEECH_RATE[1] * hi_min)
    kind, _, _ = _bounds(m["pre"], m["suf"], 1)
    if kind == "max":
        return Constraint("max", "char", None, hi, hi)
    if kind == "min":
        return Constraint("min", "char", lo, None, lo)
    return Constraint("range", "char", lo, hi, None)


def _poem(text: str, taken: Taken) -> list[tuple[tuple[int, int], Constraint]]:
    """Couplet, verse and 三行情书 constraints with the span each was read from."""
    verse = _VERSE.search(text)
    found = [] if verse else _couplet(text, taken)
    if verse:
        m = verse
        n_lines = 8 if (m["what"] or m["short"]) in ("律诗", "律") else 4  # 藏头诗 is a 绝句 unless stated
        taken.add(m.span())
        found.append((m.span(), Constraint("verse", "line", n_lines, n_lines, n_lines)))
        yan = m if (m["n"] or m["n2"]) else _VERSE_YAN.search(text)
        if yan:
            n = parse_number(yan["n"] or yan["n2"]) if yan is m else parse_number(yan["n"] or yan["n3"])
            taken.add(yan.span())
            found.append((yan.span(), Constraint("verse", "han", n, n, n, per="line")))
        else:  # a 绝句 with no 言 given: either form is right
            found.append((m.span(), Constraint("verse", "han", 5, 7, None, per="line")))
    elif not found and (m := _VERSE_YAN.search(text)) and m["n"]:  # "一首七言诗": the line length alone
        n = parse_number(m["n"])
        taken.add(m.span())
        found.append((m.span(), Constraint("verse", "han", n, n, n, per="line")))
    if (m := _LOVE_LETTER.search(text)) and not found:
        taken.add(m.span())
        found.append((m.span(), Constraint("exact", "line", 3, 3, 3)))
    return found


def _couplet(text: str, taken: Taken) -> list[tuple[tuple[int, int], Constraint]]:
    """The couplet asked for (one per request): the first 春联 / 对联 that is not the topic of another text."""
    per_line, other_text = _COUPLET_PER_LINE.search(text), None
    for m in _COUPLET.finditer(text):
        if other_text is None:  # searched once, not once per 春联: a request may name hundreds
            other_text = _OTHER_TEXT.search(text) is not None
        if _is_topic(text, m, shaped=per_line is not None, other_text=other_text):
            continue
        n = parse_number(per_line["n"]) if per_line else parse_number(m["n"]) if m["n"] else 7
        for x in (m, per_line):
            if x is not None:
                taken.add(x.span())
        return [(m.span(), Constraint("couplet", "line", 2, 2, 2)),
                ((per_line or m).span(), Constraint("couplet", "han", n, n, n, per="line"))]
    return []


_OTHER_TEXT = re.compile(r"(?<!\d)\d{2,}\s*个?字|[十百千]\s*个?字|句话|作文|短文|散文|文章|朋友圈|文案|短信|祝福语|口播|分钟|秒")


def _is_topic(text: str, m: re.Match, *, shaped: bool, other_text: bool) -> bool:
    """春联 as the subject of another text ("作文《贴春联》", "写爷爷贴春联的200字短文"), not a couplet to write;
    ``shaped``: the request gives the lines' length; ``other_text``: it names another kind of text."""
    if text.rfind("《", 0, m.start()) > text.rfind("》", 0, m.start()):
        return True  # inside a title
    shaped = shaped or bool(m["n"]) or "副" in text[max(0, m.start() - 3):m.start()]
    return not shaped and other_text


Found = tuple[tuple[int, int], Constraint]
_PHRASE_END = re.compile("[，。；！？、,;!?：:（(]")


def _spoken_length(text: str, m: re.Match) -> bool:
    """The duration measures the text to be spoken: it ends the clause, or the clause goes on to name the
    speech ("两分钟的主持词", "2分钟拜年视频的旁白"); "表演三十秒复原魔方" is the time of something else."""
    after = _PHRASE_END.split(text[m.end():m.end() + 12])[0]
    return not after.strip() or after.startswith("的") or bool(SPEECH.search(after))


def _phrases(text: str, taken: Taken, counted: set[int],
             poem: bool) -> tuple[list[Found], list[tuple[tuple[int, int], str]]]:
    """Every length phrase outside ``taken``, longest kinds first, and the durations left unread."""
    found: list[Found] = []
    unread: list[tuple[tuple[int, int], str]] = []
    builders = ((_PER, lambda m: _per_piece(m, poem)), (_DURATION, _duration), (_RANGE, _range),
                (_APPROX, _approx), (_FUZZY, _fuzzy), (_SINGLE, lambda m: _single(m, m.end("unit") - 1 in counted)))
    speech = SPEECH.search(text) is not None  # once, not once per duration
    for pattern, build in builders:
        for m in pattern.finditer(text):
            if taken.overlaps(m.span()):
                continue
            if pattern is _DURATION and not (speech and _spoken_length(text, m)):
                unread.append((m.span(), "a duration, but not of the text to be spoken"))
                taken.add(m.span())
                continue
            if (c := build(m)) is None:
                continue
            taken.add(m.span())
            if c.unit == "line" and poem:
                continue  # "四行" restating a poem's shape
            found.append((m.span(), c, pattern is _DURATION))
    return _durations_give_way(found, unread)


def _durations_give_way(found, unread):
    """A length in 字 beside a duration is the length ("大约700字，讲三分钟"): the duration is only a hint."""
    in_chars = any(not dur and c.unit in ("char", "han") and c.per is None for _, c, dur in found)
    if in_chars:
        unread += [(span, "a duration beside a length in 字; the 字 count is the length")
                   for span, _, dur in found if dur]
    return [(span, c) for span, c, dur in found if not (dur and in_chars)], unread


def _rewritten(text: str, found: list[Found], ignored: list) -> list[Found]:
    """"把这段20个字的祝福扩写成150字": after a rewriting verb that a length follows, lengths before the verb
    measure the source text and are left out."""
    verb = rewrite_verb(text)
    if verb is None or not any(verb[1] <= span[0] <= verb[1] + 3 for span, _ in found):
        return found
    ignored += [(span, "the source text's length, not the answer's") for span, _ in found if span[0] < verb[0]]
    return [f for f in found if f[0][0] >= verb[0]]


# A task on a source text quoted after a colon, and the requirement block that follows the source.
_SOURCE_TASK = re.compile(r"(?:扩写|续写|改写|扩充|缩写|仿写|润色|改编)[^：:\n]{0,12}[：:\n]")
_REQUIREMENT = re.compile(r"要求|字数|(?:扩写|续写|改写|扩充|缩写|仿写|润色|改编)(?:后|的)")


def _in_source(text: str, found: list[Found], ignored: list) -> list[Found]:
    """"扩写下面这段话：…写了3段日记…。要求：扩写后不超过128字": lengths inside the quoted source text (after the
    task's colon, before the requirement block that follows it) measure the source and are left out."""
    task = _SOURCE_TASK.search(text)
    if task is None:
        return found
    blocks = [m.start() for m in _REQUIREMENT.finditer(text, task.end())]
    start = blocks[-1] if blocks else None
    if start is None or not any(span[0] >= start for span, _ in found):
        return found
    inside = [f for f in found if task.end() <= f[0][0] < start]
    ignored += [(span, "inside the source text, not the answer's length") for span, _ in inside]
    return [f for f in found if f not in inside]


def parse(text: str) -> Spec:
    """All length constraints in a request; raises LengthSpecError if they cannot all hold.

    >>> parse("给领导写不超过80字的拜年短信").constraints
    [Constraint(kind='max', unit='char', lo=None, hi=80, target=80, per=None)]
    >>> spec = parse("把这段20个字的祝福扩写成150字左右")
    >>> [c.kind for c in spec.constraints], spec.ignored
    (['about'], [('20个字', "the source text's length, not the answer's")])
    """
    norm = normalize(text)
    masked, ignored = mask_set_words(norm.text)
    taken = Taken(len(masked))
    poem = _poem(masked, taken)
    found, unread = _phrases(masked, taken, norm.counted, bool(poem))
    ignored += unread
    found.sort(key=lambda f: f[0][0])
    found = poem + _rewritten(masked, _in_source(masked, _drop_measure_word_paragraph(found), ignored), ignored)
    for span, _ in ignored:
        taken.add(span)
    ignored += ignored_numbers(masked, taken)
    ignored = sorted(ignored, key=lambda x: x[0][0])[:MAX_IGNORED]
    constraints = [c for _, c in found]
    check(constraints)
    origins = [(text[a:b].strip(), a, b) for (a, b) in (norm.span(s) for s, _ in found)]
    words = list(dict.fromkeys(w for w, _, _ in origins))
    return Spec(constraints, " ".join(words), origins,
                [(text[slice(*norm.span(span))].strip(), why) for span, why in ignored])


LONG_TEXT = 150  # 字: "写一段两分钟的主持词" (400+ 字) means "a piece of", not one paragraph


def _drop_measure_word_paragraph(found: list[Found]) -> list[Found]:
    """"分三段写一段寄语", "写一段两分钟的主持词": the 一段 is the measure word "a piece of", not a paragraph
    count, when another paragraph count stands beside it or the text is longer than one paragraph."""
    counts = [c for _, c in found if c.unit == "paragraph" and c.per is None]
    long_text = any(c.unit == "char" and c.per is None and (c.lo or 0) > LONG_TEXT for _, c in found)
    if len(counts) < 2 and not long_text:
        return found
    return [f for f in found if not (f[1].unit == "paragraph" and f[1].per is None and f[1].target == 1)]


def check(constraints: list[Constraint]) -> None:
    """Raise LengthSpecError for an impossible bound, two that contradict each other, or too many."""
    if len(constraints) > MAX_CONSTRAINTS:
        raise LengthSpecError(f"长度要求太多：读到 {len(constraints)} 条，一次最多 {MAX_CONSTRAINTS} 条")
    for c in constraints:
        if c.hi is not None and c.hi < 1:
            raise LengthSpecError(f"长度要求不可能满足：上限是 {c.hi}{_unit_word(c.unit)}")
        if c.target is not None and c.target < 1:  # "至少0字": nothing to aim at (and nothing to score against)
            raise LengthSpecError(f"长度要求须至少为 1{_unit_word(c.unit)}，读到的是 {c.target}")
        # Every sentence, paragraph or line holds at least one 字, so no count of them can pass MAX_LENGTH either.
        if max(c.lo or 0, c.hi or 0) > MAX_LENGTH:
            raise LengthSpecError(f"长度要求超出范围：读到 {_range_words(c)}，最多支持 {MAX_LENGTH} 字")
    merged: dict[tuple[str, str | None], tuple[int, float]] = {}
    for c in constraints:
        lo0, hi0 = merged.get((c.unit, c.per), (0, math.inf))
        lo, hi = max(lo0, c.lo or 0), min(hi0, c.hi if c.hi is not None else math.inf)
        if lo > hi:
            raise LengthSpecError(f"长度要求互相矛盾：至少 {lo} 又至多 {hi:g}{_unit_word(c.unit)}")
        merged[(c.unit, c.per)] = (lo, hi)
    han_lo, han_hi = merged.get(("han", None), (0, math.inf))
    char_lo, char_hi = merged.get(("char", None), (0, math.inf))
    if han_lo > char_hi:
        raise LengthSpecError(f"长度要求互相矛盾：至少 {han_lo} 个汉字，但总字数至多 {char_hi:g}")
    if han_hi < 0.5 * char_lo:  # "用四个字写80字左右": 4 Han cannot make 72 字 of real text
        raise LengthSpecError(f"长度要求互相矛盾：只有 {han_hi:g} 个汉字，但总字数至少 {char_lo}")


def _range_words(c: Constraint) -> str:
    """A constraint's bounds in words: "10001–19999句", "至少 6000字"."""
    unit = _unit_word(c.unit)
    if c.lo is not None and c.hi is not None:
        return f"{c.lo}{unit}" if c.lo == c.hi else f"{c.lo}–{c.hi}{unit}"
    return f"至少 {c.lo}{unit}" if c.lo is not None else f"至多 {c.hi}{unit}"


def _unit_word(unit: str) -> str:
    return {"char": "字", "han": "个汉字", "sentence": "句", "paragraph": "段", "line": "行"}[unit]
