"""hesui data validate: every record checked against the length contract, bad lines reported by number."""
from __future__ import annotations

import json
from pathlib import Path

from hesui.length import LengthSpecError, measured, parse, strict

from .records import SOURCES

REQUIRED = ("id", "messages", "constraints", "scenario", "source")


def check_record(record) -> str | None:
    """The reason a canonical record is bad, or None."""
    if not isinstance(record, dict):
        return "not a JSON object"
    missing = [k for k in REQUIRED if k not in record]
    if missing:
        return f"missing field(s): {', '.join(missing)}"
    messages = record["messages"]
    if not isinstance(messages, list) or len(messages) < 2 or not all(
            isinstance(m, dict) and m.get("role") in ("system", "user", "assistant") and isinstance(m.get("content"), str)
            for m in messages):
        return "messages must be a list of {role, content} with at least a user and an assistant turn"
    if messages[-1]["role"] != "assistant" or messages[-2]["role"] != "user":
        return "messages must end with a user turn followed by the assistant's answer"
    if record["source"] not in SOURCES:
        return f"source {record['source']!r} is not one of {', '.join(SOURCES)}"
    request, response = messages[-2]["content"], messages[-1]["content"]
    if not response.strip():
        return "empty response"
    try:
        spec = parse(request)
    except LengthSpecError as e:
        return f"request has contradictory length: {e}"
    if spec.to_dict()["constraints"] != record["constraints"]:
        return "constraints do not match what the request says (re-run hesui parse on it)"
    if not strict(response, spec.constraints):
        got = "; ".join(f"{c.kind} {c.unit}: counted {measured(response, c)}, bounds [{c.lo}, {c.hi}]"
                        for c in spec.constraints)
        return f"response misses its length ({got})"
    return None


def validate_file(path: Path) -> tuple[int, list[str]]:
    """(records read, problems as "line N: reason")."""
    problems, seen, n = [], set(), 0
    with open(path, encoding="utf-8") as f:
        for i, line in enumerate(f, 1):
            if not line.strip():
                continue
            n += 1
            try:
                record = json.loads(line)
            except json.JSONDecodeError as e:
                problems.append(f"line {i}: not valid JSON ({e.msg} at column {e.colno})")
                continue
            reason = check_record(record)
            if reason is None and record["id"] in seen:
                reason = f"duplicate id {record['id']}"
            if reason:
                problems.append(f"line {i}: {reason}")
            elif isinstance(record, dict):
                seen.add(record["id"])
    return n, problems
