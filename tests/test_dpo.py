"""Preference pairs (hesui data pairs) and DPO training on the tiny random model."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from hesui.cli import main
from hesui.data.pairs import check_pair, length_pairs, why_rejected, wish_pairs
from hesui.data.records import make_record, response_of
from hesui.data.validate import validate_file
from hesui.length import parse

REPO = Path(__file__).resolve().parents[1]

# (request, corpus answer, the model's uncontrolled answer)
SCRIPT = [
    ("给同事写一条20字以内的拜年短信", "各位同事，新年好！来年继续并肩作战。", "李总，新年好！祝您新的一年身体健康，万事如意，阖家欢乐，工作顺利！"),
    ("写一条30字以上的朋友圈文案", "年夜饭的热气糊住了窗，外面的烟花一朵接一朵，我们一家人都在，真好。", "过年啦！"),
    ("给奶奶写一条25字以内的拜年短信", "奶奶，新年好！我二十八到家，饺子给我留着。", "奶奶，新年好！我腊月二十八回家。"),
    ("给老师写一条30字以内的拜年短信", "老师，新年好！您画的波浪线，我一直记着。", "王老师，新年好！祝您身体健康。"),
]


def _records() -> list[dict]:
    return [make_record(f"r-{i}", q, a, scenario="test", source="seed", seed_id=f"r-{i}")
            for i, (q, a, _) in enumerate(SCRIPT)]


def _samples() -> list[dict]:
    return [{"id": f"r-{i}", "text": got} for i, (_, _, got) in enumerate(SCRIPT)]


def test_why_an_answer_is_rejected():
    def cs(request):
        return parse(request).to_dict()["constraints"]

    assert why_rejected("新年好！" * 10, "30字以内的拜年语", cs("30字以内的拜年语")) == (
        "too long", "char: counted 40, bounds [None, 30]")
    assert why_rejected("新年好！", "30字以上的拜年语", cs("30字以上的拜年语"))[0] == "too short"
    assert why_rejected("李总，新年好！", "给同事拜年，10字以内", cs("给同事拜年，10字以内")) == (
        "copy fault", "invented name, wrong addressee")
    assert why_rejected("各位，新年好！", "给同事拜年，10字以内", cs("给同事拜年，10字以内")) is None


def test_pairs_from_scripted_answers_count_every_request():
    records = _records() + [make_record("r-9", "给朋友写20字以内的拜年语", "新年好，老朋友！", scenario="test",
                                        source="seed", seed_id="r-9")]
    build = length_pairs(records, _samples())
    reasons = {p["seed_id"]: p["pair_reason"] for p in build.pairs}
    assert reasons == {"r-0": "too long", "r-1": "too short", "r-3": "copy fault"}
    assert build.skipped == {"model answer already fine": 1, "no model answer": 1}
    r0 = next(p for p in build.pairs if p["seed_id"] == "r-0")
    assert response_of(r0) == SCRIPT[0][1] and r0["rejected"] == SCRIPT[0][2]
    assert all(check_pair(p) is None for p in build.pairs)
    assert "3 pairs: 1 too long, 1 too short, 1 copy fault" in build.summary()


def test_a_corpus_answer_with_a_fault_makes_no_pair():
    record = make_record("r-x", "给同事写20字以内的拜年短信", "王总，新年好！", scenario="test", source="seed", seed_id="r-x")
    build = length_pairs([record], [{"id": "r-x", "text": "新年好！" * 10}])
    assert build.pairs == [] and build.skipped == {"corpus answer has a copy fault (invented name)": 1}


def test_controlled_answers_as_chosen_are_checked_and_counted():
    controlled = [
        {"id": "r-0", "text": "各位同事，新年好！来年一起加油。"},                 # in bounds: chosen
        {"id": "r-1", "text": "过年了。"},                                        # too short itself: no pair
        {"id": "r-2", "text": "奶奶，新年好！"},                                   # the uncontrolled one is fine anyway
        {"id": "r-3", "text": "张老师，新年好！您的板书我还记得。"},                # invented name: no pair
    ]
    build = length_pairs(_records(), _samples(), controlled)
    (pair,) = build.pairs
    assert pair["seed_id"] == "r-0" and pair["pair_chosen"] == "controlled" and pair["pair_reason"] == "too long"
    assert response_of(pair) == controlled[0]["text"] and pair["rejected"] == SCRIPT[0][2]
    assert pair["constraints"] == _records()[0]["constraints"] and check_pair(pair) is None
    assert build.skipped == {"controlled answer too short": 1, "model answer already fine": 1,
                             "controlled answer has a copy fault (invented name)": 1}
    assert length_pairs(_records()[:1], _samples(), []).skipped == {"no controlled answer": 1}


def test_wish_pairs_differ_only_by_the_wish():
    replay = [make_record("replay-1", "37乘以24等于多少？", "37乘以24等于888。", scenario="general", source="replay",
                          seed_id="replay-1")]
    (pair,) = wish_pairs(replay)
    assert pair["rejected"].startswith("37乘以24等于888。") and pair["rejected"] != response_of(pair)
    assert pair["pair_reason"] == "wish added" and pair["pair_detail"] in pair["rejected"]
    assert pair["constraints"] == [] and check_pair(pair) is None


def test_validate_reads_pairs_and_names_a_bad_one(tmp_path):
    pairs = length_pairs(_records(), _samples()).pairs
    pairs[1] = {**pairs[1], "rejected": response_of(pairs[1])}
    pairs[2] = {**pairs[2], "pair_reason": "vibes"}
    path = tmp_path / "pairs.jsonl"
    path.write_text("".join(json.dumps(p, ensure_ascii=False) + "\n" for p in pairs), encoding="utf-8")
    n, problems = validate_file(path)
    assert n == 3 and problems == ["line 2: rejected equals chosen",
                                   "line 3: pair_reason must be one of too long, too short, ill-formed, copy fault, "
                                   "wish added, not 'vibes'"]


class Scripted:
    """A generator that answers each request with the scripted uncontrolled answer."""
    name = "scripted"

    def generate(self, requests):
        from hesui.generate.seam import Answer

        answers = {q: got for q, _, got in SCRIPT}
        return [Answer(answers[r.last_user], r.check(), None, 1, 0.0, 1) for r in requests]


@pytest.fixture
def uncontrolled_run(tmp_path) -> Path:
    from hesui.evaluate.run import EvalConfig, evaluate

    data = tmp_path / "requests.jsonl"
    data.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in _records()), encoding="utf-8")
    out = tmp_path / "uncontrolled"
    evaluate(Scripted(), EvalConfig(data=str(data), out=str(out), control=False, n_candidates=1))
    return out


def test_data_pairs_command_writes_valid_pairs(uncontrolled_run, tmp_path, capsys):
    out = tmp_path / "pairs.jsonl"
    assert main(["data", "pairs", "--run", str(uncontrolled_run), "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    pairs = [json.loads(l) for l in out.read_text(encoding="utf-8").splitlines()]
    from hesui.data.build import load_replay
    from hesui.data.validate import check_record

    replay = load_replay()
    usable = sum(check_record(r) is None for r in replay)
    assert 0 < usable < len(replay)  # the replay set holds a few answers with runs of marks (code)
    assert len(pairs) == 3 + usable
    assert f"{3 + usable} pairs: 1 too long, 1 too short, 1 copy fault, {usable} wish added" in printed
    assert "1 model answer already fine" in printed
    assert f"{len(replay) - usable} general answer invalid (response is not well-formed)" in printed
    assert validate_file(out) == (len(pairs), [])


def test_data_pairs_takes_chosen_answers_from_a_controlled_run(uncontrolled_run, tmp_path, capsys):
    from hesui.evaluate.run import EvalConfig, evaluate

    class Corpus(Scripted):  # a "controlled" run that answers with the corpus texts, all fine
        def generate(self, requests):
            from hesui.generate.seam import Answer

            answers = {q: a for q, a, _ in SCRIPT}
            return [Answer(answers[r.last_user], r.check(), None, 1, 0.0, 1) for r in requests]

    config = json.loads((uncontrolled_run / "config.json").read_text())
    controlled = tmp_path / "controlled"
    evaluate(Corpus(), EvalConfig(data=config["data"], out=str(controlled), control=True, n_candidates=1))
    out = tmp_path / "pairs.jsonl"
    args = ["data", "pairs", "--run", str(uncontrolled_run), "--out", str(out), "--no-general"]
    assert main(args + ["--chosen-run", str(controlled)]) == 0
    pairs = [json.loads(l) for l in out.read_text(encoding="utf-8").splitlines()]
    assert [(p["seed_id"], p["pair_chosen"]) for p in pairs] == [("r-0", "controlled"), ("r-1", "controlled"),
                                                                 ("r-3", "controlled")]
    assert main(args + ["--chosen-run", str(uncontrolled_run)]) == 2
    assert "was run without the controller" in capsys.readouterr().err
    assert main(args + ["--chosen-run", str(tmp_path / "nothing")]) == 2
    assert "is not a finished eval run" in capsys.readouterr().err


def test_data_pairs_refuses_a_controlled_run_and_a_missing_one(uncontrolled_run, tmp_path, capsys):
    config = uncontrolled_run / "config.json"
    config.write_text(json.dumps({**json.loads(config.read_text()), "control": True}), encoding="utf-8")
    assert main(["data", "pairs", "--run", str(uncontrolled_run), "--out", str(tmp_path / "p.jsonl")]) == 2
    assert "was run with the controller" in capsys.readouterr().err
    assert main(["data", "pairs", "--run", str(tmp_path / "nothing"), "--out", str(tmp_path / "p.jsonl")]) == 2
    assert "is not a finished eval run" in capsys.readouterr().err


# --- DPO on the tiny random model -----------------------------------------------------------------------

@pytest.fixture
def pairs_file(tmp_path) -> Path:
    pairs = length_pairs(_records(), _samples()).pairs
    pairs += wish_pairs([make_record("replay-1", "37乘以24等于多少？", "888。", scenario="general",
                                     source="replay", seed_id="replay-1")])
    path = tmp_path / "pairs.jsonl"
    path.write_text("".join(json.dumps(p, ensure_ascii=False) + "\n" for p in pairs), encoding="utf-8")
    return path


def _dpo_config(tmp_path, tiny_model_dir, pairs_file, **over):
    from hesui.train.config import TrainConfig

    values = dict(name="tiny-dpo", objective="dpo", base=str(tiny_model_dir), train_file=str(pairs_file),
                  dev_file=str(pairs_file), out_root=str(tmp_path / "runs"), max_steps=6, batch_size=2,
                  grad_accum=1, lr=5e-3, eval_steps=3, warmup=0.0, bf16=False, lora_r=4, lora_alpha=8)
    values.update(over)
    return TrainConfig(**values)


def test_dpo_steps_move_the_margin_the_right_way(tmp_path, tiny_model_dir, pairs_file):
    from hesui.train import train

    other = tmp_path / "dev.jsonl"
    other.write_text(pairs_file.read_text(encoding="utf-8"), encoding="utf-8")  # dev = the same four pairs
    cfg = _dpo_config(tmp_path, tiny_model_dir, pairs_file, dev_file=str(other))
    result = train(cfg)
    rows = [json.loads(l) for l in (cfg.run_dir / "trainer_log.jsonl").read_text().splitlines()]
    dev_margins = [r["dev_reward_margin"] for r in rows if "dev_reward_margin" in r]
    train_rows = [r for r in rows if r.get("reward_margin") is not None]
    assert len(dev_margins) == 2 and 0 < dev_margins[0] < dev_margins[1]
    assert train_rows[-1]["reward_accuracy"] > 0.5
    dev = [r for r in rows if r.get("dev_loss") is not None]  # the same pairs each time: comparable
    assert dev[1]["dev_loss"] < dev[0]["dev_loss"] < 0.6932  # ln 2: the loss where policy = reference
    assert (dev[1]["dev_logp_chosen"] - dev[1]["dev_logp_rejected"]
            > dev[0]["dev_logp_chosen"] - dev[0]["dev_logp_rejected"])
    data = json.loads((cfg.run_dir / "data.json").read_text())
    assert data["counts"]["train_pairs"] == 4 and data["counts"]["train_pair_reasons"]["wish added"] == 1
    assert "objective: dpo" in (cfg.run_dir / "config.yaml").read_text()
    assert (cfg.run_dir / "loss.png").stat().st_size > 1000
    assert (result.weights_dir / "adapter_config.json").is_file() and result.steps == 6


def test_dpo_resumes_and_holds_out_dev_pairs(tmp_path, tiny_model_dir, pairs_file, capsys):
    from hesui.train import train

    cfg = _dpo_config(tmp_path, tiny_model_dir, pairs_file, max_steps=2, eval_steps=2, dev_fraction=0.5)
    train(cfg)
    capsys.readouterr()
    result = train(_dpo_config(tmp_path, tiny_model_dir, pairs_file, max_steps=4, eval_steps=2, dev_fraction=0.5))
    assert "resuming from" in capsys.readouterr().err and result.steps == 4
    counts = json.loads((cfg.run_dir / "data.json").read_text())["counts"]
    assert counts["train_pairs"] + counts["dev_pairs"] == 4 and counts["dev_pairs"] >= 1


def test_dpo_refuses_records_without_pairs(tmp_path, tiny_model_dir):
    from hesui.train import train
    from hesui.train.common import TrainError

    plain = tmp_path / "plain.jsonl"
    plain.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in _records()), encoding="utf-8")
    with pytest.raises(TrainError, match="needs preference pairs"):
        train(_dpo_config(tmp_path, tiny_model_dir, plain))


@pytest.mark.parametrize("flags, bf16, notice", [(["avx2", "avx512f"], False, "training in fp32"),
                                                  (["avx2", "avx512_bf16"], True, "")])
def test_precision_follows_the_cpu(monkeypatch, capsys, flags, bf16, notice):
    import torch

    from hesui.generate import load
    from hesui.train.common import with_precision
    from hesui.train.config import TrainConfig

    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    monkeypatch.setattr(load, "cpu_flags", lambda: flags)
    assert with_precision(TrainConfig()).bf16 is bf16
    assert notice in capsys.readouterr().err
    assert with_precision(TrainConfig(bf16=True)).bf16 is True  # asked for: kept
