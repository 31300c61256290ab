"""The generator seam: per-request seeds and language, best-of-N above the engine, streaming equals the answer."""
from __future__ import annotations

import pytest

from hesui.generate.seam import BestOfN, ChatMessage, ChatRequest, SamplingConfig, judged_faults, visible_text
from hesui.serve.testing import ScriptedEngine


@pytest.fixture
def gen(either_engine):
    return BestOfN(either_engine, "tiny")


def _req(text, seed, **kw):
    return ChatRequest.of(text, SamplingConfig(seed=seed, n_candidates=2, max_attempts=2), **kw)


def test_same_answer_alone_and_in_a_mixed_batch(gen):
    """Seeds, language and stopping are per row: batch-mates (English, other lengths, plain rows) change nothing."""
    target = _req("写一条50字以内的拜年短信", 7)
    alone = gen.generate([target])[0]
    mates = [ChatRequest.of("Write a short New Year greeting in English", SamplingConfig(seed=1)),
             _req("写一篇200字的短文", 2),
             ChatRequest.of("写一条30字以内的祝福", SamplingConfig(seed=3, control=False)),
             _req("给老师写拜年短信", 4, system="你是一个写手。", stop=["。"])]
    mixed = gen.generate([mates[0], mates[1], target, mates[2], mates[3]])
    assert mixed[2].text == alone.text and mixed[2].attempts == alone.attempts
    assert gen.generate([target])[0].text == alone.text  # and again: nothing global carried over


def test_best_of_n_meets_the_length_and_reports_it(gen):
    a = gen.generate([_req("写一条50字以内的拜年短信", 0)])[0]
    assert a.ok is True and 1 <= a.attempts <= 2
    v = a.verdict()
    assert v["count"]["char"] <= 50 and v["checks"][0]["measured"] == [v["count"]["char"]] and v["checks"][0]["ok"]
    assert v["constraints"] == [{"kind": "max", "unit": "char", "lo": None, "hi": 50, "target": 50}]


def test_stream_deltas_add_up_to_the_answer(gen):
    reqs = [_req("写一条50字以内的拜年短信", 5), _req("写100字左右的贺词", 6)]
    parts: dict[int, list[str]] = {0: [], 1: []}
    answers = gen.stream(reqs, lambda i, d: parts[i].append(d))
    for i, a in enumerate(answers):
        assert len(parts[i]) > 1 and "".join(parts[i]) == a.text and a.attempts == 1
    one = BestOfN(gen.engine).generate([ChatRequest.of("写一条50字以内的拜年短信",
                                                       SamplingConfig(seed=5, n_candidates=1, max_attempts=1))])[0]
    assert one.text == answers[0].text  # a stream is the first candidate of the same seed


def test_stop_strings_max_tokens_and_history(gen):
    r = ChatRequest([ChatMessage("user", "你好"), ChatMessage("assistant", "你好！"),
                     ChatMessage("user", "写一条50字以内的拜年短信")],
                    stop=["。"], sampling=SamplingConfig(seed=1, n_candidates=1, max_attempts=1, control=False))
    a = gen.generate([r])[0]
    assert "。" not in a.text
    short = gen.generate([ChatRequest.of("写一篇300字的短文", SamplingConfig(seed=1, n_candidates=1, max_attempts=1),
                                         max_tokens=5)])[0]
    assert short.finish_reason == "length" and short.completion_tokens == 5


def test_bad_conversations_are_refused(gen):
    with pytest.raises(ValueError, match="end with a user"):
        gen.generate([ChatRequest([ChatMessage("user", "写"), ChatMessage("assistant", "好")])])
    with pytest.raises(ValueError, match="矛盾"):
        gen.generate([ChatRequest.of("写不少于100字且不超过50字的短信")])


def test_visible_text_holds_back_what_may_change():
    assert visible_text("新年好 \ufffd", final=False) == "新年好"
    assert visible_text("新年好。EN", ["END"], final=False) == "新年好。"
    assert visible_text("  新年好。END 再见", ["END"], final=False) == "新年好。"


@pytest.mark.parametrize("candidates, request_, chosen, faults", [
    # 20 字 hits "20字左右" exactly (Qianfan 1.0) but wishes a birthday; 18 字 (0.75) is clean: the clean one wins
    (["老周新年快乐，生日快乐，来年代码零报警！", "老周新年好！来年不加班，头发常在哦。"],
     "给同事老周写20字左右的拜年短信", "老周新年好！来年不加班，头发常在哦。", []),
    # the request names the birthday: no fault, so Qianfan's closer count decides
    (["老周新年快乐，生日快乐，来年代码零报警！", "老周新年好！来年不加班，头发常在哦。"],
     "老周生日就在除夕，给他写20字左右的祝福", "老周新年快乐，生日快乐，来年代码零报警！", []),
    # both clean, 20 and 21 字 (Qianfan 1.0 both): fewer stock blessings per 100 字 beat LIFEBench's closer count
    (["王总，祝您新春快乐，万事如意，心想事成！", "王总，新的一年，愿您少开会，多陪家人吃饭。"],
     "给王总写20字左右的拜年短信", "王总，新的一年，愿您少开会，多陪家人吃饭。", []),
    # both clean and in the band: the one that names the request's details (象棋, 腊肠) wins
    (["爸，新年好！这一年您辛苦了，愿您和妈身体硬朗，天天开心。", "爸，新年好！年前再陪您下两盘象棋，您寄来的腊肠真香啊。"],
     "给岳父写30字以内的拜年短信，提到下象棋、寄来的腊肠", "爸，新年好！年前再陪您下两盘象棋，您寄来的腊肠真香啊。", []),
    # a fault does not beat the length: the only candidate in bounds is kept, chatter and all
    (["新年快乐！以上内容仅供参考。", "王总，新年快乐！来年上线不加班，头发常在，万事顺利呀！"],
     "给王总写15字以内的拜年短信", "新年快乐！以上内容仅供参考。", ["chatter"]),
])
def test_best_of_n_prefers_sendable_copy_among_passing_candidates(candidates, request_, chosen, faults):
    gen = BestOfN(ScriptedEngine(candidates))
    answer = gen.generate([ChatRequest.of(request_, SamplingConfig(seed=0, n_candidates=len(candidates)))])[0]
    assert answer.text == chosen and answer.ok is True
    assert answer.copy_faults == faults and answer.verdict()["copy_faults"] == faults  # what the server returns


def _chat(*turns, system=None):
    roles = ["user", "assistant"] * len(turns)
    return ChatRequest([ChatMessage(r, t) for r, t in zip(roles, turns)], system=system)


@pytest.mark.parametrize("text, request_, faults", [
    # a New Year request without a length is still judged
    ("王总新年快乐，生日快乐！", _chat("给王总写拜年短信"), ["wrong occasion"]),
    # not New Year copy: "以下是…" is how a translation or a code answer begins
    ("以下是翻译：Thank you for your help.", _chat("把这句话翻译成英文：谢谢你的帮助。"), []),
    ("以下是一个函数：def f(s): return s[::-1]", _chat("用Python写一个函数，把字符串反转。"), []),
    # the birthday is named in the system prompt, or in an earlier turn: it fits
    ("王总新年快乐，生日快乐！", _chat("给王总写20字以内的拜年短信", system="王总大年初一过生日，祝福里要有生日"), []),
    ("奶奶新年快乐，生日快乐！", _chat("奶奶除夕过八十大寿，写拜年短信", "好的", "再短一点，30字以内"), []),
])
def test_copy_faults_are_judged_for_new_year_copy_in_its_whole_conversation(text, request_, faults):
    assert judged_faults(text, request_, request_.check()) == faults
