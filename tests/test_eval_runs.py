"""hesui eval runs (issue 7): request files as people write them, a bad request does not stop the run, and a run
directory records what it needs to be resumed honestly (sampling, commit, data hash) and refuses anything else."""
from __future__ import annotations

import hashlib
import json
import subprocess
from pathlib import Path

import pytest

from hesui.cli import main
from hesui.evaluate.run import EvalConfig, evaluate, hesui_commit, load_items, run_metrics

REPO = Path(__file__).resolve().parents[1]
GOOD = "写一条20字以内的拜年短信"
CONTRADICTORY = "写一段不少于100字且不超过50字的拜年语"


def _rows(run: Path) -> list[dict]:
    return [json.loads(l) for l in (run / "samples.jsonl").read_text(encoding="utf-8").splitlines()]


def _config(run: Path) -> dict:
    return json.loads((run / "config.json").read_text(encoding="utf-8"))


@pytest.fixture
def three(tmp_path) -> Path:
    """Three requests, the middle one contradictory."""
    path = tmp_path / "three.txt"
    path.write_text(f"{GOOD}\n{CONTRADICTORY}\n用八个字祝福老师\n", encoding="utf-8")
    return path


def test_txt_skips_bom_blank_and_comment_lines(tmp_path):
    path = tmp_path / "req.txt"
    text = f"# 拜年短信测试\n\n{GOOD}\n   \n  # 缩进的注释\n用八个字祝福老师\r\n"
    path.write_bytes(b"\xef\xbb\xbf" + text.encode("utf-8"))
    items = load_items(path)
    assert [(i.id, i.prompt) for i in items] == [("0001", GOOD), ("0002", "用八个字祝福老师")]


def test_gbk_txt_is_read_with_a_notice(tmp_path, capsys):
    path = tmp_path / "gbk.txt"
    path.write_bytes(f"# 注释\n{GOOD}\n".encode("gbk"))
    assert [i.prompt for i in load_items(path)] == [GOOD]
    assert "read it as GB18030 (GBK)" in capsys.readouterr().err


def test_bad_request_becomes_an_error_row_and_the_run_goes_on(tiny_engine, three, tmp_path):
    out = tmp_path / "run"
    metrics = evaluate(tiny_engine, EvalConfig(data=str(three), out=str(out), n_candidates=1, batch=4))
    rows = {r["id"]: r for r in _rows(out)}
    assert sorted(rows) == ["0001", "0002", "0003"]
    bad = rows["0002"]
    assert bad["ok"] is False and bad["kind"] == "error" and bad["text"] == "" and "矛盾" in bad["error"]
    assert all("error" not in rows[i] and rows[i]["text"] for i in ("0001", "0003"))
    o = metrics["overall"]
    assert o["n"] == 3 and o["errors"] == 1
    answered_ok = [float(rows[i]["ok"]) for i in ("0001", "0003") if rows[i]["ok"] is not None]
    assert o["strict"] == pytest.approx(sum(answered_ok) / (len(answered_ok) + 1))  # the error counts as not ok
    assert metrics["by_kind"]["error"]["n"] == 1 and metrics["by_kind"]["error"]["strict"] == 0.0
    assert "1 request(s) could not be answered" in (out / "report.md").read_text(encoding="utf-8")
    before = (out / "samples.jsonl").read_text(encoding="utf-8")
    evaluate(tiny_engine, EvalConfig(data=str(three), out=str(out), n_candidates=1, batch=4))
    assert (out / "samples.jsonl").read_text(encoding="utf-8") == before  # a resume does not hit it again


def test_run_metrics_without_errors_keep_aggregate_figures():
    row = {"id": "1", "text": "新年快乐", "ok": True, "qianfan": 1.0, "lifebench": 100.0, "constraints": [],
           "kind": "max", "seconds": 1.0, "tokens": 4}
    m = run_metrics([row])
    assert m["overall"]["errors"] == 0 and m["overall"]["strict"] == 1.0 and "error" not in m["by_kind"]
    m = run_metrics([row, {**row, "id": "2", "error": "x", "ok": False, "qianfan": 0.0, "lifebench": 0.0,
                           "text": "", "kind": "error"}])
    assert (m["overall"]["n"], m["overall"]["strict"], m["overall"]["qianfan"], m["overall"]["lifebench"]) == \
        (2, 0.5, 0.5, 50.0)


def test_config_records_sampling_commit_and_data_hash(tiny_engine, three, tmp_path):
    out = tmp_path / "run"
    evaluate(tiny_engine, EvalConfig(data=str(three), out=str(out), limit=1, n_candidates=1, seed=7))
    cfg = _config(out)
    assert cfg["data_sha256"] == hashlib.sha256(three.read_bytes()).hexdigest()
    assert {"temperature", "top_p", "n_candidates", "max_attempts", "seed", "control",
            "repetition_penalty", "no_repeat_ngram_size"} <= set(cfg["sampling"])
    assert cfg["sampling"]["seed"] == 7 and cfg["sampling"]["n_candidates"] == 1
    git = subprocess.run(["git", "-C", str(REPO), "rev-parse", "HEAD"], capture_output=True, text=True)
    assert cfg["commit"] == (git.stdout.strip() if git.returncode == 0 else "unknown") == hesui_commit()


def test_resume_refuses_a_changed_data_file(tiny_engine, three, tmp_path):
    out = tmp_path / "run"
    evaluate(tiny_engine, EvalConfig(data=str(three), out=str(out), limit=1, n_candidates=1))
    three.write_text(three.read_text(encoding="utf-8").replace("八个字", "十个字"), encoding="utf-8")
    with pytest.raises(ValueError, match=r"another setting \(the data file's content changed \(sha256 "):
        evaluate(tiny_engine, EvalConfig(data=str(three), out=str(out), n_candidates=1))
    assert len(_rows(out)) == 1  # nothing appended


def test_resume_refuses_changed_sampling_and_keeps_the_first_commit(tiny_engine, three, tmp_path):
    out = tmp_path / "run"
    evaluate(tiny_engine, EvalConfig(data=str(three), out=str(out), limit=1, n_candidates=1))
    cfg = _config(out)
    (out / "config.json").write_text(json.dumps({**cfg, "sampling": {**cfg["sampling"], "temperature": 0.5}}))
    with pytest.raises(ValueError, match=r"sampling\.temperature 0\.5 → 0\.8"):
        evaluate(tiny_engine, EvalConfig(data=str(three), out=str(out), n_candidates=1))
    (out / "config.json").write_text(json.dumps({**cfg, "commit": "0" * 40}))  # the run began at another commit
    evaluate(tiny_engine, EvalConfig(data=str(three), out=str(out), limit=2, n_candidates=1))
    cfg2 = _config(out)
    assert cfg2["commit"] == "0" * 40 and cfg2["resumed_at"] == [hesui_commit()]
    assert len(_rows(out)) == 2


def test_a_run_from_before_the_outline_resumes_only_without_it(tiny_engine, three, tmp_path):
    """A config.json without sampling.outline was a run without the outline (its default came later)."""
    out = tmp_path / "run"
    evaluate(tiny_engine, EvalConfig(data=str(three), out=str(out), limit=1, n_candidates=1, outline=False))
    cfg = _config(out)
    old_sampling = {k: v for k, v in cfg["sampling"].items() if k not in ("outline", "examples")}
    (out / "config.json").write_text(json.dumps({**cfg, "sampling": old_sampling}))
    with pytest.raises(ValueError, match=r"sampling\.outline False → True"):
        evaluate(tiny_engine, EvalConfig(data=str(three), out=str(out), n_candidates=1))
    evaluate(tiny_engine, EvalConfig(data=str(three), out=str(out), limit=2, n_candidates=1, outline=False))
    assert len(_rows(out)) == 2


def test_records_pass_their_system_and_history(tiny_engine, tmp_path):
    from hesui.generate.seam import BestOfN

    path = tmp_path / "records.json"
    messages = [{"role": "system", "content": "你是贺岁助手"}, {"role": "user", "content": "写一句拜年的话"},
                {"role": "assistant", "content": "新年快乐！"}, {"role": "user", "content": GOOD},
                {"role": "assistant", "content": "祝您新年快乐，万事如意！"}]
    path.write_text(json.dumps([{"messages": messages}], ensure_ascii=False), encoding="utf-8")
    seen = []

    class Spy(BestOfN):
        def generate(self, requests):
            seen.extend(requests)
            return super().generate(requests)

    evaluate(Spy(tiny_engine), EvalConfig(data=str(path), out=str(tmp_path / "run"), n_candidates=1))
    (request,) = seen
    assert request.system == "你是贺岁助手"
    assert [(m.role, m.content) for m in request.messages] == [("user", "写一句拜年的话"), ("assistant", "新年快乐！"),
                                                               ("user", GOOD)]
    assert _rows(tmp_path / "run")[0]["reference"] == "祝您新年快乐，万事如意！"


def test_cli_eval_reports_errors_and_refuses_a_changed_file(tiny_model_dir, three, tmp_path, capsys):
    out = tmp_path / "run"
    argv = ["eval", "--data", str(three), "--out", str(out), "--model", str(tiny_model_dir), "--n-candidates", "1"]
    assert main(argv) == 0
    captured = capsys.readouterr()
    assert captured.out.startswith("3 requests: strict ")
    assert "hesui: 1 request(s) could not be answered" in captured.err
    three.write_text(three.read_text(encoding="utf-8") + "再写一条\n", encoding="utf-8")
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "the data file's content changed" in err and "Traceback" not in err
    assert len(_rows(out)) == 3
