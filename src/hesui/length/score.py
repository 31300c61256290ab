"""The three length scores of ../shared/LENGTH_RULES.md, section 3, all from the same counter."""
from __future__ import annotations

import math

from .count import count, paragraphs, sentences, verse_lines
from .spec import Constraint


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
    """Every constraint holds (for per-piece constraints: for every piece).

    >>> from hesui.length import parse
    >>> strict("新年快乐，万事如意！", parse("20字以内").constraints)
    True
    """
    return all(meets(n, c) for c in constraints for n in measured(text, c))


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
