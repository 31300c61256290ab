"""The three length scores of ../shared/LENGTH_RULES.md, section 3, all from the same counter."""
from __future__ import annotations

import math
import re
from functools import lru_cache

from .count import (count, count_chars, count_han, count_marks, longest_mark_run, paragraphs, sentences,
                    verse_lines)
from .spec import Constraint

MAX_MARK_SHARE = 0.4  # of the 字 count; a single mark is always allowed ("福！")
MAX_MARK_RUN = 2  # marks in a row; a …… or —— pair is one mark
DANGLING = "，、；：,;:“‘（《【「『—"
_CLOSERS = "”’）》」』】\"')"
_CLAUSE_BREAK = re.compile("[，。！？；、,.!?;\n]")


@lru_cache(maxsize=256)
def ill_formed(text: str) -> str | None:
    """Why ``text`` is filler rather than real text (LENGTH_RULES.md §3), or None when it is well-formed (cached:
    strict asks it again for every set of constraints an answer is scored against).

    >>> ill_formed("新年好！愿你健康快乐，阖家幸福。") is None
    True
    >>> ill_formed("祝你新年快乐万事如意～！——"), ill_formed("新年好！愿你健康快乐，阖……")
    ('a run of 3 punctuation marks', 'ends in a cut word closed with ……')
    """
    body = text.strip()
    if count_han(body) == 0 and not any(ch.isalnum() for ch in body):
        return "no words"
    run = longest_mark_run(body)
    if run > MAX_MARK_RUN:
        return f"a run of {run} punctuation marks"
    marks, chars = count_marks(body, paired=False), count_chars(body)
    if marks > max(1, MAX_MARK_SHARE * chars):
        return f"punctuation is {marks} of {chars} 字 (more than {MAX_MARK_SHARE:.0%})"
    if body[-1] in DANGLING or body.endswith("——"):
        return f"ends on a dangling “{body[-1]}”"
    if body.rstrip(_CLOSERS).endswith("…") and cut_word(body.rstrip(_CLOSERS).rstrip("…. ")):
        return "ends in a cut word closed with ……"
    return None


def well_formed(text: str) -> bool:
    """Real text, not filler: see ``ill_formed``."""
    return ill_formed(text) is None


def cut_word(text: str) -> bool:
    """``text`` stops inside a word: its last clause is one lone Han character after a break ("…快乐，阖"), or
    ends in a proper prefix of a dictionary word that is no word itself ("阖家欢", "万事如").

    >>> cut_word("愿你健康快乐，阖"), cut_word("祝你万事如"), cut_word("我们一起等待"), cut_word("未完待续")
    (True, True, False, False)
    """
    clause = _CLAUSE_BREAK.split(text)[-1].strip()
    han = "".join(ch for ch in clause if count_han(ch))
    if not han:
        return False
    if len(han) == 1 and len(clause) < len(text.strip()):
        return True
    freq = _word_freq()
    return any(freq.get(han[-k:]) == 0 for k in range(2, min(4, len(han)) + 1))


def _word_freq() -> dict[str, int]:
    """jieba's dictionary: a word maps to its frequency, a proper prefix of a word (and no word) to 0."""
    import logging

    import jieba

    jieba.setLogLevel(logging.WARNING)
    jieba.dt.check_initialized()
    return jieba.dt.FREQ


def measured(text: str, c: Constraint) -> list[int]:
    """The count(s) a constraint is judged on: one for the whole text, or one per line/paragraph."""
    if c.kind in ("couplet", "verse"):
        pieces = verse_lines(text, couplet=c.kind == "couplet")
        return [len(pieces)] if c.per is None else [count(p, c.unit) for p in pieces] or [0]
    if c.per is None:
        return [count(text, c.unit)]
    pieces = {"paragraph": paragraphs, "sentence": sentences, "line": paragraphs}[c.per](text)
    return [count(p, c.unit) for p in pieces] or [0]


def meets(n: int, c: Constraint) -> bool:
    return (c.lo is None or n >= c.lo) and (c.hi is None or n <= c.hi)


def strict(text: str, constraints: list[Constraint]) -> bool:
    """The text is well-formed and every constraint holds (for per-piece constraints: for every piece).

    >>> from hesui.length import parse
    >>> strict("新年快乐，万事如意！", parse("20字以内").constraints)
    True
    """
    return well_formed(text) and all(meets(n, c) for c in constraints for n in measured(text, c))


def qianfan_one(n: int, target: float) -> float:
    """Qianfan's length score for one count against the written number.

    >>> [qianfan_one(n, 100) for n in (100, 95, 90, 85, 80, 75, 74)]
    [1.0, 1.0, 0.75, 0.5, 0.25, 0.1, 0.0]
    """
    r = abs(n / target - 1)
    for limit, score in ((0.05, 1.0), (0.10, 0.75), (0.15, 0.5), (0.20, 0.25), (0.25, 0.1)):
        if r <= limit + 1e-12:
            return score
    return 0.0


def lifebench_one(n: int, target: float, kind: str) -> float:
    """LIFEBench length score (0–100); ``kind`` picks equal-to, at-most (max) or at-least (min).

    >>> round(lifebench_one(110, 100, "about"), 2), lifebench_one(90, 100, "max"), round(lifebench_one(90, 100, "min"), 2)
    (81.87, 100.0, 60.65)
    """
    ld = (n - target) / target
    if kind == "max":
        return 100.0 if ld <= 0 else 100 * math.exp(-2 * ld)
    if kind == "min":
        return 100.0 if ld >= 0 else 100 * math.exp(5 * ld)
    return 100 * math.exp(5 * ld) if ld < 0 else 100 * math.exp(-2 * ld)


def _mean_over(text: str, constraints: list[Constraint], one) -> float | None:
    """Mean of ``one(count, constraint)`` over every constraint and piece; None when there is none."""
    values = [one(n, c) for c in constraints for n in measured(text, c)]
    return sum(values) / len(values) if values else None


def qianfan(text: str, constraints: list[Constraint]) -> float | None:
    """Mean Qianfan score over the constraints (a range is scored against its midpoint)."""
    return _mean_over(text, constraints, lambda n, c: qianfan_one(n, c.nominal))


def lifebench(text: str, constraints: list[Constraint]) -> float | None:
    """Mean LIFEBench score over the constraints (a range is scored against its midpoint)."""
    return _mean_over(text, constraints, lambda n, c: lifebench_one(n, c.nominal, c.kind))
