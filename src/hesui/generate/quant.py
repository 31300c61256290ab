"""Int8 weight-only linear layers for CPU decoding.

Decoding one token reads every weight once, so on a CPU it is bound by memory bandwidth: int8 weights halve
the bytes of bf16. Measured on the 2-core dev machine: ~10 → 16–22 tokens/s at batch 1, as the shared host
drifts (benchmarks/speed.py).
Per-output-channel symmetric scales; the error is far below the Q4_K_M quantization the default model ships in.

The int8 kernel wins only while a step is bandwidth-bound: up to four rows (a best-of-4 greeting) it is faster,
from eight (batched evaluation, prefill) bf16 is, so the bf16 weight is kept too and chosen by the number of rows.
"""
from __future__ import annotations

import torch
from torch import nn


INT8_MAX_ROWS = 4  # measured: int8 faster at 1–4 rows (lm_head 14 vs 18 ms at 4), bf16 at 8; a best-of-4
# 50-字 greeting went from 5.7 to 4.1 s median with 4 instead of 2 (interleaved runs, same host and hour)


class Int8Linear(nn.Module):
    def __init__(self, linear: nn.Linear):
        super().__init__()
        self.register_buffer("weight_bf16", linear.weight.detach().to(torch.bfloat16))
        w = linear.weight.detach().float()
        scale = w.abs().amax(dim=1).clamp(min=1e-8) / 127
        self.register_buffer("weight_int8", (w / scale[:, None]).round().clamp(-127, 127).to(torch.int8))
        self.register_buffer("scale", scale.to(torch.bfloat16))
        bias = linear.bias
        self.register_buffer("bias", None if bias is None else bias.detach().to(torch.bfloat16))
        self.in_features, self.out_features = linear.in_features, linear.out_features

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        flat = x.reshape(-1, self.in_features).to(torch.bfloat16)
        if flat.shape[0] <= INT8_MAX_ROWS:
            y = torch._weight_int8pack_mm(flat, self.weight_int8, self.scale)
        else:
            y = flat @ self.weight_bf16.T
        if self.bias is not None:
            y = y + self.bias
        return y.reshape(*x.shape[:-1], self.out_features).to(x.dtype)


def quantize_int8(module: nn.Module) -> int:
    """Replace every nn.Linear below ``module`` in place; returns how many were replaced."""
    replaced = 0
    for name, child in module.named_children():
        if isinstance(child, nn.Linear):
            setattr(module, name, Int8Linear(child))
            replaced += 1
        else:
            replaced += quantize_int8(child)
    return replaced
