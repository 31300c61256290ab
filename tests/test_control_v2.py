"""No answer passes with filler (LENGTH_RULES.md §3): with the tiny random model, which writes marks as gladly as
words, every answer reported ok is well-formed, for every constraint kind; the controller never writes a run of
three marks and never closes a cut word with ……."""
from __future__ import annotations

import pytest

from hesui.generate.engine import SamplingConfig
from hesui.length import ill_formed, parse, strict, well_formed
from hesui.length.count import longest_mark_run

REQUESTS = [
    # (request, constraint kind it exercises)
    ("写一条50字以内的拜年短信", "max"),
    ("少于30字的祝福", "strict max"),
    ("写一段不少于60字的祝福", "min"),
    ("超过40字的朋友圈文案", "strict min"),
    ("写100字左右的贺词", "about"),
    ("30到50字的拜年语", "range"),
    ("用八个字祝福老师", "exact han"),
    ("20个汉字以内的红包留言", "han max"),
    ("用三句话给同学拜年", "sentences"),
    ("分两段，每段不超过40字", "per paragraph"),
    ("写五句祝福，每句话不超过12个字", "per sentence"),
    ("写一副七言春联", "couplet"),
    ("写一首五言绝句", "verse"),
    ("二十来字的拜年话", "fuzzy 来"),
    ("写七八十字的新年寄语", "fuzzy neighbours"),
    ("写一段15秒的口播", "duration"),
    ("寫一條不超過40字的拜年簡訊", "traditional"),
    ("用几个四字成语写60字左右的祝福", "set phrase beside a length"),
]


@pytest.mark.parametrize("request_text,kind", REQUESTS, ids=[r[1] for r in REQUESTS])
def test_every_ok_answer_is_well_formed(either_engine, request_text, kind):
    answer = either_engine.write(request_text, SamplingConfig(seed=0, n_candidates=2, max_attempts=1))
    assert answer.ok == strict(answer.text, parse(request_text).constraints)
    if answer.ok:
        assert well_formed(answer.text), f"{kind}: {ill_formed(answer.text)}: {answer.text!r}"
    assert longest_mark_run(answer.text) <= 2, f"{kind}: {answer.text!r}"  # ok or not, never a run of 3


@pytest.mark.parametrize("seed", range(2))
def test_a_cut_word_is_never_closed_with_an_ellipsis(either_engine, seed):
    answer = either_engine.write("写一条30字以内的拜年短信", SamplingConfig(seed=seed, n_candidates=1, max_attempts=1))
    assert not answer.text.rstrip("”’）》」").endswith("…"), answer.text


def test_per_sentence_budget_is_steered(either_engine):
    from hesui.length import count, sentences

    answer = either_engine.write("写三句话，每句话不超过10个字", SamplingConfig(seed=0, n_candidates=1, max_attempts=1))
    assert all(count(x) <= 10 for x in sentences(answer.text)), answer.text


def test_filler_bans_block_a_third_mark(tiny_engine):
    from hesui.generate.control import LengthController
    from hesui.generate.plan import make_plan
    from hesui.generate.state import DecodeState

    table = tiny_engine.table
    controller = LengthController(table, [make_plan(parse("写100字左右的贺词"))], 0, tiny_engine.tokenizer)
    state = DecodeState()
    state.update("新年到了，祝你快乐！！")  # two marks in a row already
    banned = controller.rows[0]._filler_bans(state)
    ids = tiny_engine.tokenizer.encode("。", add_special_tokens=False)
    assert bool(banned[ids[0]])  # a third mark is banned
    han = tiny_engine.tokenizer.encode("新", add_special_tokens=False)
    assert not bool(banned[han[0]])  # words are not
    state.update("新年到了，祝你快乐！！新年，")
    assert bool(controller.rows[0]._filler_bans(state)[table.eos_ids[0]])  # no end after a dangling comma


def test_impossible_with_real_words_is_reported_not_ok():
    """Not ok is what a filler-free controller reports when the bound cannot be met: strict says no to padding."""
    assert not strict("新年快乐～～～～～～～～～～", parse("15字左右").constraints)
