"""Canonical records → token ids and labels for SFT, with the loss on the answer tokens only.

The prompt of a record is rendered by the very functions inference uses (``hesui.model.chat``): the system
prompt, earlier turns, the request and its length note. A model trained here therefore sees at inference exactly the prompt
it was trained on.
"""
from __future__ import annotations

from dataclasses import dataclass

from hesui.data.records import history_of, request_of, response_of, system_of
from hesui.length import Constraint, Spec
from hesui.model.chat import build_messages, render_prompt

IGNORE_INDEX = -100  # label value the cross-entropy loss skips (prompt tokens, padding)


def training_prompt(record: dict, tokenizer) -> str:
    """The prompt text a record is trained on: the inference prompt of its request and constraints."""
    spec = Spec([Constraint.from_dict(c) for c in record.get("constraints", [])])
    messages = build_messages(request_of(record), spec, system=system_of(record), history=history_of(record))
    return render_prompt(tokenizer, messages)


def end_of_turn_id(tokenizer) -> int:
    """The token that closes an assistant turn (Qwen's <|im_end|>), which the model must learn to emit."""
    tid = tokenizer.convert_tokens_to_ids("<|im_end|>")
    return tid if tid is not None and tid != tokenizer.unk_token_id else tokenizer.eos_token_id


def encode(record: dict, tokenizer) -> dict:
    """``{"input_ids", "labels"}`` (lists of ints, same length); labels are IGNORE_INDEX over the prompt."""
    prompt = tokenizer(training_prompt(record, tokenizer), add_special_tokens=False)["input_ids"]
    answer = tokenizer(response_of(record), add_special_tokens=False)["input_ids"] + [end_of_turn_id(tokenizer)]
    return {"input_ids": prompt + answer, "labels": [IGNORE_INDEX] * len(prompt) + answer}


@dataclass
class Encoded:
    examples: list[dict]
    dropped_too_long: int
    tokens: int  # input tokens over all kept examples


def encode_all(records: list[dict], tokenizer, max_len: int) -> Encoded:
    """Encode every record; those over ``max_len`` tokens are dropped and counted, never cut (a cut answer
    would teach the model to stop mid-sentence)."""
    examples, dropped = [], 0
    for record in records:
        ex = encode(record, tokenizer)
        if len(ex["input_ids"]) > max_len:
            dropped += 1
            continue
        examples.append(ex)
    return Encoded(examples, dropped, sum(len(e["input_ids"]) for e in examples))


class PadCollator:
    """Right-pads a batch: input_ids with the pad id, labels with IGNORE_INDEX, attention_mask 0 on padding.

    The vocabulary is 151,936 tokens wide, so the logits of the prompt positions (which carry no loss) cost
    as much as a fifth of a training step and most of its memory. The batch therefore asks the model for
    logits of the last ``logits_to_keep`` positions only, from the position before the earliest answer token,
    with labels cut to the same window; the causal-LM loss shifts inside that window, so the loss is the same.
    """

    def __init__(self, pad_id: int):
        self.pad_id = pad_id

    def __call__(self, batch: list[dict]) -> dict:
        import torch

        width = max(len(b["input_ids"]) for b in batch)

        def pad(key: str, value: int) -> torch.Tensor:
            return torch.tensor([b[key] + [value] * (width - len(b[key])) for b in batch])

        mask = torch.tensor([[1] * len(b["input_ids"]) + [0] * (width - len(b["input_ids"])) for b in batch])
        keep = min(width, width - min(map(first_answer_index, batch)) + 1)
        return {"input_ids": pad("input_ids", self.pad_id), "labels": pad("labels", IGNORE_INDEX)[:, -keep:],
                "attention_mask": mask, "logits_to_keep": keep}


def first_answer_index(example: dict) -> int:
    """Position of the first label the loss counts (the example's length when there is none)."""
    labels = example["labels"]
    return next((i for i, t in enumerate(labels) if t != IGNORE_INDEX), len(labels))
