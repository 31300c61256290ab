"""What a training run leaves in ``runs/train/<name>/`` so that it can be read and reproduced.

config.yaml (resolved), data.json (sha256 of each data file), meta.json (hesui commit, hardware, versions),
trainer_log.jsonl (one row per log step), loss.png (train and dev curves), tb/ (TensorBoard events).
"""
from __future__ import annotations

import json
import os
import platform
import time
from pathlib import Path

from transformers import TrainerCallback

from hesui.provenance import file_sha256, hesui_commit


def hardware() -> dict:
    import torch

    info = {"machine": platform.machine(), "cpus": os.cpu_count(), "torch": torch.__version__,
            "python": platform.python_version()}
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.is_file():
        names = [l.split(":", 1)[1].strip() for l in cpuinfo.read_text().splitlines() if l.startswith("model name")]
        info["cpu"] = names[0] if names else "unknown"
    if torch.cuda.is_available():
        info["gpu"] = torch.cuda.get_device_name(0)
    return info


def write_start(run_dir: Path, config: dict, data_files: dict[str, Path], counts: dict) -> None:
    """The resolved config, the data's hashes and counts, and where and with what the run started."""
    import yaml

    run_dir.mkdir(parents=True, exist_ok=True)
    (run_dir / "config.yaml").write_text(yaml.safe_dump(config, allow_unicode=True, sort_keys=False), encoding="utf-8")
    data = {role: {"path": str(p), "sha256": file_sha256(p)} for role, p in data_files.items()}
    (run_dir / "data.json").write_text(json.dumps({**data, "counts": counts}, ensure_ascii=False, indent=1),
                                       encoding="utf-8")
    meta = {"hesui_commit": hesui_commit(), "hardware": hardware(), "started": time.strftime("%Y-%m-%dT%H:%M:%S%z")}
    (run_dir / "meta.json").write_text(json.dumps(meta, indent=1), encoding="utf-8")


# DPO's own measures (TRL's log keys → the run record's): the reward margin and accuracy, and the policy's
# log-probabilities of the chosen and rejected answers; dev_ versions from the dev pairs.
DPO_KEYS = {"rewards/margins": "reward_margin", "rewards/accuracies": "reward_accuracy",
            "logps/chosen": "logp_chosen", "logps/rejected": "logp_rejected"}


class JsonlLog(TrainerCallback):
    """One ``trainer_log.jsonl`` row per log or eval step: step, loss, dev_loss, lr, epoch, tokens/s, ETA (s); for
    DPO also the reward margin and accuracy and the chosen and rejected log-probabilities (``DPO_KEYS``)."""

    def __init__(self, path: Path):
        self.path = path
        self.t0 = self.tokens0 = self.step0 = None

    def on_train_begin(self, args, state, control, **kwargs):
        self.t0, self.tokens0, self.step0 = time.perf_counter(), state.num_input_tokens_seen, state.global_step

    def on_log(self, args, state, control, logs=None, **kwargs):
        logs = logs or {}
        if "loss" not in logs and "eval_loss" not in logs:
            return  # the closing summary (train_runtime …) is not a step
        elapsed = time.perf_counter() - self.t0
        done = state.global_step - self.step0
        row = {"step": state.global_step, "epoch": round(state.epoch or 0, 4), "loss": logs.get("loss"),
               "dev_loss": logs.get("eval_loss"), "lr": logs.get("learning_rate"),
               "tokens_per_s": round((state.num_input_tokens_seen - self.tokens0) / elapsed, 1) if elapsed else None,
               "eta_s": round(elapsed / done * (state.max_steps - state.global_step)) if done else None,
               "elapsed_s": round(elapsed, 1)}
        for key, name in DPO_KEYS.items():
            if key in logs:
                row[name] = logs[key]
            if f"eval_{key}" in logs:
                row[f"dev_{name}"] = logs[f"eval_{key}"]
        with open(self.path, "a", encoding="utf-8") as f:
            f.write(json.dumps(row) + "\n")


def plot_curves(log_path: Path, png: Path) -> None:
    """Train and dev loss against optimizer steps; for DPO also the reward margin and accuracy, and the chosen and
    rejected log-probabilities (one panel each)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    rows = [json.loads(l) for l in log_path.read_text(encoding="utf-8").splitlines() if l.strip()]

    def series(key: str) -> list[tuple]:
        return [(r["step"], r[key]) for r in rows if r.get(key) is not None]

    panels = [("cross-entropy (answer tokens)" if not series("reward_margin") else "DPO loss",
               [("loss", "train loss", "-"), ("dev_loss", "dev loss", "o-")])]
    if series("reward_margin"):
        panels += [("reward (β · log-ratio)", [("reward_margin", "margin", "-"), ("dev_reward_margin", "dev margin", "o-"),
                                              ("reward_accuracy", "accuracy", "-"),
                                              ("dev_reward_accuracy", "dev accuracy", "o-")]),
                   ("log-probability (sum)", [("logp_chosen", "chosen", "-"), ("logp_rejected", "rejected", "-"),
                                              ("dev_logp_chosen", "dev chosen", "o-"),
                                              ("dev_logp_rejected", "dev rejected", "o-")])]
    fig, axes = plt.subplots(1, len(panels), figsize=(7 * len(panels), 4), dpi=110, squeeze=False)
    for ax, (ylabel, lines) in zip(axes[0], panels):
        for key, label, style in lines:
            if series(key):
                ax.plot(*zip(*series(key)), style, label=label)
        ax.set_xlabel("optimizer step")
        ax.set_ylabel(ylabel)
        ax.grid(alpha=0.3)
        ax.legend()
    fig.suptitle(log_path.parent.name)
    fig.tight_layout()
    fig.savefig(png)
    plt.close(fig)
