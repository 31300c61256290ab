"""Text metrics as pure functions. Length metrics live in hesui.length; these are the rest.

Chinese conventions: BLEU over characters, ROUGE over jieba words (as common Chinese tooling does).
"""
from __future__ import annotations

from hesui.length import is_han


def chinese_share(text: str) -> float:
    """Share of Han among the letters of a text (Han, Latin, Hangul, kana…); 1.0 for a text with no letters.

    >>> chinese_share("新年快乐Happy")
    0.8
    """
    letters = [ch for ch in text if ch.isalpha()]
    return sum(is_han(ch) for ch in letters) / len(letters) if letters else 1.0


def repetition_rate(text: str, n: int = 4) -> float:
    """Share of character n-grams (spaces dropped) that repeat an earlier one: 0 for fresh text, → 1 for a loop.

    >>> repetition_rate("万事如意万事如意万事如意")
    0.6666666666666666
    """
    chars = [ch for ch in text if not ch.isspace()]
    grams = [tuple(chars[i:i + n]) for i in range(len(chars) - n + 1)]
    return (len(grams) - len(set(grams))) / len(grams) if grams else 0.0


def has_loop(text: str, span: int = 6, times: int = 3) -> bool:
    """Some run of ``span`` characters appears ``times`` or more: the signature of a decoding loop.

    >>> has_loop("祝你新年快乐，祝你新年快乐，祝你新年快乐"), has_loop("新年快乐，万事如意")
    (True, False)
    """
    chars = "".join(ch for ch in text if not ch.isspace())
    seen: dict[str, int] = {}
    for i in range(len(chars) - span + 1):
        gram = chars[i:i + span]
        seen[gram] = seen.get(gram, 0) + 1
        if seen[gram] >= times:
            return True
    return False
