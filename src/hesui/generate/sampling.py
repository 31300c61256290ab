"""Sampling, one row at a time: the plain functions both engines call after the length controller.

A row has its own temperature, top-p, repetition penalty and random stream, so its text does not depend on the
rows it is batched with. Torch only (no transformers): the llama.cpp engine imports this without loading it.
"""
from __future__ import annotations

from collections import defaultdict
from typing import Iterable

import torch

TOP_K = 50  # a row is drawn from its likeliest pieces; the controller checks the same ones for loops (LOOP_CHECK)


def draw_token(logits: torch.Tensor, temperature: float, top_p: float, generator: torch.Generator) -> int:
    """The next token of one row: top-50, then temperature, then top-p, then one draw from ``generator``.

    ``logits``: shape (vocab,), banned pieces -inf. Temperature 0 takes the best piece (one draw is still made,
    so a row's random stream advances the same way whatever its settings). A row whose every piece is banned, or
    top_p 0, keeps its best.

    >>> g = torch.Generator().manual_seed(0)
    >>> draw_token(torch.tensor([0.0, 5.0, float("-inf")]), 0.0, 0.9, g)
    1
    """
    values, ids = logits.float().topk(min(TOP_K, logits.shape[-1]))
    probs = torch.softmax(values / (temperature or 1.0), dim=-1)
    probs = torch.where(probs.cumsum(-1) - probs < top_p, probs, torch.zeros_like(probs))
    if probs.sum() == 0:
        probs[0] = 1.0
    cdf = (probs / probs.sum()).cumsum(-1)
    draw = torch.rand(1, generator=generator)
    pick = 0 if temperature == 0 else int(torch.searchsorted(cdf, draw.to(cdf.device)).clamp(max=cdf.shape[-1] - 1))
    return int(ids[pick])


def penalize(logits: torch.Tensor, seen: torch.Tensor, penalty: float) -> None:
    """transformers' repetition penalty on one row, in place: each piece in ``seen`` (token ids of the row's own
    text, prompt included) loses weight — a positive logit divided by ``penalty``, a negative one multiplied."""
    if penalty == 1.0 or seen.numel() == 0:
        return
    got = logits.gather(0, seen)
    logits.scatter_(0, seen, torch.where(got < 0, got * penalty, got / penalty))


class NgramBlocker:
    """No n-gram of tokens twice in a row's ids (prompt and answer), as transformers' ``no_repeat_ngram_size``.

    Grows by one token at a time (O(1) a step), so an engine that owns its token loop keeps it cheap."""

    def __init__(self, n: int, ids: Iterable[int] = ()):
        self.n, self.ids = n, []
        self.next_of: dict[tuple, set[int]] = defaultdict(set)
        for t in ids:
            self.add(t)

    def add(self, token: int) -> None:
        self.ids.append(token)
        if self.n > 0 and len(self.ids) >= self.n:
            self.next_of[tuple(self.ids[-self.n:-1])].add(token)

    def banned(self) -> list[int]:
        """Tokens that would complete an n-gram the row already holds."""
        if self.n <= 0 or len(self.ids) < self.n - 1:
            return []
        return list(self.next_of.get(tuple(self.ids[len(self.ids) - self.n + 1:]), ()))
