"""Answers that address people by relation, not by names the request never gave (``hesui data build``).

A model trained on "给导师拜年" → "冯老师，…" learns to invent names. Before training records are written, each
invented name (``hesui.quality.invented_name``) is rewritten the way a careful writer would address someone they
were told of only by relation:

- a surname with a title keeps the title: 冯老师 → 老师, 刘阿姨 → 阿姨, 周师傅 → 师傅; 何总 / 何董 → 您;
- a familiar or given name that opens a line (老李，… / 小舟：…) becomes the request's relation word (室友, 兄弟,
  同桌…) or the reader's form (亲爱的, 老同学, 各位同事…), else 朋友.

A name that is left (a character in the middle of a story) cannot be rewritten without changing the story: that
record is dropped, and counted. The test split is not rewritten: its references stay as written.
"""
from __future__ import annotations

import re

from hesui.quality import TITLES, invented_name, recipient_of, surname_of
from hesui.length.words import to_simplified

# The reader's form when a request names a class of reader (hesui.quality.RECIPIENTS) but no relation word below.
READER_SALUTATION = {"teacher": "老师", "leader": "领导", "colleagues": "各位同事", "family group": "家人们",
                     "parents": "爸妈", "students": "同学们", "classmates": "老同学", "customers": "尊敬的客户",
                     "partner": "亲爱的"}
# Relation words a request may use for its reader, longest first: the salutation then says the same.
RELATIONS = ("女朋友", "男朋友", "上铺的兄弟", "老同学", "同桌", "室友", "舍友", "兄弟", "闺蜜", "姐妹", "学长", "学姐", "师兄", "师姐",
             "师弟", "师妹", "徒弟", "实习生", "老朋友", "朋友", "爷爷", "奶奶", "外婆", "外公", "姥姥", "姥爷",
             "老公", "老婆", "老师", "班主任", "导师", "领导", "老板", "同事", "战友", "邻居", "哥", "姐")
_TITLE_AFTER = re.compile("(?:" + "|".join(sorted(TITLES, key=len, reverse=True)) + ")$")


def _opening(name: str) -> re.Pattern:
    """``name`` addressed at a line's opening ("老李，…", "亲爱的小舟：…"); group 1 is what stands before it."""
    return re.compile(rf"((?:^|\n)\s*(?:尊敬的|亲爱的|敬爱的)?){re.escape(name)}(?=[，,：:！!])")


def _relation_form(request: str) -> str:
    request = to_simplified(request)
    word = next((w for w in RELATIONS if w in request), None)
    if word:
        return {"女朋友": "亲爱的", "男朋友": "亲爱的", "上铺的兄弟": "兄弟"}.get(word, word)
    return READER_SALUTATION.get(recipient_of(request) or "", "朋友")


def rewrite_name(name: str, text: str, request: str) -> tuple[str, str] | None:
    """(at a line's opening, elsewhere): what an invented ``name`` becomes in ``text``; None when it cannot be
    rewritten (a story's character, named in the middle of the text only).

    >>> rewrite_name("冯老师", "冯老师，新年好！", "给导师拜年"), rewrite_name("何总", "何总，新年好", "给客户拜年")
    (('老师', '老师'), ('尊敬的客户', '您'))
    >>> rewrite_name("老李", "老李，新年快乐！", "给打呼噜的室友拜年"), rewrite_name("小孙", "后来跟小孙搭班", "写退休讲话")
    (('室友', '室友'), None)
    """
    surname = surname_of(name)
    title = _TITLE_AFTER.search(name)
    if title and name.startswith(surname) and len(name) > len(surname):
        if title.group(0) in ("总", "董"):
            return _relation_form(request), "您"  # "何总，…" → "尊敬的客户，…"; "感谢何总" → "感谢您"
        return title.group(0), title.group(0)
    if _opening(name).search(text):
        return _relation_form(request), _relation_form(request)
    return None


def address_by_relation(text: str, request: str) -> tuple[str, list[tuple[str, str]]]:
    """The text with every invented name rewritten (``rewrite_name``), and the (name, replacement) pairs made.
    A name that cannot be rewritten stays; the caller checks ``invented_name`` on the result.

    >>> address_by_relation("冯老师，新年好！冯老师辛苦了。", "给导师拜年")
    ('老师，新年好！老师辛苦了。', [('冯老师', '老师')])
    """
    changes = []
    for _ in range(20):  # each pass rewrites one name; a text names a handful at most
        name = invented_name(text, request)
        if name is None:
            break
        forms = rewrite_name(name, text, request)
        if forms is None:
            break
        text = _opening(name).sub(lambda m: m.group(1) + forms[0], text).replace(name, forms[1])
        text = text.replace("尊敬的尊敬的", "尊敬的").replace("亲爱的亲爱的", "亲爱的")
        changes.append((name, forms[0]))
    return text, changes


def clean_records(records: list[dict], removed) -> list[dict]:
    """Training records with invented names rewritten; a record whose answer still names an invented person is
    dropped and counted in ``removed`` (a Counter). The rewritten answer must still meet its length, or it is
    dropped too (counted by the validator that runs next)."""
    from .records import request_of, response_of

    kept = []
    for record in records:
        request, answer = request_of(record), response_of(record)
        fixed, changes = address_by_relation(answer, request)
        if invented_name(fixed, request) is not None:
            removed["answer names a person the request does not (a story's character)"] += 1
            continue
        if changes:
            messages = [*record["messages"][:-1], {**record["messages"][-1], "content": fixed}]
            record = {**record, "messages": messages, "renamed": [f"{a}→{b}" for a, b in changes]}
        kept.append(record)
    return kept
