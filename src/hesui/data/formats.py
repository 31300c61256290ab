"""Import and export: Qianfan SFT jsonl, OpenAI-style messages, alpaca. Malformed lines are reported by number.

- Qianfan: each line a JSON array of turns ``[{"prompt": "...", "response": [["..."]]}]``.
- OpenAI messages: ``{"messages": [{"role", "content"}, ...]}``.
- alpaca: ``{"instruction", "input", "output"}`` (import only; export writes it too, for convenience).
Newlines inside responses are data and survive every round trip.
"""
from __future__ import annotations

import json
from pathlib import Path

from hesui.length import LengthSpecError

from .records import make_record

FORMATS = ("canonical", "qianfan", "messages", "alpaca")


class FormatError(ValueError):
    """A file that cannot be read in the format asked; lists every bad line."""


def _turns_from(obj, fmt: str) -> list[dict]:
    """One line in ``fmt`` → messages; raises ValueError with a reason."""
    if fmt == "qianfan":
        if not isinstance(obj, list) or not obj:
            raise ValueError("expected a JSON array of turns")
        messages = []
        for turn in obj:
            if not isinstance(turn, dict) or not isinstance(turn.get("prompt"), str):
                raise ValueError('each turn needs a "prompt" string')
            resp = turn.get("response")
            if not (isinstance(resp, list) and resp and isinstance(resp[0], list) and resp[0]
                    and isinstance(resp[0][0], str)):
                raise ValueError('each turn needs "response": [["..."]]')
            messages += [{"role": "user", "content": turn["prompt"]}, {"role": "assistant", "content": resp[0][0]}]
        return messages
    if fmt in ("messages", "canonical"):
        messages = obj.get("messages") if isinstance(obj, dict) else None
        if not isinstance(messages, list) or not all(
                isinstance(m, dict) and isinstance(m.get("role"), str) and isinstance(m.get("content"), str)
                for m in messages):
            raise ValueError('expected {"messages": [{"role": ..., "content": ...}, ...]}')
        return messages
    if fmt == "alpaca":
        if not isinstance(obj, dict) or not isinstance(obj.get("instruction"), str) or not isinstance(obj.get("output"), str):
            raise ValueError('expected {"instruction": ..., "input": ..., "output": ...}')
        prompt = obj["instruction"] + (("\n" + obj["input"]) if obj.get("input") else "")
        return [{"role": "user", "content": prompt}, {"role": "assistant", "content": obj["output"]}]
    raise ValueError(f"unknown format {fmt!r}; expected one of {', '.join(FORMATS)}")


def read_records(path: Path, fmt: str, *, scenario: str = "imported") -> list[dict]:
    """Read a file in ``fmt`` into canonical records; FormatError lists every bad line."""
    records, problems = [], []
    with open(path, encoding="utf-8") as f:
        for i, line in enumerate(f, 1):
            if not line.strip():
                continue
            try:
                obj = json.loads(line)
                messages = _turns_from(obj, fmt)
                if len(messages) < 2 or messages[-1]["role"] != "assistant":
                    raise ValueError("the last turn must be the assistant's answer")
                if fmt == "canonical":
                    records.append(obj)
                    continue
                rid = f"{path.stem}-{i}"
                record = make_record(rid, messages[-2]["content"], messages[-1]["content"], scenario=scenario,
                                     source="seed", seed_id=rid)
                record["messages"] = messages
                records.append(record)
            except json.JSONDecodeError as e:
                problems.append(f"{path}:{i}: not valid JSON ({e.msg})")
            except (ValueError, LengthSpecError) as e:
                problems.append(f"{path}:{i}: {e}")
    if problems:
        raise FormatError("\n".join(problems))
    return records


def to_format(record: dict, fmt: str):
    messages = [m for m in record["messages"] if m["role"] != "system"]
    if fmt == "canonical":
        return record
    if fmt == "messages":
        return {"messages": record["messages"]}
    if fmt == "qianfan":
        pairs = zip(messages[0::2], messages[1::2])
        return [{"prompt": u["content"], "response": [[a["content"]]]} for u, a in pairs]
    if fmt == "alpaca":
        return {"instruction": messages[-2]["content"], "input": "", "output": messages[-1]["content"]}
    raise ValueError(f"unknown format {fmt!r}; expected one of {', '.join(FORMATS)}")


def write_records(records: list[dict], path: Path, fmt: str) -> None:
    with open(path, "w", encoding="utf-8") as f:
        for r in records:
            f.write(json.dumps(to_format(r, fmt), ensure_ascii=False) + "\n")


def convert(src: Path, src_fmt: str, dst: Path, dst_fmt: str) -> int:
    records = read_records(src, src_fmt)
    write_records(records, dst, dst_fmt)
    return len(records)
