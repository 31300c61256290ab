"""Engines that turn a request into an answer: prompt → batched sampling under the controller → verified text.

``Generator`` is the interface the CLI, the evaluator and the server use; ``TransformersEngine`` runs any causal
LM that transformers can load (the embedded GGUF default, a HF directory, plus a PEFT adapter).
"""
from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Protocol

import torch
from transformers import (GenerationConfig, LogitsProcessorList,
                          StoppingCriteriaList)

from hesui.length import Spec, count_all, count_han, lifebench, parse, qianfan, strict
from hesui.model import registry
from hesui.model.chat import build_messages, render_prompt

from .control import LengthController, SampleTopK, StopWhenPerfect, natural_end
from .plan import make_plan, max_new_tokens
from .quant import quantize_int8
from .tokens import TokenTable, build_token_table

MAX_REQUEST_CHARS = 2000


@dataclass
class SamplingConfig:
    temperature: float = 0.8  # 0 means greedy
    top_p: float = 0.9
    n_candidates: int = 4  # sampled together in one batch; the best passing one is kept
    max_attempts: int = 3  # rounds of n_candidates before giving up
    seed: int | None = None
    control: bool = True  # False: the plain model, one sample, no steering and no resampling
    repetition_penalty: float = 1.1
    no_repeat_ngram_size: int = 4  # tokens (≈ 6 字): a phrase said twice is a loop, not style

    def __post_init__(self):
        if not 0 <= self.temperature <= 2:
            raise ValueError("temperature must be between 0 and 2")
        if not 0 < self.top_p <= 1:
            raise ValueError("top_p must be in (0, 1]")
        if self.n_candidates < 1 or self.max_attempts < 1:
            raise ValueError("n_candidates and max_attempts must be at least 1")


@dataclass
class Answer:
    text: str
    spec: Spec
    ok: bool | None  # None when the request states no length
    attempts: int
    seconds: float
    tokens: int
    candidates: list[str] = field(default_factory=list, repr=False)

    def to_dict(self) -> dict:
        return {"text": self.text, "count": count_all(self.text), "constraints": self.spec.to_dict()["constraints"],
                "ok": self.ok, "attempts": self.attempts, "seconds": round(self.seconds, 3), "tokens": self.tokens}


class Generator(Protocol):
    name: str

    def write(self, request: str, config: SamplingConfig) -> Answer: ...


def check_request(request: str) -> Spec:
    """Validate a request and parse its length; raises ValueError (LengthSpecError) with a clear message."""
    if not request or not request.strip():
        raise ValueError("the request is empty: say what to write, e.g. hesui write \"给领导写50字以内的拜年短信\"")
    if len(request) > MAX_REQUEST_CHARS:
        raise ValueError(f"the request is {len(request)} characters long; at most {MAX_REQUEST_CHARS} are accepted")
    return parse(request)


CUT_COST = 0.3  # in Qianfan score: a sentence closed where the model paused beats one cut at the bound


@dataclass
class Sample:
    text: str
    tokens: int
    cut: bool = False  # the final full stop was forced or pushed where the model would not have put it


def rank_key(sample: Sample, spec: Spec) -> tuple:
    """Passing first, then Qianfan's score (less for a cut ending), then LIFEBench's: how the best of N is chosen."""
    cs, text = spec.constraints, sample.text
    return (strict(text, cs), (qianfan(text, cs) or 0.0) - CUT_COST * sample.cut, lifebench(text, cs) or 0.0)


class TransformersEngine:
    def __init__(self, model, tokenizer, *, name: str = "model"):
        self.model, self.tokenizer, self.name = model.eval(), tokenizer, name
        self.tokenizer.padding_side = "left"
        if self.tokenizer.pad_token_id is None:
            self.tokenizer.pad_token = self.tokenizer.eos_token
        self.eos_ids = _eos_ids(model, tokenizer)
        self._table: TokenTable | None = None

    @classmethod
    def load(cls, model: str | None = None, adapter: str | None = None, *, int8: bool = True) -> "TransformersEngine":
        """Load a model (default: the embedded base); int8 weights for fast CPU decoding."""
        source = registry.resolve(model)
        lm, tokenizer = registry.load(source)
        if adapter:
            from peft import PeftModel

            lm = PeftModel.from_pretrained(lm, registry.check_adapter(adapter)).merge_and_unload()
        if int8 and not torch.cuda.is_available():
            quantize_int8(lm)
        return cls(lm, tokenizer, name=source.name + (f" + {adapter}" if adapter else ""))

    @property
    def table(self) -> TokenTable:
        if self._table is None:  # built on first use: ~2 s for a 150k vocabulary
            vocab = getattr(self.model.config, "vocab_size", None)
            self._table = build_token_table(self.tokenizer, self.eos_ids, vocab)
        return self._table

    # --- public ---------------------------------------------------------------------------------------
    def write(self, request: str, config: SamplingConfig | None = None) -> Answer:
        return self.write_many([request], config)[0]

    def write_many(self, requests: list[str], config: SamplingConfig | None = None) -> list[Answer]:
        """Answer several requests in one batch (each with its own candidates), resampling the failures."""
        config = config or SamplingConfig()
        specs = [check_request(r) for r in requests]
        start = time.perf_counter()
        n = config.n_candidates if config.control else 1
        rounds = config.max_attempts if config.control else 1
        best: list[tuple[tuple, str]] = [((False, -1.0, -1.0), "")] * len(requests)
        attempts, tokens = [0] * len(requests), [0] * len(requests)
        todo = list(range(len(requests)))
        if config.seed is not None:
            torch.manual_seed(config.seed)
        for _ in range(rounds):
            outs = self._sample([requests[i] for i in todo], [specs[i] for i in todo], config, n)
            for i, candidates in zip(todo, outs):
                attempts[i] += 1
                tokens[i] += sum(c.tokens for c in candidates)
                best[i] = max([best[i]] + [(rank_key(c, specs[i]), c.text) for c in candidates])
            todo = [i for i in todo if specs[i].constraints and not best[i][0][0]]
            if not todo:
                break
        seconds = time.perf_counter() - start
        return [Answer(text, spec, strict(text, spec.constraints) if spec.constraints else None,
                       attempts[i], seconds, tokens[i])
                for i, ((_, text), spec) in enumerate(zip(best, specs))]

    # --- sampling -------------------------------------------------------------------------------------
    def _sample(self, requests: list[str], specs: list[Spec], config: SamplingConfig, n: int) -> list[list[Sample]]:
        """``n`` samples for each request, all in one batch."""
        prompts = [render_prompt(self.tokenizer, build_messages(r, s)) for r, s in zip(requests, specs)]
        plans = [make_plan(s) for s in specs]
        batch = self.tokenizer([p for p in prompts for _ in range(n)], return_tensors="pt", padding=True,
                               add_special_tokens=False).to(self.model.device)
        width = batch.input_ids.shape[1]
        processors, stopping, controller = LogitsProcessorList(), StoppingCriteriaList(), None
        if config.control:
            chinese = [count_han(r) > 0 for r in requests]
            controller = LengthController(self.table, [p for p in plans for _ in range(n)], width,
                                          self.tokenizer, chinese=all(chinese))
            processors.append(controller)
            if len(requests) == 1 and n > 1:
                stopping.append(StopWhenPerfect(controller))
        if config.temperature > 0:
            processors.append(SampleTopK(config.temperature, config.top_p))
        gen = GenerationConfig(
            do_sample=False,  # SampleTopK draws the token after the controller; generate() just takes it
            max_new_tokens=max(max_new_tokens(p) for p in plans),
            repetition_penalty=config.repetition_penalty, no_repeat_ngram_size=config.no_repeat_ngram_size,
            eos_token_id=self.eos_ids, pad_token_id=self.tokenizer.pad_token_id,
        )
        with torch.inference_mode():
            out = self.model.generate(**batch, generation_config=gen, logits_processor=processors,
                                      stopping_criteria=stopping)
        samples = []
        for r, row in enumerate(out[:, width:].tolist()):
            n_tokens = next((k + 1 for k, t in enumerate(row) if t in self.eos_ids), len(row))
            text = self.tokenizer.decode(row[:n_tokens], skip_special_tokens=True).strip()
            unfinished = controller is not None and not controller.states[r].finished and n_tokens == len(row)
            cut = controller is not None and (unfinished or not natural_end(controller.states[r]))
            samples.append(Sample(text, n_tokens, cut))
        return [samples[i * n:(i + 1) * n] for i in range(len(requests))]


def _eos_ids(model, tokenizer) -> list[int]:
    ids = model.generation_config.eos_token_id if model.generation_config else None
    ids = ids if isinstance(ids, list) else [ids] if ids is not None else []
    for token in ("<|im_end|>", "<|endoftext|>", tokenizer.eos_token):
        tid = tokenizer.convert_tokens_to_ids(token) if token else None
        if tid is not None and tid != tokenizer.unk_token_id and tid not in ids:
            ids.append(tid)
    return [i for i in ids if i is not None]
