"""The llama.cpp engine: any GGUF on any CPU, under the same length controller as the transformers engine.

It owns the token loop through llama-cpp-python's low-level API (``llama_decode``, ``llama_get_logits_ith``, the
KV cache) rather than the high-level ``logits_processor`` hook, which its own source calls fragile. Per step and
per row: no repeated n-gram, the repetition penalty, the length rules (``LengthController.steer_row``), then
``draw_token`` with the row's own random stream — the same functions the transformers engine calls.

The candidates of one request share a prompt: it is decoded once and its KV cells are shared with the other
candidates' sequences (``llama_memory_seq_cp`` on a unified cache), so four candidates cost one prefill and a
batch of four rows a step.
"""
from __future__ import annotations

import ctypes
import math
import os
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Sequence

import numpy as np
import torch

from hesui.model.registry import ModelError

from .control import LengthController, natural_end
from .plan import make_plan, max_new_tokens
from .sampling import NgramBlocker, draw_token, penalize
from .seam import Job, OnText, RequestCalls, Sample, visible_text
from .tokens import TokenTable, cached_table, table_from_pieces

MAX_ROWS = 64  # sequences in one context; a larger batch of jobs runs in slices of this many
SMALL_MODEL_PARAMS = 10_000_000  # below this (the tests' tiny models) one thread decodes faster than several
CTX_STEP = 4096
# llama.cpp's built-in chat templates, by GGUF architecture, for a GGUF that carries none
BUILTIN_TEMPLATES = {"gemma": "gemma", "gemma2": "gemma", "gemma3": "gemma", "llama": "llama3", "qwen2": "chatml"}  # the KV cache grows in steps of this many cells, and is kept for later calls


GGML_LOG_ERROR = 4  # ggml.h's enum (DEBUG 1, INFO 2, WARN 3, ERROR 4); llama-cpp-python's own logger maps the
# older one, so its "errors only" setting still prints every warning of a model load


def import_llama_cpp():
    """llama_cpp, printing llama.cpp's errors only, or a ModelError naming the way out."""
    try:
        import llama_cpp
    except (ImportError, OSError) as e:  # OSError: the shared library failed to load (built for another CPU…)
        raise ModelError(f"llama-cpp-python could not be loaded ({e}); rebuild it for this machine (pip install "
                         "--force-reinstall --no-cache-dir llama-cpp-python) or run with --engine transformers") from None
    global _log_errors
    if _log_errors is None:
        _log_errors = llama_cpp.llama_log_callback(_print_error)
    llama_cpp.llama_log_set(_log_errors, ctypes.c_void_p(0))
    return llama_cpp


def _print_error(level: int, text: bytes, user_data) -> None:
    if level == GGML_LOG_ERROR:
        print(text.decode("utf-8", errors="replace"), end="", file=sys.stderr, flush=True)


_log_errors = None  # the C callback, kept alive for as long as llama.cpp may call it


def amx_host() -> bool:
    """The CPU reports AMX: hesui then keeps llama.cpp off its extra buffer types, where ggml's AMX kernels run
    (a default native build crashed with SIGILL in them on one AVX-512 host family). HESUI_LLAMA_AMX=1 allows them."""
    from .load import cpu_flags

    return any(f.startswith("amx") for f in cpu_flags()) and os.environ.get("HESUI_LLAMA_AMX") != "1"


def cpu_threads() -> int:
    """$HESUI_THREADS, else every core this process may use. llama.cpp's threads wait for each other at every
    step, so on a machine where another job holds a core, fewer threads than cores decode far faster."""
    if os.environ.get("HESUI_THREADS", "").isdigit() and int(os.environ["HESUI_THREADS"]) > 0:
        return int(os.environ["HESUI_THREADS"])
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


@dataclass
class _Row:
    """One row's decoding state: what it has written and why it stopped."""
    job: Job
    prompt: list[int]
    limit: float
    generator: torch.Generator
    blocker: NgramBlocker
    ids: list[int] = field(default_factory=list)
    raw: bytearray = field(default_factory=bytearray)
    done: bool = False
    eos: bool = False
    hit_limit: bool = False

    @property
    def text(self) -> str:
        return self.raw.decode("utf-8", errors="replace")


class LlamaCppEngine(RequestCalls):
    """``Engine.sample`` on a GGUF model through llama.cpp, optionally with a GGUF LoRA adapter."""
    engine_name = "llama.cpp"  # what --engine calls it; recorded by eval and write --json

    def __init__(self, path: str | Path, *, name: str | None = None, lora: str | Path | None = None,
                 threads: int | None = None):
        self.L = L = import_llama_cpp()
        L.llama_backend_init()
        params = L.llama_model_default_params()
        params.n_gpu_layers = 0
        params.use_extra_bufts = not amx_host()  # ggml's AMX kernels live there (SIGILL on one AVX-512 family)
        self.model = L.llama_model_load_from_file(str(path).encode(), params)
        if not self.model:
            raise ModelError(f"llama.cpp could not load {path}: not a GGUF model it knows "
                             "(try --engine transformers for a Hugging Face directory)")
        self.path, self.name = Path(path), name or Path(path).name
        self.vocab = L.llama_model_get_vocab(self.model)
        self.n_vocab = L.llama_vocab_n_tokens(self.vocab)
        # A model this small is done before a second thread would have started: one thread, no waiting on another.
        small = L.llama_model_n_params(self.model) < SMALL_MODEL_PARAMS
        self.threads = threads or (1 if small else cpu_threads())
        self.lora = None
        if lora:
            self.lora = L.llama_adapter_lora_init(self.model, str(lora).encode())
            if not self.lora:
                raise ModelError(f"llama.cpp could not load the LoRA adapter {lora} for {self.name}")
        self.pieces = [self._piece(i) for i in range(self.n_vocab)]
        self.eos_ids = [i for i in range(self.n_vocab) if L.llama_vocab_is_eog(self.vocab, i)]
        self._formatter = self._chat_formatter()
        self._table: TokenTable | None = None
        self.ctx, self.n_ctx, self.n_seq = None, 0, 0

    # --- the vocabulary -----------------------------------------------------------------------------
    def _piece(self, token: int) -> bytes:
        """The bytes a token adds to an answer; control and unused tokens add none (skip_special_tokens)."""
        attr = self.L.llama_vocab_get_attr(self.vocab, token)
        if attr & (self.L.LLAMA_TOKEN_ATTR_CONTROL | self.L.LLAMA_TOKEN_ATTR_UNUSED | self.L.LLAMA_TOKEN_ATTR_UNKNOWN):
            return b""
        buf = ctypes.create_string_buffer(64)
        n = self.L.llama_token_to_piece(self.vocab, token, buf, len(buf), 0, False)
        if n < 0:
            buf = ctypes.create_string_buffer(-n)
            n = self.L.llama_token_to_piece(self.vocab, token, buf, len(buf), 0, False)
        return buf.raw[:n]

    def _special_ids(self) -> set[int]:
        return {i for i, p in enumerate(self.pieces) if not p}

    def tokenize(self, text: str) -> list[int]:
        """Token ids of a rendered prompt; special tokens written in it (<|im_start|>) are parsed as such."""
        data = text.encode("utf-8")
        out = (ctypes.c_int32 * (len(data) + 8))()
        n = self.L.llama_tokenize(self.vocab, data, len(data), out, len(out), False, True)
        if n < 0:
            raise ModelError(f"llama.cpp could not tokenize a prompt of {len(data)} bytes")
        return list(out[:n])

    def single_id(self, text: str) -> int:
        ids = self.tokenize(text)
        if len(ids) != 1:
            raise ValueError(f"tokenizer has no single token for {text!r}")
        return ids[0]

    @property
    def table(self) -> TokenTable:
        if self._table is None:
            texts = [p.decode("utf-8", errors="replace") for p in self.pieces]
            build = lambda: table_from_pieces(texts, self._special_ids(), self.eos_ids, self.single_id)  # noqa: E731
            self._table = cached_table(self.pieces + [repr(self.eos_ids).encode()], build)
        return self._table

    def _chat_formatter(self) -> Callable[[list[dict]], str]:
        """The model's own chat template (jinja, as transformers renders it); for a GGUF without one (a base, not
        an instruct model), llama.cpp's built-in template of its family, with a notice."""
        from llama_cpp.llama_chat_format import Jinja2ChatFormatter

        template = self._meta("tokenizer.chat_template")
        if template:
            eos, bos = self.L.llama_vocab_eos(self.vocab), self.L.llama_vocab_bos(self.vocab)
            jinja = Jinja2ChatFormatter(template, eos_token=self._token_text(eos), bos_token=self._token_text(bos))
            return lambda messages: jinja(messages=messages).prompt
        name = BUILTIN_TEMPLATES.get(self._meta("general.architecture") or "", "chatml")
        print(f"hesui: {self.name} has no chat template (not an instruct model?); using llama.cpp's built-in "
              f"{name!r} template", file=sys.stderr, flush=True)
        return lambda messages: self._builtin_template(name, messages)

    def _builtin_template(self, name: str, messages: list[dict]) -> str:
        L = self.L
        chat = (L.llama_chat_message * len(messages))()
        kept = [(m["role"].encode(), m["content"].encode()) for m in messages]  # alive while the call reads them
        for k, (role, content) in enumerate(kept):
            chat[k].role, chat[k].content = role, content
        size = 4 * sum(len(c) for _, c in kept) + 256
        buf = ctypes.create_string_buffer(size)
        n = L.llama_chat_apply_template(name.encode(), chat, len(kept), True, buf, size)
        if n > size:
            buf = ctypes.create_string_buffer(n)
            n = L.llama_chat_apply_template(name.encode(), chat, len(kept), True, buf, n)
        if n < 0:
            raise ModelError(f"llama.cpp has no built-in chat template {name!r} for {self.name}")
        return buf.raw[:n].decode("utf-8", errors="replace")

    def _token_text(self, token: int) -> str:
        if token < 0:
            return ""
        buf = ctypes.create_string_buffer(256)
        n = self.L.llama_token_to_piece(self.vocab, token, buf, len(buf), 0, True)
        return buf.raw[:max(n, 0)].decode("utf-8", errors="replace")

    def _meta(self, key: str) -> str | None:
        buf = ctypes.create_string_buffer(1 << 16)
        n = self.L.llama_model_meta_val_str(self.model, key.encode(), buf, len(buf))
        if n < 0:
            return None
        if n >= len(buf):
            buf = ctypes.create_string_buffer(n + 1)
            self.L.llama_model_meta_val_str(self.model, key.encode(), buf, len(buf))
        return buf.value.decode("utf-8", errors="replace")

    def render(self, messages: list[dict]) -> str:
        """The chat template as text, as transformers' apply_chat_template(add_generation_prompt=True) gives."""
        return self._formatter(messages)

    # --- the context ----------------------------------------------------------------------------------
    def _context(self, cells: int, rows: int):
        """A context with room for ``cells`` KV cells and ``rows`` sequences, emptied; grown only when needed."""
        L = self.L
        if self.ctx is not None and self.n_ctx >= cells and self.n_seq >= rows:
            L.llama_memory_clear(L.llama_get_memory(self.ctx), True)
            return self.ctx
        self.close_context()
        params = L.llama_context_default_params()
        params.n_ctx = self.n_ctx = max(self.n_ctx, CTX_STEP * math.ceil(cells / CTX_STEP))
        params.n_batch = params.n_ctx  # every prompt of a call in one llama_decode: their logits stay readable
        params.n_ubatch = 512
        params.n_seq_max = self.n_seq = max(self.n_seq, min(MAX_ROWS, 8 * math.ceil(rows / 8)))
        params.n_threads = params.n_threads_batch = self.threads
        params.kv_unified = True  # candidates share their prompt's cells
        params.no_perf = True
        self.ctx = L.llama_init_from_model(self.model, params)
        if not self.ctx:
            raise ModelError(f"llama.cpp could not make a context of {params.n_ctx} tokens for {self.name}")
        if self.lora:
            adapters = (L.llama_adapter_lora_p_ctypes * 1)(self.lora)
            L.llama_set_adapters_lora(self.ctx, adapters, 1, (ctypes.c_float * 1)(1.0))
        return self.ctx

    def close_context(self) -> None:
        if self.ctx is not None:
            self.L.llama_free(self.ctx)
            self.ctx = None

    def __del__(self):
        try:
            self.close_context()
            if getattr(self, "model", None):
                self.L.llama_model_free(self.model)
                self.model = None
        except Exception:  # interpreter shutdown: the library may be gone already
            pass

    def _decode(self, entries: list[tuple[int, int, int, bool]]) -> None:
        """One llama_decode of (token, position, sequence, wants logits) entries."""
        L = self.L
        batch = L.llama_batch_init(len(entries), 0, 1)
        try:
            for k, (token, pos, seq, logits) in enumerate(entries):
                batch.token[k], batch.pos[k], batch.n_seq_id[k] = token, pos, 1
                batch.seq_id[k][0], batch.logits[k] = seq, logits
            batch.n_tokens = len(entries)
            if L.llama_decode(self.ctx, batch) != 0:
                raise ModelError(f"llama.cpp failed to decode a batch of {len(entries)} tokens")
        finally:
            L.llama_batch_free(batch)

    def _logits(self, index: int) -> torch.Tensor:
        """The logits after the ``index``-th token of the last decode: a view of llama.cpp's buffer, no copy."""
        ptr = self.L.llama_get_logits_ith(self.ctx, index)
        return torch.from_numpy(np.ctypeslib.as_array(ptr, shape=(self.n_vocab,)))

    # --- sampling -------------------------------------------------------------------------------------
    def sample(self, jobs: Sequence[Job], *, on_text: OnText | None = None,
               cancelled: Callable[[int], bool] | None = None) -> list[Sample]:
        """One sample per job; rows of the same prompt share its prefill."""
        out: list[Sample] = []
        threads = torch.get_num_threads()
        torch.set_num_threads(1)  # the controller's vector ops are small: one thread is 2 ms a row-step, two were
        try:  # 5-150 ms (they wait for each other, and for llama.cpp's threads)
            for lo in range(0, len(jobs), MAX_ROWS):
                part = list(jobs[lo:lo + MAX_ROWS])
                shift = lambda f: (lambda r, *a: f(r + lo, *a)) if f else None  # noqa: E731  (rows keep their index)
                out += self._sample(part, shift(on_text), shift(cancelled))
        finally:
            torch.set_num_threads(threads)
        return out

    def _sample(self, jobs: list[Job], on_text, cancelled) -> list[Sample]:
        plans = [make_plan(j.spec) for j in jobs]
        rows = []
        for job, plan in zip(jobs, plans):
            prompt = self.tokenize(self.render(job.messages))
            limit = min(max_new_tokens(plan), job.max_tokens or math.inf)
            rows.append(_Row(job, prompt, limit, torch.Generator().manual_seed(job.seed),
                             NgramBlocker(job.no_repeat_ngram_size, prompt)))
        controller = None
        if any(j.control for j in jobs):
            controller = LengthController(self.table, plans, 0, None, chinese=[j.chinese for j in jobs])
            controller.start(len(jobs))
        leaders: dict[tuple, int] = {}
        for r, row in enumerate(rows):
            leaders.setdefault(tuple(row.prompt), r)
        cells = sum(len(p) for p in leaders) + int(sum(min(row.limit, 8192) for row in rows)) + len(rows)
        self._context(cells, len(rows))
        outputs = self._prefill(rows, leaders)
        while True:
            step = self._step(rows, outputs, controller, on_text, cancelled)
            if not step:
                break
            outputs = {r: k for k, (r, _) in enumerate(step)}
            self._decode([(t, len(rows[r].prompt) + len(rows[r].ids) - 1, r, True) for r, t in step])
        return [self._finish(r, row, controller) for r, row in enumerate(rows)]

    def _prefill(self, rows: list[_Row], leaders: dict[tuple, int]) -> dict[int, int]:
        """Decode each distinct prompt once (in its leader's sequence) and share its cells with the rows that have
        the same prompt. Returns, per row, the batch place of the token whose logits start it."""
        entries, first_out = [], {}
        for prompt, leader in leaders.items():
            entries += [(t, p, leader, p == len(prompt) - 1) for p, t in enumerate(prompt)]
            first_out[leader] = len(entries) - 1  # logits are read by the token's place in the batch
        self._decode(entries)
        memory = self.L.llama_get_memory(self.ctx)
        outputs = {}
        for r, row in enumerate(rows):
            leader = leaders[tuple(row.prompt)]
            if leader != r:
                self.L.llama_memory_seq_cp(memory, leader, r, -1, -1)
            outputs[r] = first_out[leader]
        return outputs

    def _step(self, rows: list[_Row], outputs: dict[int, int], controller, on_text, cancelled) -> list[tuple[int, int]]:
        """Draw the next token of every live row; returns (row, token) for the rows that go on."""
        shared = len(set(outputs.values())) < len(outputs)
        going = []
        for r, row in enumerate(rows):
            if row.done:
                continue
            logits = self._logits(outputs[r])
            if shared:
                logits = logits.clone()  # candidates still reading their common prompt's logits
            token = self._next_token(r, row, logits, controller)
            self._take(r, row, token, controller, on_text, cancelled)
            if not row.done:
                going.append((r, token))
        self._stop_perfect_groups(rows, controller)
        memory = self.L.llama_get_memory(self.ctx)
        for r in outputs:
            if rows[r].done:  # its cells are free for the rows that go on
                self.L.llama_memory_seq_rm(memory, r, -1, -1)
        return [(r, t) for r, t in going if not rows[r].done]

    def _next_token(self, r: int, row: _Row, logits: torch.Tensor, controller) -> int:
        banned = row.blocker.banned()
        if banned:
            logits[banned] = float("-inf")
        penalize(logits, torch.tensor(row.blocker.ids, dtype=torch.long), row.job.repetition_penalty)
        if controller is not None and row.job.control:
            logits = controller.steer_row(r, row.text, logits)
        return draw_token(logits, row.job.temperature, row.job.top_p, row.generator)

    def _take(self, r: int, row: _Row, token: int, controller, on_text, cancelled) -> None:
        """Append ``token`` to the row and stop it where the transformers engine's RowStopper would."""
        row.ids.append(token)
        row.blocker.add(token)
        if token in self.eos_ids:
            row.done = row.eos = True
            if controller is not None:
                controller.states[r].finished = True
            return
        row.raw += self.pieces[token]
        text = row.text
        if on_text:
            on_text(r, text)
        if any(s and s in text for s in row.job.stop):
            row.done = True
        if len(row.ids) >= row.limit:
            row.done = row.hit_limit = True
        elif cancelled and cancelled(r):
            row.done = True

    def _stop_perfect_groups(self, rows: list[_Row], controller) -> None:
        """A best-of-N group stops once one of its rows ended inside the aimed window: nothing can beat it."""
        if controller is None:
            return
        perfect = {row.job.group for r, row in enumerate(rows) if row.job.control and controller.perfect(r)}
        for row in rows:
            if row.job.group in perfect:
                row.done = True

    def _finish(self, r: int, row: _Row, controller) -> Sample:
        text = visible_text(row.text, row.job.stop)
        cut = controller is not None and row.job.control and (not row.eos or not natural_end(controller.states[r]))
        finish = "length" if not row.eos and row.hit_limit else "stop"
        return Sample(text, len(row.ids), cut, finish, len(row.prompt))
