"""Shared by the benchmark scripts: loading the engine and reading the dev prompts."""
from __future__ import annotations

import statistics
from pathlib import Path

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "results"


def dev_prompts(path: Path = HERE / "dev_prompts.txt") -> list[str]:
    return [line.strip() for line in path.read_text(encoding="utf-8").splitlines()
            if line.strip() and not line.startswith("#")]


def median(xs: list[float]) -> float:
    return statistics.median(xs) if xs else float("nan")


def cpu_flags() -> str:
    """This CPU's SIMD flags as one line (hesui.generate.load.cpu_flags): timings on another machine are comparable
    only with the same ones."""
    from hesui.generate.load import cpu_flags as flags

    return " ".join(flags()) or "none (or no /proc/cpuinfo)"
