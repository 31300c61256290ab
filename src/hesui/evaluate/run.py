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
from hesui.provenance import file_sha256, hesui_commit

from .metrics import mean
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
    examples: int = 0  # retrieved seed pairs shown in each controlled prompt (SamplingConfig.examples)
    outline: bool = True  # long texts written from a paragraph outline (SamplingConfig.outline)
    backend: str = "auto"  # --engine: auto | llama.cpp | transformers; config.json records the one that ran
    command: str = ""  # the command line that made this run, written at the top of the report

    def __post_init__(self):
        if self.batch < 1 or self.n_candidates < 1:
            raise ValueError("--batch and --n-candidates must be at least 1")
        if self.limit is not None and self.limit < 1:
            raise ValueError("--limit must be at least 1")
        if not 0 <= self.examples <= 3:
            raise ValueError("--examples must be between 0 and 3")


@dataclass
class Item:
    id: str
    prompt: str
    reference: str | None = None
    extra: dict = field(default_factory=dict)
    system: str | None = None  # a record's own system message (None: hesui's)
    history: list[dict] = field(default_factory=list)  # a record's earlier turns, {"role", "content"}


def load_items(path: Path, limit: int | None = None) -> list[Item]:
    """Requests from records (canonical or messages; JSON lines or a .json array; with references, system
    messages and earlier turns) or a .txt file (one request per line; blank and # lines skipped). Files are read
    as every hesui command reads them (hesui.data.formats.read_text: a BOM dropped, GBK with a notice)."""
    from hesui.data.formats import read_text

    if not path.is_file():
        raise ValueError(f"no such file: {path}")
    if path.suffix.lower() == ".txt":
        lines = [line.strip().lstrip("\ufeff").strip() for line in read_text(path).split("\n")]
        requests = [line for line in lines if line and not line.startswith("#")]
        items = [Item(f"{k:04d}", request) for k, request in enumerate(requests, 1)]
    else:
        items = _record_items(path)
    if not items:
        raise ValueError(f"{path} holds no requests")
    return items[:limit]


def _record_items(path: Path) -> list[Item]:
    from hesui.data.formats import read_records
    from hesui.data.records import history_of, request_of, response_of, system_of

    return [Item(str(r.get("id") or f"{k:04d}"), request_of(r), response_of(r), {"scenario": r.get("scenario")},
                 system_of(r), history_of(r))
            for k, r in enumerate(read_records(path, "canonical"), 1)]


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
    """Run ``engine`` over the requests, appending to samples.jsonl; returns the metrics. A request that cannot
    be answered (a contradictory length, say) becomes a row with an ``error`` and the run goes on."""
    from hesui.generate.seam import BestOfN, SamplingConfig

    generator = engine if hasattr(engine, "generate") else BestOfN(engine)  # an engine only samples

    out = Path(cfg.out)
    out.mkdir(parents=True, exist_ok=True)
    items = load_items(Path(cfg.data), cfg.limit)
    from hesui.generate.load import describe

    setting = _check_same_setting(out, run_setting(cfg, engine.name) | describe(generator))
    sampling = SamplingConfig(**setting["sampling"])
    (out / "config.json").write_text(json.dumps(setting, ensure_ascii=False, indent=1), encoding="utf-8")
    samples = out / "samples.jsonl"
    done = _finished_ids(samples)
    todo = sorted((i for i in items if i.id not in done), key=lambda i: _expected_length(i.prompt))
    bar = progress(total=len(items), initial=len(items) - len(todo), desc="eval", unit="req") if progress else None
    with open(samples, "a", encoding="utf-8") as f:
        for start in range(0, len(todo), cfg.batch):
            batch = todo[start:start + cfg.batch]
            t0 = time.perf_counter()
            answers = _answer_batch(generator, batch, sampling)
            each = (time.perf_counter() - t0) / len(batch)  # a batch's time, shared by its requests
            for item, answer in zip(batch, answers):
                row = (error_row(item, answer) if isinstance(answer, str)
                       else score_row(item, answer.text, each, answer.tokens))
                f.write(json.dumps(row, ensure_ascii=False) + "\n")
            f.flush()
            if bar:
                bar.update(len(batch))
    if bar:
        bar.close()
    return _write_metrics(out, items, cfg.command, engine.name)


def run_setting(cfg: EvalConfig, engine_name: str | None = None) -> dict:
    """What config.json records: the EvalConfig, the sampling settings, the data file's sha256 and hesui's commit."""
    from hesui.generate.seam import SamplingConfig

    sampling = SamplingConfig(n_candidates=cfg.n_candidates, control=cfg.control, seed=cfg.seed,
                              examples=cfg.examples, outline=cfg.outline)
    setting = {**asdict(cfg), "sampling": asdict(sampling), "data_sha256": file_sha256(Path(cfg.data)),
               "commit": hesui_commit()}
    return setting | ({"engine": engine_name} if engine_name else {})


def preflight(cfg: EvalConfig) -> list[Item]:
    """What can fail before a model loads: the requests unreadable, or --out holding a run of another setting
    or another data file."""
    items = load_items(Path(cfg.data), cfg.limit)
    if Path(cfg.out).exists() and not Path(cfg.out).is_dir():
        raise ValueError(f"--out {cfg.out} is a file; it names the run directory to write")
    if cfg.adapter is not None and not (Path(cfg.adapter) / "adapter_config.json").is_file():
        raise ValueError(f"no PEFT adapter at {cfg.adapter}: expected a directory with adapter_config.json")
    _check_same_setting(Path(cfg.out), run_setting(cfg))
    return items


def _answer_batch(generator, batch: list[Item], sampling) -> list:
    """The answers of a batch, in order; a request that cannot be answered gives its error message (a str)."""
    from hesui.generate.seam import ChatMessage, ChatRequest

    requests = [ChatRequest([ChatMessage(m["role"], m["content"]) for m in i.history] + [ChatMessage("user", i.prompt)],
                            system=i.system, sampling=sampling) for i in batch]
    try:
        return generator.generate(requests)
    except ValueError as e:  # one bad request fails its batch before sampling: answer the others one by one
        if len(batch) == 1:
            return [str(e)]
        return [a for item in batch for a in _answer_batch(generator, [item], sampling)]


def error_row(item: Item, message: str) -> dict:
    """A samples.jsonl row for a request that could not be answered: not ok, scored 0, its reason in ``error``."""
    row = {"id": item.id, "prompt": item.prompt, "error": message, "text": "",
           "count": {**count_all(""), "line": 0}, "constraints": [], "kind": "error", "ok": False,
           "qianfan": 0.0, "lifebench": 0.0, "seconds": 0.0, "tokens": 0}
    if item.reference is not None:
        row["reference"] = item.reference
    return row


def run_metrics(rows: list[dict]) -> dict:
    """Metrics over the answered rows; rows with an ``error`` count in ``errors`` and as failures (0) in the
    strict, Qianfan and LIFEBench scores, overall and under the kind "error"."""
    answered = [r for r in rows if "error" not in r]
    errors = len(rows) - len(answered)
    metrics = aggregate(answered)
    _count_errors(metrics["overall"], answered, errors)
    if errors:
        metrics["by_kind"]["error"] = aggregate([])["overall"]
        _count_errors(metrics["by_kind"]["error"], [], errors)
    return metrics


def _count_errors(group: dict, answered: list[dict], errors: int) -> None:
    constrained = [r for r in answered if r["ok"] is not None]
    group["n"], group["errors"] = len(answered) + errors, errors
    if errors:
        for key in ("strict", "qianfan", "lifebench"):
            group[key] = mean([float(r["ok"]) if key == "strict" else r[key] for r in constrained] + [0.0] * errors)


def _write_metrics(out: Path, items: list[Item], command: str, engine_name: str) -> dict:
    """metrics.json and report.md from the rows of this run's requests."""
    rows = [json.loads(l) for l in (out / "samples.jsonl").read_text(encoding="utf-8").splitlines() if l.strip()]
    wanted = {i.id for i in items}
    metrics = run_metrics([r for r in rows if r["id"] in wanted])
    report = render_report(metrics, command, engine_name)
    if errors := metrics["overall"]["errors"]:
        report += (f"\n{errors} request(s) could not be answered: their rows in samples.jsonl carry an `error` and "
                   f"count as not ok (strict, qianfan and lifebench score them 0).\n")
    (out / "metrics.json").write_text(json.dumps(metrics, ensure_ascii=False, indent=1), encoding="utf-8")
    (out / "report.md").write_text(report, encoding="utf-8")
    return metrics


# What makes two runs comparable; --limit, --batch, --out, the command line and the commit may change between
# resumes (a later commit is recorded in "resumed_at").
SETTING_KEYS = ("data", "model", "adapter", "control", "n_candidates", "seed", "engine", "backend", "sampling",
                "data_sha256")


BEFORE_KEYS = {"examples": 0, "outline": False}  # sampling settings as runs made before these keys existed had them


def _changes(old: dict, new: dict) -> list[str]:
    """What differs between two settings, one phrase each (the sampling settings key by key)."""
    changed = []
    for k in SETTING_KEYS:
        if k not in old or k not in new or old[k] == new[k]:
            continue
        if k == "data_sha256":
            changed.append(f"the data file's content changed (sha256 {str(old[k])[:12]}… → {new[k][:12]}…)")
        elif k == "sampling" and isinstance(old[k], dict):
            # A key an older hesui did not write: what its runs did (BEFORE_KEYS).
            was = {s: old[k].get(s, BEFORE_KEYS.get(s)) for s in new[k]}
            changed += [f"sampling.{s} {was[s]!r} → {v!r}" for s, v in new[k].items()
                        if s not in SETTING_KEYS and was[s] != v]
        else:
            changed.append(f"{k} {old[k]!r} → {new[k]!r}")
    return changed


def _check_same_setting(out: Path, new: dict) -> dict:
    """Refuse to resume a run directory that holds answers of another setting or of another data file: they would
    be mixed silently. Returns the setting to record, keeping the commit the run began at."""
    old_path = out / "config.json"
    if not (out / "samples.jsonl").is_file() or not old_path.is_file():
        return new
    old = json.loads(old_path.read_text(encoding="utf-8"))
    changed = _changes(old, new)
    if changed:
        raise ValueError(f"{out} holds a run of another setting ({'; '.join(changed)}); use another --out or "
                         f"remove it")
    resumed = list(old.get("resumed_at", []))
    if old.get("commit") not in (None, new["commit"]) and new["commit"] not in resumed:
        resumed.append(new["commit"])
    return {**new, "commit": old.get("commit", new["commit"])} | ({"resumed_at": resumed} if resumed else {})


def _expected_length(prompt: str) -> float:
    """Sort key: similar lengths decode together, so a short answer does not wait for an essay."""
    try:
        cs = parse(prompt).constraints
    except ValueError:
        return 0.0
    return max((c.nominal for c in cs if c.unit == "char" and c.per is None), default=100.0)
