"""The llama.cpp engine on the tiny model as a GGUF: the same tokens as transformers, parallel candidates as one at a
time, cancellation, adapters (merged GGUF, GGUF LoRA) and clear errors. The length rules on both engines are in
test_control.py and test_control_v2.py (the ``either_engine`` fixture)."""
from __future__ import annotations

import sys

import pytest
import torch

from hesui.generate.llamacpp import LlamaCppEngine, import_llama_cpp
from hesui.generate.load import load_engine, pick_engine
from hesui.generate.seam import BestOfN, ChatRequest, Job, SamplingConfig
from hesui.length import parse
from hesui.model import registry
from hesui.model.gguf_write import write_gguf
from hesui.model.registry import ModelError

PROMPTS = ["新年好", "给同事写一条50字以内的拜年短信", "写一副七言春联"]


def prompt_ids(tokenizer, text: str) -> list[int]:
    rendered = tokenizer.apply_chat_template([{"role": "user", "content": text}], add_generation_prompt=True,
                                             tokenize=False)
    return tokenizer(rendered, add_special_tokens=False).input_ids


def llama_greedy(engine: LlamaCppEngine, ids: list[int], n: int) -> list[int]:
    """n greedy tokens after ``ids`` through llama.cpp's decode, no controller."""
    engine._context(len(ids) + n + 8, 1)
    engine._decode([(t, p, 0, p == len(ids) - 1) for p, t in enumerate(ids)])
    out, index = [], len(ids) - 1
    for pos in range(len(ids), len(ids) + n):
        out.append(int(engine._logits(index).argmax()))
        engine._decode([(out[-1], pos, 0, True)])
        index = 0
    return out


def hf_greedy(model, ids: list[int], n: int) -> list[int]:
    with torch.inference_mode():
        out = model.generate(torch.tensor([ids]), max_new_tokens=n, min_new_tokens=n, do_sample=False)
    return out[0, len(ids):].tolist()


def test_gguf_greedy_tokens_match_transformers(tiny_llama_engine, tiny_model, tiny_tokenizer):
    for text in PROMPTS:
        ids = prompt_ids(tiny_tokenizer, text)
        assert llama_greedy(tiny_llama_engine, ids, 32) == hf_greedy(tiny_model, ids, 32), text


def job(text: str, seed: int, group: int = 0, **kw) -> Job:
    from hesui.model.chat import build_messages

    spec = parse(text)
    return Job(build_messages(text, spec), spec, seed, 0.8, 0.9, True, True, group=group, **kw)


def test_parallel_candidates_equal_one_at_a_time(tiny_llama_engine):
    """Candidates sharing a prompt's KV cells, with other requests beside them, write what each writes alone."""
    jobs = [job("写一条50字以内的拜年短信", s, group=0) for s in (11, 12, 13)] + [job("写一副七言春联", 5, group=1)]
    together = [s.text for s in tiny_llama_engine.sample(jobs)]
    alone = [tiny_llama_engine.sample([j])[0].text for j in jobs]
    assert together == alone
    assert len(set(together[:3])) == 3  # three seeds, three different candidates


def test_cancelled_row_stops_and_the_others_go_on(tiny_llama_engine):
    jobs = [job("写一段不少于200字的祝福", 1), job("写一段不少于200字的祝福", 2)]
    steps = {0: 0, 1: 0}

    def on_text(row, text):
        steps[row] += 1

    samples = tiny_llama_engine.sample(jobs, on_text=on_text, cancelled=lambda row: row == 1 and steps[1] >= 5)
    assert samples[1].tokens == 5
    assert samples[0].tokens > 100 and samples[0].finish == "stop"


def test_max_tokens_and_stop_strings(tiny_llama_engine):
    short = tiny_llama_engine.sample([job("写一段不少于200字的祝福", 1, max_tokens=7)])[0]
    assert short.tokens == 7 and short.finish == "length"


@pytest.fixture(scope="module")
def tuned(tmp_path_factory, tiny_model, tiny_tokenizer):
    """(base GGUF, adapter dir, the adapter merged by peft): a LoRA with random, non-zero A and B on every linear
    layer of the tiny model, so the merge changes every output."""
    import copy

    from peft import LoraConfig, get_peft_model

    path = tmp_path_factory.mktemp("tuned")
    base_gguf = write_gguf(tiny_model, tiny_tokenizer, path / "base.gguf")
    torch.manual_seed(1)
    config = LoraConfig(r=4, lora_alpha=8, init_lora_weights=False,
                        target_modules=["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"])
    peft_model = get_peft_model(copy.deepcopy(tiny_model), config)
    peft_model.save_pretrained(path / "adapter")
    return base_gguf, path / "adapter", peft_model.merge_and_unload().eval()


def export(tmp_path, tuned, quant: str) -> LlamaCppEngine:
    from hesui.cli import main

    base_gguf, adapter, _ = tuned
    out = tmp_path / f"tuned-{quant}.gguf"
    assert main(["export", "--adapter", str(adapter), "--gguf", str(out), "--quant", quant,
                 "--model", str(base_gguf)]) == 0
    return LlamaCppEngine(out)


def test_exported_gguf_agrees_with_the_transformers_merge(tmp_path, tuned, tiny_tokenizer):
    """hesui export --gguf: in f16 the merged file's 32 greedy tokens are the merged HF model's on every prompt; its
    model card names base, quantization and hashes; hesui answers in bounds with it."""
    exported = export(tmp_path, tuned, "f16")
    for text in PROMPTS:
        ids = prompt_ids(tiny_tokenizer, text)
        assert llama_greedy(exported, ids, 32) == hf_greedy(tuned[2], ids, 32), text
    card = (tmp_path / "tuned-f16.md").read_text(encoding="utf-8")
    assert "| quantization | f16 |" in card and "base.gguf" in card and "sha256" in card
    assert (tmp_path / "Modelfile").read_text().startswith("FROM ./tuned-f16.gguf")
    assert BestOfN(exported).write("写一条50字以内的拜年短信", SamplingConfig(seed=0)).ok is True


def test_exported_q8_0_differs_by_rounding_only(tmp_path, tuned, tiny_tokenizer):
    """q8_0: teacher-forced over the merged HF model's 32 greedy tokens, every logit is within 0.02 of the HF
    model's (the tiny random model's logits spread ~0.1), and the greedy choice is the same wherever the HF
    model's best two are further apart than that. (Its near-ties, 0.001 apart, may flip: rounding, not a bug.)"""
    exported = export(tmp_path, tuned, "q8_0")
    for text in PROMPTS:
        ids = prompt_ids(tiny_tokenizer, text)
        full = ids + hf_greedy(tuned[2], ids, 32)
        with torch.inference_mode():
            hf = tuned[2](torch.tensor([full])).logits[0, len(ids) - 1:-1]
        exported._context(len(full) + 8, 1)
        exported._decode([(t, p, 0, p >= len(ids) - 1) for p, t in enumerate(full[:-1])])
        llama = torch.stack([exported._logits(k).clone() for k in range(len(ids) - 1, len(full) - 1)])
        assert (llama - hf).abs().max() < 0.02, text
        best_two = hf.topk(2, -1).values
        clear = best_two[:, 0] - best_two[:, 1] > 0.02
        assert torch.equal(llama.argmax(-1)[clear], hf.argmax(-1)[clear]), text


def test_gguf_lora_agrees_with_the_peft_model(tmp_path, tuned, tiny_tokenizer):
    from hesui.train.export import export_gguf_lora

    base_gguf, adapter, merged = tuned
    lora = export_gguf_lora(adapter, tmp_path / "lora.gguf", base=str(base_gguf))
    engine = LlamaCppEngine(base_gguf, lora=lora)
    ids = prompt_ids(tiny_tokenizer, PROMPTS[1])
    assert llama_greedy(engine, ids, 32) == hf_greedy(merged, ids, 32)


def test_load_engine_picks_and_refuses(tiny_model_dir, tiny_gguf):
    assert pick_engine("auto", registry.resolve(str(tiny_model_dir))) == "transformers"
    assert load_engine(str(tiny_gguf), engine="auto").engine_name in ("llama.cpp", "transformers")
    with pytest.raises(ModelError, match="--engine transformers"):
        pick_engine("llama.cpp", registry.resolve(str(tiny_model_dir)))
    with pytest.raises(ModelError, match="unknown engine"):
        pick_engine("vllm", registry.resolve(str(tiny_gguf)))


def test_a_broken_llama_cpp_names_the_way_out(monkeypatch):
    monkeypatch.setitem(sys.modules, "llama_cpp", None)  # import fails as with a failed build
    with pytest.raises(ModelError, match="--engine transformers"):
        import_llama_cpp()


def test_write_with_a_gguf_that_is_not_one(tmp_path):
    from tests.test_cli import run_cli

    bogus = tmp_path / "bogus.gguf"
    bogus.write_bytes(b"not a model")
    result = run_cli("write", "50字以内的拜年语", "--model", str(bogus), "--engine", "llama.cpp")
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert "could not load" in result.stderr and "--engine transformers" in result.stderr.splitlines()[-1]


def test_stream_on_llama_cpp_adds_up(tiny_llama_engine):
    gen = BestOfN(tiny_llama_engine)
    got = []
    answer = gen.stream([ChatRequest.of("写一条30字以内的拜年短信", SamplingConfig(seed=2))],
                        lambda i, delta: got.append(delta))[0]
    assert "".join(got) == answer.text and answer.ok is True


def test_an_adapter_of_another_base_is_refused_in_one_line(tmp_path, tuned, tiny_tokenizer, capsys):
    """The same architecture and tensor names, other sizes: a clear error, no traceback, nothing left behind."""
    from transformers import Qwen2Config, Qwen2ForCausalLM

    from hesui.cli import main

    wider = Qwen2ForCausalLM(Qwen2Config(vocab_size=len(tiny_tokenizer), hidden_size=64, intermediate_size=128,
                                         num_hidden_layers=2, num_attention_heads=4, num_key_value_heads=2))
    other = write_gguf(wider, tiny_tokenizer, tmp_path / "wider.gguf")
    out = tmp_path / "x.gguf"
    assert main(["export", "--adapter", str(tuned[1]), "--gguf", str(out), "--model", str(other)]) == 2
    err = capsys.readouterr().err
    assert "trained on another base" in err and "Traceback" not in err
    assert not out.exists() and not list(tmp_path.glob("*.partial"))
