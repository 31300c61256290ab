"""A small general-ability check: does a setting still answer plain questions the base model could?

Each prompt has the facts an answer must contain (any one of the listed spellings). Scored for the base and
for another setting, a tuned model's regressions show as failed rows.
"""
from __future__ import annotations

GENERAL_SET = [
    # (task, prompt, acceptable substrings)
    ("qa", "中国的首都是哪座城市？", ["北京"]),
    ("qa", "一年有几个月？", ["12", "十二"]),
    ("qa", "水在一个标准大气压下的沸点是多少摄氏度？", ["100", "一百"]),
    ("qa", "What is the capital of France?", ["Paris", "巴黎"]),
    ("arithmetic", "计算：37乘以24等于多少？", ["888"]),
    ("arithmetic", "一件衣服原价200元，打八折后多少钱？", ["160"]),
    ("arithmetic", "1到10所有整数的和是多少？", ["55"]),
    ("code", "用Python写一个函数，把字符串反转。", ["[::-1]", "reversed", "reverse"]),
    ("code", "用Python写一个函数，返回列表中的最大值。", ["max(", "def "]),
    ("translation", "把这句话翻译成英文：谢谢你的帮助。", ["thank", "Thank"]),
    ("translation", "Translate into Chinese: Good morning.", ["早上好", "早安"]),
    ("rewriting", "把这句话改写成疑问句：他已经完成了作业。", ["吗", "？", "?"]),
]


def check_answer(text: str, accept: list[str]) -> bool:
    """Any acceptable spelling appears in the answer.

    >>> check_answer("答案是888。", ["888"]), check_answer("不知道", ["北京"])
    (True, False)
    """
    return any(a in text for a in accept)


def general_check(engine, *, control: bool) -> dict:
    """Answer the general set greedily; returns the pass rate and every row."""
    from hesui.generate.seam import SamplingConfig

    config = SamplingConfig(temperature=0, control=control, n_candidates=1, max_attempts=1)
    answers = engine.write_many([p for _, p, _ in GENERAL_SET], config)
    rows = [{"task": task, "prompt": prompt, "text": a.text, "pass": check_answer(a.text, accept)}
            for (task, prompt, accept), a in zip(GENERAL_SET, answers)]
    return {"pass_rate": sum(r["pass"] for r in rows) / len(rows), "rows": rows}
