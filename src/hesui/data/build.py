"""hesui data build: seed pairs → train/dev/test jsonl in the canonical format, with stats and charts.

Deterministic under ``--seed``. Splits are made by seed pair (ladder rungs and near duplicates travel
together), so no response or near copy of one crosses from train into dev or test.
"""
from __future__ import annotations

import json
import random
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from hesui.length import parse

from . import augment
from .clean import clean_records
from .records import make_record, near_duplicate_groups
from .validate import check_record

SEED_DIR = Path(__file__).parent / "seed"
REPLAY_FILE = Path(__file__).parent / "general" / "replay.jsonl"
SPLIT_SHARES = {"test": 0.08, "dev": 0.07}  # of the seed groups; the rest is train
RELABELS_PER_PAIR = 4


@dataclass
class BuildReport:
    out_dir: Path
    counts: dict[str, Counter] = field(default_factory=dict)  # split → source → records
    removed: Counter = field(default_factory=Counter)  # reason → records dropped

    def summary(self) -> str:
        lines = [f"{split}: {sum(c.values())} records ({', '.join(f'{k} {v}' for k, v in sorted(c.items()))})"
                 for split, c in self.counts.items()]
        lines += [f"removed {n}: {reason}" for reason, n in self.removed.most_common()] or ["removed: none"]
        return "\n".join(lines)


def load_seed(seed_dir: Path = SEED_DIR) -> list[dict]:
    pairs = []
    for path in sorted(seed_dir.glob("*.jsonl")):
        pairs += [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    return pairs


def split_groups(pairs: list[dict], rng: random.Random) -> dict[str, list[dict]]:
    """Assign whole groups to splits, scenario by scenario, so every split sees every scenario."""
    groups = near_duplicate_groups(pairs)
    by_scenario: dict[str, list[list[dict]]] = {}
    for g in groups:
        by_scenario.setdefault(g[0]["scenario"], []).append(g)
    splits: dict[str, list[dict]] = {"train": [], "dev": [], "test": []}
    for scenario in sorted(by_scenario):
        gs = by_scenario[scenario]
        rng.shuffle(gs)
        n_test = max(1, round(SPLIT_SHARES["test"] * len(gs)))
        n_dev = max(1, round(SPLIT_SHARES["dev"] * len(gs)))
        for i, g in enumerate(gs):
            split = "test" if i < n_test else "dev" if i < n_test + n_dev else "train"
            splits[split] += g
    return splits


def expand(pair: dict, rng: random.Random) -> list[dict]:
    """The seed pair itself plus its relabelled and paraphrased requests (checked later, not here)."""
    request, response, sid = pair["request"], pair["response"], pair["id"]
    source = "ladder" if pair.get("ladder") else "seed"
    out = [(request, source)]
    constraints = parse(request).constraints
    if any(c.kind in ("couplet", "verse") for c in constraints):
        renamed = augment.rename_poem(request)
        out += [(renamed, "relabel")] if renamed else []
    elif all(c.unit in ("char", "han") and c.per is None for c in constraints):
        core = augment.strip_length(request)
        wordings = augment.relabel_wordings(response, rng, pair["scenario"]) + augment.shape_wordings(response)
        for w in rng.sample(wordings, k=min(RELABELS_PER_PAIR, len(wordings))):
            out.append((augment.compose(core, w, rng), "relabel"))
    else:  # a shape (sentences, paragraphs) stays; a 字 bound is added to it
        wordings = augment.relabel_wordings(response, rng, pair["scenario"])
        for w in rng.sample(wordings, k=min(2, len(wordings))):
            out.append((augment.compose(request, w, rng), "relabel"))
    out.append((augment.paraphrase(request, pair.get("tone", ""), rng), "paraphrase"))
    records, seen = [], set()
    for k, (req, src) in enumerate(out):
        if req in seen:
            continue
        seen.add(req)
        try:
            records.append(make_record(f"{sid}-{src}-{k}", req, response, scenario=pair["scenario"],
                                       source=src, seed_id=sid))
        except ValueError as e:  # a contradictory relabel: kept out, and counted by the caller
            records.append({"id": f"{sid}-{src}-{k}", "error": str(e)})
    return records


def load_replay(path: Path = REPLAY_FILE) -> list[dict]:
    """The base model's own answers to general prompts, generated once (python -m hesui.data.replay)."""
    if not path.is_file():
        return []
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    return [make_record(f"replay-{r['id']}", r["prompt"], r["response"], scenario="general", source="replay",
                        seed_id=f"replay-{r['id']}") for r in rows]


def keep_valid(records: list[dict], removed: Counter) -> list[dict]:
    """Drop (and count) records that fail the validator or repeat an earlier request and response."""
    kept, seen = [], set()
    for r in records:
        reason = r.get("error") and f"contradictory relabel: {r['error']}" or check_record(r)
        key = None if reason else (r["messages"][-2]["content"], r["messages"][-1]["content"])
        if key in seen:
            reason = "duplicate request and response"
        if reason:
            removed[reason.split(" (")[0]] += 1
            continue
        seen.add(key)
        kept.append(r)
    return kept


def build(out_dir: Path = Path("data"), *, seed: int = 0) -> BuildReport:
    rng = random.Random(seed)
    report = BuildReport(out_dir)
    splits = split_groups(load_seed(), rng)
    replay = load_replay()
    rng.shuffle(replay)
    n_eval = len(replay) // 10
    replay_split = {"test": replay[:n_eval], "dev": replay[n_eval:2 * n_eval], "train": replay[2 * n_eval:]}
    out_dir.mkdir(parents=True, exist_ok=True)
    written: dict[str, list[dict]] = {}
    for split in ("train", "dev", "test"):
        records = [r for pair in splits[split] for r in expand(pair, rng)] + replay_split[split]
        records = keep_valid(records, report.removed)
        rng.shuffle(records)
        if split != "test":  # training data addresses by relation; test references stay as written. After the
            records = keep_valid(clean_records(records, report.removed), report.removed)  # shuffle: same splits
        write_jsonl(out_dir / f"{split}.jsonl", records)
        report.counts[split] = Counter(r["source"] for r in records)
        written[split] = records
    from .stats import write_stats

    write_stats(out_dir, written, report)
    return report


def write_jsonl(path: Path, records: list[dict]) -> None:
    with open(path, "w", encoding="utf-8") as f:
        for r in records:
            f.write(json.dumps(r, ensure_ascii=False) + "\n")
