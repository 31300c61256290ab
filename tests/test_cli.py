"""The command line: help, parse, write on a local model, and clear errors (exit 2, one line, no traceback)."""
from __future__ import annotations

import json
import subprocess
import sys

import pytest

from hesui.cli import COMMANDS, build_parser, main
from hesui.generate.load import cpu_flags
from hesui.length import count, parse, strict
from hesui.quality import copy_faults


def run_cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "hesui", *args], capture_output=True, text=True, timeout=300)


@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_every_subcommand_has_help(command, capsys):
    with pytest.raises(SystemExit) as e:
        main([command, "--help"])
    assert e.value.code == 0
    assert "usage: hesui " + command in capsys.readouterr().out


def test_no_command_prints_help_and_exits_2(capsys):
    assert main([]) == 2
    assert "COMMAND" in capsys.readouterr().out


def test_parse_json(capsys):
    assert main(["parse", "--json", "三段，每段不超过50字"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out == {"constraints": [
        {"kind": "exact", "unit": "paragraph", "lo": 3, "hi": 3, "target": 3},
        {"kind": "max", "unit": "char", "lo": None, "hi": 50, "target": 50, "per": "paragraph"}],
        "source": "三段 每段不超过50字",
        "read": [{"words": "三段", "at": [0, 2]}, {"words": "每段不超过50字", "at": [3, 11]}], "ignored": []}


def test_parse_no_constraint(capsys):
    assert main(["parse", "--json", "给领导写拜年短信"]) == 0
    assert json.loads(capsys.readouterr().out) == {"constraints": [], "read": [], "ignored": []}


def test_parse_json_says_why_a_number_was_ignored(capsys):
    assert main(["parse", "--json", "把这条10个字的祝福扩写成100字，给50岁的妈妈"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert [c["kind"] for c in out["constraints"]] == ["about"]
    assert out["ignored"] == [{"words": "10个字", "reason": "the source text's length, not the answer's"},
                              {"words": "50岁", "reason": "an age"}]


def test_parse_contradiction_exits_2_with_one_line():
    result = run_cli("parse", "不少于100字且不超过50字")
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1 and "矛盾" in result.stderr and "Traceback" not in result.stderr


@pytest.mark.parametrize("prompt,fragment", [
    ("", "empty"),
    ("   ", "empty"),
    ("写" * 2001, "at most 2000"),
    ("不少于100字且不超过50字", "矛盾"),
])
def test_write_rejects_bad_requests_before_loading_a_model(prompt, fragment):
    result = run_cli("write", prompt, "--model", "/nonexistent")  # the model is never reached
    assert result.returncode == 2
    assert fragment in result.stderr and "Traceback" not in result.stderr


def test_write_with_missing_model_is_a_clear_error():
    result = run_cli("write", "50字以内的拜年语", "--model", "/nonexistent")
    assert result.returncode == 2 and "no model at /nonexistent" in result.stderr
    assert "Traceback" not in result.stderr


def test_write_json_on_a_local_model(tiny_model_dir):
    result = run_cli("write", "写一条50字以内的拜年短信", "--model", str(tiny_model_dir), "--json", "--seed", "1")
    assert result.returncode == 0, result.stderr
    out = json.loads(result.stdout)
    assert set(out) == {"text", "count", "constraints", "ok", "copy_faults", "attempts", "seconds", "tokens",
                        "backend", "cpu_flags"}
    assert out["backend"] == "transformers"  # a Hugging Face directory: auto picks transformers
    assert out["cpu_flags"] == list(cpu_flags())
    assert out["copy_faults"] == copy_faults(out["text"], "写一条50字以内的拜年短信")
    assert out["count"]["char"] == count(out["text"]) <= 50
    # the random model's bytes can decode to U+FFFD: then the verdict must say not ok (not well-formed)
    assert out["ok"] is strict(out["text"], parse("写一条50字以内的拜年短信").constraints)


def test_write_plain_prints_only_the_text(tiny_model_dir):
    result = run_cli("write", "用八个字祝福老师", "--model", str(tiny_model_dir), "--seed", "2")
    assert result.returncode == 0
    assert count(result.stdout.strip(), "han") == 8


def test_parser_table_matches_commands():
    actions = [a for a in build_parser()._subparsers._group_actions]
    assert set(actions[0].choices) == set(COMMANDS)
