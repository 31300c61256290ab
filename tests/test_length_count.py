"""Counting units and scores (../shared/LENGTH_RULES.md §1 and §3), with hand-counted expectations."""
from __future__ import annotations

import math

import pytest

from hesui.length import count, lifebench, parse, qianfan, strict, verse_lines
from hesui.length.score import lifebench_one, qianfan_one

COUNTS = [
    # (text, char, han, sentence, paragraph) — what each row covers
    ("新春快乐！祝您2025年蛇年大吉，Happy New Year", 17, 11, 2, 1),  # the contract's own example
    ("", 0, 0, 0, 0),  # nothing
    ("新年好", 3, 3, 1, 1),  # no ender: the text's end closes the sentence
    ("新年好。", 4, 3, 1, 1),  # a full-width mark counts 1
    ("新年好!", 3, 3, 1, 1),  # half-width ! counts 0 but still ends the sentence
    ("新年好！！！", 6, 3, 1, 1),  # a run of enders ends one sentence
    ("新年好……万事顺。", 9, 6, 2, 1),  # …… is two marks and an ender
    ("你好，世界。再见！", 9, 6, 2, 1),  # ，counts; two sentences
    ("“新年好！”他说。", 9, 5, 2, 1),  # quotes count; the closing quote opens no sentence
    ("2025", 1, 0, 0, 1),  # an ASCII run is 1; a span without Han is no sentence
    ("AI 2026 hello", 3, 0, 0, 1),  # three runs
    ("V2.0版", 3, 1, 1, 1),  # "V2", "0" are two runs ("." splits), 版 is 1
    ("🧧🎉新年", 4, 2, 1, 1),  # each emoji counts 1
    ("👨‍👩‍👧好", 2, 1, 1, 1),  # a ZWJ family is one emoji
    ("👍🏻好", 2, 1, 1, 1),  # a skin-tone modifier joins its emoji
    ("  新 年  ", 2, 2, 1, 1),  # whitespace counts 0
    ("第一段。\n第二段。", 8, 6, 2, 2),  # a single newline separates paragraphs
    ("第一段。\n\n\n第二段。\n", 8, 6, 2, 2),  # blank lines do not add paragraphs
    ("《春》（散文）", 7, 3, 1, 1),  # book-title marks and brackets count
    ("a,b.c", 3, 0, 0, 1),  # half-width punctuation counts 0 and splits runs
    ("㐀丽", 2, 2, 1, 1),  # Ext. A and a compatibility ideograph are Han
    ("한국어", 3, 0, 0, 1),  # Hangul counts as 字 but not as Han
]


@pytest.mark.parametrize("text,char,han,sentence,paragraph", COUNTS, ids=[repr(c[0]) for c in COUNTS])
def test_counts(text, char, han, sentence, paragraph):
    assert [count(text, u) for u in ("char", "han", "sentence", "paragraph")] == [char, han, sentence, paragraph]


def test_lines_of_a_one_row_poem_split_at_clause_marks():
    assert count("白日依山尽，黄河入海流。欲穷千里目，更上一层楼。", "line") == 4
    assert count("春风入户\n瑞雪迎门", "line") == 2


def test_couplet_lines_leave_out_labels_and_heng_pi():
    text = "上联：春风入户千家暖\n下联：瑞雪迎门万象新\n横批：福满人间"
    assert verse_lines(text, couplet=True) == ["春风入户千家暖", "瑞雪迎门万象新"]
    assert verse_lines("春风入户千家暖\n瑞雪迎门万象新\n福满人间", couplet=True) == ["春风入户千家暖", "瑞雪迎门万象新"]


QIANFAN = [
    # (count, N, score) — the band edges of Qianfan's table
    (100, 100, 1.0), (105, 100, 1.0), (95, 100, 1.0),  # r ≤ 0.05
    (106, 100, 0.75), (90, 100, 0.75),  # r ≤ 0.10
    (115, 100, 0.5), (86, 100, 0.5),  # r ≤ 0.15
    (80, 100, 0.25), (120, 100, 0.25),  # r ≤ 0.20
    (75, 100, 0.1), (125, 100, 0.1),  # r ≤ 0.25
    (74, 100, 0.0), (12, 50, 0.0),  # beyond; 12 字 for "50字以内" scores nothing
]


@pytest.mark.parametrize("n,target,score", QIANFAN)
def test_qianfan_bands(n, target, score):
    assert qianfan_one(n, target) == score


LIFEBENCH = [
    # (count, N, kind, score) — LD as a fraction
    (100, 100, "about", 100.0),  # on target
    (90, 100, "about", 100 * math.exp(-0.5)),  # equal-to, short: e^{5·LD}
    (120, 100, "about", 100 * math.exp(-0.4)),  # equal-to, long: e^{−2·LD}
    (40, 100, "max", 100.0),  # at-most, under: full
    (150, 100, "max", 100 * math.exp(-1.0)),  # at-most, over
    (200, 100, "min", 100.0),  # at-least, over: full
    (80, 100, "min", 100 * math.exp(-1.0)),  # at-least, under
]


@pytest.mark.parametrize("n,target,kind,score", LIFEBENCH)
def test_lifebench(n, target, kind, score):
    assert lifebench_one(n, target, kind) == pytest.approx(score)


def test_scores_over_a_text():
    cs = parse("50字以内").constraints
    text = "新" * 48 + "。"  # 49 字
    assert strict(text, cs) and qianfan(text, cs) == 1.0 and lifebench(text, cs) == 100.0
    assert not strict("新" * 51, cs)
    assert qianfan("无约束", parse("写拜年短信").constraints) is None


def test_range_scores_against_its_midpoint():
    cs = parse("50到70字").constraints
    assert qianfan("新" * 60, cs) == 1.0
    assert qianfan("新" * 50, cs) == 0.25  # |50/60 − 1| = 0.167


def test_per_line_constraints_score_every_line():
    cs = parse("写一副七言春联").constraints
    assert strict("春风入户千家暖\n瑞雪迎门万象新\n福满人间", cs)
    assert not strict("春风入户千家暖\n瑞雪迎门万象", cs)  # the second line is short
    assert not strict("春风入户千家暖", cs)  # one line only
