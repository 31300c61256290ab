"""The general set (hesui.evaluate.general): exact checks on right and wrong answers, Wilson intervals, and the
controller leaving requests that are not New Year copy alone."""
from __future__ import annotations

import json

import pytest

from hesui.evaluate.general import (check_answer, general_check, load_general_set, new_year_wish, wilson,
                                    write_general_report)


def test_the_set_is_large_disjoint_from_training_and_checks_every_kind():
    from hesui.data.build import load_replay
    from hesui.data.records import request_of

    rows = load_general_set()
    assert len(rows) >= 100 and len({r["id"] for r in rows}) == len(rows)
    assert {r["task"] for r in rows} == {"arithmetic", "conversion", "fact", "translation", "code", "choice"}
    assert {r["lang"] for r in rows} == {"zh", "en"}
    trained = {request_of(r) for r in load_replay()}
    assert not trained & {r["prompt"] for r in rows}


@pytest.mark.parametrize("text, check, ok", [
    ("43乘以21等于903。", {"number": 903}, True),
    ("答案是903.5", {"number": 903}, False),  # a whole number, not a prefix of another
    ("水的沸点是100.32摄氏度", {"number": 100}, False),  # the old set's loose check passed this
    ("一共是1,000米", {"number": 1000}, True),  # thousands separator
    ("九百零三", {"number": 903}, False),  # written out: not read (the checks are exact, not generous)
    ("The capital of Italy is Rome.", {"words": ["Rome"]}, True),
    ("意大利的首都是米兰", {"words": ["Rome", "罗马"]}, False),
    ("My sister likes drawing.", {"all_words": [["sister"], ["draw", "paint"]]}, True),
    ("My sister likes music.", {"all_words": [["sister"], ["draw", "paint"]]}, False),  # one word missing
    ("Thank你我的帮助。", {"all_words": [["thank", "Thank"], ["help"]]}, False),
    ("B", {"choice": "B"}, True),
    ("答案：B. 海豚", {"choice": "B"}, True),
    ("A. 鲨鱼", {"choice": "B"}, False),
    ("```python\ndef add(a, b):\n    return a + b\n```", {"python_test": "assert add(2, 3) == 5"}, True),
    ("def add(a, b):\n    return a - b", {"python_test": "assert add(2, 3) == 5"}, False),  # fails its test
    ("def add(a, b):\n    while True: pass", {"python_test": "assert add(2, 3) == 5"}, False),  # never returns
])
def test_check_answer(text, check, ok, monkeypatch):
    from hesui.evaluate import general

    monkeypatch.setattr(general, "CODE_TIMEOUT_S", 2)
    assert check_answer(text, check) is ok


def test_wilson_interval():
    lo, hi = wilson(83, 100)
    assert (round(lo, 3), round(hi, 3)) == (0.745, 0.891)
    assert wilson(0, 0) == (0.0, 1.0) and wilson(10, 10)[1] == 1.0


def test_new_year_wish():
    assert new_year_wish("一年有十二个月。新的一年，祝您身体健康！") == "新的一年"
    assert new_year_wish("一年有十二个月。") is None


class Echo:
    """A generator that answers from a table and records the config each request came with."""
    name = "echo"

    def __init__(self, answers):
        self.answers, self.configs = answers, []

    def write_many(self, prompts, config):
        from hesui.generate.seam import Answer
        from hesui.length import parse

        self.configs.append(config)
        return [Answer(self.answers[p], parse(p), None, 1, 0.0, 1) for p in prompts]


def test_general_check_scores_and_reports(tmp_path):
    rows = [{"id": "a-1", "task": "arithmetic", "lang": "zh", "prompt": "计算 125 × 8 的结果。", "check": {"number": 1000}},
            {"id": "f-1", "task": "fact", "lang": "en", "prompt": "What is the capital of Italy?",
             "check": {"words": ["Rome"]}}]
    good = Echo({rows[0]["prompt"]: "1000", rows[1]["prompt"]: "Rome."})
    wished = Echo({rows[0]["prompt"]: "1000。新的一年，祝您新春快乐！", rows[1]["prompt"]: "Paris."})
    results = {"base": general_check(good, control=False, rows=rows),
               "tuned": general_check(wished, control=True, rows=rows)}
    assert (results["base"]["passed"], results["tuned"]["passed"]) == (2, 1)
    assert results["tuned"]["new_year_wishes"] == 1 and results["tuned"]["by_task"]["fact"] == {"passed": 0, "n": 1}
    assert good.configs[0].temperature == 0 and wished.configs[0].control is True
    write_general_report(results, tmp_path, command="hesui eval --general", adapter="x")
    report = (tmp_path / "report.md").read_text(encoding="utf-8")
    assert "| base | 2/2 (100.0%) |" in report and "| tuned | 1/2 (50.0%) |" in report
    assert "tuned, a-1: '1000。新的一年" in report
    saved = json.loads((tmp_path / "general.json").read_text(encoding="utf-8"))
    assert saved["settings"]["tuned"]["rows"][0]["new_year_wish"] == "新的一年"


def test_eval_needs_data_or_general(capsys, monkeypatch):
    from hesui.cli import main

    assert main(["eval"]) == 2
    assert "give --data FILE (requests to answer) or --general" in capsys.readouterr().err
    monkeypatch.setenv("HESUI_ADAPTER", "")  # no adapter: nothing to compare the base with
    assert main(["eval", "--general"]) == 2
    assert "--general compares the base with a tuned model" in capsys.readouterr().err


class Recording:
    """An engine that answers every row with a fixed text and keeps the jobs it was given."""
    name = "recording"

    def __init__(self):
        self.jobs = []

    def sample(self, jobs, on_text=None, cancelled=None):
        from hesui.generate.seam import Sample

        self.jobs += jobs
        return [Sample("一年有十二个月。", 5) for _ in jobs]


def test_the_controller_leaves_the_general_set_alone():
    """No length asked and no New Year copy: one plain sample, no steering, no hesui system prompt."""
    from hesui.generate.seam import BestOfN, SamplingConfig
    from hesui.model.chat import SYSTEM_PROMPT

    engine = Recording()
    prompts = [r["prompt"] for r in load_general_set()]
    answers = BestOfN(engine).write_many(prompts, SamplingConfig(control=True, n_candidates=4, seed=0))
    assert len(engine.jobs) == len(prompts)  # one candidate each, no resampling
    assert not any(job.control for job in engine.jobs)
    assert not any(m["role"] == "system" for job in engine.jobs for m in job.messages)
    assert all(a.copy_faults == [] and a.ok is None for a in answers)
    engine.jobs.clear()
    BestOfN(engine).write_many(["给同事写一条拜年短信", "写50字以内的介绍"], SamplingConfig(n_candidates=2, seed=0))
    assert [job.control for job in engine.jobs] == [True] * 4  # New Year copy, and a stated length: steered
    assert all(job.messages[0] == {"role": "system", "content": SYSTEM_PROMPT} for job in engine.jobs)
