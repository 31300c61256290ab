"""Evaluation metrics: table-driven, each expected value computed by hand."""
from __future__ import annotations

import math

import pytest

from hesui.evaluate.metrics import (bleu4, chinese_share, distinct_n, has_loop, length_error, paragraphs_kept,
                                    repetition_rate, rouge_l, rouge_n)


@pytest.mark.parametrize("hyp,ref,expected", [
    ("新年快乐", "新年快乐", 1.0),  # identical
    ("", "新年快乐", 0.0),  # empty hypothesis
    ("甲乙丙丁", "戊己庚辛", 0.0),  # no unigram in common
    # hyp 4 chars ⊂ ref 8 chars: p1..p4 = 1 (add-one keeps 2–4 at 1); BP = e^(1 − 8/4) = e^−1
    ("新年快乐", "新年快乐万事如意", math.exp(-1)),
    # hyp "新年好" vs ref "新年快乐": p1 = 2/3, p2 = (1+1)/(2+1), p3 = (0+1)/(1+1), p4 = (0+1)/(0+1); BP = e^(1−4/3)
    ("新年好", "新年快乐", math.exp(1 - 4 / 3) * ((2 / 3) * (2 / 3) * (1 / 2) * 1) ** 0.25),
    ("新 年 快 乐", "新年快乐", 1.0),  # spaces are dropped
])
def test_bleu4(hyp, ref, expected):
    assert bleu4(hyp, ref) == pytest.approx(expected)


@pytest.mark.parametrize("hyp,ref,n,expected", [
    (["新年", "快乐"], ["新年", "快乐"], 1, 1.0),  # identical
    (["新年", "快乐", "朋友"], ["新年", "快乐"], 1, 0.8),  # P = 2/3, R = 1 → F1 = 0.8
    (["新年", "快乐", "朋友"], ["新年", "快乐"], 2, 2 * (1 / 2) * 1 / (1 / 2 + 1)),  # bigrams: P = 1/2, R = 1
    (["甲"], ["乙"], 1, 0.0),  # nothing shared
    ([], ["乙"], 1, 0.0),  # empty
])
def test_rouge_n(hyp, ref, n, expected):
    assert rouge_n(hyp, ref, n) == pytest.approx(expected)


@pytest.mark.parametrize("hyp,ref,expected", [
    (list("abcd"), list("acde"), 0.75),  # LCS "acd" = 3: P = R = 3/4
    (list("abc"), list("abc"), 1.0),
    (list("abc"), list("cba"), 1 / 3),  # LCS 1
    ([], list("a"), 0.0),
])
def test_rouge_l(hyp, ref, expected):
    assert rouge_l(hyp, ref) == pytest.approx(expected)


@pytest.mark.parametrize("texts,n,expected", [
    (["新年好", "新年乐"], 1, 4 / 6),  # 新 年 repeat: 4 distinct of 6
    (["新年好", "新年乐"], 2, 3 / 4),  # 新年 ×2, 年好, 年乐: 3 of 4
    ([""], 1, 0.0),
])
def test_distinct(texts, n, expected):
    assert distinct_n(texts, n) == pytest.approx(expected)


@pytest.mark.parametrize("text,expected", [
    ("新年快乐", 1.0),  # all Han
    ("新年快乐Happy", 0.8),  # an ASCII word is one unit
    ("새해 복", 0.0),  # Hangul only
    ("2026！", 1.0),  # no letters at all
])
def test_chinese_share(text, expected):
    assert chinese_share(text) == pytest.approx(expected)


@pytest.mark.parametrize("text,rate,loop", [
    ("万事如意万事如意万事如意", 5 / 9, True),  # 9 four-grams, 4 distinct
    ("新年快乐，身体健康", 0.0, False),
    ("新年", 0.0, False),  # shorter than n
])
def test_repetition_and_loops(text, rate, loop):
    assert repetition_rate(text) == pytest.approx(rate)
    assert has_loop(text, span=4) is loop


@pytest.mark.parametrize("text,ref,expected", [
    ("甲。\n乙。", "一。\n二。", True),
    ("甲乙。", "一。\n二。", False),
    ("甲", "一", None),  # a single-paragraph reference is not scored
])
def test_paragraphs_kept(text, ref, expected):
    assert paragraphs_kept(text, ref) is expected


def test_length_error():
    assert length_error(45, 50) == pytest.approx(0.1)
    assert length_error(330, 300) == pytest.approx(0.1)
