"""Examples in the prompt: for a request for New Year copy, one or two training seed pairs of the same kind, shown
to the model as earlier turns so it sees the tone and form wanted (issue 18, item 3).

Retrieval is BM25 (``rank_bm25``) over jieba's words of the requests, among the seed pairs of the *training* split
only (``hesui.data.build.split_groups`` with the build's seed: a test request never meets its own reference), less
those whose answer carries a copy fault for its own request (an invented name, say: the example would teach it).
Among the best BM25 matches, one whose length is of the same kind and size (same unit, target within a factor of
two) comes first: a 50-字 greeting is shown a short greeting, an essay an essay.

The answer must not copy an example: the decoders' n-gram blocker already covers the prompt (``Job``'s
``no_repeat_ngram_size``, 4 tokens ≈ 6 字), so no run of 8 字 of an example can come back; ``copied_run`` measures it.
"""
from __future__ import annotations

import functools
import re

from hesui.length import Spec, parse

_WORD = re.compile(r"[\u4e00-\u9fffA-Za-z]")
_SHORTLIST = 8  # BM25's best, reranked by the length band
BAND = 2.0  # a target within ×2 either way is the same size


def _words(text: str) -> list[str]:
    import jieba

    return [w for w in jieba.lcut(text) if _WORD.search(w)]


def _size(spec: Spec) -> tuple[str, str, float] | None:
    """(kind family, unit, target) of a request's first constraint; verse and couplet are their own family."""
    if not spec.constraints:
        return None
    c = spec.constraints[0]
    family = c.kind if c.kind in ("verse", "couplet") else "prose"
    target = c.target or c.hi or c.lo or 0
    return family, c.unit, float(target)


def same_band(a: tuple | None, b: tuple | None) -> bool:
    """Two sizes of one family and unit whose targets are within ×``BAND`` of each other.

    >>> same_band(("prose", "char", 50.0), ("prose", "char", 80.0)), same_band(("prose", "char", 50.0), ("prose", "char", 300.0))
    (True, False)
    """
    if a is None or b is None or a[:2] != b[:2] or not a[2] or not b[2]:
        return False
    return 1 / BAND <= a[2] / b[2] <= BAND


class ExampleIndex:
    """Seed pairs ``{"request", "response", ...}`` searchable by request; ``pick`` gives the examples."""

    def __init__(self, pairs: list[dict]):
        from rank_bm25 import BM25Okapi

        if not pairs:
            raise ValueError("an example index needs at least one pair")
        self.pairs = pairs
        self.sizes = [_size(parse(p["request"])) for p in pairs]
        self.bm25 = BM25Okapi([_words(p["request"]) for p in pairs])

    def pick(self, request: str, spec: Spec, k: int = 1) -> list[dict]:
        """The ``k`` pairs most like ``request``: BM25's best ``_SHORTLIST``, those in ``spec``'s length band first.
        A pair whose request is the request itself is never picked."""
        scores = self.bm25.get_scores(_words(request))
        size = _size(spec)
        order = sorted(range(len(self.pairs)), key=lambda i: -scores[i])
        shortlist = [i for i in order[:_SHORTLIST] if self.pairs[i]["request"].strip() != request.strip()]
        shortlist.sort(key=lambda i: (not same_band(self.sizes[i], size), -scores[i]))
        return [self.pairs[i] for i in shortlist[:k]]


@functools.cache
def training_index(seed: int = 0) -> ExampleIndex:
    """The index over the packaged training split's seed pairs (a few seconds the first time in a process)."""
    import random

    from hesui.data.build import load_seed, split_groups
    from hesui.quality import copy_faults

    train = split_groups(load_seed(), random.Random(seed))["train"]
    return ExampleIndex([p for p in train if not copy_faults(p["response"], p["request"])])


def example_turns(examples: list[dict]) -> list[dict]:
    """The examples as earlier chat turns (user request, assistant answer), oldest first."""
    return [turn for p in examples for turn in ({"role": "user", "content": p["request"]},
                                                {"role": "assistant", "content": p["response"]})]


def copied_run(text: str, examples: list[dict], n: int = 8) -> str | None:
    """The first run of ``n`` characters of ``text`` that stands in an example's answer, or None.

    >>> copied_run("新年好，感谢您这一年的信任与指导！", [{"response": "王总，感谢您这一年的信任与指导。"}])
    '感谢您这一年的信'
    """
    answers = [p["response"] for p in examples]
    for i in range(len(text) - n + 1):
        run = text[i:i + n]
        if any(run in a for a in answers):
            return run
    return None
