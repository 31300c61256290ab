"""Every row of the contract's wording table (../shared/LENGTH_RULES.md §2), as (request, expected) cases.

Expected: a list of (kind, unit, lo, hi, target[, per]) tuples, in the order the constraints appear.
"""
from __future__ import annotations

import pytest

from hesui.length import LengthSpecError, parse

CASES = [
    # --- max: N字以内 / 之内 / 以下 / 不超过 / 不多于 / 最多 / 至多 / 控制在N字内 / 别超过
    ("50字以内的拜年语", [("max", "char", None, 50, 50)]),
    ("写一段100字之内的祝福", [("exact", "paragraph", 1, 1, 1), ("max", "char", None, 100, 100)]),  # 一段: one
    ("80字以下", [("max", "char", None, 80, 80)]),
    ("不超过80字的领导短信", [("max", "char", None, 80, 80)]),
    ("不多于60字", [("max", "char", None, 60, 60)]),
    ("最多40字", [("max", "char", None, 40, 40)]),
    ("至多30字", [("max", "char", None, 30, 30)]),
    ("控制在200字内", [("max", "char", None, 200, 200)]),
    ("控制在200字以内", [("max", "char", None, 200, 200)]),
    ("别超过70字", [("max", "char", None, 70, 70)]),
    ("不要超过90个字", [("max", "char", None, 90, 90)]),
    ("字数不超过120", [("max", "char", None, 120, 120)]),
    ("五十字以内", [("max", "char", None, 50, 50)]),
    ("一百五十字以内", [("max", "char", None, 150, 150)]),
    ("两百字以内", [("max", "char", None, 200, 200)]),
    ("二百五十字以内", [("max", "char", None, 250, 250)]),
    ("二百五字以内", [("max", "char", None, 250, 250)]),
    ("1千字以内", [("max", "char", None, 1000, 1000)]),
    ("三十个字以内", [("max", "char", None, 30, 30)]),
    ("百字以内", [("max", "char", None, 100, 100)]),
    ("１００字以内", [("max", "char", None, 100, 100)]),  # full-width digits
    ("不超过 50 字", [("max", "char", None, 50, 50)]),  # spaces
    # --- strict max: 少于 / 不到 / 低于 N字 → hi = N − 1
    ("少于30字", [("max", "char", None, 29, 30)]),
    ("不到50字", [("max", "char", None, 49, 50)]),
    ("低于100字", [("max", "char", None, 99, 100)]),
    ("少于五十个字", [("max", "char", None, 49, 50)]),
    ("不足20字", [("max", "char", None, 19, 20)]),
    # --- min: N字以上 / 不少于 / 至少 / 最少 / 不低于 / 起码
    ("300字以上的作文", [("min", "char", 300, None, 300)]),
    ("不少于400字", [("min", "char", 400, None, 400)]),
    ("至少100字", [("min", "char", 100, None, 100)]),
    ("最少50字", [("min", "char", 50, None, 50)]),
    ("不低于600字", [("min", "char", 600, None, 600)]),
    ("起码200字", [("min", "char", 200, None, 200)]),
    ("六百字以上", [("min", "char", 600, None, 600)]),
    ("不少于两百个字", [("min", "char", 200, None, 200)]),
    # --- strict min: 超过 / 多于 / 大于 N字 → lo = N + 1
    ("超过100字", [("min", "char", 101, None, 100)]),
    ("多于80字", [("min", "char", 81, None, 80)]),
    ("大于50字", [("min", "char", 51, None, 50)]),
    ("超过三百字", [("min", "char", 301, None, 300)]),
    # --- about: 左右 / 上下 / 约 / 大约 / 大概 / 差不多 → [ceil(0.9N), floor(1.1N)]
    ("300字左右的过年作文", [("about", "char", 270, 330, 300)]),
    ("100字上下", [("about", "char", 90, 110, 100)]),
    ("约50字", [("about", "char", 45, 55, 50)]),
    ("大约80字", [("about", "char", 72, 88, 80)]),
    ("大概200字", [("about", "char", 180, 220, 200)]),
    ("差不多150字", [("about", "char", 135, 165, 150)]),
    ("大约一百字", [("about", "char", 90, 110, 100)]),
    ("二百五十字左右", [("about", "char", 225, 275, 250)]),
    ("两百字左右", [("about", "char", 180, 220, 200)]),
    ("55字左右", [("about", "char", 50, 60, 55)]),  # ceil(49.5) = 50, floor(60.5) = 60
    ("15字左右", [("about", "char", 14, 16, 15)]),  # a qualifier keeps char even for N ≤ 20
    ("字数50左右", [("about", "char", 45, 55, 50)]),
    ("大约50字左右", [("about", "char", 45, 55, 50)]),
    # --- range: N到M / N-M / N~M / N至M / 在N和M字之间
    ("50到80字", [("range", "char", 50, 80, None)]),
    ("50-80字", [("range", "char", 50, 80, None)]),
    ("50~80字", [("range", "char", 50, 80, None)]),
    ("50～80字", [("range", "char", 50, 80, None)]),
    ("50至80字", [("range", "char", 50, 80, None)]),
    ("在100和200字之间", [("range", "char", 100, 200, None)]),
    ("100字到200字", [("range", "char", 100, 200, None)]),
    ("一百到两百字", [("range", "char", 100, 200, None)]),
    ("字数在200到300之间", [("range", "char", 200, 300, None)]),
    ("200—300字", [("range", "char", 200, 300, None)]),
    ("五十至八十个字", [("range", "char", 50, 80, None)]),
    ("两三百字", [("range", "char", 200, 300, None)]),  # spoken "two or three hundred"
    ("三四十个字", [("range", "char", 30, 40, None)]),
    ("分两三段", [("range", "paragraph", 2, 3, None)]),
    ("写三五句", [("range", "sentence", 3, 5, None)]),
    # --- bare N字 / N个字 with N > 20 → about
    ("写一篇300字的作文", [("about", "char", 270, 330, 300)]),
    ("辅导孩子写300字过年作文", [("about", "char", 270, 330, 300)]),
    ("写个50字的朋友圈", [("about", "char", 45, 55, 50)]),
    ("写一篇五百字的散文", [("about", "char", 450, 550, 500)]),
    ("21个字", [("about", "char", 19, 23, 21)]),  # the first N above 20
    ("1千字的发言稿", [("about", "char", 900, 1100, 1000)]),
    ("2千字", [("about", "char", 1800, 2200, 2000)]),
    # --- bare N字 / N个字 with N ≤ 20 → exact Han
    ("用八个字祝福老师", [("exact", "han", 8, 8, 8)]),
    ("四字祝福", [("exact", "han", 4, 4, 4)]),
    ("十个字的红包留言", [("exact", "han", 10, 10, 10)]),
    ("20字", [("exact", "han", 20, 20, 20)]),  # the boundary: 20 is still exact
    ("十六个字", [("exact", "han", 16, 16, 16)]),
    ("八字", [("exact", "han", 8, 8, 8)]),
    ("12个字的弹幕", [("exact", "han", 12, 12, 12)]),
    # --- N个汉字 with a qualifier → unit han
    ("50个汉字以内", [("max", "han", None, 50, 50)]),
    ("不少于100个汉字", [("min", "han", 100, None, 100)]),
    ("80个汉字左右", [("about", "han", 72, 88, 80)]),
    ("八个汉字", [("exact", "han", 8, 8, 8)]),
    ("30个汉字", [("about", "han", 27, 33, 30)]),
    ("少于20个汉字", [("max", "han", None, 19, 20)]),
    ("50到80个汉字", [("range", "han", 50, 80, None)]),
    # --- sentences: 一句话 / 三句话 / N句以内
    ("用一句话祝福同事", [("exact", "sentence", 1, 1, 1)]),
    ("三句话", [("exact", "sentence", 3, 3, 3)]),
    ("两句话的拜年语", [("exact", "sentence", 2, 2, 2)]),
    ("五句以内", [("max", "sentence", None, 5, 5)]),
    ("不超过三句话", [("max", "sentence", None, 3, 3)]),
    ("至少两句", [("min", "sentence", 2, None, 2)]),
    # --- paragraphs: 分N段 / N段
    ("分三段写", [("exact", "paragraph", 3, 3, 3)]),
    ("写两段", [("exact", "paragraph", 2, 2, 2)]),
    ("分4段", [("exact", "paragraph", 4, 4, 4)]),
    ("分三段写一段新年寄语", [("exact", "paragraph", 3, 3, 3)]),  # 一段 here is "a piece of"
    ("不超过三段", [("max", "paragraph", None, 3, 3)]),
    # --- couplets
    ("写一副春联", [("couplet", "line", 2, 2, 2), ("couplet", "han", 7, 7, 7, "line")]),
    ("写一副七言春联", [("couplet", "line", 2, 2, 2), ("couplet", "han", 7, 7, 7, "line")]),
    ("五言对联", [("couplet", "line", 2, 2, 2), ("couplet", "han", 5, 5, 5, "line")]),
    ("上下联各九个字的对联", [("couplet", "line", 2, 2, 2), ("couplet", "han", 9, 9, 9, "line")]),
    ("给面馆写一副对联，上下联各五个字，带横批", [("couplet", "line", 2, 2, 2), ("couplet", "han", 5, 5, 5, "line")]),
    ("七字春联", [("couplet", "line", 2, 2, 2), ("couplet", "han", 7, 7, 7, "line")]),
    ("帮我写对联", [("couplet", "line", 2, 2, 2), ("couplet", "han", 7, 7, 7, "line")]),
    ("写一副春联，不超过20字", [("couplet", "line", 2, 2, 2), ("couplet", "han", 7, 7, 7, "line"),
                               ("max", "char", None, 20, 20)]),  # 一副 marks a couplet to write
    ("写一篇200字左右的作文，题目是《贴春联》", [("about", "char", 180, 220, 200)]),  # a title, not a couplet
    ("写一篇作文，写爷爷贴春联，300字左右", [("about", "char", 270, 330, 300)]),  # the topic of an essay
    ("今年春联是我自己写的，发朋友圈，写三句话", [("exact", "sentence", 3, 3, 3)]),  # a caption about one
    ("写一首五言绝句，写爷爷写春联的场景", [("verse", "line", 4, 4, 4), ("verse", "han", 5, 5, 5, "line")]),
    # --- verse
    ("写一首五言绝句", [("verse", "line", 4, 4, 4), ("verse", "han", 5, 5, 5, "line")]),
    ("七言绝句", [("verse", "line", 4, 4, 4), ("verse", "han", 7, 7, 7, "line")]),
    ("一首七言律诗", [("verse", "line", 8, 8, 8), ("verse", "han", 7, 7, 7, "line")]),
    ("来首七绝", [("verse", "line", 4, 4, 4), ("verse", "han", 7, 7, 7, "line")]),  # the short names
    ("一首五律", [("verse", "line", 8, 8, 8), ("verse", "han", 5, 5, 5, "line")]),
    ("五言律诗", [("verse", "line", 8, 8, 8), ("verse", "han", 5, 5, 5, "line")]),
    ("写一首绝句", [("verse", "line", 4, 4, 4), ("verse", "han", 5, 7, None, "line")]),  # either form
    ("写一首七言诗", [("verse", "han", 7, 7, 7, "line")]),
    # --- numbers not bound to a length unit are ignored
    ("给50岁的妈妈写拜年语", []),
    ("2025年蛇年的祝福", []),
    ("我有3个孩子，帮我写拜年短信", []),
    ("龙年大吉", []),
    ("社区新春联欢会的串词，八十字左右", [("about", "char", 72, 88, 80)]),  # 春联 inside 新春联欢 is no couplet
    ("第一次带女朋友回家", []),
    ("第一段写家人", []),
    ("第三句要押韵", []),
    ("别把这四个字直接写出来", []),  # 这四个字 points at words, it is no length
    ("给领导写拜年短信", []),
    ("", []),
    ("2026年给50岁的老师写80字以内的祝福", [("max", "char", None, 80, 80)]),
    ("我家3个孩子，写300字左右的作文", [("about", "char", 270, 330, 300)]),
    ("九十岁的爷爷，写一百字左右", [("about", "char", 90, 110, 100)]),
    ("1月28日除夕，写50字以内", [("max", "char", None, 50, 50)]),
    ("3点下班，写不超过30字", [("max", "char", None, 30, 30)]),
    # --- several constraints together
    ("三段，每段不超过50字", [("exact", "paragraph", 3, 3, 3), ("max", "char", None, 50, 50, "paragraph")]),
    ("用一句话，不超过30字", [("exact", "sentence", 1, 1, 1), ("max", "char", None, 30, 30)]),
    ("分两段写，共200字左右", [("exact", "paragraph", 2, 2, 2), ("about", "char", 180, 220, 200)]),
    ("不少于50字且不超过80字", [("min", "char", 50, None, 50), ("max", "char", None, 80, 80)]),
    ("至少100字，最多150字", [("min", "char", 100, None, 100), ("max", "char", None, 150, 150)]),
    ("写两句话，50字以内", [("exact", "sentence", 2, 2, 2), ("max", "char", None, 50, 50)]),
    ("分三段，每段30字左右", [("exact", "paragraph", 3, 3, 3), ("about", "char", 27, 33, 30, "paragraph")]),
    ("八个字，不超过三句", [("exact", "han", 8, 8, 8), ("max", "sentence", None, 3, 3)]),
    ("每段不少于100字，分两段", [("min", "char", 100, None, 100, "paragraph"), ("exact", "paragraph", 2, 2, 2)]),
    ("50个汉字以内，不超过60字", [("max", "han", None, 50, 50), ("max", "char", None, 60, 60)]),
    # --- modal forms, as benchmarks and forms write them (issue 18): the qualifier decides, a link word may follow
    ("你扩充的字数必须至多有 128字", [("max", "char", None, 128, 128)]),
    ("至少有 128字", [("min", "char", 128, None, 128)]),
    ("最多有100字", [("max", "char", None, 100, 100)]),
    ("至少要写300字的作文", [("min", "char", 300, None, 300)]),
    ("字数至多为100字", [("max", "char", None, 100, 100)]),
    ("不得超过80字", [("max", "char", None, 80, 80)]),
    ("必须等于50字", [("exact", "char", 50, 50, 50)]),
    ("正好八个字", [("exact", "han", 8, 8, 8)]),  # ≤ 20: Han, as a bare "八个字"
    ("写300字作文", [("about", "char", 270, 330, 300)]),  # no qualifier: no link read
    # --- a requirement block after a quoted source text: numbers in the source are the source's
    ("扩写下面这段话：我们一家三口回老家，奶奶包了100个饺子，我写了3段日记。要求：扩写后的字数必须至多有 128字",
     [("max", "char", None, 128, 128)]),
    ("请续写：除夕夜，爷爷讲了三句话，又唱了两段戏。你续写的字数必须至少有 200字", [("min", "char", 200, None, 200)]),
]


def _expected(rows):
    out = []
    for r in rows:
        d = dict(zip(("kind", "unit", "lo", "hi", "target"), r[:5]))
        if len(r) > 5:
            d["per"] = r[5]
        out.append(d)
    return out


@pytest.mark.parametrize("text,expected", CASES, ids=[c[0] or "<empty>" for c in CASES])
def test_parse(text, expected):
    assert [c.to_dict() for c in parse(text).constraints] == _expected(expected)


ERRORS = [
    ("不少于100字且不超过50字", "矛盾"),  # min above max
    ("至少80字，最多60字", "矛盾"),
    ("0字", "不可能"),  # nothing to write
    ("零字以内", "不可能"),
    ("少于1字", "不可能"),  # strict max leaves 0
    ("写一篇六千字的文章", "超出"),  # over 5,000
    ("2万字", "超出"),
    ("不少于1万字", "超出"),
    ("300到200字", "下限大于上限"),  # reversed range
    ("不少于100个汉字，50字以内", "矛盾"),  # more Han than 字
    ("分三段，不超过两段", "矛盾"),
    ("三句话，最多两句", "矛盾"),
]


@pytest.mark.parametrize("text,fragment", ERRORS, ids=[e[0] for e in ERRORS])
def test_contradictory_or_impossible_is_an_error(text, fragment):
    with pytest.raises(LengthSpecError, match=fragment):
        parse(text)


def test_source_names_the_matched_words():
    spec = parse("给领导写不超过80字的拜年短信，分两段")
    assert spec.source == "不超过80字 两段"
    assert parse("给领导写拜年短信").to_dict() == {"constraints": []}
