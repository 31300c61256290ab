"""How a request becomes the model's prompt: a system prompt for the job plus the user's words.

The request is passed as written; a short note restating the length in plain words is appended, because a
small model plans better when the budget is said once more in a form it has seen often.
"""
from __future__ import annotations

from hesui.length import Constraint, Spec
from hesui.quality import new_year_request

SYSTEM_PROMPT = (
    "你是贺岁文案写手，擅长写春节拜年语、祝福短信、朋友圈文案、春联、作文和致辞。"
    "用简体中文写，写给具体的人，用具体的细节和真诚的语气，不堆砌四字成语，不用标题、不用 Markdown、不加解释，"
    "直接给出正文，并严格遵守用户要求的字数。"
)


def length_note(spec: Spec) -> str:
    """One line restating the constraints, e.g. "（全文45到50字）"; empty when there are none."""
    parts = [_describe(c) for c in spec.constraints]
    parts = [p for p in parts if p]
    return f"（{'，'.join(parts)}）" if parts else ""


def _describe(c: Constraint) -> str:
    unit = {"char": "字", "han": "个汉字", "sentence": "句话", "paragraph": "段", "line": "行"}[c.unit]
    if c.kind in ("couplet", "verse") and c.per:
        return f"每行{c.hi}个汉字"
    if c.kind == "couplet":
        return "上联、下联各一行，再加一行四字横批"
    if c.kind == "verse":
        return f"共{c.hi}行"
    scope = {"paragraph": "每段", "line": "每行", "sentence": "每句"}.get(c.per or "", "全文")
    if c.lo is not None and c.hi is not None and c.lo != c.hi:
        return f"{scope}{c.lo}到{c.hi}{unit}"
    if c.lo is not None and c.hi is not None:
        return f"{scope}正好{c.hi}{unit}"
    if c.hi is not None:
        return f"{scope}不超过{c.hi}{unit}，尽量写满"
    return f"{scope}不少于{c.lo}{unit}"


def wants_copy(request: str, spec: Spec, history: list[dict] = ()) -> bool:
    """Whether a request is what hesui writes: it states a length or asks for New Year copy (in any user turn).
    Anything else (a sum, a translation, a code question) gets the plain model: no hesui system prompt, no
    length plan, no steering.

    >>> from hesui.length import parse
    >>> wants_copy("计算37乘以24", parse("计算37乘以24")), wants_copy("写一条拜年短信", parse("写一条拜年短信"))
    (False, True)
    """
    told = "\n".join([m["content"] for m in history if m["role"] == "user"] + [request])
    return bool(spec.constraints) or new_year_request(told)


OUTLINE_FROM = 300  # 字: a text this long is written from a paragraph plan (``outline_note``)
PARAGRAPH = 120  # 字 a paragraph, about, in the plan


def outline_note(request: str, spec: Spec) -> str:
    """For a long text (a whole-text 字 count of ``OUTLINE_FROM`` or more): a short paragraph plan, the request's
    named details (``hesui.quality.request_details``) handed to the middle paragraphs in the order given, so each
    lands somewhere and the text moves from one to the next; "" for anything shorter.

    >>> from hesui.length import parse
    >>> r = "写一篇家书给岳父岳母，写到第一次上门、下象棋、婚礼，300字"
    >>> outline_note(r, parse(r))
    '分3段：第1段开篇，第2段写第一次上门、下象棋、婚礼，第3段收尾，段与段要接得上'
    """
    from hesui.quality import request_details

    sizes = [c.nominal for c in spec.constraints
             if c.unit in ("char", "han") and c.per is None and c.kind not in ("couplet", "verse")]
    if not sizes or max(sizes) < OUTLINE_FROM:
        return ""
    k = max(3, min(6, round(max(sizes) / PARAGRAPH)))
    details = sorted(request_details(request), key=lambda d: (d not in request, request.find(d)))  # as given
    middle = [[] for _ in range(k - 2)]
    for i, d in enumerate(details):
        middle[i * len(middle) // max(1, len(details))].append(d)
    body = [f"第{i + 2}段写{'、'.join(ds)}" for i, ds in enumerate(middle) if ds]
    free = sum(not ds for ds in middle)
    if free:
        body.append("其余各段各写一件具体的事" if body else "中间各段各写一件具体的事" if free > 1 else "第2段写一件具体的事")
    return f"分{k}段：第1段开篇，{'，'.join(body)}，第{k}段收尾，段与段要接得上"


def build_messages(request: str, spec: Spec, *, system: str | None = None,
                   history: list[dict] = (), outline: bool = False) -> list[dict]:
    """The model's messages: a system prompt (the caller's; else hesui's for copy, ``wants_copy``; else none, so
    the chat template's own default applies), the earlier turns, and the request with its length restated (and,
    with ``outline``, a long text's paragraph outline, ``outline_note``).
    Inference (``hesui.generate.seam``) and training (``hesui.train.dataset``) both call this."""
    system = system or (SYSTEM_PROMPT if wants_copy(request, spec, history) else None)
    note = length_note(spec)
    if outline and (plan := outline_note(request, spec)):
        note = f"{note[:-1]}；{plan}）" if note else f"（{plan}）"
    return [
        *([{"role": "system", "content": system}] if system else []),
        *({"role": m["role"], "content": m["content"]} for m in history),
        {"role": "user", "content": request + note},
    ]


def render_prompt(tokenizer, messages: list[dict]) -> str:
    """The chat template as text; tokenized separately (passing return_tensors to the template gave garbage)."""
    return tokenizer.apply_chat_template(messages, tokenize=False, add_generation_prompt=True)
