"""A Hugging Face Qwen2 or Llama model (and its byte-level BPE tokenizer) written as a GGUF file.

For the models hesui makes itself — the tests' tiny random model, an ``hesui export`` of a Hugging Face base — so
that llama.cpp runs them. Metadata keys, tensor names (``gguf.TensorNameMap``) and the tokenizer fields follow
llama.cpp's ``convert_hf_to_gguf.py``; models of other families go through that converter.
"""
from __future__ import annotations

import json
from pathlib import Path

from .registry import ModelError

ARCHITECTURES = {"Qwen2ForCausalLM": "qwen2", "LlamaForCausalLM": "llama"}
TOKEN_NORMAL, TOKEN_CONTROL = 1, 3  # gguf.TokenType


def write_gguf(model, tokenizer, out: str | Path, *, name: str = "hesui", dtype: str = "f32") -> Path:
    """Write ``model`` (a transformers causal LM) with ``tokenizer`` to ``out`` in f32 or f16.

    Raises ModelError for an architecture or tokenizer this writer does not cover."""
    import gguf
    import numpy as np

    cfg = model.config
    arch = ARCHITECTURES.get((cfg.architectures or [type(model).__name__])[0]) or ARCHITECTURES.get(type(model).__name__)
    if arch is None:
        raise ModelError(f"hesui writes GGUF for {', '.join(ARCHITECTURES)} only; convert "
                         f"{type(model).__name__} with llama.cpp's convert_hf_to_gguf.py")
    writer = gguf.GGUFWriter(str(out), arch)
    writer.add_name(name)
    writer.add_block_count(cfg.num_hidden_layers)
    writer.add_context_length(cfg.max_position_embeddings)
    writer.add_embedding_length(cfg.hidden_size)
    writer.add_feed_forward_length(cfg.intermediate_size)
    writer.add_head_count(cfg.num_attention_heads)
    writer.add_head_count_kv(cfg.num_key_value_heads)
    writer.add_rope_freq_base(float(getattr(cfg, "rope_theta", 10000.0)))
    writer.add_layer_norm_rms_eps(float(cfg.rms_norm_eps))
    writer.add_file_type(gguf.LlamaFileType.ALL_F32 if dtype == "f32" else gguf.LlamaFileType.MOSTLY_F16)
    _add_tokenizer(writer, tokenizer, arch)
    names = gguf.get_tensor_name_map(gguf.MODEL_ARCH.QWEN2 if arch == "qwen2" else gguf.MODEL_ARCH.LLAMA,
                                     cfg.num_hidden_layers)
    float_type = np.float32 if dtype == "f32" else np.float16
    for key, tensor in model.state_dict().items():
        if key.endswith("rotary_emb.inv_freq"):
            continue
        gguf_name = names.get_name(key, try_suffixes=(".weight", ".bias"))
        if gguf_name is None:
            raise ModelError(f"no GGUF name for the tensor {key}")
        data = tensor.detach().float().cpu().numpy()
        writer.add_tensor(gguf_name, data.astype(np.float32 if data.ndim == 1 else float_type))
    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_tensors_to_file()
    writer.close()
    return Path(out)


def _add_tokenizer(writer, tokenizer, arch: str) -> None:
    """A byte-level BPE tokenizer (GPT-2 style, as Qwen's) as llama.cpp's "gpt2" vocabulary."""
    state = json.loads(tokenizer.backend_tokenizer.to_str()) if hasattr(tokenizer, "backend_tokenizer") else {}
    model = state.get("model", {})
    if model.get("type") != "BPE":
        raise ModelError("hesui writes GGUF for byte-level BPE tokenizers only")
    vocab = tokenizer.get_vocab()
    tokens = [""] * len(vocab)
    for piece, i in vocab.items():
        tokens[i] = piece
    special = set(tokenizer.all_special_ids)
    writer.add_tokenizer_model("gpt2")
    writer.add_tokenizer_pre("qwen2" if arch == "qwen2" else "default")
    writer.add_token_list(tokens)
    writer.add_token_types([TOKEN_CONTROL if i in special else TOKEN_NORMAL for i in range(len(tokens))])
    writer.add_token_merges([m if isinstance(m, str) else " ".join(m) for m in model.get("merges", [])])
    writer.add_eos_token_id(tokenizer.eos_token_id)
    if tokenizer.pad_token_id is not None:
        writer.add_pad_token_id(tokenizer.pad_token_id)
    writer.add_add_bos_token(False)
    if tokenizer.chat_template:
        writer.add_chat_template(tokenizer.chat_template)
