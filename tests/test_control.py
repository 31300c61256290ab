"""The controller meets every kind of bound even on a random model (which knows nothing of length)."""
from __future__ import annotations

import pytest

from hesui.generate.engine import SamplingConfig
from hesui.length import count, measured, parse, strict, verse_lines

REQUESTS = [
    # (request, what it exercises)
    ("写一条50字以内的拜年短信", "max"),
    ("给领导写不超过80字的拜年短信", "max, 不超过"),
    ("少于30字的祝福", "strict max"),
    ("写一段不少于60字的祝福", "min"),
    ("超过40字的朋友圈文案", "strict min"),
    ("写100字左右的贺词", "about"),
    ("写一篇120字的短文", "bare N > 20 → about"),
    ("用八个字祝福老师", "exact han"),
    ("30到50字的拜年语", "range"),
    ("用一句话祝福同事", "one sentence"),
    ("用三句话给同学拜年", "three sentences"),
    ("分三段写一段新年寄语，一共150字左右", "paragraphs with total"),
    ("分两段，每段不超过40字", "per-paragraph max"),
    ("写一副七言春联", "couplet"),
    ("上下联各五个字的春联", "couplet, five"),
    ("写一首五言绝句", "verse, five"),
    ("写一首七言律诗", "verse, eight lines"),
    ("20个汉字以内的红包留言", "han max"),
]


@pytest.mark.parametrize("request_text,what", REQUESTS)
@pytest.mark.parametrize("seed", [0, 1])
def test_random_model_meets_every_bound(either_engine, request_text, what, seed):
    spec = parse(request_text)
    answer = either_engine.write(request_text, SamplingConfig(seed=seed, n_candidates=2, max_attempts=2))
    got = {c.unit: measured(answer.text, c) for c in spec.constraints}
    assert strict(answer.text, spec.constraints), f"{what}: counted {got} for {spec.to_dict()}"
    assert answer.ok is True


def test_answer_never_ends_mid_sentence(either_engine):
    answer = either_engine.write("写一条50字以内的拜年短信", SamplingConfig(seed=3, n_candidates=1, max_attempts=1))
    assert answer.text.rstrip("”’）》」")[-1] in "。！？"
    assert 45 <= count(answer.text) <= 50  # eos_from = ceil(0.9 × 50); never past 50


def test_couplet_is_two_lines_and_a_heng_pi(either_engine):
    answer = either_engine.write("写一副七言春联", SamplingConfig(seed=0, n_candidates=1, max_attempts=1))
    rows = answer.text.split("\n")
    assert [count(r, "han") for r in rows] == [7, 7, 4]
    assert verse_lines(answer.text, couplet=True) == rows[:2]


def test_verse_lines_end_in_comma_then_full_stop(either_engine):
    answer = either_engine.write("写一首五言绝句", SamplingConfig(seed=0, n_candidates=1, max_attempts=1))
    rows = answer.text.split("\n")
    assert [r[-1] for r in rows] == ["，", "。", "，", "。"]
    assert [count(r, "han") for r in rows] == [5, 5, 5, 5]


def test_no_control_is_the_plain_model(either_engine):
    answer = either_engine.write("写一条50字以内的拜年短信", SamplingConfig(seed=0, control=False))
    assert answer.attempts == 1
    assert answer.ok == strict(answer.text, parse("写一条50字以内的拜年短信").constraints)


def test_chinese_request_gets_no_foreign_script(either_engine):
    answer = either_engine.write("写100字左右的贺词", SamplingConfig(seed=5, n_candidates=1, max_attempts=1))
    assert not any("\uac00" <= ch <= "\ud7af" or "\u3040" <= ch <= "\u30ff" for ch in answer.text)
    assert not any(ch in "*#`" for ch in answer.text)


def test_to_dict_has_the_documented_fields(either_engine):
    d = either_engine.write("写一条50字以内的拜年短信", SamplingConfig(seed=0, n_candidates=1)).to_dict()
    assert set(d) == {"text", "count", "constraints", "ok", "copy_faults", "attempts", "seconds", "tokens"}
    assert set(d["count"]) == {"char", "han", "sentence", "paragraph"}
    assert d["count"]["char"] == count(d["text"])


@pytest.mark.parametrize("text,piece,repeats", [
    ("祝你新年快乐，万事如意，", "祝你新年快乐", True),  # the same 6-字 run again
    ("祝你新年快乐，万事如意，", "祝你新春快乐", False),  # one 字 differs: a new run
    ("为灶台边设计出新的风格，为灶", "台边设计出一", True),  # the run closes inside a multi-字 piece
    ("哈哈哈哈哈", "哈", False),  # five alike: not yet a 6-字 run seen before
    ("哈哈哈哈哈哈", "哈", True),  # overlapping repeat: a character looping
    ("新年快乐", "新年快乐", False),  # shorter texts never form a repeated 6-字 run
])
def test_repeated_runs_are_caught_wherever_they_close(text, piece, repeats):
    from hesui.generate.control import repeats_a_run

    assert repeats_a_run(text, piece) is repeats


def test_random_model_writes_no_repeated_run(either_engine):
    from hesui.evaluate.metrics import has_loop

    for seed in range(3):
        answer = either_engine.write("写一篇200字的短文", SamplingConfig(seed=seed, n_candidates=1, max_attempts=1))
        assert not has_loop(answer.text, span=6, times=2), answer.text


@pytest.mark.parametrize("piece,closes", [
    ("。\n\n", True),  # Qwen's usual paragraph break: one token
    ("！\n", True),
    ("…”\n\n", True),  # an ender, a closing quote, then the break
    ("\n\n", False),  # a bare break: allowed only after a full stop
    ("。", False),  # a full stop alone keeps the paragraph open
    ("。\n我", False),  # text after the break: a new paragraph already begun
    ("，\n", False),  # a comma does not close a sentence
])
def test_pieces_that_close_a_paragraph(piece, closes):
    from hesui.generate.tokens import closes_paragraph

    assert closes_paragraph(piece) is closes


@pytest.mark.parametrize("request_text,may_break", [
    ("写一条80字以内的拜年短信", False),  # a short message stays one block
    ("用三句话给同学拜年", False),  # sentences, not paragraphs
    ("写一篇300字的过年作文", True),  # an essay is written in paragraphs
    ("分两段，每段不超过40字", True),  # asked for
])
def test_paragraph_breaks_after_a_full_stop_only_where_they_belong(tiny_engine, request_text, may_break):
    from hesui.generate.control import LengthController
    from hesui.generate.plan import make_plan
    from hesui.generate.state import DecodeState

    table = tiny_engine.table
    controller = LengthController(table, [make_plan(parse(request_text))], 0, tiny_engine.tokenizer)
    state = DecodeState()
    state.update("新年到了，我们一家人围在桌边包饺子，窗外的烟花一朵接一朵地亮起来。")  # 34 字, one sentence closed
    banned = controller.rows[0]._bans(state)
    assert bool(banned[table.newline_id]) is not may_break
