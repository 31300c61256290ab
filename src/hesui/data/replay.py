"""Generate the replay set once: the base model's own answers to general prompts (general/prompts.txt).

    python -m hesui.data.replay            # writes src/hesui/data/general/replay.jsonl (≈ 5 minutes on CPU)

Mixed into training so a tuned model keeps what the base could already do. The build only reads the file.
"""
from __future__ import annotations

import json
import sys
from pathlib import Path

HERE = Path(__file__).parent / "general"
BATCH = 8


def prompts(path: Path = HERE / "prompts.txt") -> list[str]:
    return [l.strip() for l in path.read_text(encoding="utf-8").splitlines() if l.strip() and not l.startswith("#")]


def generate(out: Path = HERE / "replay.jsonl") -> int:
    from hesui.generate.load import load_generator
    from hesui.generate.seam import SamplingConfig

    engine = load_generator(engine="transformers")  # the replay file was made with it; kept comparable
    config = SamplingConfig(temperature=0, control=False)  # the base model as it is, greedy
    items = prompts()
    with open(out, "w", encoding="utf-8") as f:
        for start in range(0, len(items), BATCH):
            batch = items[start:start + BATCH]
            for k, answer in enumerate(engine.write_many(batch, config)):
                row = {"id": f"{start + k + 1:03d}", "prompt": batch[k], "response": answer.text}
                f.write(json.dumps(row, ensure_ascii=False) + "\n")
            print(f"replay: {min(start + BATCH, len(items))}/{len(items)}", file=sys.stderr, flush=True)
    return len(items)


if __name__ == "__main__":
    generate()
