"""hesui train: LoRA or full SFT on canonical records, one code path on transformers' ``Trainer``.

The two methods differ only in what is trainable (``_prepare_model``) and by their configs
(configs/lora.yaml, configs/full.yaml). Dev loss is measured every ``eval_steps``; the best checkpoint by dev
loss is kept and saved, training stops after ``patience`` evaluations without improvement, and a run that was
interrupted resumes from its last checkpoint when started again with the same name.
"""
from __future__ import annotations

import json
import random
import shutil
import sys
from dataclasses import dataclass
from pathlib import Path

from .config import TrainConfig
from .dataset import PadCollator, encode_all
from .rundir import JsonlLog, plot_loss, write_start


class TrainError(RuntimeError):
    """The run cannot start (data, disk, model); the message says what to do."""


FREE_DISK_NEEDED_GB = {"lora": 2, "full": 16}  # checkpoints with optimizer state: ~0.1 GB vs ~6 GB each


@dataclass
class TrainResult:
    run_dir: Path
    weights_dir: Path  # adapter/ (LoRA) or model/ (full), with the tokenizer
    best_dev_loss: float | None
    steps: int
    train_tokens_per_s: float | None


def load_records(path: Path) -> list[dict]:
    """Canonical records of one file (jsonl or a .json array, read as every hesui command reads files), each
    checked against the length contract; raises TrainError naming the first bad record."""
    from hesui.data.formats import FormatError, read_records
    from hesui.data.validate import validate_file

    if not path.is_file():
        raise TrainError(f"no data file at {path}: build one with `hesui data build` or point train_file at yours")
    try:
        n, problems = validate_file(path)
        records = read_records(path, "canonical") if not problems else []
    except FormatError as e:
        raise TrainError(str(e).splitlines()[0]) from None
    if problems:
        raise TrainError(f"{path}: {len(problems)} of {n} records are invalid, first {problems[0]}; "
                         f"see `hesui data validate {path}`")
    if not records:
        raise TrainError(f"{path} holds no records")
    return records


def check_disk(cfg: TrainConfig) -> None:
    root = cfg.run_dir.parent
    root.mkdir(parents=True, exist_ok=True)
    free_gb = shutil.disk_usage(root).free / 1e9
    if free_gb < FREE_DISK_NEEDED_GB[cfg.method]:
        raise TrainError(f"only {free_gb:.1f} GB free under {root}; {cfg.method} training needs about "
                         f"{FREE_DISK_NEEDED_GB[cfg.method]} GB for its checkpoints")


def _with_adapter_shape(cfg: TrainConfig) -> TrainConfig:
    """The config with ``init_adapter``'s own rank, alpha, dropout and targets (a continued adapter keeps them),
    so that the run record says what was trained; a notice names any setting that was overridden."""
    import dataclasses

    from hesui.model import registry

    try:
        path = registry.check_adapter(cfg.init_adapter)
    except registry.ModelError as e:
        raise TrainError(str(e)) from None
    own = json.loads((path / "adapter_config.json").read_text(encoding="utf-8"))
    shape = {"lora_r": own.get("r", cfg.lora_r), "lora_alpha": own.get("lora_alpha", cfg.lora_alpha),
             "lora_dropout": own.get("lora_dropout", cfg.lora_dropout),
             "lora_targets": sorted(own.get("target_modules") or cfg.lora_targets)}
    asked = {**{k: getattr(cfg, k) for k in shape}, "lora_targets": sorted(cfg.lora_targets)}
    changed = [f"{k}={v}" for k, v in shape.items() if asked[k] != v]
    if changed:
        print(f"hesui: {cfg.init_adapter} keeps its own {', '.join(changed)}", file=sys.stderr)
    return dataclasses.replace(cfg, **shape)


def _prepare_model(model, cfg: TrainConfig):
    """LoRA: a peft adapter on the frozen base (adapter weights in fp32), fresh or ``cfg.init_adapter``'s. Full:
    every weight in fp32 (master weights; bf16 autocast does the arithmetic)."""
    import torch

    if cfg.method == "full":
        return model.to(torch.float32)
    from peft import LoraConfig, PeftModel, get_peft_model

    if cfg.init_adapter:  # its own rank and targets win over the config's lora_* keys
        return PeftModel.from_pretrained(model, cfg.init_adapter, is_trainable=True)

    lora = LoraConfig(r=cfg.lora_r, lora_alpha=cfg.lora_alpha, lora_dropout=cfg.lora_dropout,
                      target_modules=cfg.lora_targets, task_type="CAUSAL_LM")
    return get_peft_model(model, lora)


def _training_args(cfg: TrainConfig, steps_hint: int):
    import torch
    from transformers import TrainingArguments

    return TrainingArguments(
        output_dir=str(cfg.run_dir / "checkpoints"),
        num_train_epochs=cfg.epochs, max_steps=cfg.max_steps,
        per_device_train_batch_size=cfg.batch_size, per_device_eval_batch_size=cfg.batch_size,
        gradient_accumulation_steps=cfg.grad_accum,
        learning_rate=cfg.lr, warmup_steps=cfg.warmup, weight_decay=cfg.weight_decay, lr_scheduler_type="cosine",
        bf16=cfg.bf16, use_cpu=not torch.cuda.is_available(),
        eval_strategy="steps", eval_steps=cfg.eval_steps, save_strategy="steps", save_steps=cfg.eval_steps,
        save_total_limit=cfg.save_total_limit, load_best_model_at_end=True, metric_for_best_model="eval_loss",
        greater_is_better=False, logging_steps=max(1, min(5, steps_hint // 20)),
        train_sampling_strategy="group_by_length",  # similar lengths share a batch: less padding to compute
        prediction_loss_only=True,  # dev eval needs the loss only: keeping every dev logit costs gigabytes
        include_num_input_tokens_seen=True, report_to=["tensorboard"],
        seed=cfg.seed, data_seed=cfg.seed, remove_unused_columns=False, disable_tqdm=False,
    )


def _last_checkpoint(run_dir: Path) -> str | None:
    from transformers.trainer_utils import get_last_checkpoint

    ckpts = run_dir / "checkpoints"
    return get_last_checkpoint(str(ckpts)) if ckpts.is_dir() else None


def _records(cfg: TrainConfig) -> tuple[list[dict], list[dict]]:
    """The training and dev records the config selects (checked before any model loads)."""
    train = load_records(Path(cfg.train_file))
    dev = load_records(Path(cfg.dev_file))
    random.Random(cfg.seed).shuffle(train)
    if cfg.max_per_seed:
        train = _cap_per_seed(train, cfg.max_per_seed)
    train = train[:cfg.max_train_records] if cfg.max_train_records else train
    dev = dev[:cfg.max_dev_records] if cfg.max_dev_records else dev
    return train, dev


def _datasets(cfg: TrainConfig, tokenizer, train: list[dict], dev: list[dict]):
    enc_train, enc_dev = encode_all(train, tokenizer, cfg.max_len), encode_all(dev, tokenizer, cfg.max_len)
    if not enc_train.examples or not enc_dev.examples:
        raise TrainError(f"no record fits max_len={cfg.max_len} tokens; raise max_len")
    counts = {"train_records": len(enc_train.examples), "train_tokens": enc_train.tokens,
              "train_dropped_too_long": enc_train.dropped_too_long, "dev_records": len(enc_dev.examples),
              "dev_dropped_too_long": enc_dev.dropped_too_long}
    return enc_train.examples, enc_dev.examples, counts


def _cap_per_seed(records: list[dict], cap: int) -> list[dict]:
    """At most ``cap`` records per ``seed_id`` (records without one are all kept), order preserved."""
    seen: dict[str, int] = {}
    kept = []
    for r in records:
        key = r.get("seed_id")
        if key is not None:
            seen[key] = seen.get(key, 0) + 1
            if seen[key] > cap:
                continue
        kept.append(r)
    return kept


def train(cfg: TrainConfig) -> TrainResult:
    """Run one SFT job as ``cfg`` says and return where its weights and records are."""
    import os

    from transformers import EarlyStoppingCallback, Trainer

    from hesui.model import registry

    check_disk(cfg)
    if cfg.init_adapter:
        cfg = _with_adapter_shape(cfg)
    train_records, dev_records = _records(cfg)
    source = registry.resolve(cfg.base)
    model, tokenizer = registry.load(source)
    if tokenizer.pad_token_id is None:
        tokenizer.pad_token = tokenizer.eos_token
    train_set, dev_set, counts = _datasets(cfg, tokenizer, train_records, dev_records)
    write_start(cfg.run_dir, {**cfg.to_dict(), "base_resolved": source.name},
                {"train": Path(cfg.train_file), "dev": Path(cfg.dev_file)}, counts)
    print(f"hesui: {counts['train_records']} training records ({counts['train_tokens']} tokens, "
          f"{counts['train_dropped_too_long']} over max_len dropped), {counts['dev_records']} dev records",
          file=sys.stderr)
    os.environ["TENSORBOARD_LOGGING_DIR"] = str(cfg.run_dir / "tb")
    steps_hint = max(1, len(train_set) // (cfg.batch_size * cfg.grad_accum))
    trainer = Trainer(model=_prepare_model(model, cfg), args=_training_args(cfg, steps_hint),
                      train_dataset=train_set, eval_dataset=dev_set, data_collator=PadCollator(tokenizer.pad_token_id),
                      callbacks=[EarlyStoppingCallback(cfg.patience), JsonlLog(cfg.run_dir / "trainer_log.jsonl")])
    resume = _last_checkpoint(cfg.run_dir)
    if resume:
        print(f"hesui: resuming from {resume}", file=sys.stderr)
    output = trainer.train(resume_from_checkpoint=resume)
    return _finish(trainer, tokenizer, cfg, output)


def _finish(trainer, tokenizer, cfg: TrainConfig, output) -> TrainResult:
    """Save the best weights with the tokenizer, draw the curves, and summarise."""
    weights = cfg.run_dir / ("adapter" if cfg.method == "lora" else "model")
    trainer.save_model(str(weights))
    tokenizer.save_pretrained(str(weights))
    log = cfg.run_dir / "trainer_log.jsonl"
    if log.is_file():
        plot_loss(log, cfg.run_dir / "loss.png")
    runtime = output.metrics.get("train_runtime")
    log_cb = next(cb for cb in trainer.callback_handler.callbacks if isinstance(cb, JsonlLog))
    tokens = trainer.state.num_input_tokens_seen - (log_cb.tokens0 or 0)  # this session's, not a resumed run's
    summary = {"best_dev_loss": trainer.state.best_metric, "best_checkpoint": trainer.state.best_model_checkpoint,
               "steps": trainer.state.global_step, "train_runtime_s": runtime,
               "train_tokens_per_s": round(tokens / runtime, 1) if runtime else None}
    (cfg.run_dir / "summary.json").write_text(json.dumps(summary, indent=1), encoding="utf-8")
    return TrainResult(cfg.run_dir, weights, summary["best_dev_loss"], summary["steps"],
                       summary["train_tokens_per_s"])
