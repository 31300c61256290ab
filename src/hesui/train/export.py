"""hesui export: a LoRA adapter merged into its base, as a plain Hugging Face model directory (transformers, vLLM)
or as one GGUF file (llama.cpp, Ollama, LM Studio) with a model card and an Ollama Modelfile beside it; or the
adapter alone as a GGUF LoRA (llama.cpp's ``--lora``, Ollama's ``ADAPTER``)."""
from __future__ import annotations

import shutil
from pathlib import Path


class ExportError(RuntimeError):
    """The adapter or the output cannot be used; the message says why."""


def _merged_hf(adapter_dir: Path, base: str | None):
    """(the adapter merged into its base in bf16, tokenizer), through transformers and peft."""
    import torch
    from peft import PeftModel

    from hesui.model import registry

    model, tokenizer = registry.load(registry.resolve(base))
    try:
        merged = PeftModel.from_pretrained(model, adapter_dir).merge_and_unload()
    except RuntimeError as e:  # peft lists every mismatched tensor; one line says what to do
        if "size mismatch" not in str(e):
            raise
        raise ExportError(f"the adapter at {adapter_dir} was trained on another base model (its tensor shapes "
                          f"differ); pass that base with --model") from None
    return merged.to(torch.bfloat16), tokenizer


def export_merged(adapter: str | Path, out: str | Path, *, base: str | None = None, force: bool = False) -> Path:
    """Merge ``adapter`` into ``base`` (default: the embedded model) and save a plain HF directory at ``out``;
    ExportError for an unusable ``out`` or an adapter trained on another base."""
    from hesui.model import registry

    adapter_dir = registry.check_adapter(str(adapter))
    out = Path(out)
    if out.exists() and not out.is_dir():
        raise ExportError(f"{out} is a file; --out names a directory to create")
    if out.exists() and any(out.iterdir()) and not force:
        raise ExportError(f"{out} exists and is not empty; choose another --out or pass --force")
    merged, tokenizer = _merged_hf(adapter_dir, base)
    tmp = out.with_name(out.name + ".tmp")
    shutil.rmtree(tmp, ignore_errors=True)
    merged.save_pretrained(tmp, safe_serialization=True)
    tokenizer.save_pretrained(tmp)
    shutil.rmtree(out, ignore_errors=True)
    tmp.replace(out)
    return out


def _check_file_out(out: Path, force: bool) -> None:
    if out.suffix != ".gguf":
        raise ExportError(f"{out} should end in .gguf")
    if out.is_dir():
        raise ExportError(f"{out} is a directory; --gguf names a file to write")
    if out.exists() and not force:
        raise ExportError(f"{out} exists; choose another name or pass --force")
    if not out.parent.is_dir():
        raise ExportError(f"no directory {out.parent} to write {out.name} into")


def export_gguf(adapter: str | Path, out: str | Path, *, base: str | None = None, quant: str = "q4_k_m",
                force: bool = False) -> Path:
    """``adapter`` merged into ``base`` as one GGUF of type ``quant`` (q8_0, q4_k_m, f16), quantized by llama.cpp;
    its model card (``OUT.md``) names the base, the adapter and their sha256, and ``Modelfile`` serves it in Ollama.
    A GGUF base is merged tensor by tensor; a Hugging Face base goes through transformers first."""
    from hesui.model import registry
    from hesui.model.gguf_lora import adapter_sha256
    from hesui.model.gguf_merge import QUANTS, merge_lora_gguf, quantize
    from hesui.model.gguf_write import write_gguf

    if quant not in QUANTS:
        raise ExportError(f"unknown --quant {quant!r}: choose one of {', '.join(QUANTS)}")
    adapter_dir = registry.check_adapter(str(adapter))
    out = Path(out)
    _check_file_out(out, force)
    source = registry.resolve(base)
    facts = {"base": source.name, "base_sha256": _base_sha256(source), "adapter": str(adapter_dir),
             "adapter_sha256": adapter_sha256(adapter_dir), "quant": quant}
    metadata = {"general.name": f"hesui: {source.name} + {adapter_dir.name}",
                "hesui.base_sha256": facts["base_sha256"], "hesui.adapter_sha256": facts["adapter_sha256"]}
    if source.gguf_file:
        merge_lora_gguf(source.directory / source.gguf_file, adapter_dir, out, quant=quant, metadata=metadata)
    else:
        merged, tokenizer = _merged_hf(adapter_dir, base)
        tmp = out.with_name(out.name + ".f32.partial")
        try:
            write_gguf(merged, tokenizer, tmp, name=metadata["general.name"])
            quantize(tmp, out, quant)
        finally:
            tmp.unlink(missing_ok=True)
    _write_card(out, facts)
    return out


def export_gguf_lora(adapter: str | Path, out: str | Path, *, base: str | None = None, force: bool = False) -> Path:
    """``adapter`` alone as a GGUF LoRA for the GGUF ``base`` (default: the embedded model)."""
    from hesui.model import registry
    from hesui.model.gguf_lora import gguf_architecture, write_gguf_lora

    adapter_dir = registry.check_adapter(str(adapter))
    out = Path(out)
    _check_file_out(out, force)
    source = registry.resolve(base)
    if not source.gguf_file:
        raise ExportError("--gguf-lora needs a GGUF base (--model FILE.gguf): llama.cpp applies it to that file")
    arch, blocks = gguf_architecture(source.directory / source.gguf_file)
    return write_gguf_lora(adapter_dir, out, arch, blocks)


def _base_sha256(source) -> str:
    from hesui.model import registry
    from hesui.provenance import file_sha256

    if source.gguf_file is None:
        return file_sha256(source.directory / "config.json")  # a directory: its config stands for it
    if source.name == registry.DEFAULT_NAME:
        return registry.DEFAULT_SHA256
    return file_sha256(source.directory / source.gguf_file)


def _write_card(out: Path, facts: dict) -> None:
    """OUT.md (what this file is, where it came from, how to run it) and a Modelfile for Ollama beside it."""
    from hesui.provenance import hesui_commit

    card = f"""# {out.name}

A hesui model: the base with a LoRA adapter merged in, quantized to {facts['quant']} by llama.cpp.

| | |
|---|---|
| base | {facts['base']} (sha256 `{facts['base_sha256']}`) |
| adapter | {facts['adapter']} (sha256 `{facts['adapter_sha256']}`) |
| quantization | {facts['quant']} |
| hesui commit | {hesui_commit()} |

Run it:

```bash
hesui write --model {out.name} "给同事写一条50字以内的拜年短信"   # with hesui's length controller
ollama create hesui -f Modelfile && ollama run hesui              # Ollama (the model alone, no controller)
llama-cli -m {out.name} -cnv                                      # llama.cpp
```
"""
    out.with_suffix(".md").write_text(card, encoding="utf-8")
    modelfile = out.parent / "Modelfile"
    if not modelfile.exists():  # a user's own Modelfile is never overwritten
        modelfile.write_text(f"FROM ./{out.name}\nPARAMETER temperature 0.8\nPARAMETER top_p 0.9\n", encoding="utf-8")
