"""hesui compare: several settings side by side — metrics, charts, and every sample with its count and ✓/✗.

A setting is an existing eval run directory (it holds samples.jsonl), or one of
``base`` (the default model, no controller), ``control`` (the default model with the controller),
``adapter=DIR`` / ``model=PATH`` (with the controller), each optionally followed by ``:nocontrol``.
"""
from __future__ import annotations

import base64
import html
import json
import re
import sys
from dataclasses import dataclass
from pathlib import Path

from hesui.length import Constraint

from .scoring import aggregate, metrics_table, quality_table

GENERAL_FILE = "general.json"  # beside samples.jsonl: the run's general-set result


@dataclass(frozen=True)
class Setting:
    label: str
    run_dir: Path | None = None  # an existing run to read
    model: str | None = None
    adapter: str | None = None
    control: bool = True


def parse_setting(text: str) -> Setting:
    """``base`` | ``control`` | ``adapter=DIR`` | ``model=PATH`` [``:nocontrol``] | an eval run directory.

    >>> parse_setting("base"), parse_setting("adapter=models/x:nocontrol").control
    (Setting(label='base', run_dir=None, model=None, adapter=None, control=False), False)
    """
    if Path(text, "samples.jsonl").is_file():
        return Setting(Path(text).name, run_dir=Path(text))
    body, _, flag = text.partition(":")
    if flag not in ("", "nocontrol"):
        raise ValueError(f"unknown setting flag {flag!r} in {text!r}; only :nocontrol")
    control = flag != "nocontrol"
    if body == "base":
        return Setting("base", control=False)
    if body == "control":
        return Setting("base+control", control=True)
    key, _, value = body.partition("=")
    if key in ("adapter", "model") and value:
        path = Path(value)  # runs/train/NAME/model or …/adapter is named by its run
        name = path.parent.name if path.name in ("model", "adapter") and path.parent.name else path.name
        label = f"{name}{'' if control else ' (no control)'}"
        return Setting(label, **{key: value}, control=control)
    raise ValueError(f"unknown setting {text!r}: use base, control, adapter=DIR, model=PATH "
                     f"(optionally :nocontrol) or an eval run directory")


def slug(label: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]+", "-", label).strip("-") or "run"


def load_rows(run_dir: Path) -> list[dict]:
    return [json.loads(l) for l in (run_dir / "samples.jsonl").read_text(encoding="utf-8").splitlines() if l.strip()]


def request_set_note(runs: dict[str, list[dict]]) -> str | None:
    """A warning when the settings did not answer the same requests (their figures are then not comparable)."""
    ids = {label: {r["id"] for r in rows} for label, rows in runs.items()}
    if len({frozenset(v) for v in ids.values()}) <= 1:
        return None
    shared = set.intersection(*ids.values())
    sizes = ", ".join(f"{label} {len(v)}" for label, v in ids.items())
    return (f"the settings answered different requests ({sizes}; {len(shared)} in common): "
            f"their figures are not directly comparable")


# --- charts ---------------------------------------------------------------------------------------------

def _first_length(row: dict) -> tuple[float, int] | None:
    """(requested, produced) for the row's first whole-text 字 constraint."""
    for d in row["constraints"]:
        if d["unit"] == "char" and "per" not in d:
            return Constraint.from_dict(d).nominal, row["count"]["char"]
    return None


def charts(runs: dict[str, list[dict]], out: Path) -> list[str]:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    names = []
    kinds = sorted({r["kind"] for rows in runs.values() for r in rows if r["ok"] is not None})
    fig, ax = plt.subplots(figsize=(9, 4.5))
    width = 0.8 / max(1, len(runs))
    for i, (label, rows) in enumerate(runs.items()):
        rates = []
        for k in kinds:
            ok = [r["ok"] for r in rows if r["kind"] == k and r["ok"] is not None]
            rates.append(sum(ok) / len(ok) if ok else 0)
        ax.bar([x + i * width for x in range(len(kinds))], rates, width, label=label)
    ax.set_xticks([x + width * (len(runs) - 1) / 2 for x in range(len(kinds))], kinds)
    ax.set(ylabel="strict compliance", ylim=(0, 1.05), title="Compliance by constraint kind")
    ax.legend()
    names.append(_save(fig, out / "compliance_by_kind.png"))
    fig, ax = plt.subplots(figsize=(6, 6))
    top = 10
    for label, rows in runs.items():
        pts = [p for p in map(_first_length, rows) if p]
        if pts:
            ax.scatter([p[0] for p in pts], [p[1] for p in pts], s=14, alpha=0.7, label=label)
            top = max(top, *[max(p) for p in pts])
    ax.plot([0, top], [0, top], "k--", lw=0.8, label="requested = produced")
    ax.set(xlabel="requested length (char)", ylabel="produced length (char)", title="Requested vs produced")
    ax.legend()
    names.append(_save(fig, out / "requested_vs_produced.png"))
    fig, ax = plt.subplots(figsize=(8, 4.5))
    for label, rows in runs.items():
        errs = [(p[1] - p[0]) / p[0] for p in map(_first_length, rows) if p]
        ax.hist(errs, bins=30, range=(-1, 1), alpha=0.5, label=label)
    ax.set(xlabel="(produced − requested) / requested", ylabel="requests", title="Length error")
    ax.legend()
    names.append(_save(fig, out / "length_error.png"))
    return names


def _save(fig, path: Path) -> str:
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    import matplotlib.pyplot as plt

    plt.close(fig)
    return path.name


# --- the report -----------------------------------------------------------------------------------------

def _mark(row: dict | None) -> str:
    if row is None:
        return "–"
    return "—" if row["ok"] is None else ("✓" if row["ok"] else "✗")


def write_report(runs: dict[str, list[dict]], out: Path, *, command: str, general: dict | None = None) -> None:
    """report.md and a self-contained index.html (charts inlined) in ``out``."""
    out.mkdir(parents=True, exist_ok=True)
    pngs = charts(runs, out)
    metrics = {label: aggregate(rows) for label, rows in runs.items()}
    (out / "metrics.json").write_text(json.dumps({"metrics": metrics, "general": general}, ensure_ascii=False,
                                                 indent=1), encoding="utf-8")
    note = request_set_note(runs)
    md = [f"# Comparison: {' vs '.join(runs)}", "", f"Reproduce: `{command}`", ""]
    md += [f"**Warning:** {note}.", ""] if note else []
    for label, m in metrics.items():
        md += [f"## {label}", ""] + metrics_table(m) + [""]
    md += ["## Copy quality (share of answers; stock blessings per 100 字)", ""]
    md += quality_table({label: m["overall"] for label, m in metrics.items()}) + [""]
    if general:
        md += ["## General ability (pass rate on the general set)", "", "| setting | pass |", "|---|---|"]
        md += [f"| {label} | {g['pass_rate']:.0%} |" for label, g in general.items()] + [""]
    md += [f"![{p}]({p})" for p in pngs] + ["", "## Samples", ""]
    by_id = {label: {r["id"]: r for r in rows} for label, rows in runs.items()}
    ids = list(dict.fromkeys(r["id"] for rows in runs.values() for r in rows))
    for rid in ids:
        first = next(by_id[l][rid] for l in runs if rid in by_id[l])
        md += [f"### {rid}: {first['prompt']}", ""]
        for label in runs:
            row = by_id[label].get(rid)
            if row:
                md += [f"**{label}** {_mark(row)} {row['count']['char']} 字", "", "> " + row["text"].replace("\n", "\n> "), ""]
    (out / "report.md").write_text("\n".join(md), encoding="utf-8")
    (out / "index.html").write_text(_html(runs, metrics, ids, by_id, pngs, out, command, general, note),
                                    encoding="utf-8")


def _html(runs, metrics, ids, by_id, pngs, out: Path, command: str, general, note: str | None) -> str:
    e = html.escape
    head = ("<!doctype html><meta charset='utf-8'><title>hesui comparison</title><style>"
            "body{font-family:sans-serif;margin:2em;max-width:1400px}table{border-collapse:collapse;margin:1em 0}"
            "td,th{border:1px solid #ccc;padding:4px 8px;vertical-align:top}td.t{white-space:pre-wrap;min-width:18em}"
            ".ok{color:#070}.bad{color:#b00}img{max-width:48%;margin:4px}</style>")
    body = [f"<h1>{e(' vs '.join(runs))}</h1><p>Reproduce: <code>{e(command)}</code></p>"]
    body += [f"<p class='bad'><b>Warning:</b> {e(note)}.</p>"] if note else []
    for label, m in metrics.items():
        o = m["overall"]
        body.append(f"<p><b>{e(label)}</b>: strict {o['strict'] or 0:.1%}, qianfan {o['qianfan'] or 0:.3f}, "
                    f"lifebench {o['lifebench'] or 0:.1f}, {o['n']} requests</p>")
    if general:
        body.append("<p>General ability: " + ", ".join(f"{e(l)} {g['pass_rate']:.0%}" for l, g in general.items()) + "</p>")
    for p in pngs:
        data = base64.b64encode((out / p).read_bytes()).decode()
        body.append(f"<img alt='{e(p)}' src='data:image/png;base64,{data}'>")
    rows = ["<table><tr><th>request</th>" + "".join(f"<th>{e(l)}</th>" for l in runs) + "</tr>"]
    for rid in ids:
        first = next(by_id[l][rid] for l in runs if rid in by_id[l])
        cells = []
        for label in runs:
            r = by_id[label].get(rid)
            if r is None:
                cells.append("<td>–</td>")
                continue
            cls = "ok" if r["ok"] else "bad"
            cells.append(f"<td class='t'><span class='{cls}'>{_mark(r)} {r['count']['char']} 字</span>\n{e(r['text'])}</td>")
        rows.append(f"<tr><td>{e(first['prompt'])}</td>{''.join(cells)}</tr>")
    return head + "".join(body) + "".join(rows) + "</table>"


def compare(settings: list[Setting], *, data: str | None, limit: int | None, out: Path, command: str,
            with_general: bool = False, progress=None, engine: str = "auto") -> Path:
    """Evaluate every setting that is not a finished run, then write the comparison into ``out``.

    A finished run brings its general-set result when it was run with one (general.json); with ``data`` and
    ``limit``, only its rows for the first ``limit`` requests of ``data`` are compared. Raises ValueError for two
    settings with one label (one would hide the other)."""
    from .run import EvalConfig, evaluate, load_items

    wanted = {i.id for i in load_items(Path(data), limit)} if data and limit else None

    labels = [s.label for s in settings]
    twice = sorted({label for label in labels if labels.count(label) > 1})
    if twice:
        raise ValueError(f"two settings are both called {twice[0]!r}; rename a run directory or drop one")
    runs: dict[str, list[dict]] = {}
    general: dict[str, dict] = {}
    engines: dict[tuple, object] = {}
    for s in settings:
        if s.run_dir is not None:
            runs[s.label] = [r for r in load_rows(s.run_dir) if wanted is None or r["id"] in wanted]
            if with_general and (s.run_dir / GENERAL_FILE).is_file():
                general[s.label] = json.loads((s.run_dir / GENERAL_FILE).read_text(encoding="utf-8"))
            continue
        if data is None:
            raise ValueError(f"setting {s.label!r} needs --data to evaluate on")
        generator = _generator(engines, s.model, s.adapter, engine)
        cfg = EvalConfig(data=data, out=str(out / "runs" / slug(s.label)), model=s.model, adapter=s.adapter,
                         control=s.control, limit=limit, backend=engine, command=command)
        evaluate(generator, cfg, progress=progress)
        runs[s.label] = load_rows(Path(cfg.out))
        if with_general:
            from .general import general_check

            general[s.label] = general_check(generator, control=s.control)
            (Path(cfg.out) / GENERAL_FILE).write_text(json.dumps(general[s.label], ensure_ascii=False, indent=1),
                                                      encoding="utf-8")
    note = request_set_note(runs)
    if note:
        print(f"hesui: warning: {note}", file=sys.stderr)
    write_report(runs, out, command=command, general=general or None)
    return out


def _generator(cache: dict, model: str | None, adapter: str | None, engine: str):
    from hesui.generate.load import load_generator

    key = (model, adapter)
    if key not in cache:  # best-of-N and resampling above the engine, as everywhere
        cache[key] = load_generator(model, adapter, engine=engine)
    return cache[key]
