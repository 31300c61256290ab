"""Examples in the prompt (issue 18, item 3): retrieval by kind and length band, the turns they become, and that
an answer can never copy 8 字 of one."""
from __future__ import annotations

import pytest

from hesui.generate.examples import ExampleIndex, copied_run, example_turns, same_band, training_index
from hesui.generate.sampling import NgramBlocker
from hesui.generate.seam import BestOfN, ChatMessage, ChatRequest, SamplingConfig
from hesui.length import parse

PAIRS = [
    {"request": "给领导写一条50字以内的拜年短信", "response": "王总，新年好！感谢您一年的指点，祝您新春顺遂。"},
    {"request": "给领导写一篇300字的新春致辞", "response": "尊敬的领导：" + "新的一年里，我们一起向前。" * 20},
    {"request": "给奶奶写一条50字以内的拜年短信", "response": "奶奶，新年好！我腊月二十八到家，饺子给我留着。"},
    {"request": "五年级作文，写看舞龙，不少于300字", "response": "正月初六，镇上有舞龙表演。" * 20},
]


@pytest.fixture(scope="module")
def index():
    return ExampleIndex(PAIRS)


def test_the_same_kind_and_length_band_comes_first(index):
    request = "给公司领导写30字以内的新年短信"
    (best,) = index.pick(request, parse(request), 1)
    assert best is PAIRS[0]  # the 300-字 致辞 shares more words but not the size
    request = "给领导写一篇250字的新年致辞"
    assert index.pick(request, parse(request), 2)[0] is PAIRS[1]


def test_a_request_never_gets_itself(index):
    request = PAIRS[2]["request"]
    assert PAIRS[2] not in index.pick(request, parse(request), 3)
    assert len(index.pick(request, parse(request), 3)) == 3


def test_bands():
    assert same_band(("prose", "char", 50.0), ("prose", "char", 100.0))
    assert not same_band(("prose", "char", 50.0), ("prose", "char", 101.0))
    assert not same_band(("prose", "char", 50.0), ("prose", "sentence", 50.0))
    assert not same_band(("verse", "char", 28.0), ("prose", "char", 28.0))
    assert not same_band(None, ("prose", "char", 28.0))


def test_training_index_holds_no_test_pair_and_no_faulty_answer():
    import json
    from pathlib import Path

    from hesui.quality import copy_faults

    idx = training_index()
    test_requests = {json.loads(l)["messages"][-2]["content"]
                     for l in (Path(__file__).parents[1] / "data/test.jsonl").read_text(encoding="utf-8").splitlines()}
    assert 300 < len(idx.pairs) < 471
    assert not test_requests & {p["request"] for p in idx.pairs}
    assert all(not copy_faults(p["response"], p["request"]) for p in idx.pairs)


def test_examples_become_earlier_turns_of_controlled_copy_only():
    from hesui.generate.seam import chat_messages

    def messages(text, **kw):
        request = ChatRequest.of(text, SamplingConfig(**kw))
        return chat_messages(request, request.check())

    with_examples = messages("给同事写一条50字以内的拜年短信", examples=2)
    roles = [m["role"] for m in with_examples]
    assert roles == ["system", "user", "assistant", "user", "assistant", "user"]
    assert with_examples[1:5] == example_turns(training_index().pick("给同事写一条50字以内的拜年短信",
                                                                     parse("给同事写一条50字以内的拜年短信"), 2))
    assert len(messages("给同事写一条50字以内的拜年短信")) == 2  # examples=0: system + request
    assert len(messages("给同事写一条50字以内的拜年短信", examples=2, control=False)) == 2
    assert len(messages("37乘以24等于多少？", examples=2)) == 1  # not copy: no system prompt, no examples
    history = ChatRequest([ChatMessage("user", "给奶奶拜年"), ChatMessage("assistant", "奶奶新年好！"),
                           ChatMessage("user", "再短一点，20字以内")], sampling=SamplingConfig(examples=2))
    assert [m["role"] for m in chat_messages(history, history.check())] == ["system", "user", "assistant", "user"]


def test_no_run_of_an_example_comes_back():
    """The decoders seed their n-gram blocker with the prompt's tokens, examples included: once an answer has
    written 3 tokens of an example's 4-token run, the 4th is banned."""
    example = [11, 12, 13, 14, 15, 16]
    blocker = NgramBlocker(4, [1, 2, *example, 3])
    for t in (20, 12, 13, 14):
        blocker.add(t)
    assert blocker.banned() == [15]
    assert copied_run("新年好，感谢您一年的指点！", PAIRS[:1]) == "感谢您一年的指点"
    assert copied_run("新年好，谢谢您这一年的照顾！", PAIRS[:1]) is None


def test_examples_are_refused_out_of_range(capsys):
    from hesui.cli import main

    with pytest.raises(ValueError, match="examples must be between 0 and 3"):
        SamplingConfig(examples=4)
    assert main(["eval", "--data", "data/test.jsonl", "--examples", "5", "--out", "/tmp/x"]) == 2
    assert "--examples must be between 0 and 3" in capsys.readouterr().err


def test_best_of_n_with_examples_on_a_scripted_engine():
    from hesui.serve.testing import ScriptedEngine

    engine = ScriptedEngine(["老周新年好！来年代码零报警，头发常在。"])
    answer = BestOfN(engine).generate([ChatRequest.of("给同事老周写30字以内的拜年短信",
                                                      SamplingConfig(seed=0, n_candidates=1, examples=1))])[0]
    assert answer.ok is True
    assert [m["role"] for m in engine.jobs[-1].messages] == ["system", "user", "assistant", "user"]


@pytest.mark.parametrize("request_, outline", [
    ("我是物流公司的CEO，写新春献词，400字左右，要提到司机师傅和一线员工",
     "分3段：第1段开篇，第2段写司机师傅、一线员工，第3段收尾，段与段要接得上"),
    ("写一篇600字的过年作文", "分5段：第1段开篇，中间各段各写一件具体的事，第5段收尾，段与段要接得上"),
    ("给朋友阿楠写封新年信，写到重庆的小面，500-700字",
     "分5段：第1段开篇，第2段写阿楠，第3段写重庆的小面，其余各段各写一件具体的事，第5段收尾，段与段要接得上"),
    ("写一条50字以内的拜年短信", ""),  # short: no outline
    ("写一首七言律诗", ""),  # verse keeps its form
])
def test_outline_of_a_long_text(request_, outline):
    from hesui.model.chat import outline_note

    assert outline_note(request_, parse(request_)) == outline


def test_outline_goes_after_the_length_of_controlled_requests_by_default():
    from hesui.generate.seam import chat_messages

    def last(text, **kw):
        request = ChatRequest.of(text, SamplingConfig(**kw))
        return chat_messages(request, request.check())[-1]["content"]

    request = "写一篇600字的过年作文"
    assert last(request) == request + "（全文540到660字；分5段：第1段开篇，中间各段各写一件具体的事，第5段收尾，段与段要接得上）"
    assert last(request, outline=False) == last(request, control=False) == request + "（全文540到660字）"
