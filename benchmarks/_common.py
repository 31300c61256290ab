"""Shared by the benchmark scripts: loading the engine and reading the dev prompts."""
from __future__ import annotations

import re
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
    """This CPU's SIMD flags, as `grep -o -w 'avx2\\|avx512[a-z_0-9]*\\|amx[a-z_0-9]*' /proc/cpuinfo | sort -u`
    prints them: timings on another machine are comparable only with the same ones."""
    try:
        text = Path("/proc/cpuinfo").read_text()
    except OSError:
        return "unknown (no /proc/cpuinfo)"
    return " ".join(sorted(set(re.findall(r"\b(?:avx2|avx512[a-z_0-9]*|amx[a-z_0-9]*)\b", text)))) or "none"
