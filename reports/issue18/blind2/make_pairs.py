"""40 blind pairs: the first 40 test requests, two answers each in random order; the key kept apart.
usage: blind.py RUN_A RUN_B|ref OUT_DIR SEED"""
import json, random, sys
from pathlib import Path
a_src, b_src, out, seed = sys.argv[1], sys.argv[2], Path(sys.argv[3]), int(sys.argv[4])
test = [json.loads(l) for l in open("data/test.jsonl")][:40]
def load(src):
    if src == "ref":
        return {r["id"]: {"text": r["messages"][-1]["content"]} for r in test}
    return {r["id"]: r for r in (json.loads(l) for l in open(Path(src) / "samples.jsonl"))}
A, B = load(a_src), load(b_src)
rng = random.Random(seed)
pairs, key = [], {}
for i, rec in enumerate(test, 1):
    req = next(m["content"] for m in reversed(rec["messages"]) if m["role"] == "user")
    texts = [("a", A[rec["id"]]["text"]), ("b", B[rec["id"]]["text"])]
    rng.shuffle(texts)
    pairs.append(f"## {i}\n\n**Request:** {req}\n\n**Answer 1:**\n\n{texts[0][1]}\n\n**Answer 2:**\n\n{texts[1][1]}\n")
    key[i] = [texts[0][0], texts[1][0]]
out.mkdir(parents=True, exist_ok=True)
(out / "pairs.md").write_text("\n".join(pairs), encoding="utf-8")
Path(str(out) + "-key.json").write_text(json.dumps({"a": a_src, "b": b_src, "order": key}, indent=1))
print(len(pairs))
