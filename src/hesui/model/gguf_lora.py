"""A PEFT LoRA adapter as a GGUF LoRA adapter, so llama.cpp applies it to a GGUF base at run time.

The layout is llama.cpp's (its convert_lora_to_gguf.py): ``general.type = adapter``, ``adapter.type = lora``,
``adapter.lora.alpha``, and per adapted weight ``<gguf name>.weight.lora_a`` (rank × in) and ``.lora_b``
(out × rank); llama.cpp scales B·A by alpha / rank, as PEFT does. Tensor names are mapped with the ``gguf``
package's ``TensorNameMap`` for the base's architecture (``lora_pairs``, which the merge into a GGUF reads too).
"""
from __future__ import annotations

import hashlib
import json
from pathlib import Path

from .registry import ModelError, check_adapter

PEFT_PREFIX = "base_model.model."


def adapter_sha256(adapter: str | Path) -> str:
    """sha256 over the adapter's config and weights: the cache key of its GGUF form."""
    path = check_adapter(str(adapter))
    digest = hashlib.sha256()
    for name in ("adapter_config.json", "adapter_model.safetensors"):
        f = path / name
        if not f.is_file():
            raise ModelError(f"no {name} in {path}: hesui reads PEFT adapters saved as safetensors")
        digest.update(f.read_bytes())
    return digest.hexdigest()


def gguf_architecture(gguf: "str | Path | GGUFReader") -> tuple[str, int]:
    """(general.architecture, block count) of a GGUF model (a path, or a reader already open), from its header."""
    from gguf import GGUFReader

    reader = gguf if isinstance(gguf, GGUFReader) else GGUFReader(str(gguf))
    arch = _field(reader, "general.architecture")
    return arch, int(_field(reader, f"{arch}.block_count"))


def _field(reader, key: str):
    field = reader.get_field(key)
    if field is None:
        raise ModelError(f"{key} is missing from the GGUF header")
    return field.contents()


def lora_pairs(adapter: str | Path, arch: str, blocks: int) -> tuple[dict, list[tuple[str, "np.ndarray", "np.ndarray"]]]:
    """(the adapter's config, [(GGUF name of the adapted weight, A: rank × in, B: out × rank)], float32) for a base
    of architecture ``arch`` with ``blocks`` layers.

    Raises ModelError for what llama.cpp cannot apply (DoRA, rsLoRA, per-module ranks, a module it has no name for)."""
    import gguf
    from safetensors.numpy import load_file

    path = check_adapter(str(adapter))
    config = json.loads((path / "adapter_config.json").read_text(encoding="utf-8"))
    unsupported = [k for k in ("use_dora", "use_rslora", "rank_pattern", "alpha_pattern") if config.get(k)]
    if unsupported or config.get("peft_type", "LORA") != "LORA":
        raise ModelError(f"the adapter {path} uses {', '.join(unsupported) or config.get('peft_type')}, which "
                         "llama.cpp does not apply; run with --engine transformers")
    arch_id = next((k for k, v in gguf.MODEL_ARCH_NAMES.items() if v == arch), None)
    if arch_id is None:
        raise ModelError(f"the gguf package does not know the architecture {arch!r}")
    names = gguf.get_tensor_name_map(arch_id, blocks)
    weights = load_file(str(path / "adapter_model.safetensors"))
    pairs = []
    for key in sorted(k for k in weights if k.endswith(".lora_A.weight")):
        module = key.removeprefix(PEFT_PREFIX).removesuffix(".lora_A.weight")
        name = names.get_name(module + ".weight", try_suffixes=(".weight",))
        if name is None:
            raise ModelError(f"llama.cpp has no tensor for the adapted module {module} ({arch})")
        b = weights[key.replace(".lora_A.", ".lora_B.")]
        pairs.append((name, weights[key].astype("float32"), b.astype("float32")))
    return config, pairs


def write_gguf_lora(adapter: str | Path, out: str | Path, arch: str, blocks: int) -> Path:
    """Write ``adapter`` (a PEFT LoRA directory) as a GGUF LoRA for a base of architecture ``arch``."""
    import gguf

    config, pairs = lora_pairs(adapter, arch, blocks)
    writer = gguf.GGUFWriter(str(out), arch)
    writer.add_type(gguf.GGUFType.ADAPTER)
    writer.add_string(gguf.Keys.Adapter.TYPE, "lora")
    writer.add_float32(gguf.Keys.Adapter.LORA_ALPHA, float(config["lora_alpha"]))
    for name, a, b in pairs:
        writer.add_tensor(f"{name}.lora_a", a)
        writer.add_tensor(f"{name}.lora_b", b)
    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_tensors_to_file()
    writer.close()
    return Path(out)
