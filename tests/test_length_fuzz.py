"""The length contract always answers: every request drawn from its alphabet (hesui.length.fuzz) is read or refused
with LengthSpecError within 50 ms, and every text is counted and scored within 50 ms, with sane values (issue 19:
"0多字" once hung the parser, and with it the server). benchmarks/fuzz_length.py runs the same draws 100,000 times.
"""
from __future__ import annotations

import math
import signal

import pytest
from hypothesis import example, given, settings

from hesui.length import LengthSpecError, count_han, is_han, parse
from hesui.length.fuzz import MAX_CHARS, requests, score_all
from hesui.length.spec import MAX_CONSTRAINTS, MAX_LENGTH
from hesui.length.words import MAX_IGNORED

DEADLINE_MS = 50  # per input of up to MAX_CHARS characters; the benchmark's slowest input is well under it


@pytest.fixture(scope="module", autouse=True)
def warm():
    """zhconv's table and jieba's dictionary load on first use: not a cost of any one input."""
    parse("五十字以內")
    score_all("祝你万事如……", [])


# Inputs that hung or crashed the parser before issue 19, and long runs where a pattern could backtrack.
PATHOLOGICAL = ["0多字", "万多字", "写个0多句的祝福", "零多字", "0k多字", "至少0字", "9" * 400 + "多字",
                "9" * 320 + "分钟的致辞", "1" * MAX_CHARS, " " * MAX_CHARS, "1" + " " * (MAX_CHARS - 2) + "字",
                "在" + "\n" * (MAX_CHARS - 1), "一" * MAX_CHARS, "1字" * (MAX_CHARS // 2), "1 " * (MAX_CHARS // 2),
                "字数：" + "1" * (MAX_CHARS - 3), "春联" * (MAX_CHARS // 2), "写春联作文" * (MAX_CHARS // 5),
                "0" + ",000" * (MAX_CHARS // 4 - 1), "🇨🇳" * (MAX_CHARS // 2), "秒1" * (MAX_CHARS // 2)]


def _sane(c) -> bool:
    """Bounds a generator can aim at: integers, lo ≤ hi, at least 1 at the top, at most MAX_LENGTH anywhere."""
    bounds = [b for b in (c.lo, c.hi, c.target) if b is not None]
    return (all(isinstance(b, int) and 0 <= b <= MAX_LENGTH for b in bounds)
            and (c.lo is None or c.hi is None or c.lo <= c.hi) and (c.hi is None or c.hi >= 1)
            and (c.target is None or c.target >= 1) and (c.lo is not None or c.hi is not None))


def _with_examples(texts):
    """``@example`` for each text: they run first, under the same deadline."""
    def add(test):
        for text in texts:
            test = example(text)(test)
        return test
    return add


@settings(max_examples=1500, deadline=DEADLINE_MS)
@given(requests())
@_with_examples(["", "\u200b", *PATHOLOGICAL])
def test_every_request_is_read_or_refused_in_time(text):
    try:
        spec = parse(text)
    except LengthSpecError as e:
        assert str(e) and not str(e).startswith("Traceback")  # a message for the user, in words
        return
    assert len(spec.constraints) <= MAX_CONSTRAINTS and len(spec.ignored) <= MAX_IGNORED  # what /hesui/parse sends
    assert all(_sane(c) for c in spec.constraints), spec.constraints
    assert all(0 <= a <= b <= len(text) for _, a, b in spec.origins)


# Each row: a request and what it reads as, (kind, unit, lo, hi, target) tuples, or the LengthSpecError message.
FUZZY = [
    # --- zero before an approximator: once an endless loop (0 is a multiple of every power of ten)
    ("0多字", "“0多字”不是一个长度：数字须至少为 1"),
    ("写个0多句的祝福", "“0多句”不是一个长度：数字须至少为 1"),  # inside a longer request
    ("零多字", "“零多字”不是一个长度：数字须至少为 1"),
    ("〇来句", "“〇来句”不是一个长度：数字须至少为 1"),
    # --- a bare 万 is ten thousand (it was read as 0, so 万多字 looped too); huge values are out of range
    ("万多字", "长度要求超出范围：读到 10001–19999字，最多支持 5000 字"),
    ("一万多句", "长度要求超出范围：读到 10001–19999句，最多支持 5000 字"),  # no answer has 10,000 sentences
    ("万字", "长度要求超出范围：读到 9000–11000字，最多支持 5000 字"),
    ("几万字", "长度要求超出范围：读到 20000–90000字，最多支持 5000 字"),
    ("1亿字以内", "长度要求超出范围：读到 至多 100000000字，最多支持 5000 字"),
    ("9" * 400 + "字", "长度要求超出范围：读到 900000000000–1100000000000字，最多支持 5000 字"),  # no float overflow
    # --- zero as a bound: nothing to aim at or to score against (the scores divided by it)
    ("至少0字", "长度要求须至少为 1字，读到的是 0"),
    ("超过0个汉字", "长度要求须至少为 1个汉字，读到的是 0"),
    ("0字", "长度要求不可能满足：上限是 0个汉字"),
    ("1字" * 9, "长度要求太多：读到 9 条，一次最多 8 条"),
    # --- realistic fuzzy numbers still read as the contract says
    ("10多句", [("range", "sentence", 11, 19, None)]),
    ("百多字", [("range", "char", 101, 199, None)]),
    ("百来字", [("range", "char", 100, 130, None)]),
    ("三千多字", [("range", "char", 3001, 3999, None)]),
    ("100余字", [("range", "char", 101, 199, None)]),  # 余 as 多
    ("五十余字的祝福", [("range", "char", 51, 59, None)]),
    ("十几个字", [("range", "char", 11, 19, None)]),
    ("1,500多字", [("range", "char", 1501, 1599, None)]),  # a thousands separator
    ("1,000字左右", [("about", "char", 900, 1100, 1000)]),
    # --- separators between number and unit: one separator, however many; invisible characters are not there
    ("1\u200b0字以内", [("max", "char", None, 10, 10)]),
    ("50\n\n字以内", [("max", "char", None, 50, 50)]),
    ("不超过\u3000\u3000 50 字", [("max", "char", None, 50, 50)]),
    ("🧧写50字以内🧧", [("max", "char", None, 50, 50)]),
]


@pytest.fixture
def no_hang():
    """A hang fails the test instead of stalling the suite."""
    def stop(*_):
        raise TimeoutError("parse still running after 5 s")

    previous = signal.signal(signal.SIGALRM, stop)
    signal.alarm(5)
    yield
    signal.alarm(0)
    signal.signal(signal.SIGALRM, previous)


@pytest.mark.parametrize("text,expected", FUZZY, ids=[t[:12] for t, _ in FUZZY])
def test_fuzzy_and_degenerate_numbers(text, expected, no_hang):
    if isinstance(expected, str):
        with pytest.raises(LengthSpecError) as e:
            parse(text)
        assert str(e.value) == expected
    else:
        assert [(c.kind, c.unit, c.lo, c.hi, c.target) for c in parse(text).constraints] == expected


@settings(max_examples=1000, deadline=DEADLINE_MS)
@given(requests())
@_with_examples(PATHOLOGICAL)
def test_every_text_is_counted_and_scored_in_time(text):
    try:
        constraints = parse(text).constraints
    except LengthSpecError:
        constraints = []
    r = score_all(text, constraints)
    counts = r["count"]
    assert all(isinstance(n, int) and n >= 0 for n in counts.values())
    assert counts["han"] <= counts["char"] and counts["han"] == sum(map(is_han, text)) == count_han(text)
    assert all(isinstance(n, int) and n >= 0 for n in r["measured"])
    for ok, qf, lb in r["scores"]:
        assert isinstance(ok, bool) and not (ok and not r["well_formed"])
        assert qf is None or 0 <= qf <= 1  # a mean over the constraints of one of QIANFAN_SCORES
        assert lb is None or (math.isfinite(lb) and 0 <= lb <= 100)
