"""The request queue: requests that arrive together are decoded in one batch, and the queue is bounded.

One worker thread runs the model, one batch at a time (a CPU or one GPU gains nothing from two at once). It waits
``window`` seconds after the first request so that others arriving with it join the batch, then takes up to
``max_batch`` waiting requests for the same model and mode (streamed or not). A request that finds ``max_queue``
others waiting is refused at once (``QueueFull``); one whose client went away leaves the queue, or, while
streaming, stops its row.
"""
from __future__ import annotations

import asyncio
import threading
import time
from collections import deque
from dataclasses import dataclass, field

from hesui.generate.seam import Answer, ChatRequest, Generator

END = object()  # put on a ticket's delta queue after its last delta


class QueueFull(Exception):
    """More than ``max_queue`` requests are waiting."""


@dataclass(eq=False)
class Ticket:
    model: str
    request: ChatRequest
    stream: bool
    loop: asyncio.AbstractEventLoop
    future: asyncio.Future = field(init=False)
    deltas: asyncio.Queue = field(init=False)  # text pieces, then END (streaming only)
    cancelled: bool = False

    def __post_init__(self):
        self.future = self.loop.create_future()
        self.deltas = asyncio.Queue()

    def _call(self, fn, *args) -> None:
        self.loop.call_soon_threadsafe(fn, *args)

    def resolve(self, answer: Answer | None, error: BaseException | None = None) -> None:
        def done():
            if not self.future.done():
                self.future.set_exception(error) if error else self.future.set_result(answer)
            self.deltas.put_nowait(END)
        self._call(done)


class Batcher:
    def __init__(self, generators: dict[str, Generator], *, max_batch: int = 8, max_queue: int = 32,
                 window: float = 0.02):
        self.generators, self.max_batch, self.max_queue, self.window = generators, max_batch, max_queue, window
        self.waiting: deque[Ticket] = deque()
        self.running = 0  # requests in the batch being decoded
        self._cond = threading.Condition()
        self._thread: threading.Thread | None = None
        self._stop = False

    # --- from the event loop --------------------------------------------------------------------------
    def submit(self, model: str, request: ChatRequest, *, stream: bool = False) -> Ticket:
        """Queue a request; raises QueueFull at once when ``max_queue`` are already waiting."""
        ticket = Ticket(model, request, stream, asyncio.get_running_loop())
        with self._cond:
            if len(self.waiting) >= self.max_queue:
                raise QueueFull(f"{len(self.waiting)} requests are waiting already; try again shortly")
            self.waiting.append(ticket)
            self._cond.notify()
            if self._thread is None:
                self._thread = threading.Thread(target=self._work, name="hesui-batcher", daemon=True)
                self._thread.start()
        return ticket

    def cancel(self, ticket: Ticket) -> None:
        """The client went away: drop the request if it waits; a streamed row in a batch stops at its next token."""
        with self._cond:
            ticket.cancelled = True
            if ticket in self.waiting:
                self.waiting.remove(ticket)

    def close(self) -> None:
        with self._cond:
            self._stop = True
            self._cond.notify_all()

    # --- the worker thread ----------------------------------------------------------------------------
    def _take(self) -> list[Ticket] | None:
        with self._cond:
            while not self.waiting and not self._stop:
                self._cond.wait()
            if self._stop:
                return None
        time.sleep(self.window)  # let the requests that arrive with this one join its batch
        with self._cond:
            if not self.waiting:
                return []
            key = (self.waiting[0].model, self.waiting[0].stream)
            batch = [t for t in self.waiting if (t.model, t.stream) == key][:self.max_batch]
            for t in batch:
                self.waiting.remove(t)
            self.running = len(batch)
        return batch

    def _work(self) -> None:
        while (batch := self._take()) is not None:
            if batch:
                self._run(batch)
            with self._cond:
                self.running = 0

    def _run(self, batch: list[Ticket]) -> None:
        generator = self.generators[batch[0].model]
        requests = [t.request for t in batch]
        try:
            if batch[0].stream:
                answers = generator.stream(requests, lambda i, d: batch[i]._call(batch[i].deltas.put_nowait, d),
                                           cancelled=lambda i: batch[i].cancelled)
            else:
                answers = generator.generate(requests)
        except Exception as e:  # noqa: BLE001 — the clients get an error reply; the server goes on
            for t in batch:
                t.resolve(None, e)
            return
        for t, a in zip(batch, answers):
            t.resolve(a)
