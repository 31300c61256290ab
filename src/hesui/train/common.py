"""What every training objective shares: records checked before any model loads, the model prepared for its
adapter (LoRA or full), training arguments, precision by hardware, resume, and the run record it leaves.

``hesui.train.sft`` and ``hesui.train.dpo`` add only their data and their trainer.
"""
from __future__ import annotations

import json
import shutil
import sys
from dataclasses import dataclass
from pathlib import Path

from .config import TrainConfig
from .rundir import JsonlLog, plot_curves


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


def load_records(path: Path, *, pairs: bool = False) -> list[dict]:
    """The records of one file (jsonl or a .json array, read as every hesui command reads files), each checked
    (canonical records against the length contract; ``pairs``: as preference pairs); raises TrainError naming the
    first bad record."""
    from hesui.data.formats import FormatError, read_records
    from hesui.data.validate import validate_file

    if not path.is_file():
        make = "hesui data pairs" if pairs else "hesui data build"
        raise TrainError(f"no data file at {path}: build one with `{make}` or point the config at yours")
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
    have_pairs = sum("rejected" in r for r in records)
    if pairs and have_pairs < len(records):
        raise TrainError(f"{path}: objective dpo needs preference pairs (chosen and rejected), and "
                         f"{len(records) - have_pairs} of {len(records)} records have no rejected answer; "
                         f"make pairs with `hesui data pairs`")
    return records


def check_disk(cfg: TrainConfig) -> None:
    root = cfg.run_dir.parent
    root.mkdir(parents=True, exist_ok=True)
    free_gb = shutil.disk_usage(root).free / 1e9
    if free_gb < FREE_DISK_NEEDED_GB[cfg.adapter]:
        raise TrainError(f"only {free_gb:.1f} GB free under {root}; {cfg.adapter} training needs about "
                         f"{FREE_DISK_NEEDED_GB[cfg.adapter]} GB for its checkpoints")


def with_adapter_shape(cfg: TrainConfig) -> TrainConfig:
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


def with_precision(cfg: TrainConfig) -> TrainConfig:
    """``bf16: None`` resolved by the hardware: bf16 autocast on a CUDA GPU that has it or on a CPU with AVX-512
    BF16 or AMX; fp32 elsewhere, with a notice (on an AVX2-only CPU bf16 is emulated: many times slower)."""
    import dataclasses

    import torch

    if cfg.bf16 is not None:
        return cfg
    if torch.cuda.is_available():
        return dataclasses.replace(cfg, bf16=torch.cuda.is_bf16_supported())
    from hesui.generate.load import cpu_flags

    flags = set(cpu_flags())
    native = bool(flags & {"avx512_bf16", "amx_bf16"})
    if not native:
        print("hesui: this CPU has no bf16 instructions (AVX-512 BF16 or AMX): training in fp32, since emulated "
              "bf16 is many times slower; set bf16=true to force it", file=sys.stderr)
    return dataclasses.replace(cfg, bf16=native)


def prepare_model(model, cfg: TrainConfig):
    """LoRA: a peft adapter on the frozen base (adapter weights in fp32), fresh or ``cfg.init_adapter``'s. Full:
    every weight in fp32 (master weights; bf16 autocast does the arithmetic)."""
    import torch

    if cfg.adapter == "full":
        return model.to(torch.float32)
    from peft import LoraConfig, PeftModel, get_peft_model

    if cfg.init_adapter:  # its own rank and targets win over the config's lora_* keys
        return PeftModel.from_pretrained(model, cfg.init_adapter, is_trainable=True)

    lora = LoraConfig(r=cfg.lora_r, lora_alpha=cfg.lora_alpha, lora_dropout=cfg.lora_dropout,
                      target_modules=cfg.lora_targets, task_type="CAUSAL_LM")
    return get_peft_model(model, lora)


def training_arguments(cfg: TrainConfig, steps_hint: int, args_class=None, **extra):
    """Hugging Face ``TrainingArguments`` (or a subclass such as TRL's ``DPOConfig``, with its ``extra`` fields)
    for the config: cosine schedule, dev eval and checkpoints every ``eval_steps``, the best kept by dev loss,
    TensorBoard events."""
    import torch
    from transformers import TrainingArguments

    args_class = args_class or TrainingArguments
    return args_class(
        output_dir=str(cfg.run_dir / "checkpoints"),
        num_train_epochs=cfg.epochs, max_steps=cfg.max_steps,
        per_device_train_batch_size=cfg.batch_size, per_device_eval_batch_size=cfg.batch_size,
        gradient_accumulation_steps=cfg.grad_accum,
        learning_rate=cfg.lr, warmup_steps=cfg.warmup, weight_decay=cfg.weight_decay, lr_scheduler_type="cosine",
        bf16=bool(cfg.bf16), use_cpu=not torch.cuda.is_available(),
        eval_strategy="steps", eval_steps=cfg.eval_steps, save_strategy="steps", save_steps=cfg.eval_steps,
        save_total_limit=cfg.save_total_limit, load_best_model_at_end=True, metric_for_best_model="eval_loss",
        greater_is_better=False, logging_steps=max(1, min(5, steps_hint // 20)),
        prediction_loss_only=True,  # dev eval needs the loss only: keeping every dev logit costs gigabytes
        include_num_input_tokens_seen=True, report_to=["tensorboard"],
        seed=cfg.seed, data_seed=cfg.seed, remove_unused_columns=False, disable_tqdm=False, **extra,
    )


def last_checkpoint(run_dir: Path) -> str | None:
    from transformers.trainer_utils import get_last_checkpoint

    ckpts = run_dir / "checkpoints"
    return get_last_checkpoint(str(ckpts)) if ckpts.is_dir() else None


def run_trainer(trainer, tokenizer, cfg: TrainConfig) -> TrainResult:
    """Train (resuming from the run's last checkpoint if there is one), then save the best weights with the
    tokenizer, draw the curves, and summarise."""
    resume = last_checkpoint(cfg.run_dir)
    if resume:
        print(f"hesui: resuming from {resume}", file=sys.stderr)
    output = trainer.train(resume_from_checkpoint=resume)
    weights = cfg.run_dir / ("adapter" if cfg.adapter == "lora" else "model")
    trainer.save_model(str(weights))
    tokenizer.save_pretrained(str(weights))
    log = cfg.run_dir / "trainer_log.jsonl"
    if log.is_file():
        plot_curves(log, cfg.run_dir / "loss.png")
    runtime = output.metrics.get("train_runtime")
    log_cb = next(cb for cb in trainer.callback_handler.callbacks if isinstance(cb, JsonlLog))
    tokens = trainer.state.num_input_tokens_seen - (log_cb.tokens0 or 0)  # this session's, not a resumed run's
    summary = {"best_dev_loss": trainer.state.best_metric, "best_checkpoint": trainer.state.best_model_checkpoint,
               "steps": trainer.state.global_step, "train_runtime_s": runtime,
               "train_tokens_per_s": round(tokens / runtime, 1) if runtime else None}
    (cfg.run_dir / "summary.json").write_text(json.dumps(summary, indent=1), encoding="utf-8")
    return TrainResult(cfg.run_dir, weights, summary["best_dev_loss"], summary["steps"],
                       summary["train_tokens_per_s"])
