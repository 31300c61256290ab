"""README.md and README_zh.md are kept in step: the same `hesui <command>` rows, each linking to the other."""
from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
# A row of a commands table: "| `hesui data build [--out DIR]` | ..." → "data build".
ROW = re.compile(r"^\|\s*`hesui((?:\s+[a-z][a-z0-9-]*)+)")


def commands(readme: str) -> list[str]:
    """The subcommands a README's tables list, in order: the lower-case words after `hesui`, before any argument."""
    return [" ".join(m.group(1).split()) for line in readme.splitlines() if (m := ROW.match(line))]


def test_row_pattern_takes_the_subcommand_words_only():
    text = "| `hesui data build [--out DIR]` | x |\n| `hesui write PROMPT [--json]` | y |\n| `hesui compare A B` | z |"
    assert commands(text) == ["data build", "write", "compare"]


def test_both_readmes_list_the_same_commands():
    en = commands((ROOT / "README.md").read_text(encoding="utf-8"))
    zh = commands((ROOT / "README_zh.md").read_text(encoding="utf-8"))
    assert {"write", "parse", "eval", "compare"} <= set(en)
    assert zh == en, f"only in README.md: {sorted(set(en) - set(zh))}; only in README_zh.md: {sorted(set(zh) - set(en))}"


def test_each_readme_links_to_the_other_at_the_top():
    en_top = (ROOT / "README.md").read_text(encoding="utf-8").splitlines()[:5]
    zh_top = (ROOT / "README_zh.md").read_text(encoding="utf-8").splitlines()[:5]
    assert any("(README_zh.md)" in line for line in en_top)
    assert any("(README.md)" in line for line in zh_top)
