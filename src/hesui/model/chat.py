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


def build_messages(request: str, spec: Spec, *, system: str | None = None,
                   history: list[dict] = ()) -> list[dict]:
    """The model's messages: a system prompt (the caller's; else hesui's for copy, ``wants_copy``; else none, so
    the chat template's own default applies), the earlier turns, and the request with its length restated.
    Inference (``hesui.generate.seam``) and training (``hesui.train.dataset``) both call this."""
    system = system or (SYSTEM_PROMPT if wants_copy(request, spec, history) else None)
    return [
        *([{"role": "system", "content": system}] if system else []),
        *({"role": m["role"], "content": m["content"]} for m in history),
        {"role": "user", "content": request + length_note(spec)},
    ]


def render_prompt(tokenizer, messages: list[dict]) -> str:
    """The chat template as text; tokenized separately (passing return_tensors to the template gave garbage)."""
    return tokenizer.apply_chat_template(messages, tokenize=False, add_generation_prompt=True)
