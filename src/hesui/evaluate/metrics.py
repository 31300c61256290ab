"""Text metrics as pure functions. Length metrics live in hesui.length; these are the rest.

Chinese conventions: BLEU over characters, ROUGE over jieba words (as common Chinese tooling does).
"""
from __future__ import annotations

import math
import re
from collections import Counter

from hesui.length import is_han, paragraphs


def chinese_share(text: str) -> float:
    """Share of Han among the script units of a text (Han characters, ASCII words, other letters), counted
    as 字 are: 1.0 for a text with no letters.

    >>> chinese_share("新年快乐Happy"), chinese_share("새해 복 많이")
    (0.8, 0.0)
    """
    han = sum(is_han(ch) for ch in text)
    ascii_words = len(re.findall(r"[A-Za-z]+", text))
    other = sum(ch.isalpha() and not ch.isascii() and not is_han(ch) for ch in text)
    total = han + ascii_words + other
    return han / total if total else 1.0


def repetition_rate(text: str, n: int = 4) -> float:
    """Share of character n-grams (spaces dropped) that repeat an earlier one: 0 for fresh text, → 1 for a loop.

    >>> repetition_rate("万事如意万事如意万事如意")  # 9 four-grams, 4 distinct
    0.5555555555555556
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


def _ngrams(tokens: list[str], n: int) -> Counter:
    return Counter(tuple(tokens[i:i + n]) for i in range(len(tokens) - n + 1))


def bleu4(hypothesis: str, reference: str) -> float:
    """Sentence BLEU-4 over characters (spaces dropped), uniform weights, brevity penalty, and add-one
    smoothing of the 2-4-gram precisions (Lin & Och 2004) so one missing 4-gram does not zero the score.

    >>> bleu4("新年快乐万事如意", "新年快乐万事如意")
    1.0
    >>> round(bleu4("新年快乐", "新年快乐万事如意"), 4)
    0.3679
    """
    hyp = [ch for ch in hypothesis if not ch.isspace()]
    ref = [ch for ch in reference if not ch.isspace()]
    if not hyp or not ref:
        return 0.0
    log_p = 0.0
    for n in range(1, 5):
        h, r = _ngrams(hyp, n), _ngrams(ref, n)
        match, total = sum((h & r).values()), max(sum(h.values()), 0)
        if n == 1 and match == 0:
            return 0.0
        smooth = 0 if n == 1 else 1
        log_p += math.log((match + smooth) / (total + smooth)) / 4 if total + smooth else 0.0
    bp = 1.0 if len(hyp) > len(ref) else math.exp(1 - len(ref) / len(hyp))
    return bp * math.exp(log_p)


def words(text: str) -> list[str]:
    """jieba words, punctuation and spaces left out (the ROUGE unit for Chinese)."""
    import jieba

    jieba.setLogLevel(60)
    return [w for w in jieba.lcut(text) if w.strip() and any(ch.isalnum() for ch in w)]


def _f1(match: int, n_hyp: int, n_ref: int) -> float:
    if not match:
        return 0.0
    p, r = match / n_hyp, match / n_ref
    return 2 * p * r / (p + r)


def rouge_n(hyp_words: list[str], ref_words: list[str], n: int) -> float:
    """ROUGE-N F1 over word n-grams.

    >>> round(rouge_n(["新年", "快乐", "朋友"], ["新年", "快乐"], 1), 4)
    0.8
    """
    h, r = _ngrams(hyp_words, n), _ngrams(ref_words, n)
    return _f1(sum((h & r).values()), sum(h.values()), sum(r.values()))


def rouge_l(hyp_words: list[str], ref_words: list[str]) -> float:
    """ROUGE-L F1 from the longest common subsequence.

    >>> round(rouge_l(["a", "b", "c", "d"], ["a", "c", "d", "e"]), 4)
    0.75
    """
    if not hyp_words or not ref_words:
        return 0.0
    prev = [0] * (len(ref_words) + 1)
    for h in hyp_words:
        cur = [0]
        for j, r in enumerate(ref_words):
            cur.append(prev[j] + 1 if h == r else max(prev[j + 1], cur[j]))
        prev = cur
    return _f1(prev[-1], len(hyp_words), len(ref_words))


def distinct_n(texts: list[str], n: int) -> float:
    """Distinct-n over characters across a set of texts: unique n-grams / all n-grams.

    >>> distinct_n(["新年好", "新年乐"], 1)
    0.6666666666666666
    """
    grams = Counter()
    for t in texts:
        grams.update(_ngrams([ch for ch in t if not ch.isspace()], n))
    total = sum(grams.values())
    return len(grams) / total if total else 0.0


def paragraphs_kept(text: str, reference: str) -> bool | None:
    """Whether a multi-paragraph reference is answered with more than one paragraph; None if single.

    >>> paragraphs_kept("甲。\\n乙。", "一。\\n二。"), paragraphs_kept("甲乙。", "一。\\n二。"), paragraphs_kept("甲", "一")
    (True, False, None)
    """
    if len(paragraphs(reference)) < 2:
        return None
    return len(paragraphs(text)) > 1


def length_error(n: int, target: float) -> float:
    """|count − target| / target.

    >>> length_error(45, 50)
    0.1
    """
    return abs(n - target) / target


def mean(xs) -> float | None:
    xs = [x for x in xs if x is not None]
    return sum(xs) / len(xs) if xs else None
