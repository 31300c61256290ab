"""The generator seam: request-level types and the ``Generator`` that the CLI, eval, compare and the server call.

Torch-free. An *engine* (transformers today, vLLM tomorrow) only samples: it takes rows (``Job``: one prompt, one
seed, one length plan) and returns texts. Everything request-level lives here, above any engine: chat messages
with a system prompt and history, best-of-N, resampling the failures, ranking, the verdict, streaming deltas.

Per-request seeds: each row gets its own seed, derived from its request's seed, the round and the candidate, so
a request gets the same answer alone and inside any batch.
"""
from __future__ import annotations

import random
import time
from dataclasses import dataclass, field
from typing import Callable, Protocol, Sequence

from hesui.length import (
    Spec,
    count_all,
    count_han,
    lifebench,
    measured,
    meets,
    parse,
    qianfan,
    strict,
    well_formed,
)
from hesui.quality import copy_faults, details_covered, stock_per_100

MAX_REQUEST_CHARS = 2000
ROLES = ("user", "assistant")
CUT_COST = 0.3  # in Qianfan score: a sentence closed where the model paused beats one cut at the bound


@dataclass
class SamplingConfig:
    temperature: float = 0.8  # 0 means greedy
    top_p: float = 0.9  # 0 keeps only the best token
    n_candidates: int = 4  # sampled together in one batch; the best passing one is kept
    max_attempts: int = 3  # rounds of n_candidates before giving up
    seed: int | None = None
    control: bool = True  # False: the plain model, one sample, no steering and no resampling
    repetition_penalty: float = 1.1
    no_repeat_ngram_size: int = 4  # tokens (≈ 6 字): a phrase said twice is a loop, not style
    examples: int = 0  # training seed pairs shown as earlier turns of a controlled one-turn request (examples.py)
    outline: bool = True  # a controlled long text (300 字 and more) gets a paragraph outline (chat.outline_note)

    def __post_init__(self):
        if not 0 <= self.temperature <= 2:
            raise ValueError("temperature must be between 0 and 2")
        if not 0 <= self.top_p <= 1:
            raise ValueError("top_p must be between 0 and 1")
        if self.n_candidates < 1 or self.max_attempts < 1:
            raise ValueError("n_candidates and max_attempts must be at least 1")
        if not 1 <= self.repetition_penalty <= 2:
            raise ValueError("repetition_penalty must be between 1 and 2")
        if not 0 <= self.examples <= 3:
            raise ValueError("examples must be between 0 and 3")


@dataclass(frozen=True)
class ChatMessage:
    role: str  # user | assistant
    content: str


@dataclass
class ChatRequest:
    """One conversation to answer: the history ends with the user's turn, whose length is obeyed."""
    messages: list[ChatMessage]
    system: str | None = None  # None: hesui's own system prompt
    stop: list[str] = field(default_factory=list)  # the answer ends before the first of these
    max_tokens: int | None = None  # new tokens at most; None: as many as the length needs
    sampling: SamplingConfig = field(default_factory=SamplingConfig)  # its seed is this request's

    @classmethod
    def of(cls, text: str, config: SamplingConfig | None = None, **kw) -> "ChatRequest":
        return cls([ChatMessage("user", text)], sampling=config or SamplingConfig(), **kw)

    @property
    def last_user(self) -> str:
        return self.messages[-1].content if self.messages else ""

    def check(self) -> Spec:
        """Validate the conversation and parse the length of its last user turn; raises ValueError."""
        if not self.messages or self.messages[-1].role != "user":
            raise ValueError("the conversation must end with a user message")
        if any(m.role not in ROLES for m in self.messages):
            raise ValueError("message roles must be user or assistant (the system prompt is separate)")
        if self.max_tokens is not None and self.max_tokens < 1:
            raise ValueError("max_tokens must be at least 1")
        return check_request(self.last_user)


def check_request(request: str) -> Spec:
    """Validate a request and parse its length; raises ValueError (LengthSpecError) with a clear message."""
    if not request or not request.strip():
        raise ValueError("the request is empty: say what to write, e.g. hesui write \"给领导写50字以内的拜年短信\"")
    if len(request) > MAX_REQUEST_CHARS:
        raise ValueError(f"the request is {len(request)} characters long; at most {MAX_REQUEST_CHARS} are accepted")
    return parse(request)


def chat_messages(request: ChatRequest, spec: Spec) -> list[dict]:
    """The model's messages: system prompt, history, and the last turn with the length restated. A controlled
    one-turn request with ``sampling.examples`` gets that many retrieved seed pairs as earlier turns; a controlled
    long text with ``sampling.outline``, a paragraph outline after its length."""
    from hesui.model.chat import build_messages

    history = [{"role": m.role, "content": m.content} for m in request.messages[:-1]]
    control = controlled(request, spec)
    if request.sampling.examples and not history and control:
        from .examples import example_turns, training_index

        history = example_turns(training_index().pick(request.last_user, spec, request.sampling.examples))
    return build_messages(request.last_user, spec, system=request.system, history=history,
                          outline=request.sampling.outline and control)


# --- what an engine is given and gives back ---------------------------------------------------------------

@dataclass
class Job:
    """One row of a batch: one sample of one request."""
    messages: list[dict]
    spec: Spec
    seed: int
    temperature: float
    top_p: float
    control: bool
    chinese: bool  # this row's language: a Chinese request never gets foreign script
    repetition_penalty: float = 1.1
    no_repeat_ngram_size: int = 4  # batch-wide in transformers; every caller leaves it at 4
    max_tokens: int | None = None
    stop: tuple[str, ...] = ()
    group: int = 0  # rows of one request's candidates: once one is perfect, the group stops


@dataclass
class Sample:
    text: str
    tokens: int
    cut: bool = False  # the final full stop was forced or pushed where the model would not have put it
    finish: str = "stop"  # "length": stopped by max_tokens before an end of text
    prompt_tokens: int = 0


OnText = Callable[[int, str], None]  # (row, the row's whole text so far)


class RequestCalls:
    """``write`` and ``write_many`` on an engine itself, for callers that hold an engine: best-of-N above it."""

    def write(self, request: str, config: SamplingConfig | None = None) -> "Answer":
        return self.write_many([request], config)[0]

    def write_many(self, requests: list[str], config: SamplingConfig | None = None) -> list["Answer"]:
        return BestOfN(self).write_many(requests, config)


class Engine(Protocol):
    name: str

    def sample(self, jobs: Sequence[Job], *, on_text: OnText | None = None,
               cancelled: Callable[[int], bool] | None = None) -> list[Sample]:
        """One sample per job, all in one batch; ``on_text`` sees each row grow, ``cancelled`` rows stop."""


# --- the answer --------------------------------------------------------------------------------------------

@dataclass
class Answer:
    text: str
    spec: Spec
    ok: bool | None  # None when the request states no length
    attempts: int
    seconds: float
    tokens: int  # sampled for this answer, every candidate included
    candidates: list[str] = field(default_factory=list, repr=False)
    finish_reason: str = "stop"  # "length" when max_tokens cut it
    prompt_tokens: int = 0
    completion_tokens: int = 0  # of the returned text
    copy_faults: list[str] = field(default_factory=list)  # judged_faults: empty for a request that is not New Year copy

    def checks(self) -> list[dict]:
        return [{"constraint": c.to_dict(), "measured": measured(self.text, c),
                 "ok": all(meets(n, c) for n in measured(self.text, c))} for c in self.spec.constraints]

    def verdict(self) -> dict:
        """The ``hesui`` extension field of every server response: count, constraints and verdict."""
        return {"count": count_all(self.text), "constraints": self.spec.to_dict()["constraints"], "ok": self.ok,
                "checks": self.checks(), "well_formed": well_formed(self.text), "copy_faults": self.copy_faults,
                "attempts": self.attempts, "sampled_tokens": self.tokens}

    def to_dict(self) -> dict:
        return {"text": self.text, "count": count_all(self.text), "constraints": self.spec.to_dict()["constraints"],
                "ok": self.ok, "copy_faults": self.copy_faults, "attempts": self.attempts,
                "seconds": round(self.seconds, 3), "tokens": self.tokens}


# A reader trims a repeated phrase, and a poem that does not rhyme is still a greeting; every other fault makes the
# text unsendable as written.
MILD_FAULTS = ("repeated phrase", "no rhyme", "couplet tones")


def rank_key(sample: Sample, spec: Spec, faults: Sequence[str], covered: float | None = None) -> tuple:
    """How the best of N is chosen: passing the length first; then fewer copy ``faults`` (``judged_faults``) that
    make a text unsendable (chatter, a wrong occasion, an invented name, a wrong addressee, number junk, a
    repeated closing), then fewer mild ones (a repeated phrase, a poem's rhyme, a couplet's closing tones): so a
    candidate that only repeats a phrase beats one that talks about itself; then Qianfan's score, less for a cut ending; then more of the request's named details ``covered``
    (``hesui.quality.details_covered``; None: the request names none); then fewer stock blessings per 100 字;
    then LIFEBench's."""
    cs, text = spec.constraints, sample.text
    mild = sum(f in MILD_FAULTS for f in faults)
    return (strict(text, cs), -(len(faults) - mild), -mild, (qianfan(text, cs) or 0.0) - CUT_COST * sample.cut,
            covered or 0.0, -stock_per_100(text), lifebench(text, cs) or 0.0)


def judged_details(text: str, request: ChatRequest, spec: Spec) -> float | None:
    """``hesui.quality.details_covered`` of an answer to a request for New Year copy; None for any other."""
    return details_covered(text, told(request)) if is_copy(request, spec) else None


def told(request: ChatRequest) -> str:
    """Everything the writer was told: the system prompt and every user turn, read together."""
    return "\n".join([request.system or ""] + [m.content for m in request.messages if m.role == "user"])


def is_copy(request: ChatRequest, spec: Spec) -> bool:
    """A request hesui writes for (``hesui.model.chat.wants_copy``, its system prompt read with its user turns).
    Any other request gets the plain model: no length plan, no steering, one sample."""
    from hesui.model.chat import wants_copy

    return wants_copy(told(request), spec)


def judged_faults(text: str, request: ChatRequest, spec: Spec) -> list[str]:
    """``hesui.quality.copy_faults`` of an answer to a request for New Year copy (``is_copy``); [] for any other
    request, where "以下是…" or a repeated phrase is a fine answer (a code question, a translation)."""
    return copy_faults(text, told(request)) if is_copy(request, spec) else []


def controlled(request: ChatRequest, spec: Spec) -> bool:
    """Whether the controller and best-of-N run: the request's setting says so and it is copy (``is_copy``)."""
    return request.sampling.control and is_copy(request, spec)


def row_seed(seed: int, attempt: int, candidate: int) -> int:
    """A row's seed from its request's: independent of the batch it lands in."""
    return random.Random(f"{seed}:{attempt}:{candidate}").getrandbits(63)


class Generator(Protocol):
    """What the CLI, eval, compare and the server call."""
    name: str

    def generate(self, requests: Sequence[ChatRequest]) -> list[Answer]:
        """Verified answers, one per request, decoded together (best-of-N where the request's config says)."""

    def stream(self, requests: Sequence[ChatRequest], on_delta: Callable[[int, str], None],
               cancelled: Callable[[int], bool] | None = None) -> list[Answer]:
        """One controlled sample per request; ``on_delta(i, text)`` gets the new text of request ``i`` as it comes,
        and the deltas of a request add up to its answer's text."""


def visible_text(raw: str, stop: Sequence[str] = (), *, final: bool = True) -> str:
    """The answer as a client sees it: cut before the first stop string and stripped.

    While streaming (``final=False``) the tail that may still change is held back: trailing spaces (the end strips
    them), a character split over tokens, and a possible start of a stop string; so the streamed text always
    grows into the final one.

    >>> visible_text(" 新年好。\\n", final=False), visible_text("新年好。END后", ["END"]), visible_text("新年好E", ["END"], final=False)
    ('新年好。', '新年好。', '新年好')
    """
    cuts = [raw.find(s) for s in stop if s and s in raw]
    if cuts:
        raw, final = raw[:min(cuts)], True
    text = raw.lstrip()
    if final:
        return text.rstrip()
    text = text.rstrip("\ufffd").rstrip()
    held = max((k for s in stop if s for k in range(1, len(s)) if text.endswith(s[:k])), default=0)
    return text[:len(text) - held]


# --- best-of-N, resampling and ranking: above any engine ---------------------------------------------------

class BestOfN:
    """The ``Generator`` over one engine: best-of-N candidates in one batch, failures resampled, the best kept.

    ``control`` is this named model's default when a request does not say (the server's ``hesui-base``: off)."""

    def __init__(self, engine: Engine, name: str | None = None, *, control: bool = True):
        self.engine, self.name, self.control = engine, name or engine.name, control

    def _job(self, request: ChatRequest, spec: Spec, seed: int, group: int) -> Job:
        cfg = request.sampling
        return Job(chat_messages(request, spec), spec, seed, cfg.temperature, cfg.top_p, controlled(request, spec),
                   count_han(request.last_user) > 0, cfg.repetition_penalty, cfg.no_repeat_ngram_size,
                   request.max_tokens, tuple(request.stop), group)

    def generate(self, requests: Sequence[ChatRequest]) -> list[Answer]:
        specs = [r.check() for r in requests]
        start = time.perf_counter()
        seeds = [_base_seed(r) for r in requests]
        control = [controlled(r, s) for r, s in zip(requests, specs)]
        rounds = [r.sampling.max_attempts if c else 1 for r, c in zip(requests, control)]
        best: list[tuple | None] = [None] * len(requests)
        attempts, tokens = [0] * len(requests), [0] * len(requests)
        todo, attempt = list(range(len(requests))), 0
        while todo:
            jobs, owners = [], []
            for i in todo:
                n = requests[i].sampling.n_candidates if control[i] else 1
                jobs += [self._job(requests[i], specs[i], row_seed(seeds[i], attempt, k), i) for k in range(n)]
                owners += [i] * n
            for i, sample in zip(owners, self.engine.sample(jobs)):
                tokens[i] += sample.tokens
                faults = judged_faults(sample.text, requests[i], specs[i])
                covered = judged_details(sample.text, requests[i], specs[i])
                key = (rank_key(sample, specs[i], faults, covered), sample.text)
                if best[i] is None or key > best[i][0]:
                    best[i] = (key, sample, faults)
            for i in todo:
                attempts[i] += 1
            attempt += 1
            todo = [i for i in todo if specs[i].constraints and not best[i][0][0][0] and attempts[i] < rounds[i]]
        seconds = time.perf_counter() - start
        return [_answer(b[1], specs[i], b[2], attempts[i], seconds, tokens[i]) for i, b in enumerate(best)]

    def stream(self, requests: Sequence[ChatRequest], on_delta: Callable[[int, str], None],
               cancelled: Callable[[int], bool] | None = None) -> list[Answer]:
        specs = [r.check() for r in requests]
        start = time.perf_counter()
        jobs = [self._job(r, s, row_seed(_base_seed(r), 0, 0), i) for i, (r, s) in enumerate(zip(requests, specs))]
        sent = [""] * len(jobs)

        def grow(row: int, text: str) -> None:
            if text.startswith(sent[row]) and len(text) > len(sent[row]):
                on_delta(row, text[len(sent[row]):])
                sent[row] = text

        samples = self.engine.sample(jobs, on_text=lambda r, raw: grow(r, visible_text(raw, jobs[r].stop, final=False)),
                                     cancelled=cancelled)
        seconds = time.perf_counter() - start
        for row, sample in enumerate(samples):
            grow(row, sample.text)
        return [_answer(s, spec, judged_faults(s.text, r, spec), 1, seconds, s.tokens)
                for s, r, spec in zip(samples, requests, specs)]

    # --- plain-text requests (the CLI, eval) ------------------------------------------------------------
    def write(self, request: str, config: SamplingConfig | None = None) -> Answer:
        return self.write_many([request], config)[0]

    def write_many(self, requests: list[str], config: SamplingConfig | None = None) -> list[Answer]:
        """Answer several one-turn requests in one batch, each with its own candidates; with a seed, each answer
        is the one the request gets alone with that seed (the CLI, the server and eval agree)."""
        config = config or SamplingConfig()
        for r in requests:
            check_request(r)  # a bad request fails before anything is sampled
        return self.generate([ChatRequest.of(r, config) for r in requests])


def _base_seed(request: ChatRequest) -> int:
    seed = request.sampling.seed
    return seed if seed is not None else random.getrandbits(63)


def _answer(sample: Sample, spec: Spec, faults: list[str], attempts: int, seconds: float, tokens: int) -> Answer:
    ok = strict(sample.text, spec.constraints) if spec.constraints else None
    return Answer(sample.text, spec, ok, attempts, seconds, tokens, finish_reason=sample.finish,
                  prompt_tokens=sample.prompt_tokens, completion_tokens=sample.tokens, copy_faults=faults)
