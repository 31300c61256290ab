"""Per-token tables: what each vocabulary entry adds to the contract's counts, computed once per tokenizer.

The controller reads these as tensors, so masking a 150k vocabulary costs a few vector operations a step.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, fields

import torch

from hesui.length import count_chars, count_han, count_marks
from hesui.length.count import SENTENCE_ENDERS, leading_mark_run, longest_mark_run

CLOSERS = "”’）》」』】\"')"  # may follow a sentence ender without reopening the sentence
CLAUSE_MARKS = "，、；：,;:"
# Scripts a Chinese answer never needs; the base model drifts into Korean without this guard.
_FOREIGN = re.compile("[\u0370-\u03ff\u0400-\u04ff\u0590-\u05ff\u0600-\u06ff\u0900-\u097f"
                      "\u0e00-\u0e7f\u3040-\u30ff\u1100-\u11ff\uac00-\ud7af]")
_SPACE = re.compile("[ \t\u3000]")  # counts 0 字: a Chinese text padded with spaces is not longer
_CONTROL = re.compile("[\x00-\x09\x0b-\x1f\x7f]")  # never text: banned like control tokens
_CLOSES_PARAGRAPH = re.compile(f"[{SENTENCE_ENDERS}]+[{CLOSERS}]*\n+")
# Markup and half-width punctuation: a Chinese text uses full-width marks (half-width ones count 0 字, so they
# could also pad a text without lengthening it). Digits' companions . : % - stay allowed ("8:00", "2.5").
TABLE_VERSION = 1  # bump when a column is added or changes meaning: cached tables are rebuilt
_MARKUP = re.compile(r"[!-,/;-@\[-`{-~【】]")


@dataclass
class TokenTable:
    pieces: list[str]
    chars: torch.Tensor  # int: 字 the piece adds (an upper bound; a split UTF-8 byte counts 1)
    han: torch.Tensor  # int: Han characters the piece adds (same upper bound)
    ends_sentence: torch.Tensor  # bool: the piece ends a sentence (。！？… possibly then a closing quote)
    has_ender: torch.Tensor  # bool: 。！？… anywhere in the piece ("。\n" and "。我" close a sentence too)
    clause_end: torch.Tensor  # bool: the piece ends with ，、；：
    newline: torch.Tensor  # bool: the piece holds a newline
    closes_paragraph: torch.Tensor  # bool: an ender then only newlines ("。\n\n"): how Qwen usually breaks a paragraph
    only_han: torch.Tensor  # bool: nothing but Han characters (verse and couplet lines)
    foreign: torch.Tensor  # bool: foreign script, markup or half-width punctuation, banned for a Chinese request
    symbol: torch.Tensor  # bool: emoji and other symbols: allowed, but a Chinese text is not a row of them
    special: torch.Tensor  # bool: control tokens (never generated as text)
    ascii_word: torch.Tensor  # bool: holds ASCII letters
    marks: torch.Tensor  # int: punctuation marks the piece adds (quotes and brackets left out, …… is one)
    lead_marks: torch.Tensor  # int: marks in the run the piece starts with (it joins the text's last run)
    mark_run: torch.Tensor  # int: the longest run of marks inside the piece
    ellipsis: torch.Tensor  # bool: holds … (never the closing mark of a cut word)
    newline_id: int
    ender_ids: list[int]  # "。", "！", "？" — where a wrapped-up sentence may end
    comma_id: int  # "，"
    eos_ids: list[int]


def _byte_decoder() -> dict[str, int]:
    from transformers.convert_slow_tokenizer import bytes_to_unicode

    return {u: b for b, u in bytes_to_unicode().items()}


def _piece_texts(tokenizer) -> tuple[list[str], set[int]]:
    """Each id's text as it would appear in the output; split UTF-8 bytes become U+FFFD."""
    bd = _byte_decoder()
    special = set(tokenizer.all_special_ids) | set(getattr(tokenizer, "added_tokens_decoder", {}) or {})
    vocab_size = max(len(tokenizer), getattr(tokenizer, "vocab_size", 0))
    texts = []
    for tok in tokenizer.convert_ids_to_tokens(list(range(vocab_size))):
        if tok is None:
            texts.append("")
        elif all(ch in bd for ch in tok):
            texts.append(bytes(bd[ch] for ch in tok).decode("utf-8", errors="replace"))
        else:  # a tokenizer that is not byte-level (e.g. sentencepiece): good enough for counting
            texts.append(tok.replace("▁", " "))
    return texts, special


def _is_symbol(ch: str) -> bool:
    """Not Han, not a CJK mark, not ASCII, not space: emoji, dingbats, box drawing…"""
    from hesui.length.count import CJK_PUNCT, is_han

    return not (ch.isascii() or ch.isspace() or is_han(ch) or ch in CJK_PUNCT or ch == "\ufffd")


def closes_paragraph(piece: str) -> bool:
    """An ender, maybe a closing quote, then only newlines: a sentence and its paragraph end in one piece."""
    return bool(_CLOSES_PARAGRAPH.fullmatch(piece))


def _ends_sentence(piece: str) -> bool:
    core = piece.rstrip().rstrip(CLOSERS)
    return bool(core) and core[-1] in SENTENCE_ENDERS


def build_token_table(tokenizer, eos_ids: list[int], vocab_size: int | None = None) -> TokenTable:
    """The table of a transformers tokenizer; ``vocab_size`` (the model's) may exceed the tokenizer's."""
    texts, special = _piece_texts(tokenizer)
    n = max(len(texts), vocab_size or 0)
    special |= set(range(len(tokenizer), n))  # rows the model has and the tokenizer never produces
    return table_from_pieces(texts + [""] * (n - len(texts)), special, eos_ids,
                             lambda text: _single_id(tokenizer, text))


def table_from_pieces(texts: list[str], special: set[int], eos_ids: list[int], single_id) -> TokenTable:
    """The table from each id's text as it appears in an answer (a split UTF-8 character as U+FFFD), the ids
    of control tokens, and ``single_id(text)``: the id of a one-piece text such as "。" (ValueError if none)."""

    def column(fn, dtype=torch.bool):
        return torch.tensor([fn(i, t) for i, t in enumerate(texts)], dtype=dtype)

    unknown = "\ufffd"
    table = TokenTable(
        pieces=texts,
        chars=column(lambda i, t: count_chars(t), torch.int32),  # U+FFFD counts 1 already
        han=column(lambda i, t: count_han(t) + t.count(unknown), torch.int32),
        ends_sentence=column(lambda i, t: _ends_sentence(t)),
        has_ender=column(lambda i, t: any(ch in SENTENCE_ENDERS for ch in t)),
        clause_end=column(lambda i, t: bool(t.rstrip()) and t.rstrip()[-1] in CLAUSE_MARKS),
        newline=column(lambda i, t: "\n" in t),
        closes_paragraph=column(lambda i, t: closes_paragraph(t)),
        only_han=column(lambda i, t: bool(t) and count_han(t) + t.count(unknown) == len(t)),
        foreign=column(lambda i, t: bool(_FOREIGN.search(t) or _MARKUP.search(t) or _SPACE.search(t))),
        symbol=column(lambda i, t: any(_is_symbol(c) for c in t)),
        special=column(lambda i, t: i in special or bool(_CONTROL.search(t))),
        ascii_word=column(lambda i, t: any(c.isascii() and c.isalpha() for c in t)),
        marks=column(lambda i, t: count_marks(t, paired=False), torch.int32),
        lead_marks=column(lambda i, t: leading_mark_run(t) if t else 0, torch.int32),
        mark_run=column(lambda i, t: longest_mark_run(t) if t else 0, torch.int32),
        ellipsis=column(lambda i, t: "…" in t or "..." in t),
        newline_id=single_id("\n"),
        ender_ids=[single_id(p) for p in "。！？"],
        comma_id=single_id("，"),
        eos_ids=list(eos_ids),
    )
    return table


def cached_table(pieces: list[bytes], build) -> TokenTable:
    """``build()``'s table, kept in hesui's cache under a hash of the vocabulary (``pieces``: each id's bytes), so
    a later run loads it in a fraction of the ~2 s it takes to build for a 150k vocabulary."""
    import hashlib

    from hesui.model.registry import cache_dir

    digest = hashlib.sha256(b"\0".join(pieces) + f"{TABLE_VERSION}:{len(pieces)}".encode()).hexdigest()[:24]
    path = cache_dir() / "token-tables" / f"{digest}.pt"
    if path.is_file():
        try:
            return TokenTable(**torch.load(path, weights_only=True))
        except (OSError, RuntimeError, TypeError, EOFError):
            pass  # damaged or from another layout: built again below
    table = build()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".partial")
        torch.save({f.name: getattr(table, f.name) for f in fields(table)}, tmp)
        tmp.replace(path)
    except OSError:  # a read-only cache costs time, not the answer
        pass
    return table


def _single_id(tokenizer, text: str) -> int:
    ids = tokenizer.encode(text, add_special_tokens=False)
    if len(ids) != 1:
        raise ValueError(f"tokenizer has no single token for {text!r}")
    return ids[0]
