"""Relabelling teaches the v2 wordings: fuzzy numbers, durations for spoken scenarios, traditional script —
every wording labelled by hesui.length and met by the response it is paired with."""
from __future__ import annotations

import random

import pytest

from hesui.data.augment import (duration_wordings, fuzzy_wordings, paraphrase, relabel_wordings, to_traditional,
                                wording_rows)
from hesui.length import parse, strict

RESPONSES = [
    # (response, what it covers)
    ("新年快乐，万事如意！" * 3, "30 字: 三十来字, 两三十字"),
    ("祝你新年快乐，身体健康，阖家幸福，万事顺意。" * 3, "66 字: 六十来字, 六十多字"),
    ("新春将至，愿你所求皆如愿，所行皆坦途。" * 8, "152 字: 一百多字"),
    ("各位来宾，大家好！新的一年，我们一起出发。" * 14, "294 字: a 1分15秒 duration"),
]


@pytest.mark.parametrize("response,what", RESPONSES, ids=[r[1] for r in RESPONSES])
def test_every_relabel_is_met_by_its_response(response, what):
    for seed in range(5):
        for w in relabel_wordings(response, random.Random(seed), "host_script"):
            spec = parse(w)
            assert spec.constraints and strict(response, spec.constraints), (w, spec.to_dict())


def test_fuzzy_wordings_are_fuzzy_ranges():
    response = "祝你新年快乐，身体健康，阖家幸福，万事顺意。" * 3  # 66 字
    words = fuzzy_wordings(response, random.Random(0))
    assert words and all("fuzzy" in wording_rows(w) for w in words), words
    assert all(parse(w).constraints[0].kind == "range" for w in words)


def test_durations_only_for_spoken_scenarios():
    response = "各位来宾，大家好！新的一年，我们一起出发。" * 14  # 294 字 → 75 秒 fits 250–313
    rng = random.Random(0)
    assert duration_wordings(response, rng)
    assert not any("duration" in wording_rows(w) for w in relabel_wordings(response, rng, "moments"))
    spoken = [w for w in relabel_wordings(response, rng, "host_script") if "duration" in wording_rows(w)]
    assert spoken and all(parse(w).constraints[0].lo <= 294 <= parse(w).constraints[0].hi for w in spoken)


def test_traditional_wording_labels_as_simplified():
    w = to_traditional("不超过80个字")
    assert w == "不超過80個字" and "traditional" in wording_rows(w)
    assert parse(w).to_dict()["constraints"] == parse("不超过80个字").to_dict()["constraints"]
    turned = [paraphrase("给领导写不超过80字的拜年短信", "", random.Random(s)) for s in range(40)]
    assert any("traditional" in wording_rows(t) for t in turned)  # some paraphrases are wholly traditional


def test_built_corpus_holds_every_v2_kind(built):
    """≥ 20 training records of each v2 wording after ``hesui data build`` (the session's build)."""
    import json

    rows = [json.loads(line) for line in (built / "train.jsonl").read_text(encoding="utf-8").splitlines()]
    counts = {k: 0 for k in ("fuzzy", "duration", "traditional")}
    for r in rows:
        request = [m for m in r["messages"] if m["role"] == "user"][-1]["content"]
        for k in wording_rows(request):
            if k in counts:
                counts[k] += 1
    assert all(n >= 20 for n in counts.values()), counts
