"""Length contract v2 counting (../shared/LENGTH_RULES.md §1) and well-formedness (§3), hand-counted."""
from __future__ import annotations

import pytest

from hesui.length import count, ill_formed, parse, strict, verse_lines, well_formed

CHARS = [
    # (text, char, han) — what each row covers
    ("🇨🇳", 1, 0),  # a flag is two regional indicators, one grapheme
    ("🇨🇳🇭🇰", 2, 0),  # two flags
    ("1️⃣", 1, 0),  # a keycap: digit + VS16 + U+20E3, one emoji, not an ASCII run
    ("1️⃣2️⃣3️⃣", 3, 0),  # three keycaps
    ("👨‍👩‍👧‍👦", 1, 0),  # a ZWJ family of four
    ("👍🏽", 1, 0),  # a skin-toned hand
    ("❤️", 1, 0),  # a heart with a variation selector
    ("新\u200b年", 2, 2),  # zero-width space counts 0
    ("新\u200c年\u200d快", 3, 3),  # ZWNJ / ZWJ count 0
    ("\ufeff新年", 2, 2),  # an in-text BOM counts 0
    ("新\u2060年", 2, 2),  # word joiner counts 0
    ("Hap\u200bpy", 1, 0),  # an invisible character does not split an ASCII run
    ("〇", 1, 1),  # 〇 is Han
    ("二〇二六年", 5, 5),  # a year in Chinese digits
    ("𠀀𪜶", 2, 2),  # Ext. B Han
    ("\U00030000", 1, 1),  # Ext. G Han
    ("新年好🧧🧧", 5, 3),  # emoji next to Han
    ("a1️⃣b", 3, 0),  # a keycap splits two ASCII runs
    ("é新", 2, 1),  # an accented letter (e + combining acute) is one 字
    ("新\u3000年", 2, 2),  # an ideographic space counts 0
    ("Ｈａｐｐｙ", 5, 0),  # full-width letters are not ASCII: each counts
]


@pytest.mark.parametrize("text,char,han", CHARS, ids=[repr(c[0]) for c in CHARS])
def test_graphemes_and_invisibles(text, char, han):
    assert (count(text, "char"), count(text, "han")) == (char, han)


VERSE = [
    # (text, couplet?, expected lines) — layouts a person reads as the same poem or couplet
    ("上联：春风入户千家暖；下联：瑞雪迎门万象新；横批：福满人间", True,
     ["春风入户千家暖", "瑞雪迎门万象新"]),  # all on one row
    ("【上联】春风入户千家暖\n【下联】瑞雪迎门万象新\n【横批】福满人间", True,
     ["春风入户千家暖", "瑞雪迎门万象新"]),  # 【】 labels
    ("上联 春风入户千家暖\n下联 瑞雪迎门万象新\n横批 福满人间", True,
     ["春风入户千家暖", "瑞雪迎门万象新"]),  # a label followed by a space
    ("上联:春风入户千家暖 下联:瑞雪迎门万象新", True, ["春风入户千家暖", "瑞雪迎门万象新"]),  # half-width colons
    ("春回大地，千山添秀色；福满人间，万户庆丰年", True,
     ["春回大地，千山添秀色", "福满人间，万户庆丰年"]),  # ， inside a long line does not split it
    ("春风入户千家暖，瑞雪迎门万象新", True, ["春风入户千家暖", "瑞雪迎门万象新"]),  # one ， only: it splits
    ("春风入户千家暖。瑞雪迎门万象新。福满人间", True, ["春风入户千家暖", "瑞雪迎门万象新"]),  # 。 and an unlabelled 横批
    ("《迎春》\n爆竹声声响，梅花朵朵开。\n家家贴福字，户户笑颜开。", False,
     ["爆竹声声响", "梅花朵朵开", "家家贴福字", "户户笑颜开"]),  # a titled poem, two lines a row
    ("迎春\n爆竹声声响\n梅花朵朵开\n家家贴福字\n户户笑颜开", False,
     ["爆竹声声响", "梅花朵朵开", "家家贴福字", "户户笑颜开"]),  # an unmarked short first row is a title
    ("题目：迎春\n爆竹声声响，梅花朵朵开。家家贴福字，户户笑颜开。", False,
     ["爆竹声声响", "梅花朵朵开", "家家贴福字", "户户笑颜开"]),  # a labelled title, one row of four lines
    ("春风吹柳绿\n细雨润花红", False, ["春风吹柳绿", "细雨润花红"]),  # equal rows: no title
    ("爆竹声声响——梅花朵朵开", False, ["爆竹声声响", "梅花朵朵开"]),  # a dash splits verse lines
]


@pytest.mark.parametrize("text,couplet,expected", VERSE, ids=[v[0][:12] for v in VERSE])
def test_verse_and_couplet_layouts(text, couplet, expected):
    assert verse_lines(text, couplet=couplet) == expected


def test_couplet_layouts_pass_validation():
    cs = parse("写一副七言春联").constraints
    for text in ("上联：春风入户千家暖；下联：瑞雪迎门万象新；横批：福满人间",
                 "【上联】春风入户千家暖\n【下联】瑞雪迎门万象新\n【横批】福满人间"):
        assert strict(text, cs), text


SENTENCES = [
    # (request, text, passes) — per-sentence bounds count each sentence, not each line
    ("每句话不超过10个字", "新年快乐。万事如意。阖家幸福。", True),  # three sentences on one row
    ("每句话不超过10个字", "新年快乐，万事如意，阖家幸福，身体健康。", False),  # one sentence of 20 字
    ("每句不少于5个字", "祝你新年快乐！\n万事都如意。", True),  # each of two sentences ≥ 5
]


@pytest.mark.parametrize("request_text,text,passes", SENTENCES)
def test_per_sentence_bounds(request_text, text, passes):
    assert strict(text, parse(request_text).constraints) is passes


FORMED = [
    # (text, well-formed?) — §3: no filler passes
    ("新年好！愿你健康快乐，阖家幸福。", True),  # plain text
    ("新年快乐～！——", False),  # a run of 3 marks (—— is one)
    ("新年快乐！！！", False),  # three enders
    ("福", True),  # one Han
    ("福！", True),  # a single mark is always allowed
    ("新年好！愿你健康快乐，阖……", False),  # a cut word closed with ……
    ("祝你年年有……", False),  # a prefix of 年年有余, no word itself
    ("未完待续……", True),  # a whole word before ……
    ("十、九、八……新年快乐！", True),  # a countdown: …… is one mark, 4 of 12
    ("“福”、“禄”、“寿”，都给你！", True),  # quotes do not make a run
    ("新年好，", False),  # a dangling comma
    ("新年好——", False),  # a dangling dash
    ("！？。，", False),  # nothing but marks
    ("好，好，好，好。", False),  # marks are 4 of 8 字: over 40%
    ("新年好……", True),  # an ellipsis after a whole word
    ("", False),  # nothing
    ("新年好！！", True),  # two marks in a row are allowed
    ("新年好…………", True),  # two …… pairs: a run of 2 marks, allowed
    ("新年好………………", False),  # three …… pairs: a run of 3
]


@pytest.mark.parametrize("text,ok", FORMED, ids=[repr(f[0]) for f in FORMED])
def test_well_formed(text, ok):
    assert well_formed(text) is ok, ill_formed(text)


def test_strict_requires_well_formed():
    cs = parse("10字以内").constraints
    assert strict("新年好！", cs)
    assert not strict("新年快乐！！！", cs)  # 7 字 would pass the bound; the filler does not
    assert "run of 3" in ill_formed("新年快乐！！！")
