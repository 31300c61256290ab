"""Training answers address people by relation (hesui.data.clean), and validate flags invented names."""
from __future__ import annotations

import json
from collections import Counter

import pytest

from hesui.cli import main
from hesui.data.clean import address_by_relation, clean_records
from hesui.data.records import make_record, response_of
from hesui.quality import invented_name


@pytest.mark.parametrize("text, request_, expected", [
    ("冯老师，新年好！谢谢冯老师这一年的指导。", "给导师拜年", "老师，新年好！谢谢老师这一年的指导。"),
    ("刘阿姨，新年好！", "给楼下的保洁阿姨拜年", "阿姨，新年好！"),
    ("何总，新年好！感谢何总的信任。", "给合作三年的客户拜年", "尊敬的客户，新年好！感谢您的信任。"),
    ("老李，新年快乐！", "给打呼噜特别响的室友拜年", "室友，新年快乐！"),
    ("小舟：\n你的明信片到了。", "女朋友在挪威读博，给她写封新年的信", "亲爱的：\n你的明信片到了。"),
    ("老陈，新年好！", "朋友在南极科考站过年，给他写几句拜年的话", "朋友，新年好！"),
    ("王总，新年好！", "给王总拜年", "王总，新年好！"),  # given by the request: kept
])
def test_address_by_relation(text, request_, expected):
    fixed, _ = address_by_relation(text, request_)
    assert fixed == expected and invented_name(fixed, request_) is None


def test_clean_records_rewrites_or_drops_and_counts():
    records = [make_record("a", "给导师写30字以内的拜年短信", "冯老师，新年好！谢谢您这一年的指导。", scenario="t",
                           source="seed", seed_id="a"),
               make_record("b", "写一篇200字左右的退休讲话", "后来跟小孙搭班，他教我看数据。" * 7 + "小孙，你还记得吗？", scenario="t",
                           source="seed", seed_id="b"),
               make_record("c", "给同事写30字以内的拜年短信", "各位同事，新年好！", scenario="t", source="seed",
                           seed_id="c")]
    removed = Counter()
    kept = clean_records(records, removed)
    assert [r["id"] for r in kept] == ["a", "c"]
    assert response_of(kept[0]) == "老师，新年好！谢谢您这一年的指导。" and kept[0]["renamed"] == ["冯老师→老师"]
    assert "renamed" not in kept[1]
    assert removed == {"answer names a person the request does not (a story's character)": 1}


def test_validate_flags_invented_names_without_failing(tmp_path, capsys):
    path = tmp_path / "d.jsonl"
    rows = [make_record("a", "给导师写30字以内的拜年短信", "冯老师，新年好！", scenario="t", source="seed", seed_id="a"),
            make_record("b", "给导师写30字以内的拜年短信", "老师，新年好！", scenario="t", source="seed", seed_id="b")]
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    assert main(["data", "validate", str(path)]) == 0
    out, err = capsys.readouterr()
    assert out.strip() == f"{path}: flag: line 1: the answer names 冯老师, whom the request does not"
    assert "2 records, 0 bad, 1 flagged" in err


def test_the_shipped_training_data_invents_no_names(built):
    from hesui.data.validate import invented_names

    assert invented_names(built / "train.jsonl") == [] and invented_names(built / "dev.jsonl") == []
