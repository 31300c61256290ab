"""Training: SFT or DPO (``objective``) of a LoRA adapter or every weight (``adapter``), one run directory each."""
from __future__ import annotations


def train(cfg):
    """Run one training job as ``cfg`` (a ``TrainConfig``) says; returns a ``TrainResult`` (where its weights and
    records are). Raises ``TrainError`` with a message for data, disk or model problems, before any step runs."""
    from hesui.model import registry

    from .common import check_disk, with_adapter_shape, with_precision

    check_disk(cfg)
    if cfg.init_adapter:
        cfg = with_adapter_shape(cfg)
    cfg = with_precision(cfg)
    if cfg.objective == "dpo":
        from .dpo import pairs as select, train_dpo as run
    else:
        from .sft import records as select, train_sft as run
    data = select(cfg)  # bad data fails before the model loads
    source = registry.resolve(cfg.base)
    model, tokenizer = registry.load(source)
    if tokenizer.pad_token_id is None:
        tokenizer.pad_token = tokenizer.eos_token
    return run(cfg, data, model, tokenizer, source.name)
