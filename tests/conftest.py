"""Fixtures: a tiny random Qwen2-architecture model and a byte-level BPE tokenizer, built locally in seconds.

Nothing is downloaded. The tokenizer is trained on the shipped seed corpus, so it has whole-character tokens
for common Han characters and for 。！？，and newline, as a real Chinese tokenizer does.
"""
from __future__ import annotations

import json
from pathlib import Path

import pytest

SEED_DIR = Path(__file__).resolve().parents[1] / "src" / "hesui" / "data" / "seed"
CHAT_TEMPLATE = (
    "{% for m in messages %}<|im_start|>{{ m['role'] }}\n{{ m['content'] }}<|im_end|>\n{% endfor %}"
    "{% if add_generation_prompt %}<|im_start|>assistant\n{% endif %}"
)


def _training_text() -> list[str]:
    lines = []
    for path in sorted(SEED_DIR.glob("*.jsonl")):
        for row in path.read_text(encoding="utf-8").splitlines():
            if row.strip():
                pair = json.loads(row)
                lines += [pair["request"], pair["response"]]
    lines += ["。！？，、；：\n新年快乐。", "Happy New Year 2026!"] * 50
    return lines


@pytest.fixture(scope="session")
def tiny_tokenizer():
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers
    from transformers import PreTrainedTokenizerFast

    tok = Tokenizer(models.BPE())
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=False)
    tok.decoder = decoders.ByteLevel()
    specials = ["<|endoftext|>", "<|im_start|>", "<|im_end|>"]
    trainer = trainers.BpeTrainer(vocab_size=1500, special_tokens=specials,
                                  initial_alphabet=pre_tokenizers.ByteLevel.alphabet(), show_progress=False)
    tok.train_from_iterator(_training_text(), trainer)
    fast = PreTrainedTokenizerFast(tokenizer_object=tok, eos_token="<|im_end|>", pad_token="<|endoftext|>",
                                   additional_special_tokens=specials)
    fast.chat_template = CHAT_TEMPLATE
    return fast


@pytest.fixture(scope="session")
def tiny_model(tiny_tokenizer):
    import torch
    from transformers import Qwen2Config, Qwen2ForCausalLM

    torch.manual_seed(0)
    config = Qwen2Config(vocab_size=len(tiny_tokenizer), hidden_size=32, intermediate_size=64, num_hidden_layers=2,
                         num_attention_heads=4, num_key_value_heads=2, max_position_embeddings=2048,
                         eos_token_id=tiny_tokenizer.eos_token_id, pad_token_id=tiny_tokenizer.pad_token_id,
                         tie_word_embeddings=False)
    return Qwen2ForCausalLM(config).eval()


@pytest.fixture(scope="session")
def tiny_engine(tiny_model, tiny_tokenizer):
    from hesui.generate.engine import TransformersEngine

    return TransformersEngine(tiny_model, tiny_tokenizer, name="tiny-random")


@pytest.fixture(scope="session")
def tiny_model_dir(tmp_path_factory, tiny_model, tiny_tokenizer) -> Path:
    """The tiny model saved as a HF directory, for --model and the CLI."""
    path = tmp_path_factory.mktemp("tiny-model")
    tiny_model.save_pretrained(path)
    tiny_tokenizer.save_pretrained(path)
    return path


@pytest.fixture(scope="session")
def built(tmp_path_factory) -> Path:
    """The corpus as `hesui data build --seed 0` writes it (built once per session: about a minute)."""
    from hesui.data.build import build

    out = tmp_path_factory.mktemp("corpus")
    build(out, seed=0)
    return out


@pytest.fixture(scope="session")
def tiny_generators(tiny_engine) -> dict:
    """The two named endpoints a server shows, on the tiny model: "hesui" (controlled) and "hesui-base" (plain)."""
    from hesui.generate.seam import BestOfN

    return {"hesui": BestOfN(tiny_engine, "hesui"), "hesui-base": BestOfN(tiny_engine, "hesui-base", control=False)}


@pytest.fixture(scope="session")
def tiny_gguf(tmp_path_factory, tiny_model, tiny_tokenizer) -> Path:
    """The tiny model as a GGUF file (f32), written by hesui.model.gguf_write: llama.cpp runs it."""
    from hesui.model.gguf_write import write_gguf

    return write_gguf(tiny_model, tiny_tokenizer, tmp_path_factory.mktemp("tiny-gguf") / "tiny.gguf", name="tiny")


@pytest.fixture(scope="session")
def tiny_llama_engine(tiny_gguf):
    from hesui.generate.llamacpp import LlamaCppEngine

    return LlamaCppEngine(tiny_gguf, name="tiny-random.gguf")


@pytest.fixture(params=["transformers", "llama.cpp"])
def either_engine(request):
    """The tiny model on each engine: the length rules must hold on both."""
    return request.getfixturevalue("tiny_engine" if request.param == "transformers" else "tiny_llama_engine")
