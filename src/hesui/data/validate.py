"""hesui data validate: every record checked against the length contract, bad lines reported by number."""
from __future__ import annotations

from pathlib import Path

from hesui.length import LengthSpecError, ill_formed, measured, parse, strict

from .formats import read_rows
from .records import SOURCES, check_messages, request_of, response_of

REQUIRED = ("id", "messages", "constraints", "scenario", "source")


def check_record(record) -> str | None:
    """The reason a canonical record is bad, or None."""
    if not isinstance(record, dict):
        return "not a JSON object"
    missing = [k for k in REQUIRED if k not in record]
    if missing:
        return f"missing field(s): {', '.join(missing)}"
    reason = check_messages(record["messages"])
    if reason:
        return reason
    if record["source"] not in SOURCES:
        return f"source {record['source']!r} is not one of {', '.join(SOURCES)}"
    request, response = request_of(record), response_of(record)
    if not response.strip():
        return "empty response"
    try:
        spec = parse(request)
    except LengthSpecError as e:
        return f"request has contradictory length: {e}"
    if spec.to_dict()["constraints"] != record["constraints"]:
        return "constraints do not match what the request says (re-run hesui parse on it)"
    if (why := ill_formed(response)) is not None:  # strict() requires it too; say which rule it breaks
        return f"response is not well-formed: {why}"
    if not strict(response, spec.constraints):
        got = "; ".join(f"{c.kind} {c.unit}: counted {measured(response, c)}, bounds [{c.lo}, {c.hi}]"
                        for c in spec.constraints)
        return f"response misses its length ({got})"
    return None


def validate_file(path: Path) -> tuple[int, list[str]]:
    """(records read, problems as "line N: reason" or, in a .json array, "item N: reason").

    A record with a ``rejected`` answer is a preference pair and is checked as one (``hesui.data.pairs``).
    Reads the file as every hesui command does (hesui.data.formats.read_rows); FormatError when it cannot."""
    from .pairs import check_pair

    problems, seen, n = [], set(), 0
    for row in read_rows(path):
        n += 1
        if row.error:
            problems.append(f"{row.where()}: not valid JSON ({row.error})")
            continue
        record = row.obj
        reason = check_pair(record) if isinstance(record, dict) and "rejected" in record else check_record(record)
        if reason is None and str(record["id"]) in seen:
            reason = f"duplicate id {record['id']}"
        if reason:
            problems.append(f"{row.where()}: {reason}")
        else:
            seen.add(str(record["id"]))
    return n, problems


def invented_names(path: Path) -> list[str]:
    """"line N: the answer names X, whom the request does not" for each record whose answer invents a person
    (``hesui.quality.invented_name``): valid data, but a model trained on it learns to invent names."""
    from hesui.quality import invented_name

    flags = []
    for row in read_rows(path):
        record = row.obj
        if row.error or check_record(record) is not None:
            continue
        name = invented_name(response_of(record), request_of(record))
        if name:
            flags.append(f"{row.where()}: the answer names {name}, whom the request does not")
    return flags
