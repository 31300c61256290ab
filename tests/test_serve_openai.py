"""hesui serve, OpenAI dialect, through the official openai SDK against a real uvicorn with the tiny model."""
from __future__ import annotations

import httpx
import pytest

pytest.importorskip("fastapi")
openai = pytest.importorskip("openai")

from hesui.generate.seam import BestOfN, SamplingConfig  # noqa: E402
from hesui.length import count_all  # noqa: E402
from hesui.serve.app import create_app  # noqa: E402
from hesui.serve.testing import serve_in_thread  # noqa: E402

KEY = "sk-test"
ASK = "给同事写一条50字以内的拜年短信"


@pytest.fixture(scope="module")
def url(tiny_generators):
    gens = tiny_generators
    with serve_in_thread(create_app(gens, api_key=KEY)) as base:
        yield base


@pytest.fixture(scope="module")
def client(url):
    return openai.OpenAI(base_url=url + "/v1", api_key=KEY, max_retries=0, timeout=60)


def test_non_stream_meets_the_length_and_says_so(client):
    r = client.chat.completions.create(model="hesui", messages=[{"role": "user", "content": ASK}], seed=3,
                                       extra_body={"hesui": {"n_candidates": 2}})
    text, ext = r.choices[0].message.content, r.model_extra["hesui"]
    assert text and r.choices[0].finish_reason == "stop" and r.model == "hesui"
    assert ext["count"] == count_all(text) and ext["count"]["char"] <= 50 and ext["ok"] is True
    assert ext["constraints"][0]["hi"] == 50 and ext["checks"][0]["measured"] == [ext["count"]["char"]]
    assert 1 <= ext["attempts"] <= 3 and isinstance(ext["well_formed"], bool)
    assert r.usage.completion_tokens > 0 and r.usage.prompt_tokens > 0


def test_stream_text_equals_its_final_verdict(client):
    chunks = list(client.chat.completions.create(
        model="hesui", stream=True, seed=4, stream_options={"include_usage": True},
        messages=[{"role": "system", "content": "你是写手。"}, {"role": "user", "content": "写100字左右的贺词"}]))
    text = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
    final = [c for c in chunks if c.choices and c.choices[0].finish_reason][0]
    assert final.choices[0].finish_reason in ("stop", "length")
    assert final.model_extra["hesui"]["count"] == count_all(text) and len(text) > 10
    assert chunks[-1].usage.completion_tokens > 0 and chunks[-1].choices == []


def test_history_n_and_stop(client):
    r = client.chat.completions.create(model="hesui-base", n=2, seed=1, stop=["。"], messages=[
        {"role": "user", "content": "你好"}, {"role": "assistant", "content": "你好！"},
        {"role": "user", "content": "写一条30字以内的祝福"}])
    assert len(r.choices) == 2 and all("。" not in c.message.content for c in r.choices)
    assert r.model_extra["hesui"]["attempts"] == 1  # the plain base: one sample, no resampling


def test_errors_are_openai_errors(client, url):
    with pytest.raises(openai.NotFoundError) as e:
        client.chat.completions.create(model="gpt-4", messages=[{"role": "user", "content": ASK}])
    assert e.value.body["code"] == "model_not_found"
    with pytest.raises(openai.BadRequestError) as e:
        client.chat.completions.create(model="hesui", messages=[{"role": "user", "content": "写不少于100字且不超过50字的短信"}])
    assert e.value.body["code"] == "length_contradiction" and "矛盾" in e.value.body["message"]
    with pytest.raises(openai.BadRequestError) as e:
        client.chat.completions.create(model="hesui", messages=[{"role": "user", "content": ASK}], temperature=3)
    assert e.value.body["param"] == "temperature"
    bad = openai.OpenAI(base_url=url + "/v1", api_key="wrong", max_retries=0)
    with pytest.raises(openai.AuthenticationError):
        bad.models.list()
    assert [m.id for m in client.models.list().data] == ["hesui", "hesui-base"]


def test_same_answer_from_the_generator_and_both_routes(tiny_engine, url):
    """A fixed seed: the CLI's path (the Generator), the OpenAI route and the Qianfan route give one text."""
    want = BestOfN(tiny_engine).write(ASK, SamplingConfig(seed=11)).text
    head = {"Authorization": f"Bearer {KEY}"}
    o = httpx.post(url + "/v1/chat/completions", headers=head, timeout=60, json={
        "model": "hesui", "seed": 11, "temperature": 0.8, "top_p": 0.9, "messages": [{"role": "user", "content": ASK}]})
    q = httpx.post(url + f"/rpc/2.0/ai_custom/v1/wenxinworkshop/chat/hesui?access_token={KEY}", timeout=60, json={
        "seed": 11, "temperature": 0.8, "top_p": 0.9, "messages": [{"role": "user", "content": ASK}]})
    assert o.json()["choices"][0]["message"]["content"] == want == q.json()["result"]
