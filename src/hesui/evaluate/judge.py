"""LLM-as-judge over any OpenAI-compatible endpoint: a 1–5 score with a reason for each answer.

The key comes from HESUI_JUDGE_API_KEY (or OPENAI_API_KEY). An endpoint that cannot be reached or answers
nonsense costs that sample its score, never the run: failures are counted and reported.
"""
from __future__ import annotations

import json
import os
import re
import statistics
import urllib.error
import urllib.request
from dataclasses import dataclass

RUBRIC = """你是严格的中文写作评审。请评价下面这份回答，综合五个方面：
1. 理解：是否读懂了请求（对象、场合、语气）；
2. 文笔：是否具体、自然、有新意，而不是堆砌套话；
3. 逻辑：行文是否连贯；
4. 事实：有无错误或编造；
5. 指令遵循：是否满足请求的全部要求，包括字数（按中文字数计）。
给出 1 到 5 的整数分（5 最好）和一句理由。只输出 JSON：{"score": 分数, "reason": "理由"}

【请求】
{prompt}

【回答】
{answer}
"""


class JudgeError(RuntimeError):
    """The judge endpoint could not be used (no URL, unreachable, bad reply)."""


@dataclass
class Verdict:
    score: int | None  # None when the reply could not be read
    reason: str


def parse_verdict(reply: str) -> Verdict:
    """Read a score from a judge's reply: JSON first, then "score: 4" / "4分" / a lone digit.

    >>> parse_verdict('{"score": 4, "reason": "具体"}'), parse_verdict("评分：5分。理由：好").score
    (Verdict(score=4, reason='具体'), 5)
    """
    m = re.search(r"\{.*\}", reply, re.S)
    if m:
        try:
            obj = json.loads(m.group(0))
            score = int(obj.get("score"))
            if 1 <= score <= 5:
                return Verdict(score, str(obj.get("reason", "")).strip())
        except (ValueError, TypeError, AttributeError):
            pass
    for pattern in (r"score\W{0,3}([1-5])", r"([1-5])\s*分", r"(?:评分|得分|分数)\D{0,3}([1-5])", r"^\s*([1-5])\s*$"):
        m = re.search(pattern, reply, re.I | re.M)
        if m:
            return Verdict(int(m.group(1)), reply.strip()[:200])
    return Verdict(None, f"unreadable reply: {reply.strip()[:120]}")


def ask(url: str, model: str, prompt: str, *, timeout: float = 60.0) -> str:
    """One chat completion; ``url`` is the base (…/v1) or the full …/chat/completions address."""
    if not url.rstrip("/").endswith("/chat/completions"):
        url = url.rstrip("/") + "/chat/completions"
    body = json.dumps({"model": model, "temperature": 0,
                       "messages": [{"role": "user", "content": prompt}]}).encode()
    headers = {"Content-Type": "application/json"}
    key = os.environ.get("HESUI_JUDGE_API_KEY") or os.environ.get("OPENAI_API_KEY")
    if key:
        headers["Authorization"] = f"Bearer {key}"
    try:
        with urllib.request.urlopen(urllib.request.Request(url, body, headers), timeout=timeout) as resp:
            data = json.loads(resp.read())
        return data["choices"][0]["message"]["content"]
    except (urllib.error.URLError, OSError, ValueError, KeyError, IndexError, TypeError) as e:
        raise JudgeError(f"judge at {url} failed: {e}") from None


def judge_rows(rows: list[dict], url: str | None, model: str | None) -> dict:
    """Score every row; returns aggregates plus per-row verdicts (``rows`` gain "judge" and "judge_reason")."""
    if not url or not model:
        raise JudgeError("judge scoring needs --judge-url and --judge-model (any OpenAI-compatible endpoint)")
    failures = 0
    for row in rows:
        try:
            v = parse_verdict(ask(url, model, RUBRIC.replace("{prompt}", row["prompt"]).replace("{answer}", row["text"])))
        except JudgeError as e:
            v, failures = Verdict(None, str(e)), failures + 1
        row["judge"], row["judge_reason"] = v.score, v.reason
    return aggregate_scores([r["judge"] for r in rows], failures)


def aggregate_scores(scores: list[int | None], failures: int = 0) -> dict:
    """Mean, std, median and the 1–5 distribution of the scores that were read.

    >>> aggregate_scores([5, 4, 4, None])["distribution"]
    {'1': 0, '2': 0, '3': 0, '4': 2, '5': 1}
    """
    got = [s for s in scores if s is not None]
    return {
        "n": len(scores), "scored": len(got), "unreadable": len(scores) - len(got) - failures, "failed": failures,
        "mean": statistics.mean(got) if got else None,
        "std": statistics.pstdev(got) if got else None,
        "median": statistics.median(got) if got else None,
        "distribution": {str(k): got.count(k) for k in range(1, 6)},
    }
