"""SFT: next-token cross-entropy on the answers of canonical records, on transformers' ``Trainer``.

LoRA and full SFT differ only in what is trainable (``common.prepare_model``) and by their configs
(configs/lora.yaml, configs/full.yaml). Dev loss is measured every ``eval_steps``; the best checkpoint by dev
loss is kept and saved, training stops after ``patience`` evaluations without improvement, and a run that was
interrupted resumes from its last checkpoint when started again with the same name.
"""
from __future__ import annotations

import os
import random
import sys
from pathlib import Path

from .common import TrainError, TrainResult, load_records, prepare_model, run_trainer, training_arguments
from .config import TrainConfig
from .dataset import PadCollator, encode_all
from .rundir import JsonlLog, write_start


def records(cfg: TrainConfig) -> tuple[list[dict], list[dict]]:
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


def train_sft(cfg: TrainConfig, data: tuple[list[dict], list[dict]], model, tokenizer, base_name: str) -> TrainResult:
    """One SFT job: ``data`` is ``records(cfg)``, ``model`` the loaded base (``hesui.train.train`` loads both)."""
    from transformers import EarlyStoppingCallback, Trainer

    train_records, dev_records = data
    train_set, dev_set, counts = _datasets(cfg, tokenizer, train_records, dev_records)
    write_start(cfg.run_dir, {**cfg.to_dict(), "base_resolved": base_name},
                {"train": Path(cfg.train_file), "dev": Path(cfg.dev_file)}, counts)
    print(f"hesui: {counts['train_records']} training records ({counts['train_tokens']} tokens, "
          f"{counts['train_dropped_too_long']} over max_len dropped), {counts['dev_records']} dev records",
          file=sys.stderr)
    os.environ["TENSORBOARD_LOGGING_DIR"] = str(cfg.run_dir / "tb")
    steps_hint = max(1, len(train_set) // (cfg.batch_size * cfg.grad_accum))
    args = training_arguments(cfg, steps_hint,
                              train_sampling_strategy="group_by_length")  # similar lengths share a batch: less padding
    trainer = Trainer(model=prepare_model(model, cfg), args=args,
                      train_dataset=train_set, eval_dataset=dev_set, data_collator=PadCollator(tokenizer.pad_token_id),
                      callbacks=[EarlyStoppingCallback(cfg.patience), JsonlLog(cfg.run_dir / "trainer_log.jsonl")])
    return run_trainer(trainer, tokenizer, cfg)
