"""hesui export: a LoRA adapter merged into its base and saved as a plain Hugging Face model directory
(config.json, safetensors, tokenizer), which transformers, vLLM and llama.cpp's convert_hf_to_gguf.py load."""
from __future__ import annotations

import shutil
from pathlib import Path


class ExportError(RuntimeError):
    """The adapter or the output directory cannot be used; the message says why."""


def export_merged(adapter: str | Path, out: str | Path, *, base: str | None = None, force: bool = False) -> Path:
    """Merge ``adapter`` into ``base`` (default: the base recorded in the adapter, else the embedded model)."""
    import torch
    from peft import PeftModel

    from hesui.model import registry

    adapter_dir = registry.check_adapter(str(adapter))
    out = Path(out)
    if out.exists() and any(out.iterdir()) and not force:
        raise ExportError(f"{out} exists and is not empty; choose another --out or pass --force")
    model, tokenizer = registry.load(registry.resolve(base))
    merged = PeftModel.from_pretrained(model, adapter_dir).merge_and_unload()
    merged = merged.to(torch.bfloat16)
    tmp = out.with_name(out.name + ".tmp")
    shutil.rmtree(tmp, ignore_errors=True)
    merged.save_pretrained(tmp, safe_serialization=True)
    tokenizer.save_pretrained(tmp)
    shutil.rmtree(out, ignore_errors=True)
    tmp.replace(out)
    return out
