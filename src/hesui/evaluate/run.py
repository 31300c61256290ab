"""hesui eval: answer every request of a file with one setting, score it, and write the run directory.

A run directory holds ``config.json`` (the resolved setting), ``samples.jsonl`` (one row per request, appended
as it goes, so an interrupted run resumes where it stopped), ``metrics.json`` and ``report.md``.
"""
from __future__ import annotations

import json
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

from hesui.length import count, count_all, lifebench, parse, qianfan, strict

from .scoring import aggregate, render_report


@dataclass
class EvalConfig:
    data: str  # canonical jsonl (records with references) or .txt (one request per line)
    out: str = "reports/eval"
    model: str | None = None  # None: the embedded default
    adapter: str | None = None
    control: bool = True  # False: the plain model (--no-control / --base-only)
    limit: int | None = None  # the first N requests only
    batch: int = 4  # requests decoded together
    n_candidates: int = 4
    seed: int = 0
    command: str = ""  # the command line that made this run, written at the top of the report

    def __post_init__(self):
        if self.batch < 1 or self.n_candidates < 1:
            raise ValueError("--batch and --n-candidates must be at least 1")
        if self.limit is not None and self.limit < 1:
            raise ValueError("--limit must be at least 1")


@dataclass
class Item:
    id: str
    prompt: str
    reference: str | None = None
    extra: dict = field(default_factory=dict)


def load_items(path: Path, limit: int | None = None) -> list[Item]:
    """Requests from canonical records (with their references) or a .txt file (one per line, # comments)."""
    if not path.is_file():
        raise ValueError(f"no such file: {path}")
    items = []
    if path.suffix == ".txt":
        lines = [l.strip() for l in path.read_text(encoding="utf-8").splitlines()]
        items = [Item(f"{i:04d}", l) for i, l in enumerate((l for l in lines if l and not l.startswith("#")), 1)]
    else:
        from hesui.data.formats import read_records
        from hesui.data.records import request_of, response_of

        for r in read_records(path, "canonical"):
            items.append(Item(str(r["id"]), request_of(r), response_of(r), {"scenario": r.get("scenario")}))
    if not items:
        raise ValueError(f"{path} holds no requests")
    return items[:limit]


def score_row(item: Item, text: str, seconds: float, tokens: int) -> dict:
    """One samples.jsonl row: the text, its counts in every unit, constraints and verdicts."""
    spec = parse(item.prompt)
    cs = spec.constraints
    row = {"id": item.id, "prompt": item.prompt, "text": text,
           "count": {**count_all(text), "line": count(text, "line")},
           "constraints": spec.to_dict()["constraints"], "kind": cs[0].kind if cs else "none",
           "ok": strict(text, cs) if cs else None, "qianfan": qianfan(text, cs), "lifebench": lifebench(text, cs),
           "seconds": round(seconds, 3), "tokens": tokens}
    if item.reference is not None:
        row["reference"] = item.reference
    return row


def _finished_ids(samples: Path) -> set[str]:
    """Ids already answered; a line cut by an interruption is dropped from the file and redone."""
    if not samples.is_file():
        return set()
    rows = []
    for line in samples.read_text(encoding="utf-8").splitlines():
        try:
            rows.append(json.loads(line))
        except json.JSONDecodeError:
            continue
    samples.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    return {r["id"] for r in rows}


def evaluate(engine, cfg: EvalConfig, *, progress=None) -> dict:
    """Run ``engine`` over the requests, appending to samples.jsonl; returns the metrics."""
    from hesui.generate.seam import BestOfN, SamplingConfig

    generator = engine if hasattr(engine, "generate") else BestOfN(engine)  # an engine only samples

    out = Path(cfg.out)
    out.mkdir(parents=True, exist_ok=True)
    setting = {**asdict(cfg), "engine": engine.name}
    _check_same_setting(out, setting)
    (out / "config.json").write_text(json.dumps(setting, ensure_ascii=False, indent=1), encoding="utf-8")
    items = load_items(Path(cfg.data), cfg.limit)
    samples = out / "samples.jsonl"
    done = _finished_ids(samples)
    todo = sorted((i for i in items if i.id not in done), key=lambda i: _expected_length(i.prompt))
    bar = progress(total=len(items), initial=len(items) - len(todo), desc="eval", unit="req") if progress else None
    sampling = SamplingConfig(n_candidates=cfg.n_candidates, control=cfg.control, seed=cfg.seed)
    with open(samples, "a", encoding="utf-8") as f:
        for start in range(0, len(todo), cfg.batch):
            batch = todo[start:start + cfg.batch]
            t0 = time.perf_counter()
            answers = generator.write_many([i.prompt for i in batch], sampling)
            each = (time.perf_counter() - t0) / len(batch)  # a batch's time, shared by its requests
            for item, answer in zip(batch, answers):
                f.write(json.dumps(score_row(item, answer.text, each, answer.tokens), ensure_ascii=False) + "\n")
            f.flush()
            if bar:
                bar.update(len(batch))
    if bar:
        bar.close()
    rows = [json.loads(l) for l in samples.read_text(encoding="utf-8").splitlines() if l.strip()]
    wanted = {i.id for i in items}
    rows = [r for r in rows if r["id"] in wanted]
    metrics = aggregate(rows)
    (out / "metrics.json").write_text(json.dumps(metrics, ensure_ascii=False, indent=1), encoding="utf-8")
    (out / "report.md").write_text(render_report(metrics, cfg.command, engine.name), encoding="utf-8")
    return metrics


# What makes two runs comparable; --limit, --batch, --out and the command line may change between resumes.
SETTING_KEYS = ("data", "model", "adapter", "control", "n_candidates", "seed", "engine")


def _check_same_setting(out: Path, new: dict) -> None:
    """Refuse to resume a run directory that holds answers of another setting: they would be mixed silently."""
    old_path = out / "config.json"
    if not (out / "samples.jsonl").is_file() or not old_path.is_file():
        return
    old = json.loads(old_path.read_text(encoding="utf-8"))
    changed = [k for k in SETTING_KEYS if k in old and old[k] != new[k]]
    if changed:
        diff = ", ".join(f"{k} {old[k]!r} → {new[k]!r}" for k in changed)
        raise ValueError(f"{out} holds a run of another setting ({diff}); use another --out or remove it")


def _expected_length(prompt: str) -> float:
    """Sort key: similar lengths decode together, so a short answer does not wait for an essay."""
    try:
        cs = parse(prompt).constraints
    except ValueError:
        return 0.0
    return max((c.nominal for c in cs if c.unit == "char" and c.per is None), default=100.0)
