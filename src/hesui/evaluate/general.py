"""The general set: does a setting still answer plain requests as the base model could?

105 prompts in Chinese and English (``general_set.jsonl``; none of them in the training replay set), each checked
exactly: arithmetic and unit conversions by the number (a whole number in the answer, so "100.32" is not 100),
facts by one right answer, translations by every required word, short code by running a test against it,
multiple choice by the letter. None asks for a length or for New Year copy, so a New Year wish in any answer is a
fault of its own (``NEW_YEAR_WORDS``), counted apart from the pass rate.
"""
from __future__ import annotations

import json
import math
import re
import subprocess
import sys
from pathlib import Path

GENERAL_SET = Path(__file__).parent / "general_set.jsonl"
NEW_YEAR_WORDS = ("新的一年", "新年", "新春", "春节", "拜年", "过年", "除夕", "年夜", "贺岁", "New Year", "new year",
                  "Spring Festival")
CODE_TIMEOUT_S = 10
NUMBER = re.compile(r"(?<![\d.])-?\d+(?:,\d{3})*(?:\.\d+)?(?![\d.]*\d)")
CHOICE = re.compile(r"(?<![A-Za-z])([A-D])(?![A-Za-z])")
CODE_BLOCK = re.compile(r"```(?:python|py)?\s*\n(.*?)```", re.S)


def load_general_set(path: Path = GENERAL_SET) -> list[dict]:
    """Rows ``{"id", "task", "lang", "prompt", "check"}``; ``check`` has one key: number, words, all_words,
    choice or python_test."""
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def numbers_in(text: str) -> list[float]:
    """Every whole number in the text, as written (thousands separators allowed).

    >>> numbers_in("沸点是100.32摄氏度，约1,000米，-5度")
    [100.32, 1000.0, -5.0]
    """
    return [float(m.group(0).replace(",", "")) for m in NUMBER.finditer(text)]


def run_python(code: str, test: str, timeout: float = CODE_TIMEOUT_S) -> bool:
    """Whether ``code`` followed by ``test`` runs to the end in a fresh, isolated interpreter within ``timeout``
    seconds. The code is the model's: it runs as this user, so run the general set only on models you trust."""
    try:
        done = subprocess.run([sys.executable, "-I", "-c", f"{code}\n\n{test}\n"], capture_output=True,
                              timeout=timeout)
    except subprocess.TimeoutExpired:
        return False
    return done.returncode == 0


def answer_code(text: str) -> str:
    """The Python in an answer: its fenced blocks, else the whole text."""
    blocks = CODE_BLOCK.findall(text)
    return "\n\n".join(blocks) if blocks else text


def check_answer(text: str, check: dict) -> bool:
    """Whether an answer passes its row's check.

    >>> check_answer("答案是888。", {"number": 888}), check_answer("约100.32度", {"number": 100})
    (True, False)
    >>> check_answer("I love my family.", {"all_words": [["love"], ["family"]]}), check_answer("B", {"choice": "B"})
    (True, True)
    """
    if "number" in check:
        return any(math.isclose(x, check["number"]) for x in numbers_in(text))
    if "words" in check:
        return any(w.lower() in text.lower() for w in check["words"])
    if "all_words" in check:
        return all(any(w.lower() in text.lower() for w in group) for group in check["all_words"])
    if "choice" in check:
        first = CHOICE.search(text)
        return first is not None and first.group(1) == check["choice"]
    if "python_test" in check:
        return run_python(answer_code(text), check["python_test"])
    raise ValueError(f"unknown check {sorted(check)}")


def new_year_wish(text: str) -> str | None:
    """The New Year word an answer holds, or None."""
    return next((w for w in NEW_YEAR_WORDS if w in text), None)


def wilson(k: int, n: int, z: float = 1.96) -> tuple[float, float]:
    """Wilson score interval of a proportion k/n (95% for z = 1.96); Wilson (1927), JASA 22:209–212.

    >>> [round(x, 3) for x in wilson(80, 100)]
    [0.711, 0.867]
    """
    if n == 0:
        return 0.0, 1.0
    p = k / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return max(0.0, centre - half), min(1.0, centre + half)


def general_check(generator, *, control: bool, rows: list[dict] | None = None, batch: int = 8,
                  progress=None) -> dict:
    """Answer the general set greedily with ``generator`` (a ``hesui.generate.seam`` generator); returns
    ``{"n", "passed", "pass_rate", "wilson", "by_task", "new_year_wishes", "rows"}``."""
    from hesui.generate.seam import SamplingConfig

    rows = rows if rows is not None else load_general_set()
    config = SamplingConfig(temperature=0, control=control, n_candidates=1, max_attempts=1, seed=0)
    answers = []
    bar = progress(total=len(rows), desc="general", unit="req") if progress else None
    for start in range(0, len(rows), batch):
        answers += generator.write_many([r["prompt"] for r in rows[start:start + batch]], config)
        if bar:
            bar.update(min(batch, len(rows) - start))
    if bar:
        bar.close()
    out = [{"id": r["id"], "task": r["task"], "lang": r["lang"], "prompt": r["prompt"], "text": a.text,
            "pass": check_answer(a.text, r["check"]), "new_year_wish": new_year_wish(a.text)}
           for r, a in zip(rows, answers)]
    return summarize(out)


def summarize(rows: list[dict]) -> dict:
    """Pass rate with its Wilson interval, per task, and the answers that carry a New Year wish."""
    passed = sum(r["pass"] for r in rows)
    by_task: dict[str, list[int]] = {}
    for r in rows:
        by_task.setdefault(r["task"], [0, 0])
        by_task[r["task"]][0] += r["pass"]
        by_task[r["task"]][1] += 1
    return {"n": len(rows), "passed": passed, "pass_rate": passed / len(rows) if rows else 0.0,
            "wilson": [round(x, 4) for x in wilson(passed, len(rows))],
            "by_task": {t: {"passed": k, "n": n} for t, (k, n) in sorted(by_task.items())},
            "new_year_wishes": sum(r["new_year_wish"] is not None for r in rows), "rows": rows}


def write_general_report(results: dict[str, dict], out: Path, *, command: str, adapter: str | None) -> None:
    """general.json (every row of every setting) and report.md (pass rates, intervals, per task, wishes)."""
    out.mkdir(parents=True, exist_ok=True)
    (out / "general.json").write_text(json.dumps({"command": command, "adapter": adapter, "settings": results},
                                                 ensure_ascii=False, indent=1), encoding="utf-8")
    tasks = sorted({t for r in results.values() for t in r["by_task"]})
    md = ["# General ability", "", f"`{command}`", "",
          f"{next(iter(results.values()))['n']} prompts, greedy; each answer checked exactly "
          "(hesui.evaluate.general). 95% Wilson intervals.", "",
          "| setting | pass | 95% CI | " + " | ".join(tasks) + " | New Year wishes |",
          "|---|---|---|" + "---|" * len(tasks) + "---|"]
    for label, r in results.items():
        lo, hi = r["wilson"]
        per = " | ".join(f"{r['by_task'][t]['passed']}/{r['by_task'][t]['n']}" for t in tasks)
        md.append(f"| {label} | {r['passed']}/{r['n']} ({r['pass_rate']:.1%}) | {lo:.1%}–{hi:.1%} | {per} | "
                  f"{r['new_year_wishes']} |")
    wished = [(label, row) for label, r in results.items() for row in r["rows"] if row["new_year_wish"]]
    if wished:
        md += ["", "## Answers with a New Year wish", ""]
        md += [f"- {label}, {row['id']}: {row['text'][:120]!r}" for label, row in wished]
    (out / "report.md").write_text("\n".join(md) + "\n", encoding="utf-8")
