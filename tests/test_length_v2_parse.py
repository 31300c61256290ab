"""Length contract v2 (../shared/LENGTH_RULES.md §2): fuzzy numbers, durations, traditional script, numbers that
are not the answer's length, per-sentence bounds. Each row: (request, expected constraints) — see the comment.

Expected: (kind, unit, lo, hi[, per]) tuples in the order they stand; the written target is not compared.
"""
from __future__ import annotations

import pytest

from hesui.length import LengthSpecError, parse

CASES = [
    # --- fuzzy N来: [N, floor(1.3N)]
    ("二十来字的拜年话", [("range", "char", 20, 26)]),  # Chinese N来
    ("50来字", [("range", "char", 50, 65)]),  # Arabic N来
    ("百来字的朋友圈", [("range", "char", 100, 130)]),  # 百 alone is 100
    ("十来个字的红包留言", [("range", "char", 10, 13)]),  # N ≤ 20 still a char range, not exact Han
    ("三十来句", [("range", "sentence", 30, 39)]),  # sentences
    ("五十来个汉字", [("range", "han", 50, 65)]),  # 汉字 keeps unit han
    # --- fuzzy N多: [N+1, N+10^k−1]
    ("一百多字", [("range", "char", 101, 199)]),  # 100多 → 101–199
    ("100多字", [("range", "char", 101, 199)]),  # Arabic
    ("一千多字的征文", [("range", "char", 1001, 1999)]),  # thousands
    ("五十多字", [("range", "char", 51, 59)]),  # last non-zero digit in the tens
    ("1500多字", [("range", "char", 1501, 1599)]),  # the contract's own example
    ("十多个字", [("range", "char", 11, 19)]),  # 十多
    ("二十多字", [("range", "char", 21, 29)]),  # 二十多
    ("一百五十多字", [("range", "char", 151, 159)]),  # 150多 → tens place
    # --- fuzzy 十几 / 二十几 / 几十 / 几百
    ("十几个字", [("range", "char", 11, 19)]),  # 十几
    ("二十几个字", [("range", "char", 21, 29)]),  # 二十几
    ("几十字", [("range", "char", 20, 90)]),  # 几十 is 20–90, not exactly 10 Han
    ("几百字的感言", [("range", "char", 200, 900)]),  # 几百
    ("三十几个字", [("range", "char", 31, 39)]),  # 三十几
    ("十几句话", [("range", "sentence", 11, 19)]),  # fuzzy sentences
    # --- two neighbouring numerals
    ("七八十字", [("range", "char", 70, 80)]),  # 七八十
    ("两三百字", [("range", "char", 200, 300)]),  # 两三百
    ("一两句话", [("range", "sentence", 1, 2)]),  # 一两句
    ("三五句", [("range", "sentence", 3, 5)]),  # 三五 is a spoken range too
    ("两三段", [("range", "paragraph", 2, 3)]),  # paragraphs
    ("一两百字", [("range", "char", 100, 200)]),  # 一两百 (两 as the larger numeral)
    ("五六十个字", [("range", "char", 50, 60)]),  # 五六十
    ("十五六个字", [("range", "char", 15, 16)]),  # a tens head before the pair
    ("二十七八个字", [("range", "char", 27, 28)]),  # 二十 head
    ("三四百字左右", [("range", "char", 300, 400)]),  # 左右 after a spoken range adds nothing
    # --- durations of speech: 200–250 字 a minute
    ("写一篇两分钟的主持词", [("range", "char", 400, 500)]),  # N分钟
    ("三分钟的年会致辞", [("range", "char", 600, 750)]),  # the contract's example
    ("30秒的口播", [("range", "char", 100, 125)]),  # N秒
    ("15秒的短视频口播", [("range", "char", 50, 63)]),  # 62.5 rounds half up
    ("半分钟的拜年视频文案", [("range", "char", 100, 125)]),  # 半分钟
    ("一分半钟的发言稿", [("range", "char", 300, 375)]),  # 一分半钟
    ("1分30秒的旁白", [("range", "char", 300, 375)]),  # minutes and seconds
    ("两三分钟的演讲稿", [("range", "char", 400, 750)]),  # a spoken range of minutes
    ("3到5分钟的发言", [("range", "char", 600, 1250)]),  # a range of minutes
    ("不超过3分钟的发言稿", [("max", "char", None, 750)]),  # a max keeps the brisk end
    ("至少两分钟的演讲", [("min", "char", 400, None)]),  # a min keeps the slow end
    ("年会主持词，大概五分钟", [("range", "char", 1000, 1250)]),  # 大概 after the text's name
    ("写一分钟左右的祝酒词", [("range", "char", 200, 250)]),  # 左右
    ("写一段两分钟的主持词", [("range", "char", 400, 500)]),  # 一段 of a long text is "a piece of"
    ("写篇散文，5分钟能读完", []),  # not a spoken text: no length
    ("小宇表演三十秒复原魔方，帮我写主持词", []),  # a duration of something else
    ("大约700字的讲话，大概讲三分钟", [("about", "char", 630, 770)]),  # 字 wins over a duration
    # --- traditional script
    ("寫一段不超過80字的拜年簡訊", [("exact", "paragraph", 1, 1), ("max", "char", None, 80)]),  # 不超過
    ("五十字以內", [("max", "char", None, 50)]),  # 以內
    ("一百字之內", [("max", "char", None, 100)]),  # 之內
    ("不多於六十個字", [("max", "char", None, 60)]),  # 不多於, 個字
    ("至少兩百字", [("min", "char", 200, None)]),  # 兩
    ("三百字左右的作文", [("about", "char", 270, 330)]),  # 左右 (same in both scripts)
    ("字數不超過一百二十", [("max", "char", None, 120)]),  # 字數
    ("用三句話給老師拜年", [("exact", "sentence", 3, 3)]),  # 句話
    ("分兩個段落", [("exact", "paragraph", 2, 2)]),  # 段落
    ("寫一副七言春聯", [("couplet", "line", 2, 2), ("couplet", "han", 7, 7, "line")]),  # 春聯
    ("寫一副對聯，上下聯各九個字", [("couplet", "line", 2, 2), ("couplet", "han", 9, 9, "line")]),  # 對聯
    ("一首七言律詩", [("verse", "line", 8, 8), ("verse", "han", 7, 7, "line")]),  # 律詩
    ("一百多個字", [("range", "char", 101, 199)]),  # fuzzy in traditional
    ("幾十個字", [("range", "char", 20, 90)]),  # 幾十
    ("兩分鐘的主持詞", [("range", "char", 400, 500)]),  # a duration in traditional
    ("每句話不超過十個字", [("max", "char", None, 10, "sentence")]),  # per sentence, traditional
    ("少於三十字", [("max", "char", None, 29)]),  # 少於 strict max
    ("１００字以內", [("max", "char", None, 100)]),  # full-width digits and 以內
    # --- numbers that are not the answer's length
    ("用几个四字成语写80字左右的拜年词", [("about", "char", 72, 88)]),  # 四字成语 describes the pieces
    ("用三个四字词语写60字以内的祝福", [("max", "char", None, 60)]),  # 三个 counts pieces, 四字词语 is a set word
    ("用四字成语写个拜年词", []),  # a set word alone is no length
    ("写个三句半", []),  # a genre
    ("一字一句都要真诚，写50字以内", [("max", "char", None, 50)]),  # 一字一句
    ("生辰八字合的新人，写一段百字贺词", [("exact", "paragraph", 1, 1), ("about", "char", 90, 110)]),  # 生辰八字
    ("像千字文一样押韵，200字左右", [("about", "char", 180, 220)]),  # 千字文
    ("用四个字写一个祝福", [("exact", "han", 4, 4)]),  # a piece count with no other length stays a bound
    ("把这条10个字的祝福扩写成100字", [("about", "char", 90, 110)]),  # source length before 扩写成
    ("把下面50字以内的短信扩写到200字以上", [("min", "char", 200, None)]),  # no contradiction: 50 is the source's
    ("把800字的稿子缩写到200字", [("about", "char", 180, 220)]),  # 缩写到
    ("把这篇1000字的发言稿压缩到300字以内", [("max", "char", None, 300)]),  # 压缩到
    ("这段30字的话精简到15字以内", [("max", "char", None, 15)]),  # 精简到
    ("改写成三句话，原文二十来字", [("exact", "sentence", 3, 3), ("range", "char", 20, 26)]),  # after the verb all count
    ("给50岁的妈妈写80字以内的祝福", [("max", "char", None, 80)]),  # an age
    ("二〇二六年给老师写一句话", [("exact", "sentence", 1, 1)]),  # a year in Chinese digits
    ("写3个版本，每条50字以内", [("max", "char", None, 50)]),  # versions are items
    ("写50条祝福", []),  # a count of items
    ("写一首藏头诗，藏“新年快乐”四个字", [("verse", "line", 4, 4), ("verse", "han", 5, 7, "line")]),  # quoted words
    ("“福”这个字要写进去，30字以内", [("max", "char", None, 30)]),  # 这个字 points at a word
    ("开了十几年面馆，写50字以内的春节告示", [("max", "char", None, 50)]),  # 十几年 is a span of years
    ("一段时间没联系的老同学，写三句话", [("exact", "sentence", 3, 3)]),  # 一段时间 is no paragraph
    # --- per-sentence bounds
    ("每句话不超过10个字", [("max", "char", None, 10, "sentence")]),  # 每句 → per sentence, not per line
    ("写五句祝福，每句不超过十个字", [("exact", "sentence", 5, 5), ("max", "char", None, 10, "sentence")]),
    ("每句都不少于八个字，写三句", [("min", "char", 8, None, "sentence"), ("exact", "sentence", 3, 3)]),  # 都
    ("每句七个字，写四句话", [("exact", "han", 7, 7, "sentence"), ("exact", "sentence", 4, 4)]),  # exact per sentence
    ("写一首藏头诗，每句七个字", [("verse", "line", 4, 4), ("verse", "han", 7, 7, "line")]),  # a poem's 句 is its line
    ("每行不超过十个字，写三行", [("max", "char", None, 10, "line"), ("exact", "line", 3, 3)]),  # rows stay lines
    # --- verse forms
    ("写一首七言藏头诗", [("verse", "line", 4, 4), ("verse", "han", 7, 7, "line")]),  # 藏头诗 is a 绝句
    ("写一首藏头诗", [("verse", "line", 4, 4), ("verse", "han", 5, 7, "line")]),  # either line length
    ("写一首三行情书", [("exact", "line", 3, 3)]),  # 三行情书
    ("字数：20", [("about", "char", 18, 22)]),  # a number after 字数 is about, even ≤ 20
]


def _rows(constraints):
    return [(c.kind, c.unit, c.lo, c.hi) + ((c.per,) if c.per else ()) for c in constraints]


@pytest.mark.parametrize("text,expected", CASES, ids=[c[0] for c in CASES])
def test_parse_v2(text, expected):
    assert _rows(parse(text).constraints) == expected


IGNORED = [
    # (request, (words, reason fragment)) — each number read but not taken says why
    ("给50岁的妈妈写80字以内的祝福", ("50岁", "age")),
    ("2026年给老师写一句话", ("2026年", "year")),
    ("用三个四字词语写60字以内", ("四字词语", "set phrase")),
    ("把这条10个字的祝福扩写成100字", ("10个字", "source")),
    ("写50条祝福", ("50条", "count of items")),
    ("写篇散文，5分钟能读完", ("5分钟", "duration")),
    ("大约700字的讲话，大概讲三分钟", ("三分钟", "字 count is the length")),
    ("藏“新年快乐”四个字，写100字", ("四个字", "points at")),
    ("1月28日除夕，写50字以内", ("28日", "date")),
]


@pytest.mark.parametrize("text,entry", IGNORED, ids=[i[0] for i in IGNORED])
def test_ignored_numbers_say_why(text, entry):
    words, fragment = entry
    reasons = dict(parse(text).ignored)
    assert words in reasons and fragment in reasons[words], parse(text).ignored


def test_origins_point_into_the_request():
    text = "寫一段不超過80字的拜年簡訊，字數：300"
    with pytest.raises(LengthSpecError):
        parse(text)  # 80 max and about 300 contradict
    spec = parse("給老師寫不超過80字的拜年簡訊")
    assert spec.origins == [("不超過80字", 4, 10)]
    assert parse("字數：３００").origins == [("３００", 3, 6)]  # the inserted 字 maps back onto the number


V2_ERRORS = [
    ("用四个字写80字左右的拜年词", "矛盾"),  # a piece count that cannot fill the whole
    ("几百字，不超过100字", "矛盾"),  # fuzzy range against a max
    ("两三百字，至少500字", "矛盾"),  # a spoken range against a min
]


@pytest.mark.parametrize("text,fragment", V2_ERRORS, ids=[e[0] for e in V2_ERRORS])
def test_v2_contradictions(text, fragment):
    with pytest.raises(LengthSpecError, match=fragment):
        parse(text)


def test_a_length_in_zi_beside_a_duration_is_the_length():
    assert _rows(parse("三分钟的发言稿，不少于一千字").constraints) == [("min", "char", 1000, None)]
