"""hesui train / export on the tiny random model: masking, prompts, loss, run records, resume, configs."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from hesui.cli import main
from hesui.data.records import make_record
from hesui.length import parse
from hesui.model.chat import render_prompt
from hesui.train.config import ConfigError, TrainConfig, load_config
from hesui.train.dataset import IGNORE_INDEX, encode, training_prompt

REPO = Path(__file__).resolve().parents[1]
PAIRS = [
    ("给奶奶写一条25字以内的拜年短信", "奶奶，新年好！我二十八到家，饺子给我留着。"),
    ("给同事写一句拜年的话", "新的一年，咱们组继续并肩作战，春节快乐！"),
    ("写一条30字左右的朋友圈文案", "年夜饭的热气糊住了窗，外面的烟花一朵接一朵，我们一家人都在。"),
    ("给老师写50字以内的新年祝福", "王老师，新年好！您改作文时画的波浪线，我现在写东西还会想起。祝您新年安康。"),
]


def _records() -> list[dict]:
    return [make_record(f"t-{i}", q, a, scenario="test", source="seed", seed_id=f"t-{i}")
            for i, (q, a) in enumerate(PAIRS)]


@pytest.fixture
def data_files(tmp_path) -> tuple[Path, Path]:
    train, dev = tmp_path / "train.jsonl", tmp_path / "dev.jsonl"
    lines = "\n".join(json.dumps(r, ensure_ascii=False) for r in _records()) + "\n"
    train.write_text(lines, encoding="utf-8")
    dev.write_text(lines, encoding="utf-8")
    return train, dev


def _config(tmp_path, tiny_model_dir, data_files, **over) -> TrainConfig:
    train, dev = data_files
    values = dict(name="tiny", base=str(tiny_model_dir), train_file=str(train), dev_file=str(dev),
                  out_root=str(tmp_path / "runs"), max_steps=6, batch_size=2, grad_accum=1, lr=5e-3,
                  eval_steps=3, warmup=0.0, bf16=False, lora_r=4, lora_alpha=8, lora_dropout=0.0)
    values.update(over)
    return TrainConfig(**values)


def test_prompt_tokens_are_masked_and_answer_ends_the_turn(tiny_tokenizer):
    record = _records()[0]
    ex = encode(record, tiny_tokenizer)
    n_prompt = len(tiny_tokenizer(training_prompt(record, tiny_tokenizer), add_special_tokens=False)["input_ids"])
    assert len(ex["input_ids"]) == len(ex["labels"])
    assert ex["labels"][:n_prompt] == [IGNORE_INDEX] * n_prompt
    assert ex["labels"][n_prompt:] == ex["input_ids"][n_prompt:]
    assert ex["labels"][-1] == tiny_tokenizer.convert_tokens_to_ids("<|im_end|>")
    assert tiny_tokenizer.decode(ex["labels"][n_prompt:-1]) == PAIRS[0][1]


def test_answer_window_loss_equals_the_full_loss(tiny_model, tiny_tokenizer):
    """The collator asks for the logits of the answer window only; the loss must not change."""
    import torch

    from hesui.train.dataset import PadCollator, first_answer_index

    long_prompt = make_record("t-x", "给奶奶写一条拜年短信，要提到她做的腊肠和院子里的桂花树", PAIRS[0][1],
                              scenario="test", source="seed", seed_id="t-x")
    examples = [encode(r, tiny_tokenizer) for r in (_records()[1], long_prompt)]
    batch = PadCollator(tiny_tokenizer.pad_token_id)(examples)
    width = batch["input_ids"].shape[1]
    assert batch["logits_to_keep"] == width - min(map(first_answer_index, examples)) + 1 < width
    assert batch["labels"].shape == (2, batch["logits_to_keep"])
    full_labels = torch.tensor([e["labels"] + [IGNORE_INDEX] * (width - len(e["labels"])) for e in examples])
    with torch.no_grad():
        windowed = tiny_model(**batch)
        full = tiny_model(input_ids=batch["input_ids"], attention_mask=batch["attention_mask"], labels=full_labels)
    assert windowed.logits.shape[1] == batch["logits_to_keep"]
    assert windowed.loss.item() == pytest.approx(full.loss.item(), rel=1e-5)


def test_training_prompt_is_the_inference_prompt(tiny_tokenizer):
    from hesui.generate.seam import ChatMessage, ChatRequest, chat_messages

    for record, (request, _) in zip(_records(), PAIRS):
        inference = render_prompt(tiny_tokenizer, chat_messages(ChatRequest.of(request), parse(request)))
        assert training_prompt(record, tiny_tokenizer) == inference
    # a record with a system prompt and an earlier exchange: the same turns at inference
    turns = [{"role": "system", "content": "你是店长的文案助手"}, {"role": "user", "content": "店名叫老街面馆"},
             {"role": "assistant", "content": "好的"}, {"role": "user", "content": PAIRS[2][0]},
             {"role": "assistant", "content": PAIRS[2][1]}]
    record = {**_records()[2], "messages": turns}
    chat = ChatRequest([ChatMessage("user", "店名叫老街面馆"), ChatMessage("assistant", "好的"),
                        ChatMessage("user", PAIRS[2][0])], system="你是店长的文案助手")
    prompt = training_prompt(record, tiny_tokenizer)
    assert prompt == render_prompt(tiny_tokenizer, chat_messages(chat, parse(PAIRS[2][0])))
    assert "老街面馆" in prompt and "店长的文案助手" in prompt


def test_lora_steps_lower_the_loss_and_leave_a_run_record(tmp_path, tiny_model_dir, data_files):
    from hesui.provenance import file_sha256
    from hesui.train import train

    cfg = _config(tmp_path, tiny_model_dir, data_files, max_steps=8, eval_steps=4)
    result = train(cfg)
    rows = [json.loads(l) for l in (cfg.run_dir / "trainer_log.jsonl").read_text().splitlines()]
    losses = [r["loss"] for r in rows if r["loss"] is not None]
    dev = [r["dev_loss"] for r in rows if r["dev_loss"] is not None]
    assert len(losses) == 8 and losses[-1] < losses[0]
    assert len(dev) == 2 and dev[1] < dev[0]
    assert all(r["tokens_per_s"] > 0 and r["eta_s"] is not None for r in rows)
    data = json.loads((cfg.run_dir / "data.json").read_text())
    assert data["train"]["sha256"] == file_sha256(data_files[0]) and data["counts"]["train_records"] == 4
    assert (cfg.run_dir / "config.yaml").read_text().count("adapter: lora") == 1
    assert "hesui_commit" in json.loads((cfg.run_dir / "meta.json").read_text())
    assert (cfg.run_dir / "loss.png").stat().st_size > 1000
    assert list((cfg.run_dir / "tb").rglob("events.out.tfevents.*"))
    assert (result.weights_dir / "adapter_config.json").is_file() and result.steps == 8
    assert (result.weights_dir / "tokenizer_config.json").is_file()


def test_resume_continues_from_the_last_checkpoint(tmp_path, tiny_model_dir, data_files, capsys):
    from hesui.train import train

    train(_config(tmp_path, tiny_model_dir, data_files, max_steps=4, eval_steps=2))
    capsys.readouterr()
    result = train(_config(tmp_path, tiny_model_dir, data_files, max_steps=6, eval_steps=2))
    assert "resuming from" in capsys.readouterr().err and "checkpoint-4" in capsys.readouterr().err + "checkpoint-4"
    steps = [json.loads(l)["step"] for l in (result.run_dir / "trainer_log.jsonl").read_text().splitlines()]
    assert result.steps == 6 and steps[-1] == 6 and 5 in steps  # steps 5, 6 logged after the resume


def test_init_adapter_continues_a_trained_adapter(tmp_path, tiny_model_dir, data_files, capsys):
    from safetensors.torch import load_file

    from hesui.train import train
    from hesui.train.common import TrainError

    first = train(_config(tmp_path, tiny_model_dir, data_files, name="first", max_steps=4, eval_steps=4))
    trained = load_file(first.weights_dir / "adapter_model.safetensors")
    assert any(t.abs().sum() > 0 for k, t in trained.items() if "lora_B" in k)  # B starts at zero when fresh
    again = train(_config(tmp_path, tiny_model_dir, data_files, name="again", max_steps=1, eval_steps=1, lr=1e-12,
                          init_adapter=str(first.weights_dir), lora_dropout=0.3))
    assert "keeps its own lora_dropout=0.0" in capsys.readouterr().err
    assert "lora_dropout: 0.0" in (again.run_dir / "config.yaml").read_text()  # what was trained, not what was asked
    continued = load_file(again.weights_dir / "adapter_model.safetensors")
    assert continued.keys() == trained.keys()
    assert all(continued[k].allclose(trained[k], atol=1e-6) for k in trained)
    with pytest.raises(TrainError, match="no PEFT adapter at"):
        train(_config(tmp_path, tiny_model_dir, data_files, name="bad", init_adapter=str(tmp_path)))


def test_full_sft_saves_a_plain_model(tmp_path, tiny_model_dir, data_files):
    from transformers import AutoModelForCausalLM

    from hesui.train import train

    result = train(_config(tmp_path, tiny_model_dir, data_files, adapter="full", max_steps=2, eval_steps=2, lr=1e-3))
    assert (result.weights_dir / "config.json").is_file()
    AutoModelForCausalLM.from_pretrained(result.weights_dir)


def test_export_merges_the_adapter(tmp_path, tiny_model_dir, data_files):
    import torch
    from peft import PeftModel
    from transformers import AutoModelForCausalLM

    from hesui.train import train

    adapter = train(_config(tmp_path, tiny_model_dir, data_files, max_steps=2, eval_steps=2)).weights_dir
    out = tmp_path / "merged"
    assert main(["export", "--adapter", str(adapter), "--out", str(out), "--model", str(tiny_model_dir)]) == 0
    merged = AutoModelForCausalLM.from_pretrained(out, dtype=torch.float32).eval()
    peft = PeftModel.from_pretrained(AutoModelForCausalLM.from_pretrained(tiny_model_dir, dtype=torch.float32),
                                     adapter).eval()
    ids = torch.tensor([[5, 6, 7, 8]])
    with torch.no_grad():
        assert torch.allclose(merged(ids).logits, peft(ids).logits, atol=2e-2)
    assert main(["export", "--adapter", str(adapter), "--out", str(out), "--model", str(tiny_model_dir)]) == 2


def test_every_shipped_config_loads():
    configs = sorted((REPO / "configs").rglob("*.yaml"))
    assert [c.name for c in configs] == ["dpo-self.yaml", "dpo.yaml", "full.yaml", "lora.yaml"]
    assert {load_config(c).method for c in configs} == {"lora", "full", "lora-dpo"}


def test_an_old_config_with_method_still_loads(tmp_path):
    old = tmp_path / "old.yaml"
    old.write_text("name: x\nmethod: full\nbf16: true\n", encoding="utf-8")
    cfg = load_config(old)
    assert (cfg.adapter, cfg.objective, cfg.bf16) == ("full", "sft", True)


def test_scientific_notation_reads_as_a_number():
    assert load_config(None, ["lr=2e-5", "warmup=1e-1"]).lr == 2e-5  # YAML 1.1 alone would read strings
    assert load_config(None, ["max_steps=1e3"]).max_steps == 1000
    with pytest.raises(ConfigError, match="max_steps must be int"):
        load_config(None, ["max_steps=1.5e0"])


@pytest.mark.parametrize("overrides, message", [
    (["lr=fast"], "lr must be float"),  # a value of the wrong type
    (["learning_rate=1e-4"], "unknown config key 'learning_rate'"),  # a key from another tool
    (["adapter=qlora"], "adapter must be one of lora, full"),  # an adapter hesui does not have
    (["objective=ppo"], "objective must be one of sft, dpo"),  # an objective hesui does not have
    (["beta=0"], "beta must be above 0"),
    (["epochs"], "is not key=value"),  # a bare word
    (["adapter=full", "init_adapter=models/hesui-lora"], "use it with adapter=lora"),  # an adapter needs LoRA
])
def test_bad_settings_are_named(overrides, message):
    with pytest.raises(ConfigError, match=message):
        load_config(REPO / "configs" / "lora.yaml", overrides)


def test_cli_errors_are_one_line(tmp_path, capsys):
    assert main(["train", "--config", str(REPO / "configs" / "lora.yaml"), "batch_size=0"]) == 2
    assert capsys.readouterr().err.strip() == "hesui: batch_size must be at least 1, not 0"
    assert main(["train", "--config", str(tmp_path / "nope.yaml")]) == 2
    assert "no config file at" in capsys.readouterr().err
    assert main(["train", f"train_file={tmp_path / 'missing.jsonl'}", f"out_root={tmp_path}",
                 "base=" + str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("hesui: ")
