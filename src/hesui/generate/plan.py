"""From constraints to a decoding plan: hard bounds the controller enforces and the window it aims for.

The aim is Qianfan's best band (within 5% of the written number) clipped to the hard bounds, so an answer to
"50字以内" lands at 48–50 字 rather than stopping at 12.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field

from hesui.length import Constraint, Spec

DEFAULT_CAP = 300  # 字, when the request names no length
UNCAPPED_FACTOR = 1.25  # a "不少于N字" answer is capped here: past it the score only falls


@dataclass(frozen=True)
class Budget:
    """Bounds on one count (char or han, the whole text or each paragraph)."""
    unit: str
    hard_lo: int
    hard_hi: int
    aim_lo: int  # a sentence that ends at or past this closes the text
    aim_hi: int
    eos_from: int  # no end of text below this
    wrap_from: int  # from here a pause (，) may become a full stop


    @classmethod
    def from_constraint(cls, c: Constraint) -> "Budget":
        n = c.nominal
        hard_lo = c.lo or 0
        hard_hi = c.hi if c.hi is not None else math.floor(UNCAPPED_FACTOR * n) + 2
        aim_lo = max(hard_lo, math.ceil(0.95 * n))
        aim_hi = min(hard_hi, math.floor(1.05 * n))
        if aim_lo > aim_hi:  # the 5% band misses the bounds (tiny N): aim for the bounds themselves
            aim_lo, aim_hi = hard_lo or hard_hi, hard_hi
        eos_from = min(aim_lo, max(hard_lo, math.ceil(0.9 * n)))
        return cls(c.unit, hard_lo, hard_hi, aim_lo, aim_hi, eos_from, wrap_from=eos_from)


@dataclass
class Plan:
    """Everything the controller needs to know about one request's length."""
    text_budgets: list[Budget] = field(default_factory=list)  # char/han over the whole text
    paragraph_budget: Budget | None = None  # char/han per paragraph (每段不超过50字)
    sentence_budget: Budget | None = None  # char/han per sentence (每句话不超过10个字)
    sentences: tuple[int, int] | None = None  # (lo, hi) sentences
    paragraphs: tuple[int, int] | None = None  # (lo, hi) paragraphs
    line_han: tuple[int, int] | None = None  # couplet / verse: (lo, hi) Han per line
    n_lines: int = 0  # couplet / verse: the counted lines
    couplet: bool = False  # a 横批 line of 4 Han follows the two lines

    @property
    def budgets(self) -> list[Budget]:
        """The char/han budgets to steer by; a request without one still gets a cap, so a text always ends."""
        return self.text_budgets or [self.implicit_budget()]

    def implicit_budget(self) -> Budget:
        if self.sentences:
            per = self.sentence_budget.hard_hi + 2 if self.sentence_budget else 40
            cap = per * min(self.sentences[1], 10)  # a sentence of a greeting rarely runs past 40 字
        elif self.paragraph_budget and self.paragraphs:
            cap = self.paragraph_budget.hard_hi * min(self.paragraphs[1], 10)
        elif self.paragraphs:
            cap = 120 * min(self.paragraphs[1], 10)
        else:
            cap = DEFAULT_CAP
        return Budget("char", 0, cap, aim_lo=cap // 3, aim_hi=cap, eos_from=0, wrap_from=cap // 3)

    @property
    def poem(self) -> bool:
        return self.line_han is not None

    @property
    def paragraph_target(self) -> int | None:
        """Characters per paragraph to aim for when a paragraph count is asked for."""
        if not self.paragraphs:
            return None
        if self.paragraph_budget:
            return self.paragraph_budget.aim_lo
        b = self.budgets[0]
        return max(10, (b.aim_lo + b.aim_hi) // 2 // self.paragraphs[0])

    @property
    def sentence_cap(self) -> int | None:
        """The most 字 a sentence may run before it must close, when a sentence count is asked for."""
        if not self.sentences:
            return None
        return max(8, self.budgets[0].aim_hi // self.sentences[0])


def make_plan(spec: Spec) -> Plan:
    plan = Plan()
    for c in spec.constraints:
        if c.kind in ("couplet", "verse"):
            plan.couplet = plan.couplet or c.kind == "couplet"
            if c.per:
                plan.line_han = (c.lo or c.hi, c.hi)
            else:
                plan.n_lines = c.hi
        elif c.unit in ("char", "han") and c.per is None:
            plan.text_budgets.append(Budget.from_constraint(c))
        elif c.unit in ("char", "han") and c.per == "sentence":
            plan.sentence_budget = Budget.from_constraint(c)
        elif c.unit in ("char", "han"):
            plan.paragraph_budget = Budget.from_constraint(c)
        elif c.unit == "sentence":
            plan.sentences = (c.lo or 1, c.hi or 10**6)
        elif c.unit == "paragraph":
            plan.paragraphs = (c.lo or 1, c.hi or 10**6)
        elif c.unit == "line":
            plan.paragraphs = (c.lo or 1, c.hi or 10**6)  # "写四行": lines are newline-separated paragraphs
    if plan.line_han and not plan.n_lines:
        plan.n_lines = 4
    return plan


def max_new_tokens(plan: Plan) -> int:
    """A token budget that never binds before the controller does (Chinese runs ≈ 1–1.5 字 a token)."""
    if plan.poem:
        return plan.n_lines * (plan.line_han[1] + 3) + 16
    return int(max(b.hard_hi for b in plan.budgets) * 1.6) + 32
