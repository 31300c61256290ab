"""stats.md and PNG charts for a built corpus: what is in it, at a glance."""
from __future__ import annotations

from collections import Counter
from pathlib import Path

from hesui.length import count, paragraphs

from .augment import WORDINGS, wording_rows
from .records import request_of, response_of

MULTI_PARAGRAPH_FROM = 150  # 字: longer responses should keep their paragraphs


def corpus_stats(records: list[dict]) -> dict:
    lengths_by_kind: dict[str, list[int]] = {}
    wordings, scenarios = Counter(), Counter()
    long_total = long_multi = 0
    for r in records:
        n = count(response_of(r))
        kind = r["constraints"][0]["kind"] if r["constraints"] else "none"
        lengths_by_kind.setdefault(kind, []).append(n)
        scenarios[r["scenario"]] += 1
        wordings.update(wording_rows(request_of(r)))
        if n > MULTI_PARAGRAPH_FROM:
            long_total += 1
            long_multi += len(paragraphs(response_of(r))) > 1
    return {"lengths_by_kind": lengths_by_kind, "wordings": wordings, "scenarios": scenarios,
            "long_total": long_total, "long_multi": long_multi}


def write_stats(out_dir: Path, splits: dict[str, list[dict]], report) -> None:
    train = corpus_stats(splits["train"])
    lines = ["# Corpus statistics", "", "Built by `hesui data build`; counts by hesui.length.", "",
             "## Records", "", "| split | records | by source |", "|---|---|---|"]
    for split, c in report.counts.items():
        lines.append(f"| {split} | {sum(c.values())} | {', '.join(f'{k} {v}' for k, v in sorted(c.items()))} |")
    lines += ["", "## Removed by the filters", ""]
    lines += [f"- {n} — {reason}" for reason, n in report.removed.most_common()] or ["- none"]
    lines += ["", "## Wording rows in train (LENGTH_RULES.md §2)", "", "| wording | records |", "|---|---|"]
    lines += [f"| {w} | {train['wordings'].get(w, 0)} |" for w in WORDINGS]
    lines += ["", "## Scenarios in train", "", "| scenario | records |", "|---|---|"]
    lines += [f"| {s} | {n} |" for s, n in sorted(train["scenarios"].items())]
    share = train["long_multi"] / train["long_total"] if train["long_total"] else 0
    lines += ["", f"Responses over {MULTI_PARAGRAPH_FROM} 字 with more than one paragraph: "
                  f"{train['long_multi']} of {train['long_total']} ({share:.0%}).", "",
              "![lengths](lengths.png)", "![scenarios](scenarios.png)", "![wordings](wordings.png)", ""]
    (out_dir / "stats.md").write_text("\n".join(lines), encoding="utf-8")
    _charts(out_dir, train)


def _charts(out_dir: Path, stats: dict) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(8, 4.5))
    kinds = sorted(stats["lengths_by_kind"])
    ax.hist([stats["lengths_by_kind"][k] for k in kinds], bins=30, stacked=True, label=kinds)
    ax.set(xlabel="response length (char, LENGTH_RULES.md)", ylabel="train records",
           title="Response length by constraint kind")
    ax.legend()
    fig.tight_layout()
    fig.savefig(out_dir / "lengths.png", dpi=100)
    plt.close(fig)
    for name, counter, title in (("scenarios", stats["scenarios"], "Train records per scenario"),
                                 ("wordings", stats["wordings"], "Train records per wording row")):
        fig, ax = plt.subplots(figsize=(8, 4.5))
        keys = sorted(counter) if name == "scenarios" else list(WORDINGS)
        ax.barh(keys, [counter.get(k, 0) for k in keys])
        ax.set(xlabel="records", title=title)
        ax.invert_yaxis()
        fig.tight_layout()
        fig.savefig(out_dir / f"{name}.png", dpi=100)
        plt.close(fig)
