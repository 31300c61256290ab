"""Reading data files, and import/export: Qianfan SFT, OpenAI-style messages, alpaca, sharegpt. Bad lines are
reported by number; whatever a format cannot hold is counted, never dropped silently.

- Qianfan: each line a JSON array of turns ``[{"system"?, "prompt", "response", "weight"?}]``; ``response`` is
  ``[["..."]]`` or a plain string (both are documented); ``system`` sits on the first turn.
- OpenAI messages: ``{"messages": [{"role", "content"}, ...]}`` (a top-level ``"system"`` string is read too).
- alpaca (LLaMA-Factory's columns): ``{"instruction", "input", "output", "system"?, "history"?: [[q, a], ...]}``.
- sharegpt (LLaMA-Factory): ``{"conversations": [{"from": "human"|"gpt", "value"}], "system"?}``.

Every reader goes through :func:`read_text` (UTF-8 with or without BOM; UTF-16 with BOM; GB18030/GBK decoded with
a notice on stderr) and :func:`read_rows` (JSON lines, or a ``.json`` file holding a JSON array, as LLaMA-Factory
writes them). Newlines inside responses are data and survive every round trip.
"""
from __future__ import annotations

import codecs
import json
import sys
import unicodedata
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from .records import check_messages, constraints_of, record_from_messages

FORMATS = ("canonical", "qianfan", "messages", "alpaca", "sharegpt")
FILES_HELP = ("Files are read as UTF-8, with or without a BOM; a GB18030/GBK file is decoded with a notice on "
              "stderr (re-save it as UTF-8 to silence it). A .json file may hold a JSON array of records, as "
              "LLaMA-Factory writes them; other files are JSON lines.")
GBK_MIN_SHARE = 0.5  # GBK text reads mostly as GB2312 characters; Big5 or Latin-1 bytes read as GBK do not


class FormatError(ValueError):
    """A file that cannot be read in the format asked; lists every bad line."""


class FileError(FormatError):
    """A file that cannot be read at all (encoding, not JSON as a whole); one line that says what to do."""


def _stderr_notice(message: str) -> None:
    print(f"hesui: note: {message}", file=sys.stderr)


def resave_hint(path: Path, encoding: str = "ITS-ENCODING") -> str:
    """How to re-save a file as UTF-8, in one phrase."""
    return (f"re-save it as UTF-8 (in your editor: Save As → Encoding UTF-8; or "
            f"iconv -f {encoding} -t UTF-8 {path} > {path.stem}.utf8{path.suffix})")


def _looks_like_gbk(text: str) -> bool:
    """True when GB18030-decoded text reads as Chinese: no private-use characters, and most non-ASCII characters
    in GB2312 (Big5 bytes decoded as GBK give kana, Cyrillic and rare characters instead)."""
    wide = [ch for ch in text if ord(ch) > 127]
    if any(unicodedata.category(ch) == "Co" for ch in wide):
        return False
    common = 0
    for ch in wide:
        try:
            ch.encode("gb2312")
            common += 1
        except UnicodeEncodeError:
            pass
    return not wide or common / len(wide) >= GBK_MIN_SHARE


def read_text(path: Path, notice: Callable[[str], None] = _stderr_notice) -> str:
    """A text file's contents. UTF-8 (a leading BOM dropped) as is; UTF-16 with a BOM and GB18030/GBK are decoded
    with a ``notice``; anything else raises FormatError with one line that says how to re-save the file."""
    path = Path(path)
    try:
        data = path.read_bytes()
    except OSError as e:
        raise FileError(f"cannot read {path}: {e.strerror}") from None
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            text = data.decode("utf-16")
        except UnicodeDecodeError as e:
            raise FileError(f"{path} starts as UTF-16 but is not (byte {e.start + 1}); {resave_hint(path)}") from None
        notice(f"{path} is UTF-16; read it as such. To silence this, {resave_hint(path, 'UTF-16')}")
        return text
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        where = f"byte {e.start + 1}"
    try:
        text = data.decode("gb18030")
    except UnicodeDecodeError:
        text = None
    if text is None or not _looks_like_gbk(text):
        raise FileError(f"{path} is not UTF-8 text ({where}) nor clearly GBK; {resave_hint(path)}")
    notice(f"{path} is not UTF-8; read it as GB18030 (GBK). To silence this, {resave_hint(path, 'GB18030')}")
    return text


@dataclass
class Row:
    """One record's place in a file (line N of JSON lines, or item N of a JSON array) and its parsed JSON."""
    kind: str  # "line" | "item"
    n: int  # 1-based
    obj: object = None
    error: str | None = None  # why the JSON did not parse

    def label(self, path: Path) -> str:
        return f"{path}:{self.n}" if self.kind == "line" else f"{path}: item {self.n}"

    def where(self) -> str:
        return f"{self.kind} {self.n}"


def _json_lines(text: str) -> list[Row]:
    rows = []
    # split on "\n" only: str.splitlines would also cut at U+2028 and U+0085, which JSON strings may hold raw
    for i, line in enumerate(text.split("\n"), 1):
        line = line.strip().lstrip("\ufeff")  # a BOM where files were concatenated
        if not line:
            continue
        try:
            rows.append(Row("line", i, json.loads(line)))
        except json.JSONDecodeError as e:
            rows.append(Row("line", i, error=f"{e.msg} at column {e.colno}"))
    return rows


def read_rows(path: Path, notice: Callable[[str], None] = _stderr_notice) -> list[Row]:
    """The JSON records of a file: one per non-blank line, or, for a ``.json`` file holding one JSON array (or
    object), one per element. FormatError for an unreadable file or a ``.json`` that is neither."""
    path = Path(path)
    text = read_text(path, notice)
    if path.suffix.lower() != ".json":
        return _json_lines(text)
    try:
        whole = json.loads(text)
    except json.JSONDecodeError as e:
        rows = _json_lines(text)  # JSON lines saved under a .json name
        if rows and not any(r.error for r in rows):
            return rows
        raise FileError(f"{path}: not valid JSON ({e.msg} at line {e.lineno} column {e.colno})") from None
    items = whole if isinstance(whole, list) else [whole]
    return [Row("item", i, obj) for i, obj in enumerate(items, 1)]


# --- one record of each format → messages ---------------------------------------------------------------

def _weight(value, where: str):
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ValueError(f"{where}: weight must be a number")
    return value


def _qianfan_response(resp, unread: Counter) -> str:
    """The answer of a Qianfan turn; further candidates (ranking data) are counted in ``unread``."""
    if isinstance(resp, str):
        return resp
    if isinstance(resp, list) and resp and all(isinstance(r, list) and r and all(isinstance(x, str) for x in r)
                                               for r in resp):
        extra = sum(len(r) for r in resp) - 1
    elif isinstance(resp, list) and resp and all(isinstance(x, str) for x in resp):
        resp, extra = [resp], len(resp) - 1
    else:
        raise ValueError('each turn needs "response": [["..."]] (or a plain string)')
    if extra:
        unread["further candidate responses (the first is kept)"] += extra
    return resp[0][0]


def _from_qianfan(obj, unread: Counter) -> list[dict]:
    if not isinstance(obj, list) or not obj:
        raise ValueError("expected a JSON array of turns")
    system, messages = None, []
    for k, turn in enumerate(obj, 1):
        if not isinstance(turn, dict) or not isinstance(turn.get("prompt"), str):
            raise ValueError('each turn needs a "prompt" string')
        if turn.get("system"):
            if system is not None and turn["system"] != system:
                raise ValueError(f"turn {k} has another system text than an earlier turn; one is kept per record")
            system = str(turn["system"])
        answer = {"role": "assistant", "content": _qianfan_response(turn.get("response"), unread)}
        if turn.get("weight") is not None:
            answer["weight"] = _weight(turn["weight"], f"turn {k}")
        messages += [{"role": "user", "content": turn["prompt"]}, answer]
        for key in sorted(set(turn) - {"prompt", "response", "system", "weight"}):
            unread[f"turn key {key!r}"] += 1
    return ([{"role": "system", "content": system}] if system else []) + messages


def _from_alpaca(obj, unread: Counter) -> list[dict]:
    if not (isinstance(obj, dict) and isinstance(obj.get("instruction"), str) and isinstance(obj.get("output"), str)):
        raise ValueError('expected {"instruction": ..., "input": ..., "output": ...}')
    if not isinstance(obj.get("input", ""), str) or not isinstance(obj.get("system", ""), str):
        raise ValueError('"input" and "system" must be strings')
    history = obj.get("history") or []
    if not isinstance(history, list) or not all(
            isinstance(h, list) and len(h) == 2 and all(isinstance(x, str) for x in h) for h in history):
        raise ValueError('"history" must be [["earlier request", "its answer"], ...]')
    messages = [{"role": "system", "content": obj["system"]}] if obj.get("system") else []
    for q, a in history:
        messages += [{"role": "user", "content": q}, {"role": "assistant", "content": a}]
    prompt = obj["instruction"] + (("\n" + obj["input"]) if obj.get("input") else "")
    messages += [{"role": "user", "content": prompt}, {"role": "assistant", "content": obj["output"]}]
    for key in sorted(set(obj) - {"instruction", "input", "output", "system", "history"}):
        unread[f"key {key!r}"] += 1
    return messages


def _from_messages(obj, unread: Counter) -> list[dict]:
    messages = obj.get("messages") if isinstance(obj, dict) else None
    if not isinstance(messages, list) or not all(
            isinstance(m, dict) and isinstance(m.get("role"), str) and isinstance(m.get("content"), str)
            for m in messages):
        raise ValueError('expected {"messages": [{"role": ..., "content": ...}, ...]}')
    messages = [dict(m) for m in messages]
    if isinstance(obj.get("system"), str) and obj["system"] and not any(m["role"] == "system" for m in messages):
        messages.insert(0, {"role": "system", "content": obj["system"]})
    for m in messages:
        for key in sorted(set(m) - {"role", "content", "weight"}):
            unread[f"message key {key!r}"] += 1
            del m[key]
    for key in sorted(set(obj) - {"messages", "system"}):
        unread[f"key {key!r}"] += 1
    return messages


SHAREGPT_ROLES = {"human": "user", "user": "user", "gpt": "assistant", "assistant": "assistant", "system": "system"}


def _from_sharegpt(obj, unread: Counter) -> list[dict]:
    turns = obj.get("conversations") if isinstance(obj, dict) else None
    if not isinstance(turns, list) or not all(
            isinstance(t, dict) and t.get("from") in SHAREGPT_ROLES and isinstance(t.get("value"), str) for t in turns):
        raise ValueError('expected {"conversations": [{"from": "human" or "gpt", "value": ...}, ...]}')
    messages = [{"role": SHAREGPT_ROLES[t["from"]], "content": t["value"]} for t in turns]
    if isinstance(obj.get("system"), str) and obj["system"] and not any(m["role"] == "system" for m in messages):
        messages.insert(0, {"role": "system", "content": obj["system"]})
    for key in sorted(set(obj) - {"conversations", "system"}):
        unread[f"key {key!r}"] += 1
    return messages


READERS = {"qianfan": _from_qianfan, "alpaca": _from_alpaca, "messages": _from_messages,
           "canonical": _from_messages, "sharegpt": _from_sharegpt}


# --- files → canonical records -----------------------------------------------------------------------------

@dataclass
class ReadReport:
    """What reading a file could not take over exactly: numbered warnings and counts of what was not read."""
    warnings: list[str] = field(default_factory=list)  # "FILE:N: warning K: ..." for requests read without a length
    unread: Counter = field(default_factory=Counter)  # what the canonical record has no place for → how many


def _record(row: Row, path: Path, fmt: str, scenario: str, report: ReadReport) -> dict:
    """One row → a canonical record; ValueError with the reason when the row is malformed."""
    if fmt not in READERS:
        raise ValueError(f"unknown format {fmt!r}; expected one of {', '.join(FORMATS)}")
    unread: Counter = Counter()
    messages = READERS[fmt](row.obj, unread)
    reason = check_messages(messages)
    if reason:
        raise ValueError(reason)
    if fmt == "canonical":
        return row.obj
    report.unread.update(unread)
    rid = f"{path.stem}-{row.n}"
    try:
        constraints = constraints_of(next(m["content"] for m in reversed(messages) if m["role"] == "user"))
    except ValueError as e:  # LengthSpecError: conversion does not depend on the length parser
        constraints = []
        report.warnings.append(f"{row.label(path)}: warning {len(report.warnings) + 1}: the request's length "
                               f"cannot be read ({e}); converted with no constraints")
    return record_from_messages(rid, messages, scenario=scenario, source="imported", seed_id=rid,
                                constraints=constraints)


def load(path: Path, fmt: str, *, scenario: str = "imported",
         notice: Callable[[str], None] = _stderr_notice) -> tuple[list[dict], ReadReport]:
    """Read a file in ``fmt`` into canonical records and a report; FormatError lists every bad line."""
    path = Path(path)
    records, problems, report = [], [], ReadReport()
    for row in read_rows(path, notice):
        if row.error:
            problems.append(f"{row.label(path)}: not valid JSON ({row.error})")
            continue
        try:
            records.append(_record(row, path, fmt, scenario, report))
        except ValueError as e:
            problems.append(f"{row.label(path)}: {e}")
    if problems:
        raise FormatError("\n".join(problems))
    return records, report


def read_records(path: Path, fmt: str, *, scenario: str = "imported") -> list[dict]:
    """Read a file in ``fmt`` into canonical records; FormatError lists every bad line."""
    return load(path, fmt, scenario=scenario)[0]


# --- canonical records → files ----------------------------------------------------------------------------

def _pairs(record: dict) -> list[tuple[dict, dict]]:
    turns = [m for m in record["messages"] if m["role"] != "system"]
    return list(zip(turns[0::2], turns[1::2]))


def to_format(record: dict, fmt: str, lost: Counter | None = None):
    """One canonical record in ``fmt``; what ``fmt`` has no place for is counted in ``lost`` (per record)."""
    lost = Counter() if lost is None else lost
    system = next((m["content"] for m in record["messages"] if m["role"] == "system"), None)
    pairs = _pairs(record)
    weighted = any("weight" in a for _, a in pairs)
    if fmt == "canonical":
        return record
    if fmt == "messages":
        return {"messages": record["messages"]}
    if fmt == "qianfan":
        turns = [{"prompt": u["content"], "response": [[a["content"]]]}
                 | ({"weight": a["weight"]} if "weight" in a else {}) for u, a in pairs]
        return [{"system": system} | turns[0]] + turns[1:] if system else turns
    lost["records with weights"] += weighted  # neither alpaca nor sharegpt has a weight
    if fmt == "alpaca":
        (*history, (u, a)) = pairs
        return {"instruction": u["content"], "input": "", "output": a["content"]} | (
            {"system": system} if system else {}) | (
            {"history": [[q["content"], r["content"]] for q, r in history]} if history else {})
    if fmt == "sharegpt":
        conv = [{"from": "human" if m["role"] == "user" else "gpt", "value": m["content"]}
                for u, a in pairs for m in (u, a)]
        return {"conversations": conv} | ({"system": system} if system else {})
    raise ValueError(f"unknown format {fmt!r}; expected one of {', '.join(FORMATS)}")


def write_records(records: list[dict], path: Path, fmt: str) -> Counter:
    """Write JSON lines (a JSON array when ``path`` ends in .json); returns what ``fmt`` could not hold."""
    lost: Counter = Counter()
    objs = [to_format(r, fmt, lost) for r in records]
    with open(path, "w", encoding="utf-8") as f:
        if Path(path).suffix.lower() == ".json":
            json.dump(objs, f, ensure_ascii=False, indent=1)
            f.write("\n")
        else:
            f.writelines(json.dumps(o, ensure_ascii=False) + "\n" for o in objs)
    return +lost


@dataclass
class ConvertResult:
    n: int
    report: ReadReport
    lost: Counter  # what the target format has no place for → how many records (or turns)


def convert(src: Path, src_fmt: str, dst: Path, dst_fmt: str,
            notice: Callable[[str], None] = _stderr_notice) -> ConvertResult:
    """Read all of ``src`` (FormatError writes nothing), then write ``dst``."""
    records, report = load(src, src_fmt, notice=notice)
    lost = write_records(records, dst, dst_fmt)
    return ConvertResult(len(records), report, lost)
