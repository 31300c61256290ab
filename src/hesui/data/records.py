"""The canonical training record and the grouping of near-duplicate seed pairs."""
from __future__ import annotations

from hesui.length import parse

SOURCES = ("seed", "relabel", "paraphrase", "ladder", "replay")


def make_record(rid: str, request: str, response: str, *, scenario: str, source: str, seed_id: str) -> dict:
    """``{"id", "messages", "constraints", "scenario", "source", "seed_id"}`` — constraints parsed from the request."""
    return {
        "id": rid,
        "messages": [{"role": "user", "content": request}, {"role": "assistant", "content": response}],
        "constraints": parse(request).to_dict()["constraints"],
        "scenario": scenario,
        "source": source,
        "seed_id": seed_id,
    }


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
