"""One way to get a generator: ``load_generator(model, adapter, engine=…)`` for write, eval, compare, serve and the
benchmarks.

``engine="auto"`` is llama.cpp on a CPU (the GGUF as it is: no conversion) and transformers on a CUDA GPU or for a
Hugging Face directory. A PEFT adapter runs on llama.cpp merged into the GGUF once (``hesui.model.gguf_merge``, cached by its sha256).
"""
from __future__ import annotations

from functools import lru_cache

from hesui.model import registry
from hesui.model.registry import ModelError

from .seam import BestOfN

ENGINES = ("auto", "llama.cpp", "transformers")


@lru_cache(maxsize=1)
def cpu_flags() -> tuple[str, ...]:
    """The CPU's vector instruction sets that matter for speed (avx2, avx512*, amx*), from /proc/cpuinfo."""
    import re

    try:
        text = open("/proc/cpuinfo", encoding="utf-8", errors="replace").read()
    except OSError:
        return ()
    return tuple(sorted(set(re.findall(r"\b(avx2|avx512\w*|amx\w*)\b", text))))


def pick_engine(engine: str, source: registry.ModelSource) -> str:
    """The engine that will run ``source``: ``engine`` itself unless it is "auto"."""
    if engine not in ENGINES:
        raise ModelError(f"unknown engine {engine!r}: choose one of {', '.join(ENGINES)}")
    if engine != "auto":
        if engine == "llama.cpp" and source.gguf_file is None:
            raise ModelError(f"llama.cpp runs GGUF files and {source.directory} is a Hugging Face directory: "
                             "use --engine transformers, or convert it with llama.cpp's convert_hf_to_gguf.py "
                             "(a tuned adapter: hesui export --adapter DIR --gguf FILE.gguf)")
        return engine
    if source.gguf_file is None or _cuda():
        return "transformers"
    return "llama.cpp"


def _cuda() -> bool:
    try:
        import torch
    except ImportError:
        return False
    return torch.cuda.is_available()


def load_engine(model: str | None = None, adapter: str | None = None, *, engine: str = "auto"):
    """An engine for ``model`` (None: the embedded base) with ``adapter`` (a PEFT directory) applied."""
    source = registry.resolve(model)
    chosen = pick_engine(engine, source)
    name = source.name + (f" + {adapter}" if adapter else "")
    if chosen == "transformers":
        from .engine import TransformersEngine

        loaded = TransformersEngine.load(model, adapter)
    else:
        from hesui.model.gguf_merge import merged_gguf_for

        from .llamacpp import LlamaCppEngine

        path = source.directory / source.gguf_file
        if adapter:  # merged once: a LoRA applied at run time made each step several times slower
            path = merged_gguf_for(registry.check_adapter(adapter), path)
        loaded = LlamaCppEngine(path, name=name)
    return loaded


def load_generator(model: str | None = None, adapter: str | None = None, *, engine: str = "auto",
                   name: str | None = None, control: bool = True) -> BestOfN:
    """The ``Generator`` (best-of-N over one engine) that every command uses."""
    return BestOfN(load_engine(model, adapter, engine=engine), name, control=control)


def describe(generator) -> dict:
    """What ran: the engine and the CPU's instruction sets (eval's config.json, ``hesui write --json``)."""
    engine = getattr(generator, "engine", generator)
    return {"backend": getattr(engine, "engine_name", "unknown"), "cpu_flags": list(cpu_flags())}


