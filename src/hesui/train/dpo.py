"""DPO: preference tuning on ``hesui data pairs`` records, on TRL's ``DPOTrainer``.

Each pair's prompt is rendered by the very functions inference uses (``hesui.train.dataset.training_prompt``), so
the policy is tuned on the prompt it will see. For LoRA the reference is the adapter as the run starts: TRL keeps a
frozen copy of a continued adapter (``init_adapter``) or, for a fresh one, disables it (the base); its
log-probabilities are computed once before the first step (``precompute_ref_log_probs``), which spares a forward
pass per step on a CPU.
"""
from __future__ import annotations

import os
import random
import sys
import zlib
from collections import Counter
from pathlib import Path

from .common import TrainError, TrainResult, load_records, prepare_model, run_trainer, training_arguments
from .config import TrainConfig
from .dataset import end_of_turn_id, training_prompt
from .rundir import JsonlLog, write_start


def _held_out(record: dict, fraction: float) -> bool:
    """Whether a pair belongs to the dev share: by its seed, so relabels of one answer stay on one side."""
    key = str(record.get("seed_id") or record["id"])
    return zlib.crc32(key.encode("utf-8")) % 1000 < fraction * 1000


def pairs(cfg: TrainConfig) -> tuple[list[dict], list[dict]]:
    """The training and dev pairs the config selects (checked before any model loads). With ``dev_file`` equal to
    ``train_file``, ``dev_fraction`` of the seeds is held out."""
    train = load_records(Path(cfg.train_file), pairs=True)
    if Path(cfg.dev_file).resolve() == Path(cfg.train_file).resolve():
        dev = [p for p in train if _held_out(p, cfg.dev_fraction)]
        train = [p for p in train if not _held_out(p, cfg.dev_fraction)]
        if not dev or not train:
            raise TrainError(f"holding out {cfg.dev_fraction:.0%} of {len(train) + len(dev)} pairs leaves one side "
                             f"empty: give more pairs or a separate dev_file")
    else:
        dev = load_records(Path(cfg.dev_file), pairs=True)
    random.Random(cfg.seed).shuffle(train)
    train = train[:cfg.max_train_records] if cfg.max_train_records else train
    dev = dev[:cfg.max_dev_records] if cfg.max_dev_records else dev
    return train, dev


def dpo_rows(records: list[dict], tokenizer, max_len: int) -> tuple[list[dict], int]:
    """``{"prompt", "chosen", "rejected"}`` text rows for TRL, each answer closed by the end-of-turn token as in
    SFT; pairs whose prompt and longer answer exceed ``max_len`` tokens are dropped and counted, never cut."""
    from hesui.data.records import response_of

    end = tokenizer.convert_ids_to_tokens(end_of_turn_id(tokenizer))
    rows, dropped = [], 0
    for record in records:
        prompt = training_prompt(record, tokenizer)
        chosen, rejected = response_of(record) + end, record["rejected"] + end
        longest = max(len(tokenizer(prompt + a, add_special_tokens=False)["input_ids"]) for a in (chosen, rejected))
        if longest > max_len:
            dropped += 1
            continue
        rows.append({"prompt": prompt, "chosen": chosen, "rejected": rejected})
    return rows, dropped


def _dpo_arguments(cfg: TrainConfig, steps_hint: int):
    from trl import DPOConfig

    losses, weights = [cfg.dpo_loss], None
    if cfg.sft_weight > 0:  # RPO: the chosen answers' NLL beside the preference keeps their likelihood from falling
        losses, weights = [cfg.dpo_loss, "sft"], [1.0, cfg.sft_weight]
    return training_arguments(cfg, steps_hint, DPOConfig, beta=cfg.beta, loss_type=losses, loss_weights=weights,
                              ld_alpha=cfg.ld_alpha, max_length=cfg.max_len, precompute_ref_log_probs=True)


def train_dpo(cfg: TrainConfig, data: tuple[list[dict], list[dict]], model, tokenizer, base_name: str) -> TrainResult:
    """One DPO job: ``data`` is ``pairs(cfg)``, ``model`` the loaded base (``hesui.train.train`` loads both)."""
    from datasets import Dataset
    from transformers import EarlyStoppingCallback
    from trl import DPOTrainer

    # TRL closes an answer with eos_token unless it ends with it: make that the end of turn SFT trains on
    tokenizer.eos_token = tokenizer.convert_ids_to_tokens(end_of_turn_id(tokenizer))
    (train_rows, train_dropped), (dev_rows, dev_dropped) = (dpo_rows(d, tokenizer, cfg.max_len) for d in data)
    if not train_rows or not dev_rows:
        raise TrainError(f"no pair fits max_len={cfg.max_len} tokens; raise max_len")
    counts = {"train_pairs": len(train_rows), "train_dropped_too_long": train_dropped, "dev_pairs": len(dev_rows),
              "dev_dropped_too_long": dev_dropped,
              "train_pair_reasons": dict(Counter(r["pair_reason"] for r in data[0])),
              "dev_pair_reasons": dict(Counter(r["pair_reason"] for r in data[1]))}
    write_start(cfg.run_dir, {**cfg.to_dict(), "base_resolved": base_name},
                {"train": Path(cfg.train_file), "dev": Path(cfg.dev_file)}, counts)
    print(f"hesui: {len(train_rows)} training pairs ({train_dropped} over max_len dropped), {len(dev_rows)} dev "
          f"pairs", file=sys.stderr)
    os.environ["TENSORBOARD_LOGGING_DIR"] = str(cfg.run_dir / "tb")
    steps_hint = max(1, len(train_rows) // (cfg.batch_size * cfg.grad_accum))
    trainer = DPOTrainer(model=prepare_model(model, cfg), args=_dpo_arguments(cfg, steps_hint),
                         train_dataset=Dataset.from_list(train_rows), eval_dataset=Dataset.from_list(dev_rows),
                         processing_class=tokenizer,
                         callbacks=[EarlyStoppingCallback(cfg.patience), JsonlLog(cfg.run_dir / "trainer_log.jsonl")])
    return run_trainer(trainer, tokenizer, cfg)
