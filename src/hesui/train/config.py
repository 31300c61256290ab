"""The training configuration: typed defaults, then a YAML file, then ``key=value`` overrides (in that order).

Every field has one help string; ``TrainConfig.__post_init__`` rejects values that cannot work, so a bad
config fails before the model loads.
"""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from pathlib import Path

ADAPTERS = ("lora", "full")  # what is trainable: a peft LoRA adapter on the frozen base, or every weight
OBJECTIVES = ("sft", "dpo")  # what the loss is: next-token cross-entropy on answers, or DPO on preference pairs
DPO_LOSSES = ("sigmoid", "ipo", "hinge")  # TRL's loss_type values offered here


class ConfigError(ValueError):
    """A config file or override that cannot be used; the message names the key."""


@dataclass
class TrainConfig:
    name: str = field(default="hesui-lora", metadata={"help": "run name: runs/train/<name>/"})
    adapter: str = field(default="lora", metadata={"help": "lora (peft adapter) or full (all weights)"})
    objective: str = field(default="sft", metadata={
        "help": "sft (answers of canonical records) or dpo (pairs from hesui data pairs: chosen over rejected)"})
    base: str | None = field(default=None, metadata={"help": "HF model dir or .gguf; None = the embedded default"})
    init_adapter: str | None = field(default=None, metadata={
        "help": "LoRA adapter to start from (e.g. models/hesui-lora) instead of a fresh one: tune it further"})
    train_file: str = field(default="data/train.jsonl", metadata={"help": "canonical jsonl (dpo: pairs jsonl)"})
    dev_file: str = field(default="data/dev.jsonl", metadata={
        "help": "canonical jsonl scored every eval_steps (dpo: pairs jsonl; the same file as train_file holds out "
                "dev_fraction of it)"})
    dev_fraction: float = field(default=0.1, metadata={
        "help": "dpo with dev_file == train_file: this share of the pairs (by seed) is held out for dev"})
    beta: float = field(default=0.1, metadata={"help": "dpo: how far the policy may move from the reference"})
    ld_alpha: float | None = field(default=None, metadata={
        "help": "dpo: LD-DPO's weight on the tokens past the shorter answer (1 = plain DPO; None = off)"})
    dpo_loss: str = field(default="sigmoid", metadata={"help": "dpo: TRL loss_type (sigmoid = DPO, ipo, hinge)"})
    sft_weight: float = field(default=0.0, metadata={
        "help": "dpo: weight of the chosen answers' SFT loss added to the preference loss (RPO); 0 = off"})
    out_root: str = field(default="runs/train", metadata={"help": "parent of the run directory"})
    max_train_records: int | None = field(default=None, metadata={"help": "first N training records (after shuffle)"})
    max_per_seed: int | None = field(default=None, metadata={
        "help": "records kept per seed pair (relabels repeat one answer under other length wordings)"})
    max_dev_records: int | None = field(default=None, metadata={"help": "first N dev records: each eval costs time"})
    max_len: int = field(default=1536, metadata={"help": "tokens; longer records are dropped and counted"})
    epochs: float = field(default=1.0, metadata={"help": "passes over the training records"})
    max_steps: int = field(default=-1, metadata={"help": "optimizer steps; overrides epochs when > 0"})
    batch_size: int = field(default=4, metadata={"help": "records per forward pass"})
    grad_accum: int = field(default=4, metadata={"help": "forward passes per optimizer step"})
    lr: float = field(default=2e-4, metadata={"help": "peak learning rate; LoRA ~1e-4–3e-4, full ~1e-5"})
    warmup: float = field(default=0.05, metadata={"help": "linear warmup, as a fraction of all steps"})
    weight_decay: float = field(default=0.0, metadata={"help": "AdamW weight decay"})
    lora_r: int = field(default=16, metadata={"help": "LoRA rank"})
    lora_alpha: int = field(default=32, metadata={"help": "LoRA scale numerator; usually 2*rank"})
    lora_dropout: float = field(default=0.0, metadata={"help": "dropout on the LoRA input"})
    lora_targets: list[str] = field(default_factory=lambda: ["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj",
                                                             "up_proj", "down_proj"],
                                    metadata={"help": "module names LoRA wraps (all linear layers of Qwen2)"})
    eval_steps: int = field(default=25, metadata={"help": "optimizer steps between dev-loss evaluations"})
    patience: int = field(default=3, metadata={"help": "evaluations without a better dev loss before stopping"})
    save_total_limit: int = field(default=2, metadata={"help": "checkpoints kept for resuming (the best is kept too)"})
    bf16: bool | None = field(default=None, metadata={
        "help": "bf16 autocast; None = auto: on where the hardware has bf16 (a CUDA GPU, AVX-512 BF16 or AMX), "
                "fp32 on an AVX2-only CPU, where bf16 is emulated and many times slower"})
    seed: int = field(default=0, metadata={"help": "shuffling, dropout and LoRA init"})

    def __post_init__(self):
        for key, allowed in (("adapter", ADAPTERS), ("objective", OBJECTIVES), ("dpo_loss", DPO_LOSSES)):
            if getattr(self, key) not in allowed:
                raise ConfigError(f"{key} must be one of {', '.join(allowed)}, not {getattr(self, key)!r}")
        for key in ("max_len", "batch_size", "grad_accum", "lora_r", "lora_alpha", "eval_steps", "patience"):
            if getattr(self, key) < 1:
                raise ConfigError(f"{key} must be at least 1, not {getattr(self, key)}")
        if not 0 < self.lr < 1:
            raise ConfigError(f"lr must be between 0 and 1, not {self.lr}")
        if self.epochs <= 0 and self.max_steps <= 0:
            raise ConfigError("set epochs > 0 or max_steps > 0")
        if self.init_adapter and self.adapter != "lora":
            raise ConfigError("init_adapter continues a LoRA adapter: use it with adapter=lora")
        if self.sft_weight < 0:
            raise ConfigError(f"sft_weight must be 0 or more, not {self.sft_weight}")
        if self.beta <= 0:
            raise ConfigError(f"beta must be above 0, not {self.beta}")
        if not 0 < self.dev_fraction < 1:
            raise ConfigError(f"dev_fraction is a share in (0, 1), not {self.dev_fraction}")
        if not 0 <= self.warmup < 1:
            raise ConfigError(f"warmup is a fraction of the steps in [0, 1), not {self.warmup}")

    @property
    def method(self) -> str:
        """The run's kind in one word, as run records name it: lora, full, lora-dpo, full-dpo."""
        return self.adapter if self.objective == "sft" else f"{self.adapter}-{self.objective}"

    @property
    def run_dir(self) -> Path:
        return Path(self.out_root) / self.name

    def to_dict(self) -> dict:
        return dataclasses.asdict(self)


def _coerce(key: str, raw, kind):
    """A YAML value or a command-line string → the field's type."""
    import yaml

    value = yaml.safe_load(raw) if isinstance(raw, str) else raw
    if value is None:
        return None
    wanted = {"int": int, "float": float, "bool": bool, "str": str}
    for name, typ in wanted.items():
        if kind.startswith(name) or kind.startswith(f"{name} |"):
            if typ is float and isinstance(value, int) and not isinstance(value, bool):
                return float(value)
            if typ in (float, int) and isinstance(value, str):  # YAML 1.1 reads 2e-5 or 1e3 (no dot) as a string
                try:
                    number = float(value)
                except ValueError:
                    number = None
                if number is not None and (typ is float or number.is_integer()):
                    return typ(number)
            if typ is str and not isinstance(value, str):
                return str(value)
            if not isinstance(value, typ) or (typ is int and isinstance(value, bool)):
                raise ConfigError(f"{key} must be {name}, not {value!r}")
            return value
    if kind.startswith("list"):
        value = value.split(",") if isinstance(value, str) else value
        if not isinstance(value, list):
            raise ConfigError(f"{key} must be a list, not {value!r}")
        return [str(v).strip() for v in value]
    return value


def load_config(path: str | Path | None = None, overrides: list[str] = ()) -> TrainConfig:
    """Defaults ← YAML file ← ``key=value`` overrides; raises ConfigError naming a bad file, key or value."""
    import yaml

    fields = {f.name: str(f.type) for f in dataclasses.fields(TrainConfig)}
    values: dict = {}
    if path is not None:
        path = Path(path)
        if not path.is_file():
            raise ConfigError(f"no config file at {path}")
        try:
            loaded = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        except yaml.YAMLError as e:
            raise ConfigError(f"{path} is not valid YAML: {str(e).splitlines()[0]}") from None
        if not isinstance(loaded, dict):
            raise ConfigError(f"{path} must hold a mapping of keys to values")
        values.update(loaded)
    for item in overrides:
        key, sep, raw = item.partition("=")
        if not sep:
            raise ConfigError(f"override {item!r} is not key=value")
        values[key.strip()] = raw
    if "method" in values:  # its name in configs and run records written before the objective slot
        values.setdefault("adapter", values.pop("method"))
    unknown = sorted(set(values) - set(fields))
    if unknown:
        raise ConfigError(f"unknown config key {unknown[0]!r}; known keys: {', '.join(fields)}")
    return TrainConfig(**{k: _coerce(k, v, fields[k]) for k, v in values.items()})
