"""hesui serve, Qianfan dialect: the qianfan SDK pointed at a local uvicorn, plus the raw wire format."""
from __future__ import annotations

import json

import httpx
import pytest

pytest.importorskip("fastapi")

from hesui.length import count_all  # noqa: E402
from hesui.serve.app import create_app  # noqa: E402
from hesui.serve.testing import serve_in_thread  # noqa: E402

KEY = "qf-token"
ASK = "给同事写一条50字以内的拜年短信"
PATH = "/rpc/2.0/ai_custom/v1/wenxinworkshop/chat/"


@pytest.fixture(scope="module")
def url(tiny_generators):
    gens = tiny_generators
    with serve_in_thread(create_app(gens, api_key=KEY)) as base:
        yield base


@pytest.fixture()
def chat(url, monkeypatch):
    """The SDK's ChatCompletion on the local server: its base URLs and an access token from the environment."""
    for name in ("QIANFAN_BASE_URL", "QIANFAN_CONSOLE_API_BASE_URL", "QIANFAN_IAM_BASE_URL"):
        monkeypatch.setenv(name, url)
    monkeypatch.setenv("QIANFAN_ACCESS_TOKEN", KEY)
    qianfan = pytest.importorskip("qianfan", reason="the qianfan SDK is the optional serve-test extra")
    config = qianfan.get_config()
    for attr in ("BASE_URL", "CONSOLE_API_BASE_URL", "IAM_BASE_URL"):
        monkeypatch.setattr(config, attr, url)
    monkeypatch.setattr(config, "ACCESS_TOKEN", KEY)
    return qianfan.ChatCompletion(endpoint="hesui")


def test_sdk_non_stream(chat):
    r = chat.do(messages=[{"role": "user", "content": ASK}], temperature=0.8, top_p=0.9, seed=2)
    assert r["result"] and r["is_truncated"] is False and r["need_clear_history"] is False
    assert r["hesui"]["count"] == count_all(r["result"]) and r["hesui"]["count"]["char"] <= 50
    assert r["usage"]["total_tokens"] == r["usage"]["prompt_tokens"] + r["usage"]["completion_tokens"]


def test_sdk_stream(chat):
    events = list(chat.do(messages=[{"role": "user", "content": "写100字左右的贺词"}], stream=True, seed=5))
    text = "".join(e["result"] for e in events)
    assert events[-1]["is_end"] is True and all(not e["is_end"] for e in events[:-1])
    assert [e["sentence_id"] for e in events] == list(range(len(events)))
    assert events[-1]["hesui"]["count"] == count_all(text) and len(text) > 10


def test_wire_format_and_errors(url):
    def post(body, endpoint="hesui", token=KEY, raw=None):
        r = httpx.post(f"{url}{PATH}{endpoint}?access_token={token}", timeout=60,
                       content=raw if raw is not None else json.dumps(body).encode())
        assert r.status_code == 200 and r.headers["content-type"].startswith("application/json")
        return r.json()

    user = {"role": "user", "content": ASK}
    assert post({"messages": [user]}, token="nope")["error_code"] == 110
    assert post({"messages": [user]}, endpoint="ernie-4")["error_code"] == 336005
    assert post(None, raw=b"{not json")["error_code"] == 336002
    assert post({"messages": [user, {"role": "assistant", "content": "好"}]})["error_code"] == 336006
    assert post({"messages": [user], "temperature": 0})["error_code"] == 336003
    assert post({"messages": [user], "stop": ["x" * 21]})["error_code"] == 336003
    assert post({"messages": [user], "max_output_tokens": 1})["error_code"] == 336003
    assert post({"messages": [{"role": "user", "content": "写不少于100字且不超过50字的短信"}]})["error_code"] == 336001
    ok = post({"messages": [user], "extra_parameters": {"x": 1}, "user_id": "u1", "penalty_score": 1.2,
               "system": "你是写手。", "max_output_tokens": 8})
    assert ok["object"] == "chat.completion" and ok["is_truncated"] is True and ok["usage"]["completion_tokens"] == 8
    with httpx.stream("POST", f"{url}{PATH}hesui-base?access_token={KEY}", json={"messages": [user], "stream": True},
                      timeout=60) as r:
        lines = [line for line in r.iter_lines() if line]
    assert r.headers["content-type"].startswith("text/event-stream") and "[DONE]" not in "".join(lines)
    assert json.loads(lines[-1][6:])["is_end"] is True
