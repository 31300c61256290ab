"""Files as people exchange them (issue 7): encodings, BOMs, .json arrays, system messages, earlier turns, Qianfan
weights and plain-string responses, unreadable lengths. Every case: converted correctly, or one line and exit ≠ 0."""
from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest

from hesui.cli import main
from hesui.data.formats import FileError, convert, load, read_rows, read_text, to_format, write_records
from hesui.data.records import check_messages, history_of, make_record, record_from_messages, system_of
from hesui.data.validate import validate_file

SYSTEM = "你是贺岁文案助手"
TURN1 = ("写一句拜年的话", "新年快乐，万事如意！")
TURN2 = ("再给老师写一条拜年短信", "老师新年好！感谢您一年的教导，祝您身体健康，阖家幸福！")
CONTRADICTORY = "写一段不少于100字且不超过50字的拜年语"


def _lines(*objs) -> str:
    return "".join(json.dumps(o, ensure_ascii=False) + "\n" for o in objs)


def _canonical(rid: str, request: str = TURN2[0], response: str = TURN2[1]) -> dict:
    return make_record(rid, request, response, scenario="teachers", source="seed", seed_id=rid)


def _jsonl(path: Path) -> list:
    return [json.loads(l) for l in path.read_text(encoding="utf-8").splitlines() if l.strip()]


def _convo() -> list[dict]:
    return [{"role": "system", "content": SYSTEM},
            {"role": "user", "content": TURN1[0]}, {"role": "assistant", "content": TURN1[1]},
            {"role": "user", "content": TURN2[0]}, {"role": "assistant", "content": TURN2[1], "weight": 0}]


# --- reading bytes ---------------------------------------------------------------------------------------

def test_utf8_bom_and_crlf_make_no_bad_line(tmp_path, capsys):
    path = tmp_path / "bom.jsonl"
    text = _lines(_canonical("a"), _canonical("b")).replace("\n", "\r\n")
    path.write_bytes(b"\xef\xbb\xbf" + text.encode("utf-8"))
    assert main(["data", "validate", str(path)]) == 0
    assert capsys.readouterr().err.strip() == f"{path}: 2 records, 0 bad"


def test_gbk_file_is_decoded_with_one_notice(tmp_path, capsys):
    src, dst = tmp_path / "gbk.jsonl", tmp_path / "out.jsonl"
    src.write_bytes(_lines({"instruction": TURN2[0], "output": TURN2[1]}).encode("gbk"))
    assert main(["data", "convert", str(src), str(dst), "--from", "alpaca"]) == 0
    err = capsys.readouterr().err.splitlines()
    assert len(err) == 1 and "read it as GB18030 (GBK)" in err[0] and "iconv -f GB18030 -t UTF-8" in err[0]
    assert [m["content"] for m in _jsonl(dst)[0]["messages"]] == list(TURN2)
    assert main(["data", "validate", str(dst)]) == 0  # what it wrote is UTF-8: no notice
    assert "GB18030" not in capsys.readouterr().err


@pytest.mark.parametrize("name,data", [
    ("big5.jsonl", _lines({"instruction": "寫一段不超過80字的拜年簡訊", "output": "新年快樂"}).encode("big5")),
    ("latin1.jsonl", "café crème brûlée, déjà vu à l'été\n".encode("latin-1")),  # not Chinese at all
    ("utf16-broken.jsonl", b"\xff\xfe{\x00\x81"),  # a UTF-16 BOM, then an odd byte count
])
def test_unreadable_encoding_is_one_line_and_exit_2(name, data, tmp_path, capsys):
    src = tmp_path / name
    src.write_bytes(data)
    for argv in (["data", "convert", str(src), str(tmp_path / "out.jsonl"), "--from", "alpaca"],
                 ["data", "validate", str(src)]):
        assert main(argv) == 2
        err = capsys.readouterr().err
        assert err.count("\n") == 1 and "re-save it as UTF-8" in err and "Traceback" not in err
    assert not (tmp_path / "out.jsonl").exists()


def test_utf16_with_bom_is_read_with_a_notice(tmp_path):
    path = tmp_path / "u16.jsonl"
    path.write_bytes(_lines(_canonical("a")).encode("utf-16"))
    notes = []
    assert json.loads(read_text(path, notes.append))["id"] == "a"
    assert len(notes) == 1 and "UTF-16" in notes[0]


def test_line_separators_inside_strings_do_not_split_records(tmp_path):
    path = tmp_path / "ls.jsonl"
    response = "第一段\u2028仍是第一段\u0085\n\n第二段"
    write_records([_canonical("a", response=response)], path, "canonical")
    rows = read_rows(path)
    assert len(rows) == 1 and rows[0].obj["messages"][-1]["content"] == response


# --- .json arrays (LLaMA-Factory) -----------------------------------------------------------------------

def test_json_array_of_alpaca_with_system_and_history(tmp_path, capsys):
    src, dst = tmp_path / "llamafactory.json", tmp_path / "out.jsonl"
    src.write_text(json.dumps([
        {"instruction": TURN2[0], "input": "", "output": TURN2[1], "system": SYSTEM, "history": [list(TURN1)]},
        {"instruction": "给爸妈写祝福", "input": "要温馨", "output": "爸妈新年好！"},
    ], ensure_ascii=False, indent=2), encoding="utf-8")
    assert main(["data", "convert", str(src), str(dst), "--from", "alpaca"]) == 0
    assert capsys.readouterr().err == ""
    first, second = _jsonl(dst)
    assert first["messages"] == [{k: v for k, v in m.items() if k != "weight"} for m in _convo()]
    assert second["messages"][0] == {"role": "user", "content": "给爸妈写祝福\n要温馨"}


def test_json_array_problems_are_named_by_item(tmp_path, capsys):
    path = tmp_path / "records.json"
    path.write_text(json.dumps([_canonical("a"), {"id": "b"}, _canonical("a")], ensure_ascii=False), encoding="utf-8")
    assert main(["data", "validate", str(path)]) == 1
    out = capsys.readouterr().out.splitlines()
    assert out == [f"{path}: item 2: missing field(s): messages, constraints, scenario, source",
                   f"{path}: item 3: duplicate id a"]


def test_broken_json_array_is_one_line(tmp_path, capsys):
    path = tmp_path / "broken.json"
    path.write_text('[{"instruction": "x", "output": "y"},\n', encoding="utf-8")
    assert main(["data", "convert", str(path), str(tmp_path / "o.jsonl"), "--from", "alpaca"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "not valid JSON" in err and "line 2" in err


def test_jsonl_saved_as_json_is_read_by_line(tmp_path):
    path = tmp_path / "lines.json"
    path.write_text(_lines(_canonical("a"), _canonical("b")), encoding="utf-8")
    assert [(r.kind, r.n) for r in read_rows(path)] == [("line", 1), ("line", 2)]


# --- system, history, weights through every conversion ---------------------------------------------------

def test_canonical_keeps_system_and_earlier_turns():
    record = record_from_messages("r", _convo(), scenario="s", source="seed", seed_id="r")
    assert system_of(record) == SYSTEM
    assert history_of(record) == [{"role": "user", "content": TURN1[0]}, {"role": "assistant", "content": TURN1[1]}]
    assert record["constraints"] == []


@pytest.mark.parametrize("fmt,lost", [
    ("canonical", {}), ("messages", {}), ("qianfan", {}),
    ("alpaca", {"records with weights": 1}), ("sharegpt", {"records with weights": 1}),  # no place for a weight
])
def test_round_trip_keeps_system_turns_and_weights(fmt, lost, tmp_path):
    record = record_from_messages("r", _convo(), scenario="s", source="seed", seed_id="r")
    path = tmp_path / f"out.{fmt}.jsonl"
    assert write_records([record], path, fmt) == Counter(lost)
    (back,), report = load(path, fmt)
    want = _convo() if not lost else [{k: v for k, v in m.items() if k != "weight"} for m in _convo()]
    assert back["messages"] == want
    assert report.warnings == [] and report.unread == Counter()


def test_qianfan_system_weight_and_plain_string_response(tmp_path, capsys):
    src, dst = tmp_path / "qf.jsonl", tmp_path / "out.jsonl"
    src.write_text(_lines(
        [{"system": SYSTEM, "prompt": TURN1[0], "response": TURN1[1], "weight": 1},
         {"prompt": TURN2[0], "response": [[TURN2[1]]], "weight": 0}],
        [{"prompt": TURN2[0], "response": [[TURN2[1]], ["另一个候选"]], "note": "x"}],
    ), encoding="utf-8")
    assert main(["data", "convert", str(src), str(dst), "--from", "qianfan", "--to", "qianfan"]) == 0
    err = capsys.readouterr().err.splitlines()
    assert err == ["hesui: not converted, the canonical record has no place for: further candidate responses "
                   "(the first is kept) ×1, turn key 'note' ×1"]
    first, second = _jsonl(dst)
    assert first == [{"system": SYSTEM, "prompt": TURN1[0], "response": [[TURN1[1]]], "weight": 1},
                     {"prompt": TURN2[0], "response": [[TURN2[1]]], "weight": 0}]
    assert second == [{"prompt": TURN2[0], "response": [[TURN2[1]]]}]
    canonical = tmp_path / "canonical.jsonl"
    assert main(["data", "convert", str(src), str(canonical), "--from", "qianfan"]) == 0
    assert {r["source"] for r in _jsonl(canonical)} == {"imported"}  # not "seed": not one of hesui's own pairs
    assert main(["data", "validate", str(canonical)]) == 0


def test_export_says_what_the_target_cannot_hold(tmp_path, capsys):
    src = tmp_path / "c.jsonl"
    write_records([record_from_messages(f"r{k}", _convo(), scenario="s", source="seed", seed_id="r") for k in range(3)]
                  + [_canonical("plain")], src, "canonical")
    assert main(["data", "convert", str(src), str(tmp_path / "a.jsonl"), "--to", "alpaca"]) == 0
    assert capsys.readouterr().err.splitlines() == ["hesui: not written, alpaca cannot hold: records with weights ×3"]
    alpaca = _jsonl(tmp_path / "a.jsonl")
    assert alpaca[0] == {"instruction": TURN2[0], "input": "", "output": TURN2[1], "system": SYSTEM,
                         "history": [list(TURN1)]}
    assert set(alpaca[3]) == {"instruction", "input", "output"}


def test_messages_top_level_system_and_unknown_keys_are_counted(tmp_path):
    path = tmp_path / "m.jsonl"
    msgs = [{"role": "user", "content": TURN2[0]}, {"role": "assistant", "content": TURN2[1], "loss_weight": 1.0}]
    path.write_text(_lines({"system": SYSTEM, "messages": msgs, "meta": {"a": 1}}), encoding="utf-8")
    (record,), report = load(path, "messages")
    assert system_of(record) == SYSTEM
    assert report.unread == Counter({"message key 'loss_weight'": 1, "key 'meta'": 1})


def test_sharegpt_import(tmp_path):
    path = tmp_path / "sg.json"
    conv = [{"from": "human", "value": TURN1[0]}, {"from": "gpt", "value": TURN1[1]},
            {"from": "human", "value": TURN2[0]}, {"from": "gpt", "value": TURN2[1]}]
    path.write_text(json.dumps([{"conversations": conv, "system": SYSTEM}], ensure_ascii=False), encoding="utf-8")
    (record,), _ = load(path, "sharegpt")
    assert record["messages"] == [{k: v for k, v in m.items() if k != "weight"} for m in _convo()]


# --- conversion does not depend on the length parser -----------------------------------------------------

def test_unreadable_length_converts_with_a_numbered_warning(tmp_path, capsys):
    src, dst = tmp_path / "a.jsonl", tmp_path / "out.jsonl"
    src.write_text(_lines({"instruction": TURN2[0], "output": TURN2[1]},
                          {"instruction": CONTRADICTORY, "output": "新年好"},
                          {"instruction": CONTRADICTORY, "output": "新年好"}), encoding="utf-8")
    assert main(["data", "convert", str(src), str(dst), "--from", "alpaca"]) == 0
    captured = capsys.readouterr()
    err = captured.err.splitlines()
    assert [e.split(": ", 2)[:2] for e in err[:2]] == [["hesui", f"{src}:2"], ["hesui", f"{src}:3"]]
    assert "warning 1:" in err[0] and "warning 2:" in err[1] and "converted with no constraints" in err[0]
    assert err[2] == "hesui: 2 request(s) converted with no constraints, their length unreadable (warnings above)"
    assert "converted 3 records" in captured.out
    assert [r["constraints"] for r in _jsonl(dst)[1:]] == [[], []]
    assert main(["data", "validate", str(dst)]) == 1  # training data stays strict: validate still names them
    assert len(capsys.readouterr().out.splitlines()) == 2


@pytest.mark.parametrize("messages,reason", [
    ([{"role": "user", "content": "a"}, {"role": "user", "content": "b"}], "assistant"),  # two requests in a row
    ([{"role": "user", "content": "a"}], "pairs"),  # no answer
    ([{"role": "user", "content": "a"}, {"role": "assistant", "content": "b"}, {"role": "system", "content": "s"}],
     "pairs"),  # system not first
    ([{"role": "user", "content": "a"}, {"role": "assistant", "content": "b", "weight": "1"}], "weight"),
    ([{"role": "tool", "content": "a"}, {"role": "assistant", "content": "b"}], "role"),
])
def test_check_messages_rejects(messages, reason):
    assert reason in check_messages(messages)


def test_convert_reads_everything_before_writing(tmp_path):
    src, dst = tmp_path / "a.jsonl", tmp_path / "out.jsonl"
    src.write_text(_lines({"instruction": "x", "output": "y"}) + "{broken\n", encoding="utf-8")
    with pytest.raises(Exception) as err:
        convert(src, "alpaca", dst, "canonical")
    assert f"{src}:2: not valid JSON" in str(err.value) and not dst.exists()
    assert not isinstance(err.value, FileError)


def test_to_format_writes_json_array_for_json_names(tmp_path):
    path = tmp_path / "out.json"
    write_records([_canonical("a"), _canonical("b")], path, "alpaca")
    assert [o["instruction"] for o in json.loads(path.read_text(encoding="utf-8"))] == [TURN2[0]] * 2
    assert to_format(_canonical("a"), "messages") == {"messages": _canonical("a")["messages"]}


def test_validate_file_counts_records_in_every_layout(tmp_path):
    recs = [_canonical("a"), _canonical("b"), _canonical("c")]
    (tmp_path / "r.json").write_text(json.dumps(recs, ensure_ascii=False), encoding="utf-8")
    (tmp_path / "r.jsonl").write_bytes(b"\xef\xbb\xbf" + _lines(*recs).encode("utf-8"))
    assert validate_file(tmp_path / "r.json") == (3, [])
    assert validate_file(tmp_path / "r.jsonl") == (3, [])


def test_validate_names_filler_as_not_well_formed(tmp_path, capsys):
    path = tmp_path / "filler.jsonl"
    write_records([_canonical("a", response="新年快乐～！——")], path, "canonical")
    assert main(["data", "validate", str(path)]) == 1
    assert capsys.readouterr().out.strip() == f"{path}: line 1: response is not well-formed: a run of 3 punctuation marks"
