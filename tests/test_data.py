"""The corpus: seed pairs, the build, the validator and the import/export formats."""
from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest

from hesui.cli import main
from hesui.data.augment import WORDINGS, wording_rows
from hesui.data.build import build, load_seed
from hesui.data.formats import FormatError, read_records, write_records
from hesui.data.records import near_duplicate_groups, request_of, response_of
from hesui.data.seedcheck import check_pair
from hesui.data.validate import validate_file
from hesui.length import count, paragraphs

REPO = Path(__file__).resolve().parents[1]
SHIPPED = REPO / "data"


def _read(path: Path) -> list[dict]:
    return [json.loads(l) for l in path.read_text(encoding="utf-8").splitlines() if l.strip()]


def test_seed_corpus_size_and_scenarios():
    pairs = load_seed()
    scenarios = Counter(p["scenario"] for p in pairs)
    assert len(pairs) >= 300
    assert len(scenarios) >= 15
    assert min(scenarios.values()) >= 10, scenarios
    assert len({p["id"] for p in pairs}) == len(pairs)  # ids are unique


def test_every_seed_pair_meets_its_own_request():
    bad = {p["id"]: check_pair(p) for p in load_seed() if check_pair(p)}
    assert bad == {}


def test_build_is_deterministic_and_large_enough(built, tmp_path):
    again = tmp_path / "again"
    build(again, seed=0)
    for name in ("train.jsonl", "dev.jsonl", "test.jsonl"):
        assert (built / name).read_bytes() == (again / name).read_bytes()
    assert len(_read(built / "train.jsonl")) >= 2000
    for name in ("stats.md", "lengths.png", "scenarios.png", "wordings.png"):
        assert (built / name).stat().st_size > 0


def test_every_built_record_passes_the_validator(built):
    for split in ("train", "dev", "test"):
        n, problems = validate_file(built / f"{split}.jsonl")
        assert n > 0 and problems == [], problems[:5]


def test_shipped_corpus_is_valid_and_current(built):
    """data/ in the repo is what `hesui data build` writes today, and every record of it is valid."""
    for split in ("train", "dev", "test"):
        n, problems = validate_file(SHIPPED / f"{split}.jsonl")
        assert problems == [], problems[:5]
        assert (SHIPPED / f"{split}.jsonl").read_bytes() == (built / f"{split}.jsonl").read_bytes(), \
            "data/ is stale: run `hesui data build`"


def test_no_seed_pair_or_near_duplicate_crosses_splits(built):
    seed_split = {}
    for split in ("train", "dev", "test"):
        for r in _read(built / f"{split}.jsonl"):
            assert seed_split.setdefault(r["seed_id"], split) == split, r["seed_id"]
    for group in near_duplicate_groups(load_seed()):
        assert len({seed_split.get(p["id"]) for p in group} - {None}) <= 1


def test_every_wording_row_in_at_least_20_training_records(built):
    rows = Counter(w for r in _read(built / "train.jsonl") for w in wording_rows(request_of(r)))
    assert {w: rows[w] for w in WORDINGS if rows[w] < 20} == {}


def test_long_responses_keep_their_paragraphs(built):
    long = [response_of(r) for r in _read(built / "train.jsonl") if count(response_of(r)) > 150]
    multi = sum(len(paragraphs(t)) > 1 for t in long)
    assert long and multi / len(long) >= 0.6


def test_sources_are_the_documented_ones(built):
    sources = Counter(r["source"] for r in _read(built / "train.jsonl"))
    assert set(sources) <= {"seed", "relabel", "paraphrase", "ladder", "replay"}
    assert sources["relabel"] > 0 and sources["paraphrase"] > 0 and sources["ladder"] > 0


def test_validate_reports_each_bad_line_and_exits_1(tmp_path, capsys):
    good = next(r for r in _read(SHIPPED / "dev.jsonl") if any((c["lo"] or 0) > 1 for c in r["constraints"]))
    wrong_length = json.loads(json.dumps(good))
    wrong_length["id"] += "-short"
    wrong_length["messages"][-1]["content"] = "短"  # below the request's lower bound
    lines = [json.dumps(good, ensure_ascii=False), "{not json", json.dumps({"id": "x"}),
             json.dumps(wrong_length, ensure_ascii=False)]
    path = tmp_path / "mixed.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    assert main(["data", "validate", str(path)]) == 1
    out = capsys.readouterr().out.splitlines()
    assert [line.split(": ")[1] for line in out] == ["line 2", "line 3", "line 4"]
    assert "misses its length" in out[2]


FORMAT_CASES = ["qianfan", "messages", "alpaca", "canonical"]


@pytest.mark.parametrize("fmt", FORMAT_CASES)
def test_round_trip_keeps_requests_responses_and_newlines(fmt, tmp_path):
    records = _read(SHIPPED / "dev.jsonl")
    path = tmp_path / f"out.{fmt}.jsonl"
    write_records(records, path, fmt)
    back = read_records(path, fmt)
    assert [(request_of(r), response_of(r)) for r in back] == [(request_of(r), response_of(r)) for r in records]
    assert any("\n" in response_of(r) for r in back)  # paragraphs survived


def test_qianfan_line_shape(tmp_path):
    path = tmp_path / "q.jsonl"
    write_records(_read(SHIPPED / "dev.jsonl")[:1], path, "qianfan")
    turns = json.loads(path.read_text(encoding="utf-8"))
    assert isinstance(turns, list) and set(turns[0]) == {"prompt", "response"}
    assert isinstance(turns[0]["response"][0][0], str)


@pytest.mark.parametrize("fmt,line,reason", [
    ("qianfan", '{"prompt": "x"}', "array of turns"),
    ("qianfan", '[{"prompt": "x", "response": 5}]', 'response": [['),  # a plain string is documented: accepted
    ("alpaca", '{"instruction": "x"}', "instruction"),
    ("messages", '{"messages": [{"role": "user"}]}', "messages"),
    ("alpaca", "{broken", "not valid JSON"),
    ("alpaca", '{"instruction": "x", "output": "y", "history": "z"}', "history"),  # unparsable lengths: a warning
])
def test_malformed_input_is_reported_by_line(fmt, line, reason, tmp_path):
    path = tmp_path / "bad.jsonl"
    path.write_text('{"instruction": "ok", "output": "fine"}\n' * (fmt == "alpaca") + line + "\n", encoding="utf-8")
    with pytest.raises(FormatError) as err:
        read_records(path, fmt)
    assert f"bad.jsonl:{2 if fmt == 'alpaca' else 1}:" in str(err.value)
    assert reason in str(err.value)


def test_convert_cli_exits_2_without_traceback(tmp_path, capsys):
    bad = tmp_path / "bad.jsonl"
    bad.write_text("{broken\n", encoding="utf-8")
    assert main(["data", "convert", str(bad), str(tmp_path / "out.jsonl"), "--from", "qianfan"]) == 2
    err = capsys.readouterr().err
    assert "bad.jsonl:1" in err and "Traceback" not in err
    assert not (tmp_path / "out.jsonl").exists()
