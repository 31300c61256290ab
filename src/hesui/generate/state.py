"""The running counts of one answer being decoded, kept up to date token by token.

Char and Han counts grow by the new piece only; sentences and paragraphs are recounted only when a piece
holds an ender or a newline. Everything is counted by hesui.length, so decoding and scoring agree.
"""
from __future__ import annotations

from dataclasses import dataclass

from hesui.length import count_chars, count_han, count_marks, paragraphs, sentences
from hesui.length.count import SENTENCE_ENDERS

from .tokens import CLOSERS


def _ends_sentence(text: str) -> bool:
    core = text.rstrip().rstrip(CLOSERS)
    return bool(core) and core[-1] in SENTENCE_ENDERS


@dataclass
class DecodeState:
    text: str = ""
    chars: int = 0
    han: int = 0
    marks: int = 0  # punctuation marks (quotes and brackets left out): at most 40% of chars (well-formed)
    sentences_done: int = 0  # sentences closed by an ender
    paragraphs: int = 0  # non-empty paragraphs, the open one included
    finished: bool = False
    cut: bool = False  # the budget ran out mid-sentence and a full stop was forced in
    stop_logprob: float = 0.0  # the model's own log-probability (before steering) of 。！ at the last step
    end_logprob: float = 0.0  # …of the full stop that closed the text so far: low means the end was pushed

    def update(self, text: str) -> None:
        """Move to ``text`` (the whole answer so far), counting only what changed where possible."""
        old = self.text
        if text.startswith(old) and "\ufffd" not in old[-1:]:
            delta = text[len(old):]
            joined = old[-1:].isascii() and old[-1:].isalnum() and delta[:1].isascii() and delta[:1].isalnum()
            self.chars += count_chars(delta) - joined  # an ASCII run split over two tokens is one 字
            self.han += count_han(delta)
        else:  # a split UTF-8 character was completed: recount from scratch
            self.chars, self.han = count_chars(text), count_han(text)
            delta = text
        self.marks = count_marks(text, paired=False) if delta is text else self.marks + count_marks(delta, paired=False)
        self.text = text
        if any(ch in SENTENCE_ENDERS or ch == "\n" for ch in delta) or not old:
            self.sentences_done = len(sentences(self._closed_part()))
            self.paragraphs = len(paragraphs(text))
        elif not self.paragraphs and text.strip():
            self.paragraphs = 1

    def _closed_part(self) -> str:
        """The text up to its last sentence ender: the sentences already complete."""
        cut = max(self.text.rfind(e) for e in SENTENCE_ENDERS)
        return self.text[: cut + 1] if cut >= 0 else ""

    @property
    def ended(self) -> bool:
        """The text stops at the end of a sentence."""
        return _ends_sentence(self.text)

    @property
    def open_sentence_has_han(self) -> bool:
        return count_han(self.text[len(self._closed_part()):]) > 0

    @property
    def sentence_text(self) -> str:
        """The sentence being written (empty right after an ender)."""
        return self.text[len(self._closed_part()):]

    @property
    def paragraph_text(self) -> str:
        """The paragraph being written (empty right after a newline)."""
        return self.text.rsplit("\n", 1)[-1]

    @property
    def at_paragraph_start(self) -> bool:
        return not self.paragraph_text.strip()

    def count(self, unit: str) -> int:
        return self.chars if unit == "char" else self.han
