"""Check seed files: every request states a length, and its response meets it.

    python -m hesui.data.seedcheck src/hesui/data/seed/*.jsonl
"""
from __future__ import annotations

import json
import sys
from pathlib import Path

from hesui.length import LengthSpecError, measured, parse, strict

SEED_FIELDS = {"id", "scenario", "tone", "request", "response"}


def check_pair(pair: dict) -> str | None:
    """The reason a seed pair is bad, or None."""
    missing = SEED_FIELDS - pair.keys()
    if missing:
        return f"missing fields: {', '.join(sorted(missing))}"
    try:
        spec = parse(pair["request"])
    except LengthSpecError as e:
        return f"request constraints: {e}"
    if not spec.constraints:
        return "request states no length"
    if not strict(pair["response"], spec.constraints):
        got = {c.unit + (f"/{c.per}" if c.per else ""): measured(pair["response"], c) for c in spec.constraints}
        want = [c.to_dict() for c in spec.constraints]
        return f"response misses its length: counted {got}, wanted {want}"
    return None


def check_file(path: Path) -> list[str]:
    problems, seen = [], set()
    for i, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        try:
            pair = json.loads(line)
        except json.JSONDecodeError as e:
            problems.append(f"{path}:{i}: not JSON ({e.msg})")
            continue
        if pair.get("id") in seen:
            problems.append(f"{path}:{i}: duplicate id {pair.get('id')}")
        seen.add(pair.get("id"))
        reason = check_pair(pair)
        if reason:
            problems.append(f"{path}:{i}: {pair.get('id')}: {reason}")
    return problems


def main(argv: list[str]) -> int:
    total_bad = 0
    for name in argv:
        problems = check_file(Path(name))
        total_bad += len(problems)
        print("\n".join(problems) if problems else f"{name}: ok")
    return 1 if total_bad else 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
