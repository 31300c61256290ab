"""From samples.jsonl rows to metrics (per constraint kind and overall) and a readable report.md."""
from __future__ import annotations

import functools
import statistics
from pathlib import Path

from hesui.length import Constraint, measured

from .metrics import (
    bleu4,
    chinese_share,
    distinct_n,
    length_error,
    mean,
    paragraphs_kept,
    repetition_rate,
    rouge_l,
    rouge_n,
    words,
)


def row_length_error(row: dict) -> float | None:
    """Mean |count − target| / target over the row's constraints and pieces."""
    errors = []
    for d in row["constraints"]:
        c = Constraint.from_dict(d)
        errors += [length_error(n, c.nominal) for n in measured(row["text"], c)]
    return mean(errors)


TRAIN_ANSWERS = Path("data/train.jsonl")  # memorisation is measured against the training answers here, if present


@functools.lru_cache(maxsize=1)
def memorisation_index():
    """The training answers' 15-字 runs, or None when there is no data/train.jsonl in the working directory."""
    import json

    from hesui.quality import MemorisationIndex

    if not TRAIN_ANSWERS.is_file():
        return None
    rows = [json.loads(l) for l in TRAIN_ANSWERS.read_text(encoding="utf-8").splitlines() if l.strip()]
    return MemorisationIndex([r["messages"][-1]["content"] for r in rows])


def _share(flags: list[bool]) -> float | None:
    return mean([float(f) for f in flags])


def quality_group(rows: list[dict]) -> dict:
    """Copy-quality shares over answered rows (hesui.quality): wrong occasion, invented name, wrong addressee,
    repeated phrase, stock blessings per 100 字, assistant chatter, number junk, repeated closing formula,
    memorised 15-字 runs, and of the poems and couplets those that miss the rhyme or the closing tones (verse_form);
    and the mean share of the request's details an answer covers (over requests that name any)."""
    from hesui import quality as q

    memo = memorisation_index()
    covered = [q.details_covered(r["text"], r.get("prompt", "")) for r in rows]
    return {
        "wrong_occasion": _share([q.wrong_occasion(r["text"], r.get("prompt", "")) is not None for r in rows]),
        "invented_name": _share([q.invented_name(r["text"], r.get("prompt", "")) is not None for r in rows]),
        "wrong_addressee": _share([q.wrong_addressee(r["text"], r.get("prompt", "")) is not None for r in rows]),
        "details_covered": mean([c for c in covered if c is not None]),
        "repeated_phrase": _share([q.repeated_phrase(r["text"]) is not None for r in rows]),
        "stock_per_100": mean([q.stock_per_100(r["text"]) for r in rows]),
        "chatter": _share([q.chatter(r["text"]) is not None for r in rows]),
        "number_junk": _share([q.number_junk(r["text"], r.get("prompt", "")) is not None for r in rows]),
        "verse_form": _share([q.verse_form(r["text"], r.get("prompt", "")) is not None for r in rows
                              if r.get("kind") in ("verse", "couplet")]),
        "repeated_closing": _share([q.repeated_closing(r["text"]) is not None for r in rows]),
        "memorised": None if memo is None else _share([memo.copied(r["text"]) is not None for r in rows]),
    }


def _group(rows: list[dict]) -> dict:
    constrained = [r for r in rows if r["ok"] is not None]
    refs = [r for r in rows if r.get("reference")]
    hyp_ref = [(words(r["text"]), words(r["reference"])) for r in refs]
    seconds = [r["seconds"] for r in rows]
    return {
        "n": len(rows),
        "strict": mean([float(r["ok"]) for r in constrained]),
        "qianfan": mean([r["qianfan"] for r in constrained]),
        "lifebench": mean([r["lifebench"] for r in constrained]),
        "length_error": mean([row_length_error(r) for r in constrained]),
        "bleu4": mean([bleu4(r["text"], r["reference"]) for r in refs]),
        "rouge1": mean([rouge_n(h, ref, 1) for h, ref in hyp_ref]),
        "rouge2": mean([rouge_n(h, ref, 2) for h, ref in hyp_ref]),
        "rougeL": mean([rouge_l(h, ref) for h, ref in hyp_ref]),
        "distinct1": distinct_n([r["text"] for r in rows], 1),
        "distinct2": distinct_n([r["text"] for r in rows], 2),
        "repetition": mean([repetition_rate(r["text"]) for r in rows]),
        "chinese_share": mean([chinese_share(r["text"]) for r in rows]),
        "paragraphs_kept": mean([None if (k := paragraphs_kept(r["text"], r.get("reference") or "")) is None
                                 else float(k) for r in rows]),
        "seconds_median": statistics.median(seconds) if seconds else None,
        "tokens_per_s": sum(r["tokens"] for r in rows) / sum(seconds) if sum(seconds) else None,
        **quality_group(rows),
    }


def aggregate(rows: list[dict]) -> dict:
    kinds = sorted({r["kind"] for r in rows})
    return {"overall": _group(rows), "by_kind": {k: _group([r for r in rows if r["kind"] == k]) for k in kinds}}


COLUMNS = [("n", "n", "{:d}"), ("strict", "strict", "{:.1%}"), ("qianfan", "qianfan", "{:.3f}"),
           ("lifebench", "lifebench", "{:.1f}"), ("length_error", "len err", "{:.3f}"), ("bleu4", "BLEU-4", "{:.3f}"),
           ("rouge1", "R-1", "{:.3f}"), ("rouge2", "R-2", "{:.3f}"), ("rougeL", "R-L", "{:.3f}"),
           ("distinct2", "dist-2", "{:.3f}"), ("repetition", "rep", "{:.3f}"), ("chinese_share", "zh", "{:.3f}"),
           ("paragraphs_kept", "para", "{:.2f}"), ("seconds_median", "s/req", "{:.1f}")]


def _cell(value, fmt: str) -> str:
    return "–" if value is None else fmt.format(value)


def metrics_table(metrics: dict) -> list[str]:
    lines = ["| kind | " + " | ".join(c[1] for c in COLUMNS) + " |", "|---" * (len(COLUMNS) + 1) + "|"]
    for name, group in [("**all**", metrics["overall"])] + sorted(metrics["by_kind"].items()):
        lines.append(f"| {name} | " + " | ".join(_cell(group[k], fmt) for k, _, fmt in COLUMNS) + " |")
    return lines


QUALITY_COLUMNS = [("wrong_occasion", "wrong occasion", "{:.1%}"), ("invented_name", "invented name", "{:.1%}"),
                   ("wrong_addressee", "wrong addressee", "{:.1%}"), ("details_covered", "details covered", "{:.0%}"),
                   ("repeated_phrase", "repeated phrase", "{:.1%}"),
                   ("stock_per_100", "stock / 100字", "{:.2f}"), ("chatter", "chatter", "{:.1%}"),
                   ("number_junk", "number junk", "{:.1%}"), ("verse_form", "verse: rhyme / tones", "{:.1%}"), ("repeated_closing", "repeated closing", "{:.1%}"), ("memorised", "memorised (15字)", "{:.1%}")]


def quality_table(groups: dict[str, dict]) -> list[str]:
    """A markdown table of the copy-quality columns, one row per named group of metrics."""
    lines = ["| setting | " + " | ".join(c[1] for c in QUALITY_COLUMNS) + " |", "|---" * (len(QUALITY_COLUMNS) + 1) + "|"]
    return lines + [f"| {name} | " + " | ".join(_cell(g.get(k), fmt) for k, _, fmt in QUALITY_COLUMNS) + " |"
                    for name, g in groups.items()]


def render_report(metrics: dict, command: str, engine: str) -> str:
    o = metrics["overall"]
    lines = [f"# Evaluation: {engine}", "", f"Reproduce: `{command}`" if command else "", "",
             f"Strict compliance **{_cell(o['strict'], '{:.1%}')}**, Qianfan length score **{_cell(o['qianfan'], '{:.3f}')}**, "
             f"LIFEBench **{_cell(o['lifebench'], '{:.1f}')}** over {o['n']} requests; "
             f"decode {_cell(o['tokens_per_s'], '{:.1f}')} tokens/s (all candidates counted).", ""]
    lines += metrics_table(metrics)
    lines += ["", "Copy quality (share of answers, except stock blessings per 100 字):", ""] + quality_table({"**all**": o})
    lines += ["", "Counts and length scores: hesui.length (../shared/LENGTH_RULES.md). BLEU-4 over characters "
                  "(add-one smoothing for 2–4-grams), ROUGE-1/2/L F1 over jieba words, both against the reference "
                  "answer; dist-2 is distinct character bigrams over all answers; rep is the share of repeated "
                  "character 4-grams; zh the share of Han among script units; para the share of multi-paragraph "
                  "references answered in more than one paragraph; s/req is a batch's time divided by its requests.", ""]
    return "\n".join(lines)
