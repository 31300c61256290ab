"""From the words of a request to length constraints (../shared/LENGTH_RULES.md, section 2).

``parse("给领导写不超过80字的拜年短信")`` → one ``max`` constraint on ``char`` with ``hi = 80``.
"""
from __future__ import annotations

import math
import re
from dataclasses import asdict, dataclass, field

from .numerals import CN_NUM_CHARS, NUMBER, parse_number

MAX_LENGTH = 5000  # 字; a longer request is out of scope for a greeting model


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

_MAX_WORDS = "不超过|不多于|不要超过|别超过|不得超过|不能超过|不可超过|最多|至多|控制在|限制在|限定在|限"
_STRICT_MAX_WORDS = "少于|不到|低于|不足"
_MIN_WORDS = "不少于|至少|最少|不低于|起码|不得少于|不能少于"
_STRICT_MIN_WORDS = "超过|多于|大于"
_ABOUT_WORDS = "大约|大概|差不多|约莫|约"
_PREFIX = f"(?P<pre>{_MAX_WORDS}|{_STRICT_MAX_WORDS}|{_MIN_WORDS}|{_STRICT_MIN_WORDS}|{_ABOUT_WORDS})?"
_SUFFIX = "(?P<suf>以内|之内|以下|以上|左右|上下|之间|内)?"
_UNIT = "(?P<ge>个)?(?P<unit>汉字|字|句话|句|段话|段落|段|行)"
_NUM = rf"(?<![第这那])(?<![\d.{CN_NUM_CHARS}])"  # not an ordinal, not "这四个字", not the tail of a number
_DASH = "到|至|-|~|～|—|－|–"

_RANGE = re.compile(
    rf"(?:在\s*)?{_NUM}(?P<a>{NUMBER})\s*(?:个?字|个?汉字)?\s*(?:{_DASH}|和|与)\s*(?P<b>{NUMBER})\s*{_UNIT}\s*{_SUFFIX}"
)
# Spoken approximations: 两三段 (2–3), 三四十字 (30–40), 两三百字 (200–300), 三五句 (3–5).
_APPROX = re.compile(rf"(?<![{CN_NUM_CHARS}])(?P<a>[一二两三四五六七八])(?P<b>[二三四五六七八九])(?P<mult>[十百千]?)\s*{_UNIT}")
_SINGLE = re.compile(rf"{_PREFIX}\s*{_NUM}(?P<n>{NUMBER})\s*{_UNIT}\s*{_SUFFIX}")
_PER = re.compile(rf"每(?P<per>段|句|行|联)(?:话)?\s*(?:各)?\s*(?P<body>.{{0,6}}?{NUMBER}\s*(?:个)?(?:汉字|字)(?:以内|之内|以下|以上|左右|上下|内)?)")

_COUPLET = re.compile(rf"(?:(?P<n>{NUMBER})\s*(?:言|个?字)\s*的?\s*)?(?P<what>春联|对联)(?!欢)")  # not 新春联欢会
_COUPLET_PER_LINE = re.compile(rf"(?:上下联|上联和下联|上联下联|上下两联|每边)\s*各?\s*(?:为|是)?\s*(?P<n>{NUMBER})\s*(?:个)?(?:汉?字|言)")
_VERSE = re.compile(r"(?:(?P<n>五|七|5|7)\s*言\s*的?\s*)?(?P<what>绝句|律诗)|(?P<n2>五|七)(?P<short>绝|律)(?![对师])")
_VERSE_YAN = re.compile(r"(?P<n>五|七|5|7)\s*言")

_UNIT_OF = {"汉字": "han", "字": "char", "句话": "sentence", "句": "sentence",
            "段话": "paragraph", "段落": "paragraph", "段": "paragraph", "行": "line"}
_PER_OF = {"段": "paragraph", "句": "line", "行": "line", "联": "line"}


def _normalize(text: str) -> str:
    """Full-width digits to ASCII; "字数在200到300之间" → "字数在200到300字之间" so the unit is explicit."""
    text = text.translate({0xFF10 + i: ord("0") + i for i in range(10)})
    return re.sub(
        rf"(字数[^\d{CN_NUM_CHARS}]{{0,6}}?{NUMBER}(?:\s*(?:{_DASH})\s*{NUMBER})?)(?!\s*个?(?:汉字|字|\d))",
        r"\1字",
        text,
    )


# --- turning one matched phrase into a constraint -------------------------------------------------

def _bounds(kind_words: str | None, suffix: str | None, n: int) -> tuple[str, int | None, int | None]:
    """(kind, lo, hi) for a single number with its qualifier words, suffix wins over prefix."""
    if suffix in ("以内", "之内", "以下", "内"):
        return "max", None, n
    if suffix == "以上":
        return "min", n, None
    if suffix in ("左右", "上下"):
        return "about", math.ceil(0.9 * n), math.floor(1.1 * n)
    pre = kind_words or ""
    for words, kind, lo, hi in (
        (_STRICT_MAX_WORDS, "max", None, n - 1),
        (_MAX_WORDS, "max", None, n),
        (_MIN_WORDS, "min", n, None),
        (_STRICT_MIN_WORDS, "min", n + 1, None),
        (_ABOUT_WORDS, "about", math.ceil(0.9 * n), math.floor(1.1 * n)),
    ):
        if pre and pre in words.split("|"):
            return kind, lo, hi
    return "", None, None  # bare number: the caller decides by unit and size


def _single(m: re.Match) -> Constraint:
    n = parse_number(m["n"])
    unit = _UNIT_OF[m["unit"]]
    kind, lo, hi = _bounds(m["pre"], m["suf"], n)
    if kind:
        return Constraint(kind, unit, lo, hi, n)
    if unit in ("char", "han"):
        if n > 20:  # "写一篇300字的作文": about
            return Constraint("about", unit, math.ceil(0.9 * n), math.floor(1.1 * n), n)
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
    return Constraint("range", _UNIT_OF[m["unit"]], a * mult, b * mult, None)


def _per_piece(m: re.Match) -> Constraint | None:
    inner = _SINGLE.search(m["body"])
    if inner is None:
        return None
    c = _single(inner)
    return Constraint(c.kind, c.unit, c.lo, c.hi, c.target, per=_PER_OF[m["per"]])


def _poem(text: str, taken: list[tuple[int, int]]) -> tuple[list[Constraint], list[str]]:
    """Couplet and verse constraints: a line count plus Han per line."""
    found: list[Constraint] = []
    words: list[str] = []
    verse = _VERSE.search(text)
    for m in _COUPLET.finditer(text):
        if verse or _is_topic(text, m):
            continue
        per_line = _COUPLET_PER_LINE.search(text)
        n = parse_number(per_line["n"]) if per_line else parse_number(m["n"]) if m["n"] else 7
        for span_match in (m, per_line):
            if span_match is not None:
                taken.append(span_match.span())
                words.append(span_match.group(0))
        found += [Constraint("couplet", "line", 2, 2, 2), Constraint("couplet", "han", n, n, n, per="line")]
        break  # one couplet per request
    for m in _VERSE.finditer(text):
        n_lines = 4 if (m["what"] or m["short"]) in ("绝句", "绝") else 8  # 七绝 / 五律 are the short names
        taken.append(m.span())
        words.append(m.group(0))
        found.append(Constraint("verse", "line", n_lines, n_lines, n_lines))
        if m["n"] or m["n2"]:
            n = parse_number(m["n"] or m["n2"])
            found.append(Constraint("verse", "han", n, n, n, per="line"))
        else:  # a 绝句 with no 言 given: either form is right
            found.append(Constraint("verse", "han", 5, 7, None, per="line"))
        break
    if not found:
        m = _VERSE_YAN.search(text)  # "一首七言诗": the line length alone
        if m:
            n = parse_number(m["n"])
            taken.append(m.span())
            words.append(m.group(0))
            found.append(Constraint("verse", "han", n, n, n, per="line"))
    return found, words


def _is_topic(text: str, m: re.Match) -> bool:
    """春联 as the subject of another text ("作文《贴春联》", "写爷爷贴春联的200字短文"), not a couplet to write."""
    if text.rfind("《", 0, m.start()) > text.rfind("》", 0, m.start()):
        return True  # inside a title
    shaped = m["n"] or "副" in text[max(0, m.start() - 3):m.start()] or _COUPLET_PER_LINE.search(text)
    other_text = r"\d{2,}\s*个?字|[十百千]\s*个?字|句话|作文|短文|散文|文章|朋友圈|文案|短信|祝福语"
    return not shaped and bool(re.search(other_text, text))


def _overlaps(span: tuple[int, int], taken: list[tuple[int, int]]) -> bool:
    return any(span[0] < b and a < span[1] for a, b in taken)


def parse(text: str) -> Spec:
    """All length constraints in a request; raises LengthSpecError if they cannot all hold.

    >>> parse("给领导写不超过80字的拜年短信").constraints
    [Constraint(kind='max', unit='char', lo=None, hi=80, target=80, per=None)]
    """
    text = _normalize(text)
    taken: list[tuple[int, int]] = []
    constraints, words = _poem(text, taken)
    is_poem = bool(constraints)
    found: list[tuple[int, Constraint, str]] = []  # (position, constraint, words), sorted below
    for pattern, build in ((_PER, _per_piece), (_RANGE, _range), (_APPROX, _approx), (_SINGLE, _single)):
        for m in pattern.finditer(text):
            if _overlaps(m.span(), taken) or (c := build(m)) is None:
                continue
            taken.append(m.span())
            if c.unit == "line" and is_poem:
                continue  # "四行" restating a poem's shape
            found.append((m.start(), c, m.group(0).strip()))
    found.sort(key=lambda f: f[0])
    found = _drop_measure_word_paragraph(found)
    constraints += [c for _, c, _ in found]
    words += [w for _, _, w in found]
    check(constraints)
    return Spec(constraints, " ".join(words))


def _drop_measure_word_paragraph(found: list[tuple[int, Constraint, str]]) -> list[tuple[int, Constraint, str]]:
    """"分三段写一段寄语": the 一段 is the measure word "a piece of", not a second paragraph count."""
    counts = [c for _, c, _ in found if c.unit == "paragraph" and c.per is None]
    if len(counts) < 2:
        return found
    return [f for f in found if not (f[1].unit == "paragraph" and f[1].per is None and f[1].target == 1)]


def check(constraints: list[Constraint]) -> None:
    """Raise LengthSpecError for an impossible bound or two that contradict each other."""
    for c in constraints:
        if c.hi is not None and c.hi < 1:
            raise LengthSpecError(f"长度要求不可能满足：上限是 {c.hi}{_unit_word(c.unit)}")
        if c.unit in ("char", "han") and max(c.lo or 0, c.hi or 0) > MAX_LENGTH:
            raise LengthSpecError(f"长度要求超出范围：最多支持 {MAX_LENGTH} 字")
    merged: dict[tuple[str, str | None], tuple[int, float]] = {}
    for c in constraints:
        lo0, hi0 = merged.get((c.unit, c.per), (0, math.inf))
        lo, hi = max(lo0, c.lo or 0), min(hi0, c.hi if c.hi is not None else math.inf)
        if lo > hi:
            raise LengthSpecError(f"长度要求互相矛盾：至少 {lo} 又至多 {hi:g}{_unit_word(c.unit)}")
        merged[(c.unit, c.per)] = (lo, hi)
    han_lo = merged.get(("han", None), (0, math.inf))[0]
    char_hi = merged.get(("char", None), (0, math.inf))[1]
    if han_lo > char_hi:
        raise LengthSpecError(f"长度要求互相矛盾：至少 {han_lo} 个汉字，但总字数至多 {char_hi:g}")


def _unit_word(unit: str) -> str:
    return {"char": "字", "han": "个汉字", "sentence": "句", "paragraph": "段", "line": "行"}[unit]
