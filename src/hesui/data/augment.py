"""Augmentations that teach length: relabelled requests, paraphrased requests, and the wording taxonomy.

Every generated request is parsed back with hesui.length and its response checked against it before it is
kept; build.py counts what is dropped and why.
"""
from __future__ import annotations

import math
import random
import re

from hesui.length import count, count_han, paragraphs, parse, sentences
from hesui.length.numerals import to_chinese
from hesui.length.words import to_simplified

# The rows of the contract's wording table (LENGTH_RULES.md §2), as stats and coverage targets name them.
WORDINGS = ("max", "strict_max", "min", "strict_min", "about", "range", "bare_about", "bare_exact",
            "han", "sentence", "paragraph", "couplet", "verse", "fuzzy", "duration", "traditional")
_ABOUT_WORDS = ("左右", "上下", "约", "大概", "差不多")
# Scenarios whose texts are spoken: their length may be asked for as a duration (LENGTH_RULES.md §2).
SPEECH_SCENARIOS = ("host_script", "annual_meeting", "short_video")
_FUZZY_WORDS = re.compile(r"[来多几]\s*个?(?:字|句|段|汉字)|[一二两三四五六七八九][二两三四五六七八九][十百千]?\s*个?(?:字|句|段)")
_DURATION_WORDS = re.compile(r"分钟|秒|分鐘")
TRADITIONAL_SHARE = 0.15  # of paraphrased requests written wholly in traditional script


def _style_rows(request: str, spec) -> list[str]:
    """The v2 rows a request's wording uses on top of its constraints: fuzzy numbers, durations, traditional."""
    words = to_simplified(" ".join(w for w, _, _ in spec.origins))
    rows = ["fuzzy"] * bool(_FUZZY_WORDS.search(words)) + ["duration"] * bool(_DURATION_WORDS.search(words))
    return rows + ["traditional"] * (to_traditional(request) == request != to_simplified(request))


def to_traditional(text: str) -> str:
    """The text in traditional script (zhconv's zh-tw table)."""
    import zhconv

    return zhconv.convert(text, "zh-tw")


def wording_rows(request: str) -> list[str]:
    """Which rows of the wording table a request uses.

    >>> wording_rows("给领导写不超过80字的短信"), wording_rows("少于30字，分两段")
    (['max'], ['strict_max', 'paragraph'])
    """
    spec = parse(request)
    rows = []
    for c in spec.constraints:
        if c.kind in ("couplet", "verse"):
            row = c.kind
        elif c.unit in ("sentence", "paragraph"):
            row = c.unit
        elif c.unit == "han" and c.kind != "exact":
            row = "han"
        elif c.kind == "max":
            row = "strict_max" if c.hi == c.target - 1 else "max"
        elif c.kind == "min":
            row = "strict_min" if c.lo == c.target + 1 else "min"
        elif c.kind == "about":
            row = "about" if any(w in spec.source for w in _ABOUT_WORDS) else "bare_about"
        elif c.kind == "exact":
            row = "bare_exact"
        else:
            row = c.kind
        if row not in rows:
            rows.append(row)
    return rows + [r for r in _style_rows(request, spec) if r not in rows]


# --- relabelling -------------------------------------------------------------------------------------

def _up(n: float, step: int) -> int:
    return int(math.ceil(n / step) * step)


def _down(n: float, step: int) -> int:
    return max(step, int(math.floor(n / step) * step))


def _step(n: int) -> int:
    """The roundness a person uses: 5 for short texts, 10 up to 300, 50 beyond."""
    return 5 if n < 40 else 10 if n <= 300 else 50


def _num(n: int, rng: random.Random) -> str:
    return to_chinese(n) if rng.random() < 0.3 else str(n)


def relabel_wordings(response: str, rng: random.Random, scenario: str | None = None) -> list[str]:
    """Length phrases in every wording whose bounds ``response`` meets, with numbers a person would write: the
    exact wordings, fuzzy ones (五十来字, 一百多字, 七八十字), a duration for a spoken scenario's text, and one
    wording in traditional script."""
    out = _exact_wordings(response, rng) + fuzzy_wordings(response, rng)
    if scenario in SPEECH_SCENARIOS:
        out += duration_wordings(response, rng)
    out = [w for w in out if _meets(response, w)]
    if out:
        out.append(to_traditional(rng.choice(out)))
    return [w for w in out if _meets(response, w)]


def fuzzy_wordings(response: str, rng: random.Random) -> list[str]:
    """N来 / N多 / 几十 / 十几 / neighbouring numerals (七八十, 两三百, 两三句) that hold the response's count."""
    n, out = count(response), []
    base = n // 10 * 10
    if base >= 10 and n <= math.floor(1.3 * base):
        out.append(rng.choice(["{}来字", "{}来个字"]).format(_num(base, rng)))
    for place in (100, 10):
        lead = n // place * place
        if lead >= place and lead < n < lead + place:
            out.append(rng.choice(["{}多字", "{}多个字"]).format(_num(lead, rng)))
            break
    if 10 < n < 100 and n % 10:
        tens = n // 10
        out.append((to_chinese(tens * 10) if tens > 1 else "十") + rng.choice(["几个字", "几字"]))
    for place in (10, 100):
        a = n // place
        if 1 <= a <= 8 and a * place <= n <= (a + 1) * place:
            out.append(f"{'两' if a == 2 else _CN[a]}{_CN[a + 1]}{'十' if place == 10 else '百'}字")
    n_sent = len(sentences(response))
    if 2 <= n_sent <= 4 and len(paragraphs(response)) == 1:
        out.append(f"{'两' if n_sent - 1 == 2 else _CN[n_sent - 1]}{_CN[n_sent]}句话")
    return out


_CN = "零一二三四五六七八九"


_SECONDS = tuple(range(15, 61, 5)) + (75, 90, 120, 150, 180, 210, 240, 270, 300, 360)
_HALVES = {30: "半分钟", 90: "一分半钟", 150: "两分半钟", 210: "三分半钟", 270: "四分半钟"}


def _duration_words(seconds: int) -> str:
    if seconds in _HALVES:
        return _HALVES[seconds]
    if seconds % 60 == 0:
        return f"{to_chinese(seconds // 60).replace('二', '两')}分钟"
    return f"{seconds}秒" if seconds < 60 else f"{seconds // 60}分{seconds % 60}秒"


def duration_wordings(response: str, rng: random.Random) -> list[str]:
    """Speaking times whose 200–250 字 a minute holds the response (30秒, 半分钟, 两分钟, 一分半钟); two
    phrasings, so a spoken text's relabels carry a duration about as often as any other row."""
    n = count(response)
    fits = [s for s in _SECONDS if math.floor(200 * s / 60 + 0.5) <= n <= math.floor(250 * s / 60 + 0.5)]
    if not fits:
        return []
    words = _duration_words(rng.choice(fits))
    # a speech verb keeps the duration a length wherever the wording lands in the request
    return [t.format(words) for t in rng.sample(["讲{}左右", "大概讲{}", "念出来{}左右", "说{}左右"], k=2)]


def _exact_wordings(response: str, rng: random.Random) -> list[str]:
    """The v1 rows: max, strict max, min, strict min, range, Han, about, bare N字."""
    n, han = count(response), count_han(response)
    s = _step(n)
    out = [
        rng.choice(["{}字以内", "不超过{}字", "最多{}字", "{}字之内", "控制在{}字以内", "别超过{}字", "不多于{}字",
                    "{}字以下", "至多{}字"]).format(_num(_up(n, s), rng)),
        rng.choice(["少于{}字", "不到{}字", "低于{}字"]).format(_num(_up(n + 1, s), rng)),
        rng.choice(["不少于{}字", "至少{}字", "{}字以上", "最少{}字", "不低于{}字", "起码{}字"]).format(_num(_down(n, s), rng)),
        rng.choice(["超过{}字", "多于{}字"]).format(_num(_down(n - 1, s), rng)),
        f"{_down(0.88 * n, s)}到{_up(1.1 * n, s)}字" if rng.random() < 0.5 else f"{_down(0.88 * n, s)}-{_up(1.1 * n, s)}字",
        rng.choice(["{}个汉字以内", "不超过{}个汉字", "不少于{}个汉字"]).format(_up(han, 5)),
    ]
    about = _round_about(n)
    if about:
        out.append(rng.choice(["{}字左右", "大约{}字", "{}字上下", "约{}字", "大概{}字", "差不多{}字"]).format(_num(about, rng)))
        if about > 20:
            out.append(rng.choice(["写{}字", "{}个字"]).format(_num(about, rng)))
    if han <= 20 and n - han <= 3:
        out.append(rng.choice(["用{}个字", "{}个字"]).format(_num(han, rng)))
    return out


def _round_about(n: int) -> int | None:
    """The roundest number whose 左右 band holds n (10s, then 5s, then n itself)."""
    for step in (50, 10, 5, 1):
        cand = round(n / step) * step
        if cand > 0 and math.ceil(0.9 * cand) <= n <= math.floor(1.1 * cand):
            return cand
    return None


def _meets(response: str, wording: str) -> bool:
    from hesui.length import strict

    try:
        spec = parse(wording)
    except ValueError:
        return False
    return bool(spec.constraints) and strict(response, spec.constraints)


def shape_wordings(response: str) -> list[str]:
    """Sentence and paragraph phrasings the response already meets."""
    out = []
    n_sent, n_par = len(sentences(response)), len(paragraphs(response))
    if 1 <= n_sent <= 5 and n_par == 1:
        out.append(f"用{to_chinese(n_sent)}句话" if n_sent > 1 else "用一句话")
    if 2 <= n_par <= 5:
        out.append(f"分{to_chinese(n_par)}段")
    return out


# --- composing requests ------------------------------------------------------------------------------

def strip_length(request: str) -> str:
    """The request without its length words: "给领导写不超过80字的拜年短信" → "给领导写拜年短信"."""
    spec = parse(request)
    core = request.translate({0xFF10 + i: ord("0") + i for i in range(10)})
    for words in sorted(spec.source.split(), key=len, reverse=True):
        core = core.replace(words, "\0", 1)
    core = re.sub(r"(?<=[写发条段篇个句首份封])\0的", "", core)  # "写一篇\0的作文" → "写一篇作文"
    core = re.sub(r"字数\s*\0|\0", "", core)
    core = re.sub(r"[，,、；]\s*(?=[，。！？,]|$)", "", core)  # a comma left before another mark or the end
    core = re.sub(r"^[，,、；。\s]+", "", core)
    return core.strip()


_JOINS = ("{core}，{w}", "{core}，{w}。", "{core}（{w}）", "{core}，要求{w}", "{w}，{core}")


def compose(core: str, wording: str, rng: random.Random) -> str:
    return rng.choice(_JOINS).format(core=core.rstrip("。！？，"), w=wording)


_TONE_WORDS = {"formal": "语气正式些", "warm": "暖心一点", "humorous": "幽默一点", "literary": "文艺一点",
               "child": "用孩子的口吻", "casual": "随意一点"}
_PREFIXES = ("帮我", "麻烦帮我", "请", "能不能帮忙", "求助：", "急，", "")
# Swaps that keep who and what the same, so the response still fits.
_SYNONYMS = [("拜年短信", "新年短信"), ("春节", "过年"), ("微信", "消息"), ("大年三十", "除夕"), ("新春", "新年"),
             ("写一条", "来一条"), ("写一段", "写段"), ("写一篇", "来一篇"), ("朋友圈", "朋友圈动态")]


_POEM_NAMES = [("七言绝句", "七绝"), ("五言绝句", "五绝"), ("七言律诗", "七律"), ("五言律诗", "五律"),
               ("七言春联", "七字春联"), ("春联", "对联"), ("五言对联", "五字对联")]


def rename_poem(request: str) -> str | None:
    """A couplet or verse request with its form named another way ("七言绝句" → "七绝"), or None."""
    for a, b in _POEM_NAMES:
        if a in request:
            return request.replace(a, b, 1)
        if b in request:
            return request.replace(b, a, 1)
    return None


def paraphrase(request: str, tone: str, rng: random.Random) -> str:
    """The same request said another way: a prefix, synonyms, the tone made explicit."""
    out = request
    for a, b in rng.sample(_SYNONYMS, k=3):
        if a in out and rng.random() < 0.7:
            out = out.replace(a, b, 1)
        elif b in out and rng.random() < 0.7:
            out = out.replace(b, a, 1)
    prefix = rng.choice(_PREFIXES)
    if prefix and out.startswith(("写", "给", "来", "用")):  # "帮我" + "我是…" would not read
        out = prefix + out
    tone_words = _TONE_WORDS.get(tone)
    if tone_words and tone_words not in out and rng.random() < 0.5:
        out = out.rstrip("。") + "，" + tone_words
    if rng.random() < TRADITIONAL_SHARE:  # the same request as a reader in Taiwan or Hong Kong writes it
        out = to_traditional(out)
    return out
