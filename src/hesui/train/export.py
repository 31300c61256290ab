"""hesui export: a LoRA adapter merged into its base and saved as a plain Hugging Face model directory
(config.json, safetensors, tokenizer), which transformers, vLLM and llama.cpp's convert_hf_to_gguf.py load."""
from __future__ import annotations

import shutil
from pathlib import Path


class ExportError(RuntimeError):
    """The adapter or the output directory cannot be used; the message says why."""


def export_merged(adapter: str | Path, out: str | Path, *, base: str | None = None, force: bool = False) -> Path:
    """Merge ``adapter`` into ``base`` (default: the embedded model) and save a plain HF directory at ``out``;
    ExportError for an unusable ``out`` or an adapter trained on another base."""
    import torch
    from peft import PeftModel

    from hesui.model import registry

    adapter_dir = registry.check_adapter(str(adapter))
    out = Path(out)
    if out.exists() and not out.is_dir():
        raise ExportError(f"{out} is a file; --out names a directory to create")
    if out.exists() and any(out.iterdir()) and not force:
        raise ExportError(f"{out} exists and is not empty; choose another --out or pass --force")
    model, tokenizer = registry.load(registry.resolve(base))
    try:
        merged = PeftModel.from_pretrained(model, adapter_dir).merge_and_unload()
    except RuntimeError as e:  # peft lists every mismatched tensor; one line says what to do
        if "size mismatch" not in str(e):
            raise
        raise ExportError(f"the adapter at {adapter_dir} was trained on another base model (its tensor shapes "
                          f"differ); pass that base with --model") from None
    merged = merged.to(torch.bfloat16)
    tmp = out.with_name(out.name + ".tmp")
    shutil.rmtree(tmp, ignore_errors=True)
    merged.save_pretrained(tmp, safe_serialization=True)
    tokenizer.save_pretrained(tmp)
    shutil.rmtree(out, ignore_errors=True)
    tmp.replace(out)
    return out
