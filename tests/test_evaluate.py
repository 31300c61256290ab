"""hesui eval and hesui compare on the tiny random model; the judge against a local fake endpoint."""
from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path

import pytest

from hesui.evaluate.compare import Setting, compare, parse_setting, write_report
from hesui.evaluate.judge import JudgeError, judge_rows
from hesui.evaluate.run import EvalConfig, evaluate, load_items

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture
def requests_txt(tmp_path) -> Path:
    path = tmp_path / "requests.txt"
    path.write_text("# comment\n写一条50字以内的拜年短信\n用八个字祝福老师\n写一副七言春联\n给领导写拜年短信\n",
                    encoding="utf-8")
    return path


def _rows(run: Path) -> list[dict]:
    return [json.loads(l) for l in (run / "samples.jsonl").read_text(encoding="utf-8").splitlines()]


def test_eval_writes_run_directory(tiny_engine, requests_txt, tmp_path):
    out = tmp_path / "run"
    metrics = evaluate(tiny_engine, EvalConfig(data=str(requests_txt), out=str(out), n_candidates=2,
                                               command="hesui eval --data x"))
    rows = _rows(out)
    assert len(rows) == 4 and {r["id"] for r in rows} == {"0001", "0002", "0003", "0004"}
    assert set(rows[0]) >= {"id", "prompt", "text", "count", "constraints", "ok"}
    assert set(rows[0]["count"]) == {"char", "han", "sentence", "paragraph", "line"}
    assert metrics["overall"]["n"] == 4 and metrics["overall"]["strict"] == 1.0  # the controller's guarantee
    assert metrics["by_kind"]["none"]["strict"] is None  # no constraint: not scored
    assert "Reproduce: `hesui eval --data x`" in (out / "report.md").read_text(encoding="utf-8")
    assert json.loads((out / "metrics.json").read_text())["overall"]["n"] == 4


def test_eval_resumes_without_redoing_finished_samples(tiny_engine, requests_txt, tmp_path):
    out = tmp_path / "run"
    evaluate(tiny_engine, EvalConfig(data=str(requests_txt), out=str(out), limit=2, n_candidates=1))
    first = _rows(out)
    with open(out / "samples.jsonl", "a", encoding="utf-8") as f:
        f.write('{"id": "0003", "prom')  # a line cut by an interruption
    evaluate(tiny_engine, EvalConfig(data=str(requests_txt), out=str(out), n_candidates=1))
    rows = _rows(out)  # every line is whole JSON again
    assert rows[:2] == first  # the finished samples were not redone
    assert sorted(r["id"] for r in rows) == ["0001", "0002", "0003", "0004"]


def test_eval_refuses_to_resume_a_run_of_another_setting(tiny_engine, requests_txt, tmp_path):
    out = tmp_path / "run"
    evaluate(tiny_engine, EvalConfig(data=str(requests_txt), out=str(out), limit=1, n_candidates=1))
    with pytest.raises(ValueError, match=r"another setting \(control True → False\)"):
        evaluate(tiny_engine, EvalConfig(data=str(requests_txt), out=str(out), n_candidates=1, control=False))
    assert len(_rows(out)) == 1  # nothing was appended to the other setting's answers


def test_eval_on_canonical_records_scores_references(tiny_engine, tmp_path):
    out = tmp_path / "run"
    metrics = evaluate(tiny_engine, EvalConfig(data=str(REPO / "data" / "dev.jsonl"), out=str(out), limit=3,
                                               n_candidates=1))
    o = metrics["overall"]
    assert o["bleu4"] is not None and 0 <= o["rouge1"] <= 1 and 0 <= o["rougeL"] <= 1
    assert all("reference" in r for r in _rows(out))


def test_load_items_errors(tmp_path):
    with pytest.raises(ValueError, match="no such file"):
        load_items(tmp_path / "missing.txt")
    empty = tmp_path / "empty.txt"
    empty.write_text("# nothing\n", encoding="utf-8")
    with pytest.raises(ValueError, match="no requests"):
        load_items(empty)


class _FakeJudge(BaseHTTPRequestHandler):
    replies = iter([])

    def do_POST(self):
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        assert body["messages"][0]["role"] == "user"
        reply = next(self.replies)
        data = json.dumps({"choices": [{"message": {"content": reply}}]}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args):
        pass


@pytest.fixture
def fake_judge():
    server = HTTPServer(("127.0.0.1", 0), _FakeJudge)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()


def test_judge_scores_and_aggregates(fake_judge):
    _FakeJudge.replies = iter(['{"score": 5, "reason": "具体"}', "评分：3分，略空泛", "我拒绝回答", '```json\n{"score": 4}\n```'])
    rows = [{"prompt": "p", "text": f"t{i}"} for i in range(4)]
    agg = judge_rows(rows, f"http://127.0.0.1:{fake_judge.server_port}/v1", "fake")
    assert [r["judge"] for r in rows] == [5, 3, None, 4]
    assert agg["mean"] == pytest.approx(4.0) and agg["median"] == 4 and agg["unreadable"] == 1
    assert agg["distribution"] == {"1": 0, "2": 0, "3": 1, "4": 1, "5": 1}


def test_judge_without_endpoint_is_a_clear_error():
    with pytest.raises(JudgeError, match="--judge-url"):
        judge_rows([{"prompt": "p", "text": "t"}], None, None)


def test_unreachable_judge_counts_failures_not_crash():
    rows = [{"prompt": "p", "text": "t"}]
    agg = judge_rows(rows, "http://127.0.0.1:9/v1", "fake")  # port 9: nothing listens
    assert agg["failed"] == 1 and agg["mean"] is None and "failed" in rows[0]["judge_reason"]


def test_parse_setting():
    assert parse_setting("base") == Setting("base", control=False)
    assert parse_setting("control") == Setting("base+control", control=True)
    assert parse_setting("adapter=models/hesui-lora").adapter == "models/hesui-lora"
    assert parse_setting("model=runs/train/hesui-full/model:nocontrol").label == "hesui-full (no control)"
    with pytest.raises(ValueError, match="unknown setting"):
        parse_setting("nonsense")


def test_compare_of_finished_runs_warns_of_different_requests_and_keeps_general(tiny_engine, requests_txt,
                                                                              tmp_path, capsys):
    full, short = tmp_path / "full", tmp_path / "short"
    evaluate(tiny_engine, EvalConfig(data=str(requests_txt), out=str(full), control=True, n_candidates=1))
    evaluate(tiny_engine, EvalConfig(data=str(requests_txt), out=str(short), control=True, n_candidates=1, limit=2))
    (full / "general.json").write_text(json.dumps({"pass_rate": 0.5, "rows": []}), encoding="utf-8")
    report = compare([parse_setting(str(full)), parse_setting(str(short))], data=None, limit=None,
                     out=tmp_path / "report", command="hesui compare full short --general", with_general=True)
    warning = "the settings answered different requests (full 4, short 2; 2 in common)"
    assert warning in capsys.readouterr().err
    assert warning in (report / "report.md").read_text(encoding="utf-8")
    assert json.loads((report / "metrics.json").read_text())["general"] == {"full": {"pass_rate": 0.5, "rows": []}}
    with pytest.raises(ValueError, match="both called 'full'"):
        compare([parse_setting(str(full))] * 2, data=None, limit=None, out=tmp_path / "r2", command="x")
    # with --data and --limit, a finished run is compared on those first requests only: no warning then
    report = compare([parse_setting(str(full)), parse_setting(str(short))], data=str(requests_txt), limit=2,
                     out=tmp_path / "r3", command="hesui compare full short --limit 2")
    assert "different requests" not in capsys.readouterr().err
    assert json.loads((report / "metrics.json").read_text())["metrics"]["full"]["overall"]["n"] == 2


def test_compare_writes_offline_html_md_and_charts(tiny_engine, requests_txt, tmp_path):
    runs = {}
    for label, control in (("base", False), ("base+control", True)):
        out = tmp_path / label
        evaluate(tiny_engine, EvalConfig(data=str(requests_txt), out=str(out), control=control, n_candidates=1))
        runs[label] = _rows(out)
    report = tmp_path / "report"
    write_report(runs, report, command="hesui compare base control")
    for name in ("index.html", "report.md", "compliance_by_kind.png", "requested_vs_produced.png", "length_error.png"):
        assert (report / name).stat().st_size > 0
    page = (report / "index.html").read_text(encoding="utf-8")
    assert "http://" not in page and "https://" not in page  # no external assets
    assert page.count("data:image/png;base64,") == 3
    assert page.count("<tr>") == 1 + 4  # header + one row per request
    assert "✓" in page
