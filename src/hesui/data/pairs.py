"""Preference pairs for DPO (``hesui data pairs``), from what hesui can verify.

A pair is a canonical record (its last assistant message is the *chosen* answer, which meets the length and has
no copy fault) plus a ``rejected`` answer and the ``pair_reason`` it was made for:

- ``too long`` / ``too short`` / ``copy fault``: for a training request, chosen = the corpus answer; rejected = the
  tuned model's own *uncontrolled* answer (an ``hesui eval --no-control`` run over those requests) where it misses
  the length or carries a copy fault (``hesui.quality.copy_faults``: wrong occasion, invented name, chatter…);
  With a controlled run of the same requests (``--chosen-run``), chosen = the model's own *controlled* answer instead
  (in bounds, no copy fault, checked here again): the two sides then come from the same model and differ mainly in
  length, so the preference cannot be learned from style alone (the corpus answers differ from the model's in
  everything, and DPO on them left the model's length where it was);
- ``wish added``: for a general prompt (the replay set: no length, not New Year copy), chosen = the base model's
  plain answer; rejected = the same answer with a New Year wish appended, the failure the controller-era model
  showed ("一年有三个月。新的一年，祝您身体健康！"). Chosen and rejected share every token up to the wish, so
  the preference is about the wish alone, not about the base answer's facts.

Nothing is dropped without a count (``PairsBuild.skipped``).
"""
from __future__ import annotations

import json
import random
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from hesui.length import Constraint, ill_formed, measured, strict
from hesui.quality import copy_faults

from .records import request_of, response_of
from .validate import check_record

REASONS = ("too long", "too short", "ill-formed", "copy fault", "wish added")

# What the tuned model appended to answers that were not New Year copy (general set, controller on).
WISHES = (
    "新的一年，祝您身体健康，阖家安康！", "祝您新春快乐！", "祝你新年快乐，万事如意！",
    "在这辞旧迎新之际，祝您和家人新春快乐，阖家幸福！", "最后，祝大家春节快乐，龙年大吉！",
    "新春佳节到来之际，祝您工作顺利，心想事成！", "祝你新年快乐，身体健康，阖家欢乐！",
    "过年好！祝您新的一年一切顺利！",
)


@dataclass
class PairsBuild:
    pairs: list[dict] = field(default_factory=list)
    skipped: Counter = field(default_factory=Counter)  # why a request gave no pair → how many

    def summary(self) -> str:
        made = Counter(p["pair_reason"] for p in self.pairs)
        lines = [f"{len(self.pairs)} pairs: " + ", ".join(f"{made[r]} {r}" for r in REASONS if made[r])]
        if self.skipped:
            lines.append("no pair: " + ", ".join(f"{n} {why}" for why, n in self.skipped.most_common()))
        return "\n".join(lines)


def why_rejected(text: str, request: str, constraints: list[dict]) -> tuple[str, str] | None:
    """(reason, detail) when an answer should be the rejected side, or None when it is fine.

    >>> why_rejected("新年好！", "写30字以内的拜年语", [{"kind": "max", "unit": "char", "lo": None, "hi": 30, "target": 30}])
    >>> why_rejected("新年好！" * 10, "写30字以内的拜年语", [{"kind": "max", "unit": "char", "lo": None, "hi": 30, "target": 30}])
    ('too long', 'char: counted 40, bounds [None, 30]')
    """
    cs = [Constraint.from_dict(c) for c in constraints]
    if cs and not strict(text, cs):
        for c in cs:
            for got in measured(text, c):
                if c.hi is not None and got > c.hi:
                    return "too long", f"{c.unit}: counted {got}, bounds [{c.lo}, {c.hi}]"
                if c.lo is not None and got < c.lo:
                    return "too short", f"{c.unit}: counted {got}, bounds [{c.lo}, {c.hi}]"
        return "ill-formed", ill_formed(text) or "not well-formed"  # within bounds, yet strict fails it
    faults = copy_faults(text, request)
    return ("copy fault", ", ".join(faults)) if faults else None


def with_response(record: dict, text: str) -> dict:
    """The record with its last assistant message replaced by ``text`` (constraints unchanged)."""
    return {**record, "messages": [*record["messages"][:-1], {"role": "assistant", "content": text}]}


def length_pairs(records: list[dict], samples: list[dict], chosen_samples: list[dict] | None = None) -> PairsBuild:
    """Pairs from training ``records`` and an uncontrolled eval run's ``samples`` (joined by id).

    Chosen is the corpus answer, or with ``chosen_samples`` (a controlled run's samples over the same records) the
    model's own controlled answer; a chosen answer that misses the length or has a copy fault makes no pair."""
    by_id = {str(s["id"]): s for s in samples}
    chosen_by_id = None if chosen_samples is None else {str(s["id"]): s for s in chosen_samples}
    source = "corpus" if chosen_by_id is None else "controlled"
    build = PairsBuild()
    for record in records:
        sample = by_id.get(str(record["id"]))
        if sample is None or sample.get("error"):
            build.skipped["no model answer"] += 1
            continue
        if chosen_by_id is not None:
            controlled = chosen_by_id.get(str(record["id"]))
            if controlled is None or controlled.get("error"):
                build.skipped["no controlled answer"] += 1
                continue
            record = with_response(record, controlled["text"])
        request, chosen = request_of(record), response_of(record)
        if flaw := why_rejected(chosen, request, record["constraints"]):
            what = f"has a copy fault ({flaw[1].split(', ')[0]})" if flaw[0] == "copy fault" else flaw[0]
            build.skipped[f"{source} answer {what}"] += 1
            continue
        why = why_rejected(sample["text"], request, record["constraints"])
        if why is None:
            build.skipped["model answer already fine"] += 1
            continue
        if sample["text"].strip() == chosen.strip():
            build.skipped["model answer equals the corpus answer"] += 1
            continue
        build.pairs.append({**record, "id": f"{record['id']}-pair", "rejected": sample["text"],
                            "pair_reason": why[0], "pair_detail": why[1], "pair_chosen": source})
    return build


def wish_pairs(replay: list[dict], seed: int = 0, skipped: Counter | None = None) -> list[dict]:
    """One ``wish added`` pair per general record (``hesui.data.build.load_replay``: the base's own answers); a
    record that is not valid training data (an answer with a run of marks, say) is counted in ``skipped``."""
    rng = random.Random(seed)
    pairs = []
    for record in replay:
        if (why := check_record(record)) is not None:
            if skipped is not None:
                skipped[f"general answer invalid ({why.split(':')[0]})"] += 1
            continue
        answer = response_of(record).strip()
        wish = rng.choice(WISHES)
        pairs.append({**record, "id": f"{record['id']}-pair", "rejected": answer + rng.choice(("", "\n")) + wish,
                      "pair_reason": "wish added", "pair_detail": wish, "pair_chosen": "base"})
    return pairs


def check_pair(pair) -> str | None:
    """The reason a pair record is bad, or None: a valid canonical record (the chosen answer meets the length),
    a non-empty rejected answer that differs from the chosen one, and a known reason."""
    reason = check_record(pair)
    if reason:
        return reason
    rejected = pair.get("rejected")
    if not isinstance(rejected, str) or not rejected.strip():
        return "missing or empty rejected answer"
    if rejected.strip() == response_of(pair).strip():
        return "rejected equals chosen"
    if pair.get("pair_reason") not in REASONS:
        return f"pair_reason must be one of {', '.join(REASONS)}, not {pair.get('pair_reason')!r}"
    return None


def _run_config(run_dir: Path) -> dict:
    return json.loads((run_dir / "config.json").read_text(encoding="utf-8"))


def build_pairs(run_dir: Path, replay: Path | None, *, seed: int = 0, chosen_run: Path | None = None) -> PairsBuild:
    """Pairs from an uncontrolled eval run (its config.json names the requests it answered), optionally a controlled
    run over the same requests for the chosen side, and a replay file.

    Raises ValueError when ``run_dir`` used the controller, or ``chosen_run`` did not or answered other data."""
    from hesui.evaluate.compare import load_rows

    from .build import load_replay
    from .formats import read_records

    config = _run_config(run_dir)
    if config.get("control", True):
        raise ValueError(f"{run_dir} was run with the controller; pairs need the model's own answers: "
                         f"hesui eval --data {config.get('data')} --no-control --out {run_dir}")
    chosen_samples = None
    if chosen_run is not None:
        chosen_config = _run_config(chosen_run)
        if not chosen_config.get("control", True):
            raise ValueError(f"{chosen_run} was run without the controller; the chosen answers must be controlled: "
                             f"hesui eval --data {config.get('data')} --out {chosen_run}")
        if chosen_config.get("data_sha256") != config.get("data_sha256"):
            raise ValueError(f"{chosen_run} answered other requests ({chosen_config.get('data')}) than {run_dir} "
                             f"({config.get('data')})")
        chosen_samples = load_rows(chosen_run)
    records = read_records(Path(config["data"]), "canonical")
    build = length_pairs(records, load_rows(run_dir), chosen_samples)
    if replay is not None:
        build.pairs += wish_pairs(load_replay(replay), seed, build.skipped)
    bad = [(p["id"], why) for p in build.pairs if (why := check_pair(p))]
    if bad:
        raise ValueError(f"{len(bad)} pairs are invalid, first {bad[0][0]}: {bad[0][1]}")
    return build
