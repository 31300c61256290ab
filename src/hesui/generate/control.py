"""The length controller: the rules that steer decoding to meet the request's length, one row at a time.

``RowRules.steer`` is one row's step (its plan, language, state and logits in, steered logits out);
``LengthController`` holds a batch's rows and states, with ``steer_row`` for any engine and ``__call__`` as a
transformers logits processor.

Rules, per answer and per step (counts in the contract's units, never tokens):
- no end of text before the lower bound (``Budget.eos_from``);
- a piece that would pass the upper bound is banned, and one 字 stays reserved for the ender, so a text never
  stops mid-sentence;
- once an ender would land inside the aimed window, a comma the model wanted becomes a full stop: the
  sentence closes where the model itself paused, and the text ends there;
- paragraphs, sentences and poem lines are shaped by the same kind of bans and forced tokens;
- a Chinese request never gets foreign script or markup.
"""
from __future__ import annotations

import torch

from hesui.length import count as _count
from hesui.length import count_han
from hesui.length.count import trailing_mark_run
from hesui.length.score import DANGLING
from hesui.length.score import MAX_MARK_RUN, MAX_MARK_SHARE

from .plan import Budget, Plan
from .sampling import TOP_K
from .state import DecodeState
from .tokens import TokenTable

NEG = float("-inf")
ASCII_PENALTY = 4.0  # logits; English words stay possible ("Happy New Year") but rare
SYMBOL_PENALTY = 3.0  # logits; an emoji may close a greeting, a row of them is not one
PARAGRAPH_BREAK = 0.8  # of its share of the total, a paragraph may end at the next full stop
PARAGRAPH_STRETCH = 1.3  # a paragraph may run this far past its share before it must close
MIN_PARAGRAPH = 20  # 字; shorter blocks read as a broken line, not a paragraph
ONE_PARAGRAPH_BELOW = 100  # 字 aimed at; the seed corpus breaks 6 of its 215 shorter texts, all of its 150+ ones
NEWLINE_NUDGE = 2.0  # logits; long unconstrained texts get paragraphs after a full stop
NATURAL_END_LOGPROB = -4.0  # ln 0.018: below this the model did not want a full stop there
LANDING_PUSH = 4.0  # logits added to 。！ at the upper bound, ramping up from wrap_from
LOOP_SPAN = 6  # 字: a run this long is not written twice
LOOP_CHECK = TOP_K  # the pieces a row is sampled from (sampling.draw_token); the rest are never drawn


class LengthController:
    """The length rules for a batch of rows: one ``RowRules`` and one ``DecodeState`` per row. ``steer_row`` is the
    one-row step any engine calls; ``__call__`` is the transformers logits-processor adapter."""

    def __init__(self, table: TokenTable, plans: list[Plan], prompt_len: int, tokenizer, *,
                 chinese: bool | list[bool] = True):
        """``plans`` holds one plan per batch row (best-of-N candidates share the same one); ``chinese`` is one
        flag for all rows or one per row, so an English request does not lift the ban for its batch-mates."""
        self.table, self.plans, self.prompt_len, self.tokenizer = table, plans, prompt_len, tokenizer
        languages = [chinese] * len(plans) if isinstance(chinese, bool) else list(chinese)
        masks = TableMasks(table)
        self.rows = [RowRules(table, masks, plan, lang) for plan, lang in zip(plans, languages)]
        self.states: list[DecodeState] = []

    def perfect(self, row: int) -> bool:
        """The row ended by itself inside the aimed window: no other candidate can beat it."""
        return self.rows[row].perfect(self.states[row])

    def start(self, rows: int) -> None:
        """One fresh state per row: for an engine that drives its rows itself (``steer_row``)."""
        self.states = [DecodeState() for _ in range(rows)]

    def __call__(self, input_ids: torch.LongTensor, scores: torch.FloatTensor) -> torch.FloatTensor:
        """The transformers adapter: decode each row's answer so far and steer its logits."""
        while len(self.states) < input_ids.shape[0]:
            self.states.append(DecodeState())
        for row in range(input_ids.shape[0]):
            state = self.states[row]
            generated = input_ids[row, self.prompt_len:].tolist()
            if state.finished:
                continue
            if generated and generated[-1] in self.table.eos_ids:
                state.finished = True
                continue
            scores[row] = self.steer_row(row, self.tokenizer.decode(generated, skip_special_tokens=True), scores[row])
        return scores

    def steer_row(self, row: int, text: str, logits: torch.Tensor) -> torch.Tensor:
        """One row's step, for any engine: ``text`` is the row's whole answer so far (special tokens left out),
        ``logits`` its next-token logits, shape (vocab,), float. Returns the steered logits (a new tensor; banned
        pieces are -inf). The row's state grows by what ``text`` adds since the last call."""
        state = self.states[row]
        state.update(text)
        if state.ended:
            state.end_logprob = state.stop_logprob
        state.stop_logprob = torch.log_softmax(logits.float(), -1)[self.table.ender_ids[:2]].max().item()
        return self.rows[row].steer(state, logits)


class TableMasks:
    """What every row's rules read off the token table, computed once per batch."""

    def __init__(self, table: TokenTable):
        open_ban = table.special.clone()
        open_ban[table.eos_ids] = False
        penalty = table.ascii_word.float() * ASCII_PENALTY + table.symbol.float() * SYMBOL_PENALTY
        self.by_language = {True: (open_ban | table.foreign, penalty), False: (open_ban, None)}
        self.eos = torch.zeros_like(table.special)
        self.eos[table.eos_ids] = True
        self.clause_ids = [i for i, p in enumerate(table.pieces) if p in ("，", "、", "；", "：")]
        self.mark_ids = torch.nonzero(table.marks > 0).flatten()
        self.not_ender, self.not_ellipsis = ~table.ends_sentence, ~table.ellipsis
        self.longest = {"char": int(table.chars.max()), "han": int(table.han.max())}  # 16 and 6 in Qwen's vocabulary


class RowRules:
    """The length rules of one row: pure functions of its plan, its language, the token table, the row's
    ``DecodeState`` and its logits. ``steer(state, logits)`` is one step."""

    def __init__(self, table: TokenTable, masks: TableMasks, plan: Plan, chinese: bool):
        self.table, self.plan = table, plan
        self.base_ban, self.penalty = masks.by_language[chinese]
        self.eos_mask, self.clause_ids, self.mark_ids = masks.eos, masks.clause_ids, masks.mark_ids
        self.not_ender, self.not_ellipsis, self.longest = masks.not_ender, masks.not_ellipsis, masks.longest

    def perfect(self, s: DecodeState) -> bool:
        """The row ended by itself inside the aimed window: no other candidate can beat it."""
        return (s.finished and natural_end(s) and s.ended
                and all(b.aim_lo <= s.count(b.unit) <= b.aim_hi for b in self.plan.text_budgets))

    def _over(self, unit: str, hard_hi: int, count: int) -> torch.Tensor:
        """Pieces that would pass the upper bound; for 字, one is kept back for the closing mark."""
        t = self.table
        room = hard_hi - count
        reserve = 1 if unit == "char" else 0
        if room - reserve >= self.longest[unit]:  # far from the bound (most steps of a long text): nothing passes
            return torch.zeros_like(t.newline)
        delta = t.chars if unit == "char" else t.han
        return torch.where(t.ends_sentence, delta > room, delta > room - reserve)

    # --- one row ------------------------------------------------------------------------------------
    def steer(self, s: DecodeState, logits: torch.Tensor) -> torch.Tensor:
        vocab = logits.shape[-1]
        forced = self._poem_force(s) if self.plan.poem else self._forced(s)
        if forced is not None:
            out = torch.full_like(logits, NEG)
            out[forced] = 0.0
            return out
        banned = (self._poem_bans(s) if self.plan.poem else self._bans(s) | self._filler_bans(s))[:vocab]
        logits = logits.clone()
        if self.penalty is not None:
            logits -= self.penalty[:vocab]
        if not self.plan.poem:
            self._wrap_up(s, logits, banned)
            self._nudge_paragraphs(s, logits)
        logits.masked_fill_(banned, NEG)
        if not self.plan.poem:
            self._block_repeats(s, logits)
        allowed = torch.isfinite(logits)
        if not s.cut and not s.ended and not (allowed & self.not_ender[:vocab]).any():
            s.cut = True  # only a closing mark fits: the model did not choose to stop here
        if s.cut and not s.ended and (allowed & self.not_ellipsis[:vocab]).any():
            logits.masked_fill_(self.table.ellipsis[:vocab], NEG)  # a cut word is never closed with "……"
        if not allowed.any():  # every rule at once leaves nothing: close the sentence
            logits[self.table.ender_ids + self.table.eos_ids] = 0.0
        return logits

    def _block_repeats(self, s: DecodeState, logits: torch.Tensor) -> None:
        """Ban a likely piece that would write a LOOP_SPAN-字 run the text already holds (loops, parroting)."""
        text = "".join(s.text.split())
        if len(text) < LOOP_SPAN - 1:
            return
        for i in logits.topk(LOOP_CHECK).indices.tolist():
            if repeats_a_run(text, "".join(self.table.pieces[i].split())):
                logits[i] = NEG

    # --- prose ----------------------------------------------------------------------------------------
    def _can_end(self, s: DecodeState) -> bool:
        """Every lower bound is met, so an end of text here would pass."""
        p = self.plan
        if any(s.count(b.unit) < b.eos_from for b in p.budgets):
            return False
        if p.sentences and s.sentences_done + s.open_sentence_has_han < p.sentences[0]:
            return False
        if p.paragraphs and s.paragraphs < p.paragraphs[0]:
            return False
        pb = p.paragraph_budget
        return not (pb and _count(s.paragraph_text, pb.unit) < pb.eos_from)

    def _should_end(self, s: DecodeState) -> bool:
        """The text has just closed a sentence and is where it was aimed: stop here."""
        p = self.plan
        if not s.ended or not self._can_end(s):
            return False
        if p.sentences and s.sentences_done >= p.sentences[1]:
            return True
        if p.paragraphs and s.paragraphs < p.paragraphs[1] and p.paragraph_target:
            return False  # more paragraphs may come; the last one decides
        return all(s.count(b.unit) >= b.aim_lo for b in p.budgets)

    def _forced(self, s: DecodeState) -> int | None:
        if self._should_end(s):
            return self.table.eos_ids[0]
        p = self.plan
        if p.paragraphs and s.ended and s.paragraphs < p.paragraphs[0]:
            pb = p.paragraph_budget
            if pb and _count(s.paragraph_text, pb.unit) >= pb.eos_from:
                return self.table.newline_id
            if not pb and _count(s.paragraph_text, "char") >= PARAGRAPH_BREAK * p.paragraph_target:
                return self.table.newline_id
        return None

    def _bans(self, s: DecodeState) -> torch.Tensor:
        t, p = self.table, self.plan
        banned = self.base_ban.clone()
        for b in p.budgets:
            banned |= self._over(b.unit, b.hard_hi, s.count(b.unit))
        if not self._can_end(s):
            banned |= self.eos_mask
        banned |= self._paragraph_bans(s)
        if p.sentences:
            banned |= self._sentence_bans(s)
        if p.sentence_budget:
            banned |= self._sentence_budget_bans(s)
        return banned

    def _filler_bans(self, s: DecodeState) -> torch.Tensor:
        """Pieces that would make the text filler (LENGTH_RULES.md §3): a third mark in a row, marks past 40% of
        the 字, and an end of text after a dangling mark (，、：“ …)."""
        t, ids = self.table, self.mark_ids
        run = trailing_mark_run(s.text)
        banned = (t.mark_run > MAX_MARK_RUN) | (t.lead_marks + run > MAX_MARK_RUN)
        # the share rule reads only the pieces that hold a mark (406 of Qwen's 151,936)
        share = (s.marks + t.marks[ids]).float() > torch.clamp(MAX_MARK_SHARE * (s.chars + t.chars[ids]).float(), min=1.0)
        banned[ids[share]] = True
        tail = s.text.rstrip()[-1:]
        if tail and tail in DANGLING:
            banned |= self.eos_mask
        return banned

    def _sentence_budget_bans(self, s: DecodeState) -> torch.Tensor:
        """每句不超过N字: the open sentence may not pass N (one 字 kept for its ender); 每句不少于N字: no ender
        before N."""
        t, b = self.table, self.plan.sentence_budget
        n = _count(s.sentence_text, b.unit)
        banned = self._over(b.unit, b.hard_hi, n)
        if n + 1 < b.hard_lo:
            banned |= t.has_ender
        return banned

    def _paragraph_bans(self, s: DecodeState) -> torch.Tensor:
        t, p = self.table, self.plan
        banned = torch.zeros_like(t.newline)
        par_chars = _count(s.paragraph_text, "char")
        if p.paragraph_budget:
            b = p.paragraph_budget
            banned |= self._over(b.unit, b.hard_hi, _count(s.paragraph_text, b.unit))
        target = p.paragraph_target
        if target and p.paragraphs and s.paragraphs < p.paragraphs[0]:
            banned |= self._over("char", int(PARAGRAPH_STRETCH * target), par_chars)  # close it, then break
        if s.at_paragraph_start or (p.paragraphs and s.paragraphs >= p.paragraphs[1]):
            banned |= t.newline  # no blank paragraphs, none past the asked count
        elif target and par_chars < 0.5 * target:
            banned |= t.newline  # keep paragraphs of a similar size
        elif not p.paragraphs and (par_chars < MIN_PARAGRAPH or self._one_paragraph()):
            banned |= t.newline  # not after a fragment, and a short message stays one block
        elif not p.paragraphs and not s.ended:
            banned |= t.newline & ~t.closes_paragraph  # a new paragraph only after a full stop: "。\n\n" is one
        return banned

    def _one_paragraph(self) -> bool:
        """A short message (a greeting, a caption) is one block unless the request asks for paragraphs."""
        p = self.plan
        return not p.paragraph_budget and p.budgets[0].aim_lo < ONE_PARAGRAPH_BELOW

    def _sentence_bans(self, s: DecodeState) -> torch.Tensor:
        t, p = self.table, self.plan
        banned = torch.zeros_like(t.newline)
        last = s.sentences_done + 1 >= p.sentences[1]
        if last:
            banned |= t.has_ender & ~t.ends_sentence  # "。我" would open a sentence past the count
            if not self._budgets_reached(s):
                banned |= t.has_ender  # the last sentence may not close before the length is there
        elif _count(s.text[len(s._closed_part()):], "char") >= p.sentence_cap:
            banned |= ~t.ends_sentence  # a sentence this long must close so the others fit
        return banned

    def _budgets_reached(self, s: DecodeState) -> bool:
        return all(s.count(b.unit) + 1 >= b.eos_from for b in self.plan.budgets)

    def _measured_budgets(self, s: DecodeState) -> list[tuple[Budget, int]]:
        """Each budget in force with its current count: the whole text's, and the open paragraph's."""
        out = [(b, s.count(b.unit)) for b in self.plan.budgets]
        pb = self.plan.paragraph_budget
        return out + [(pb, _count(s.paragraph_text, pb.unit))] if pb else out

    def _landing(self, s: DecodeState) -> bool:
        """A full stop here would let the text (or, before the last paragraph, the paragraph) end."""
        p = self.plan
        if p.sentences and s.sentences_done + 1 < p.sentences[0]:
            return False
        if p.paragraphs and s.paragraphs < p.paragraphs[0] and not p.paragraph_budget:
            return _count(s.paragraph_text, "char") + 1 >= PARAGRAPH_BREAK * p.paragraph_target
        return all(n + (b.unit == "char") >= b.wrap_from for b, n in self._measured_budgets(s))

    def _wrap_up(self, s: DecodeState, logits: torch.Tensor, banned: torch.Tensor) -> None:
        """Once an end would pass, a pause becomes an end: a comma's weight moves to 。！.

        From ``wrap_from`` (= ``eos_from``) rather than ``aim_lo``: a sentence closed where the model paused
        reads better than one cut at the bound; best-of-N then prefers candidates in the aimed window."""
        if not self._landing(s):
            return
        # Lift 。 and ！ (keeping the model's preference between them) to the best pause; ？ stays as it was.
        stops = self.table.ender_ids[:2]
        lift = logits[self.clause_ids].max() - logits[stops].max()
        if lift > 0:
            logits[stops] += lift
        banned |= self.table.clause_end
        # Soft landing: the nearer the bound, the likelier a full stop, so the model closes at a word boundary
        # of its choosing instead of being cut by the reserve rule at the last 字.
        b, n = min(self._measured_budgets(s), key=lambda bn: bn[0].hard_hi - bn[1])
        span = max(1, b.hard_hi - 1 - b.wrap_from)
        logits[stops] += LANDING_PUSH * min(1.0, max(0.0, (n - b.wrap_from) / span))

    def _nudge_paragraphs(self, s: DecodeState, logits: torch.Tensor) -> None:
        if self.plan.paragraphs or not s.ended:
            return
        room = min(b.aim_lo for b in self.plan.budgets) - s.chars
        if _count(s.paragraph_text, "char") >= 80 and room >= 60:
            logits[self.table.newline_id] += NEWLINE_NUDGE

    # --- couplets and verse: line by line -------------------------------------------------------------
    def _line_state(self, s: DecodeState) -> tuple[int, str, int]:
        """(index of the line being written, its text, its Han count)."""
        rows = s.text.split("\n")
        return len(rows) - 1, rows[-1], count_han(rows[-1])

    def _line_target(self, index: int) -> int:
        return 4 if self.plan.couplet and index >= self.plan.n_lines else self.plan.line_han[1]

    def _poem_force(self, s: DecodeState) -> int | None:
        index, row, han = self._line_state(s)
        last = self.plan.n_lines + self.plan.couplet - 1  # a couplet's 横批 is one line more
        if han < self._line_target(index):
            return None
        t = self.table
        if self.plan.couplet or row.rstrip()[-1:] in "，。":
            return t.eos_ids[0] if index >= last else t.newline_id
        return t.ender_ids[0] if index % 2 else t.comma_id  # verse: ，after odd lines, 。after even ones

    def _poem_bans(self, s: DecodeState) -> torch.Tensor:
        index, _, han = self._line_state(s)
        room = self._line_target(index) - han
        return ~self.table.only_han | (self.table.han > room) | self.base_ban


def repeats_a_run(text: str, piece: str, span: int = LOOP_SPAN) -> bool:
    """Appending ``piece`` writes a ``span``-字 run that ``text`` already holds; every run ending inside a
    multi-字 piece is checked, not only the last one.

    >>> repeats_a_run("祝你新年快乐，万事如意，", "祝你新年快乐"), repeats_a_run("祝你新年快乐，万事如意，", "祝你新春快乐")
    (True, False)
    >>> repeats_a_run("为灶台边设计出新的风格，为灶", "台边设计出一")  # the run closes mid-piece
    True
    """
    joined = text + piece
    for end in range(max(len(text) + 1, span), len(joined) + 1):
        if joined[end - span:end] in joined[:end - 1]:
            return True
    return False


def natural_end(s: DecodeState) -> bool:
    """The model itself would have closed the text about where it closed (not cut, not pushed hard)."""
    return not s.cut and s.end_logprob >= NATURAL_END_LOGPROB
