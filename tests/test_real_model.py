"""End-to-end on the embedded default model (minutes on CPU): run with `pytest -m slow`."""
from __future__ import annotations

import pytest

from hesui.evaluate.metrics import chinese_share, has_loop
from hesui.length import count, parse, strict

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def engine():
    from hesui.generate.engine import TransformersEngine

    return TransformersEngine.load()


@pytest.mark.parametrize("request_text", [
    "作为I人，在家庭群发50字以内的拜年语",
    "给领导写一条不超过80字的拜年短信",
    "辅导孩子写300字过年作文",
    "写一副七言春联",
    "写一首五言绝句",
    "用一句话祝福同事",
])
def test_default_model_meets_the_length_in_chinese(engine, request_text):
    from hesui.generate.engine import SamplingConfig

    answer = engine.write(request_text, SamplingConfig(seed=0))
    assert strict(answer.text, parse(request_text).constraints)
    assert chinese_share(answer.text) >= 0.9
    assert not has_loop(answer.text)


def test_fifty_char_greeting_uses_its_budget(engine):
    from hesui.generate.engine import SamplingConfig

    answer = engine.write("给同事写一条50字以内的拜年短信", SamplingConfig(seed=0))
    assert 45 <= count(answer.text) <= 50
