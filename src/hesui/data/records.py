"""The canonical training record and the grouping of near-duplicate seed pairs."""
from __future__ import annotations

from hesui.length import parse

SOURCES = ("seed", "relabel", "paraphrase", "ladder", "replay", "imported")  # imported: hesui data convert
ROLES = ("system", "user", "assistant")


def check_messages(messages) -> str | None:
    """The reason a messages list is not a conversation hesui can train on, or None.

    Accepted: an optional system message first, then user/assistant pairs, ending with the assistant's answer
    to the last user request. An assistant message may carry a numeric ``weight`` (Qianfan's per-turn weight).
    """
    if not isinstance(messages, list) or not all(
            isinstance(m, dict) and m.get("role") in ROLES and isinstance(m.get("content"), str) for m in messages):
        return "messages must be a list of {role, content} with role system, user or assistant"
    turns = messages[1:] if messages and messages[0]["role"] == "system" else messages
    if len(turns) < 2 or len(turns) % 2:
        return "messages must be user/assistant pairs (after an optional system message), ending with the answer"
    for k, m in enumerate(turns):
        if m["role"] != ("user" if k % 2 == 0 else "assistant"):
            return f"message {k + 1 + len(messages) - len(turns)} should be the {('user', 'assistant')[k % 2]}'s"
        weight = m.get("weight")
        if weight is not None and (isinstance(weight, bool) or not isinstance(weight, (int, float))):
            return f"message {k + 1 + len(messages) - len(turns)}: weight must be a number"
    return None


def constraints_of(request: str) -> list[dict]:
    """The constraints the length contract reads in a request; raises LengthSpecError (a ValueError)."""
    return parse(request).to_dict()["constraints"]


def record_from_messages(rid: str, messages: list[dict], *, scenario: str, source: str, seed_id: str,
                         constraints: list[dict] | None = None) -> dict:
    """A canonical record of a whole conversation; constraints parsed from the last request unless given."""
    request = next(m["content"] for m in reversed(messages) if m["role"] == "user")
    return {
        "id": rid,
        "messages": messages,
        "constraints": constraints_of(request) if constraints is None else constraints,
        "scenario": scenario,
        "source": source,
        "seed_id": seed_id,
    }


def make_record(rid: str, request: str, response: str, *, scenario: str, source: str, seed_id: str) -> dict:
    """``{"id", "messages", "constraints", "scenario", "source", "seed_id"}`` — constraints parsed from the request."""
    messages = [{"role": "user", "content": request}, {"role": "assistant", "content": response}]
    return record_from_messages(rid, messages, scenario=scenario, source=source, seed_id=seed_id)


def system_of(record: dict) -> str | None:
    """The record's system message, if it has one."""
    return next((m["content"] for m in record["messages"] if m["role"] == "system"), None)


def history_of(record: dict) -> list[dict]:
    """The earlier turns: every user/assistant message before the last request."""
    turns = [m for m in record["messages"] if m["role"] != "system"]
    return turns[:-2]


def request_of(record: dict) -> str:
    return next(m["content"] for m in reversed(record["messages"]) if m["role"] == "user")


def response_of(record: dict) -> str:
    return record["messages"][-1]["content"]


def _shingles(text: str, n: int = 5) -> set[str]:
    text = "".join(text.split())
    return {text[i:i + n] for i in range(max(1, len(text) - n + 1))}


def near_duplicate_groups(pairs: list[dict], threshold: float = 0.5) -> list[list[dict]]:
    """Groups of seed pairs that must share a split: one ladder's rungs, and responses whose 5-gram
    Jaccard similarity reaches ``threshold``."""
    parent = list(range(len(pairs)))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    def union(i: int, j: int) -> None:
        parent[find(i)] = find(j)

    first_of_ladder: dict[str, int] = {}
    for i, p in enumerate(pairs):
        if p.get("ladder"):
            union(i, first_of_ladder.setdefault(p["ladder"], i))
    shingles = [_shingles(p["response"]) for p in pairs]
    for i in range(len(pairs)):
        for j in range(i + 1, len(pairs)):
            a, b = shingles[i], shingles[j]
            if len(a & b) >= threshold * len(a | b):
                union(i, j)
    groups: dict[int, list[dict]] = {}
    for i, p in enumerate(pairs):
        groups.setdefault(find(i), []).append(p)
    return list(groups.values())
