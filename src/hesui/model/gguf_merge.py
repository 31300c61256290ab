"""A PEFT LoRA adapter merged into a GGUF base: one GGUF that llama.cpp, Ollama and LM Studio load as it is.

Each adapted weight is dequantized (the ``gguf`` package), given its LoRA delta ``alpha / r · B·A`` and written as
f16; every other tensor and the metadata (tokenizer, chat template) are copied unchanged. llama.cpp's own
quantizer (``llama_model_quantize``) then writes the requested type. hesui runs a tuned model this way on
llama.cpp (merged once, kept in the cache under the adapter's sha256): a LoRA applied at run time made each step
several times slower there.
"""
from __future__ import annotations

import sys
import time
from pathlib import Path

from .gguf_lora import adapter_sha256, gguf_architecture, lora_pairs
from .registry import ModelError, cache_dir

QUANTS = {"q8_0": "LLAMA_FTYPE_MOSTLY_Q8_0", "q4_k_m": "LLAMA_FTYPE_MOSTLY_Q4_K_M", "f16": "LLAMA_FTYPE_MOSTLY_F16"}
SKIPPED_KEYS = ("GGUF.", "general.architecture", "general.file_type", "general.quantization_version")


def lora_deltas(adapter: str | Path, arch: str, blocks: int) -> dict[str, "np.ndarray"]:
    """GGUF tensor name → the LoRA delta (out × in, float32) that the adapter adds to it: alpha / r · B·A."""
    config, pairs = lora_pairs(adapter, arch, blocks)
    scale = float(config["lora_alpha"]) / float(config["r"])
    return {name: scale * (b @ a) for name, a, b in pairs}


def merge_into_f16(base: str | Path, adapter: str | Path, out: str | Path, *, metadata: dict | None = None) -> Path:
    """Write ``base`` (a GGUF) with ``adapter`` merged: adapted weights as f16, the rest as they were."""
    import gguf
    import numpy as np

    reader = gguf.GGUFReader(str(base))
    arch, blocks = gguf_architecture(reader)
    deltas = lora_deltas(adapter, arch, blocks)
    missing = sorted(set(deltas) - {t.name for t in reader.tensors})
    if missing:
        raise ModelError(f"the adapter changes {missing[0]}, which {Path(base).name} does not have: "
                         "was it trained on another base?")
    writer = gguf.GGUFWriter(str(out), arch)
    for field in reader.fields.values():
        if not field.name.startswith(SKIPPED_KEYS) and field.name not in (metadata or {}):
            sub = field.types[-1] if field.types[0] == gguf.GGUFValueType.ARRAY else None
            writer.add_key_value(field.name, field.contents(), field.types[0], sub)
    for key, value in (metadata or {}).items():
        writer.add_string(key, value)
    writer.add_file_type(gguf.LlamaFileType.MOSTLY_F16)
    for t in reader.tensors:
        if t.name in deltas:
            weight = gguf.quants.dequantize(t.data, t.tensor_type)
            if weight.size != deltas[t.name].size:
                raise ModelError(f"the adapter's {t.name} is {deltas[t.name].shape} and {Path(base).name}'s is "
                                 f"{tuple(reversed(t.shape.tolist()))}: it was trained on another base (--model)")
            writer.add_tensor(t.name, (weight.reshape(deltas[t.name].shape) + deltas[t.name]).astype(np.float16))
        else:
            writer.add_tensor(t.name, t.data, raw_shape=t.data.shape, raw_dtype=t.tensor_type)
    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_tensors_to_file()
    writer.close()
    return Path(out)


def quantize(src: str | Path, dst: str | Path, quant: str) -> Path:
    """llama.cpp's quantizer: ``src`` (any GGUF) written as ``quant`` (q8_0, q4_k_m or f16)."""
    from hesui.generate.llamacpp import cpu_threads, import_llama_cpp

    if quant not in QUANTS:
        raise ModelError(f"unknown quantization {quant!r}: choose one of {', '.join(QUANTS)}")
    L = import_llama_cpp()
    params = L.llama_model_quantize_default_params()
    params.ftype = getattr(L, QUANTS[quant])
    params.allow_requantize = True  # the base's own quantized tensors go through as they must
    params.nthread = cpu_threads()
    if L.llama_model_quantize(str(src).encode(), str(dst).encode(), params) != 0:
        raise ModelError(f"llama.cpp could not quantize {src} to {quant}")
    return Path(dst)


def merge_lora_gguf(base: str | Path, adapter: str | Path, out: str | Path, *, quant: str = "q4_k_m",
                    metadata: dict | None = None) -> Path:
    """``base`` + ``adapter`` as one GGUF of type ``quant`` at ``out``; progress on stderr (a minute or two)."""
    out = Path(out)
    tmp = out.with_name(out.name + ".f16.partial")
    start = time.perf_counter()
    try:
        _say(f"merging {Path(adapter).name} into {Path(base).name}…")
        merge_into_f16(base, adapter, tmp, metadata=metadata)
        _say(f"quantizing to {quant}…")
        part = out.with_name(out.name + ".partial")
        quantize(tmp, part, quant)
        part.replace(out)
    finally:
        tmp.unlink(missing_ok=True)
    _say(f"wrote {out} ({out.stat().st_size / 1e6:.0f} MB) in {time.perf_counter() - start:.0f} s")
    return out


def merged_gguf_for(adapter: str | Path, base: str | Path) -> Path:
    """``base`` + ``adapter`` merged and quantized as the base is (q4_k_m), made once and kept in the cache."""
    base = Path(base)
    key = f"{adapter_sha256(adapter)[:16]}-{base.stem[:40]}-{base.stat().st_size}"
    target = cache_dir() / "merged" / f"{key}.gguf"
    if not target.is_file():
        target.parent.mkdir(parents=True, exist_ok=True)
        _say(f"preparing the tuned model for llama.cpp (once; later runs load it from {target.parent})")
        merge_lora_gguf(base, adapter, target, quant="q4_k_m")
    return target


def _say(text: str) -> None:
    print(f"hesui: {text}", file=sys.stderr, flush=True)
