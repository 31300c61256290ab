"""The transformers engine: batched sampling under the length controller, one row per ``Job``.

It only samples. Requests, best-of-N, resampling and ranking are the seam's (``hesui.generate.seam``), so another
engine (vLLM with the same controller as its logits processor) plugs in under the same ``Generator``.
Every row has its own seed, language, temperature, penalty, token limit and stop strings, so a row's text does not
depend on the rows it is batched with.
"""
from __future__ import annotations

import dataclasses
import math
from typing import Callable, Sequence

import torch
from transformers import GenerationConfig, LogitsProcessor, LogitsProcessorList, StoppingCriteria, StoppingCriteriaList

from hesui.length import count_han
from hesui.model import registry
from hesui.model.chat import render_prompt

from .control import LengthController, natural_end
from .load import cpu_flags
from .plan import make_plan, max_new_tokens
from .sampling import draw_token, penalize
from .seam import (MAX_REQUEST_CHARS, Answer, ChatMessage, ChatRequest, Generator, Job, OnText, RequestCalls, Sample,
                   SamplingConfig, check_request, rank_key, visible_text)
from .tokens import TokenTable, build_token_table

__all__ = ["MAX_REQUEST_CHARS", "Answer", "ChatMessage", "ChatRequest", "Generator", "SamplingConfig", "Sample",
           "TransformersEngine", "check_request", "rank_key"]

class TransformersEngine(RequestCalls):
    engine_name = "transformers"  # what --engine calls it; recorded by eval and write --json
    def __init__(self, model, tokenizer, *, name: str = "model"):
        self.model, self.tokenizer, self.name = model.eval(), tokenizer, name
        self.tokenizer.padding_side = "left"
        if self.tokenizer.pad_token_id is None:
            self.tokenizer.pad_token = self.tokenizer.eos_token
        self.eos_ids = _eos_ids(model, tokenizer)
        self._table: TokenTable | None = None

    @classmethod
    def load(cls, model: str | None = None, adapter: str | None = None) -> "TransformersEngine":
        """Load a model (default: the embedded base) on the GPU when there is one; on a CPU in bf16 where it has
        bf16 instructions, else in float32 (emulated bf16 is slower). CPU decoding is llama.cpp's job
        (``hesui.generate.llamacpp``); this engine serves GPUs, Hugging Face directories and training."""
        source = registry.resolve(model)
        lm, tokenizer = registry.load(source)
        if adapter:
            from peft import PeftModel

            lm = PeftModel.from_pretrained(lm, registry.check_adapter(adapter)).merge_and_unload()
        if torch.cuda.is_available():
            lm = lm.to("cuda")
        elif "avx512_bf16" not in cpu_flags() and "amx_bf16" not in cpu_flags():
            lm = lm.float()
        return cls(lm, tokenizer, name=source.name + (f" + {adapter}" if adapter else ""))

    @property
    def table(self) -> TokenTable:
        if self._table is None:  # built on first use: ~2 s for a 150k vocabulary; kept where the model is
            vocab = getattr(self.model.config, "vocab_size", None)
            table = build_token_table(self.tokenizer, self.eos_ids, vocab)
            device = self.model.device
            self._table = dataclasses.replace(table, **{f.name: getattr(table, f.name).to(device)
                                                        for f in dataclasses.fields(table)
                                                        if isinstance(getattr(table, f.name), torch.Tensor)})
        return self._table

    # --- sampling -------------------------------------------------------------------------------------
    def sample(self, jobs: Sequence[Job], *, on_text: OnText | None = None,
               cancelled: Callable[[int], bool] | None = None) -> list[Sample]:
        """One sample per job, all rows in one batch."""
        prompts = [render_prompt(self.tokenizer, j.messages) for j in jobs]
        batch = self.tokenizer(prompts, return_tensors="pt", padding=True,
                               add_special_tokens=False).to(self.model.device)
        width = batch.input_ids.shape[1]
        pads = (batch.attention_mask == 0).sum(1).tolist()  # left padding: a row's own tokens start here
        plans = [make_plan(j.spec) for j in jobs]
        limits = [min(max_new_tokens(p), j.max_tokens or math.inf) for p, j in zip(plans, jobs)]
        processors = LogitsProcessorList([RowPenalty([j.repetition_penalty for j in jobs], pads)])
        controller = None
        if any(j.control for j in jobs):
            controller = LengthController(self.table, plans, width, self.tokenizer,
                                          chinese=[count_han(j.messages[-1]["content"]) > 0 for j in jobs])
            processors.append(OnlyRows(controller, [j.control for j in jobs]))
        processors.append(RowSampler([j.temperature for j in jobs], [j.top_p for j in jobs], [j.seed for j in jobs]))
        stopper = RowStopper(self, jobs, width, limits, controller, on_text, cancelled)
        gen = GenerationConfig(
            do_sample=False,  # RowSampler draws the token after the controller; generate() just takes it
            max_new_tokens=int(max(limits)), repetition_penalty=1.0,  # RowPenalty: padding must not count
            no_repeat_ngram_size=max(j.no_repeat_ngram_size for j in jobs),  # one setting per batch in transformers
            eos_token_id=self.eos_ids, pad_token_id=self.tokenizer.pad_token_id,
        )
        with torch.inference_mode():
            out = self.model.generate(**batch, generation_config=gen, logits_processor=processors,
                                      stopping_criteria=StoppingCriteriaList([stopper]))
        return [self._finish(r, row, jobs[r], stopper, controller, width - pads[r])
                for r, row in enumerate(out[:, width:].tolist())]

    def _finish(self, r: int, row: list[int], job: Job, stopper: "RowStopper", controller, prompt_tokens: int) -> Sample:
        eos_at = next((k + 1 for k, t in enumerate(row) if t in self.eos_ids), None)
        n_tokens = stopper.stopped_at[r] or eos_at or len(row)
        if eos_at is not None:
            n_tokens = min(n_tokens, eos_at)
        text = visible_text(self.tokenizer.decode(row[:n_tokens], skip_special_tokens=True), job.stop)
        unfinished = eos_at is None or eos_at > n_tokens
        cut = controller is not None and job.control and (unfinished or not natural_end(controller.states[r]))
        finish = "length" if unfinished and stopper.hit_limit[r] else "stop"
        return Sample(text, n_tokens, cut, finish, prompt_tokens)


class RowPenalty(LogitsProcessor):
    """transformers' repetition penalty, per row, over the row's own tokens only: left padding is not text."""

    def __init__(self, penalties: list[float], pads: list[int]):
        self.penalties, self.pads = penalties, pads

    def __call__(self, input_ids: torch.LongTensor, scores: torch.FloatTensor) -> torch.FloatTensor:
        for r, (penalty, pad) in enumerate(zip(self.penalties, self.pads)):
            penalize(scores[r], input_ids[r, pad:], penalty)
        return scores


class OnlyRows(LogitsProcessor):
    """Steer the controlled rows only; a plain row (control off) keeps the model's own logits."""

    def __init__(self, controller: LengthController, rows: list[bool]):
        self.controller, self.plain = controller, [not r for r in rows]

    def __call__(self, input_ids: torch.LongTensor, scores: torch.FloatTensor) -> torch.FloatTensor:
        plain = torch.tensor(self.plain, device=scores.device)
        kept = scores[plain].clone() if plain.any() else None
        scores = self.controller(input_ids, scores)
        if kept is not None:
            scores[plain] = kept
        return scores


class RowSampler(LogitsProcessor):
    """Draw each row's token with ``draw_token`` (the row's own random stream) and hand generate() a one-hot row
    (generate() then runs greedy)."""

    def __init__(self, temperatures: list[float], top_ps: list[float], seeds: list[int]):
        self.temperatures, self.top_ps = temperatures, top_ps
        self.generators = [torch.Generator().manual_seed(s) for s in seeds]  # CPU draws: the same on any device

    def __call__(self, input_ids: torch.LongTensor, scores: torch.FloatTensor) -> torch.FloatTensor:
        out = torch.full_like(scores, float("-inf"))
        for r, (t, p, g) in enumerate(zip(self.temperatures, self.top_ps, self.generators)):
            out[r, draw_token(scores[r], t, p, g)] = 0.0
        return out


class RowStopper(StoppingCriteria):
    """Per row: its token limit, its stop strings, its client gone, or (best-of-N) one of its group perfect.
    It also shows each row's text as it grows (streaming)."""

    def __init__(self, engine: TransformersEngine, jobs: Sequence[Job], width: int, limits: list[float],
                 controller: LengthController | None, on_text: OnText | None, cancelled):
        self.engine, self.jobs, self.width, self.limits = engine, jobs, width, limits
        self.controller, self.on_text, self.cancelled = controller, on_text, cancelled
        self.done = [False] * len(jobs)
        self.stopped_at: list[int | None] = [None] * len(jobs)  # tokens kept when this criterion stopped a row
        self.hit_limit = [False] * len(jobs)

    def __call__(self, input_ids: torch.LongTensor, scores: torch.FloatTensor, **kwargs) -> torch.BoolTensor:
        n = input_ids.shape[1] - self.width
        last = input_ids[:, -1].tolist()
        for r, job in enumerate(self.jobs):
            if self.done[r]:
                continue
            if last[r] in self.engine.eos_ids:
                self.done[r] = True
                continue
            if self.on_text or job.stop:
                text = self.engine.tokenizer.decode(input_ids[r, self.width:], skip_special_tokens=True)
                if self.on_text:
                    self.on_text(r, text)
                if any(s and s in text for s in job.stop):
                    self._stop(r, n)
            if n >= self.limits[r]:
                self.hit_limit[r] = True
                self._stop(r, n)
            elif self.cancelled and self.cancelled(r):
                self._stop(r, n)
        self._stop_perfect_groups(n)
        return torch.tensor(self.done, device=input_ids.device)

    def _stop(self, r: int, n: int) -> None:
        self.done[r], self.stopped_at[r] = True, n

    def _stop_perfect_groups(self, n: int) -> None:
        """A best-of-N group stops once one of its rows ended inside the aimed window: nothing can beat it."""
        c = self.controller
        if c is None or not c.states:
            return
        perfect = {j.group for r, j in enumerate(self.jobs) if j.control and r < len(c.states) and c.perfect(r)}
        for r, job in enumerate(self.jobs):
            if job.group in perfect and not self.done[r]:
                self._stop(r, n)


def _eos_ids(model, tokenizer) -> list[int]:
    ids = model.generation_config.eos_token_id if model.generation_config else None
    ids = ids if isinstance(ids, list) else [ids] if ids is not None else []
    for token in ("<|im_end|>", "<|endoftext|>", tokenizer.eos_token):
        tid = tokenizer.convert_tokens_to_ids(token) if token else None
        if tid is not None and tid != tokenizer.unk_token_id and tid not in ids:
            ids.append(tid)
    return [i for i in ids if i is not None]
