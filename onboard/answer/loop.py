"""One answer from Claude: the packed context first, then tool rounds while Claude wants to read more.

The first request is the packed prompt exactly as before (tools come before it in cache order and
never change), so its cached prefix is shared with answers that use no tool. Each later request
repeats the earlier ones byte for byte and moves one cache breakpoint to its end, so a tool round
or a follow-up question pays full price only for what is new.

Limits keep an answer bounded: at most ``rounds`` tool rounds, ``tool_tokens`` of tool results
(never more than the context window has room for, checked with ``count_tokens`` before every
request), and ``seconds`` of tool use. When one is reached the next request forbids tools
(``tool_choice: none``) and Claude answers from what it has read.
"""

from __future__ import annotations

import os
import threading
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Callable

from onboard.answer.claude import OnText, api_errors, explain, replayable, stream_message, usage_of
from onboard.answer.cost import Usage
from onboard.answer.tools import MIN_RESULT, TOOLS, Toolbox
from onboard.config import ANSWER_RESERVE, CONTEXT_WINDOW, Settings
from onboard.errors import OnboardError
from onboard.pack import PackedContext, build_messages, system_blocks
from onboard.pack.prompt import CACHE

if TYPE_CHECKING:
    import anthropic

RESULT_OVERHEAD = 60  # tokens a tool_result block adds around its content
STOPPED = "Stopped before the end; the part that arrived is kept."
ENDINGS = {  # stop_reason → what the reader is told
    None: "The answer stream ended early; the part that arrived is shown. Ask again for the rest.",
    "max_tokens": "The answer hit the output limit and is cut short.",
    "tool_use": "Claude wanted to read more after the tool limit; the answer may be incomplete.",
    "refusal": "Claude declined to answer this question.",
}


@dataclass(frozen=True)
class Limits:
    """How far Claude may read beyond the packed context for one answer."""

    rounds: int = 6
    tool_tokens: int = 30_000
    seconds: float = 120.0

    @classmethod
    def from_env(cls) -> "Limits":
        """``ONBOARD_TOOL_ROUNDS`` (0 turns tools off), ``ONBOARD_TOOL_TOKENS``, ``ONBOARD_ANSWER_SECONDS``."""
        values: dict[str, Any] = {}
        for field_name, variable, kind in (("rounds", "ONBOARD_TOOL_ROUNDS", int),
                                           ("tool_tokens", "ONBOARD_TOOL_TOKENS", int),
                                           ("seconds", "ONBOARD_ANSWER_SECONDS", float)):
            raw = os.environ.get(variable)
            if raw:
                try:
                    values[field_name] = kind(raw)
                except ValueError:
                    raise OnboardError(f"{variable} is {raw!r}; it must be a number.") from None
                if values[field_name] < 0:
                    raise OnboardError(f"{variable} is {raw!r}; it must be 0 or more.")
        return cls(**values)

    def describe(self) -> str:
        if not self.rounds:
            return "tools off"
        return (f"up to {self.rounds} tool rounds, {self.tool_tokens:,} tokens of tool results, "
                f"{self.seconds:.0f} s of tool use")


@dataclass(frozen=True)
class Step:
    """Something Claude did while answering, as a person reads it."""

    text: str  # "read shop/cart.py:1-20", "searched 'checkout' → 3 files"
    tokens: int = 0  # of the tool result sent back
    error: bool = False


OnStep = Callable[[Step], None]


@dataclass
class Reply:
    text: str = ""
    error: str | None = None
    usage: Usage = field(default_factory=Usage)
    steps: list[Step] = field(default_factory=list)
    rounds: int = 0  # tool rounds run
    tool_tokens: int = 0
    exchange: list[dict] = field(default_factory=list)  # the messages this answer added
    complete: bool = False  # the exchange ends in a finished answer, so a follow-up may repeat it
    received: list[tuple[str, int, int]] = field(default_factory=list)  # file lines tool results showed


class ToolLoop:
    """Ask, run the tools Claude calls, ask again, until Claude answers or a limit is reached.

    ``reply`` is filled as the answer goes, so whoever stops the loop (an exception from a callback:
    Ctrl-C, a Streamlit rerun) still holds everything that arrived.
    """

    def __init__(self, client: "anthropic.Anthropic", settings: Settings, packed: PackedContext,
                 prior: list[dict], question: str, toolbox: Toolbox | None, limits: Limits,
                 window: int = CONTEXT_WINDOW, on_text: OnText | None = None, on_step: OnStep | None = None,
                 cancel: threading.Event | None = None) -> None:
        self.client, self.settings, self.packed, self.toolbox, self.limits = client, settings, packed, toolbox, limits
        self.window, self.cancel = window, cancel
        self.on_text, self.on_step = on_text or (lambda _: None), on_step or (lambda _: None)
        self.head = prior + ([{"role": "user", "content": question}] if prior else [])  # first turn: in packed
        self.reply = Reply()
        self.tools_stop: str | None = None if toolbox is not None and limits.rounds else "tools off"
        self._new_round = False
        self._spans: dict[str, list[tuple[str, int, int]]] = {}  # tool_use id → file lines its result shows

    def messages(self) -> list[dict]:
        """The first user turn (packed context), earlier turns, this question and this answer's rounds,
        with the moving cache breakpoint on the last block after the first turn."""
        rest = self.head + self.reply.exchange
        if rest:
            last = rest[-1]
            content = last["content"] if isinstance(last["content"], list) else [
                {"type": "text", "text": last["content"]}]
            rest = rest[:-1] + [{**last, "content": content[:-1] + [{**content[-1], "cache_control": CACHE}]}]
        return build_messages(self.packed, [], self.packed.question)[:1] + rest

    def request(self) -> dict:
        request: dict = {"model": self.settings.model, "max_tokens": ANSWER_RESERVE,
                         "system": system_blocks(self.packed), "messages": self.messages()}
        if self.toolbox is not None and self.limits.rounds:
            request["tools"] = TOOLS  # kept when tools stop: they open the cached prefix
            if self.tools_stop:
                request["tool_choice"] = {"type": "none"}
        return request

    def fit(self, request: dict) -> tuple[dict, int]:
        """Count the request with the API; over the window, drop the newest tool results (then stop
        tools), else the lowest-ranked packed documents, until it fits. Returns (request, counted)."""
        while True:
            counted = self.client.messages.count_tokens(
                **{k: v for k, v in request.items() if k != "max_tokens"}).input_tokens
            if counted + ANSWER_RESERVE <= self.window:
                return request, counted
            results = self.reply.exchange[-1]["content"] if self.reply.exchange else []
            dropped = [r for r in results if r.get("type") == "tool_result" and not r.get("is_error")]
            if dropped:
                for result in dropped:
                    result.update(content="Error: this result did not fit the context window.", is_error=True)
                    gone = self._spans.pop(result["tool_use_id"], [])
                    self.reply.received = [span for span in self.reply.received if span not in gone]
                self.stop_tools("the context window is full")
            elif self.packed.documents:
                self.packed.documents.pop()
            else:
                return request, counted
            request = self.request()

    def stop_tools(self, why: str) -> None:
        if not self.tools_stop:
            self.tools_stop = why
            self.step(Step(f"{why}: Claude answers from what it has read"))

    def step(self, step: Step) -> None:
        self.reply.steps.append(step)
        self.on_step(step)

    def emit(self, text: str) -> None:
        """Stream text on; a new round's text starts a new paragraph."""
        if self._new_round and self.reply.text and not self.reply.text.endswith("\n"):
            text = "\n\n" + text
        self._new_round = False
        self.reply.text += text
        self.on_text(text)

    def run(self) -> Reply:
        reply, deadline = self.reply, time.monotonic() + self.limits.seconds
        try:
            while not (self.cancel is not None and self.cancel.is_set()):
                request, counted = self.fit(self.request())
                message, stopped = stream_message(self.client, request, self.emit, reply.usage, self.cancel)
                content = replayable(message) if message is not None else []
                if content:
                    reply.exchange.append({"role": "assistant", "content": content})
                if stopped:
                    break
                if message.stop_reason != "tool_use" or self.tools_stop:
                    return self.finish(message.stop_reason)
                reply.exchange.append({"role": "user", "content": self.run_tools(message, counted)})
                reply.rounds += 1
                self._new_round = True
                if reply.rounds >= self.limits.rounds:
                    self.stop_tools(f"tool round limit ({self.limits.rounds}) reached")
                elif time.monotonic() > deadline:
                    self.stop_tools(f"time limit ({self.limits.seconds:.0f} s) reached")
                elif self.limits.tool_tokens - reply.tool_tokens < MIN_RESULT + RESULT_OVERHEAD:
                    self.stop_tools(f"tool result budget ({self.limits.tool_tokens:,} tokens) spent")
            reply.error = STOPPED
        except api_errors() as err:
            reply.error = explain(err)
        return reply

    def finish(self, stop_reason: str | None) -> Reply:
        """Say how the answer ended; it may be repeated in a follow-up only if it ended in plain text."""
        last = self.reply.exchange[-1] if self.reply.exchange else {"role": "user", "content": []}
        ended = stop_reason in ("end_turn", "stop_sequence", "max_tokens")
        self.reply.complete = ended and last["role"] == "assistant" and all(
            block["type"] == "text" for block in last["content"])
        self.reply.error = ENDINGS.get(stop_reason, None if ended else f"The answer stopped early ({stop_reason}).")
        return self.reply

    def run_tools(self, message: Any, counted: int) -> list[dict]:
        """Run each tool call of ``message`` within what the limits and the window leave."""
        room = self.window - ANSWER_RESERVE - counted - usage_of(message).output_tokens
        results = []
        for block in (b for b in message.content if b.type == "tool_use"):
            budget = min(self.limits.tool_tokens - self.reply.tool_tokens, room) - RESULT_OVERHEAD
            result = self.toolbox.run(block.name, block.input, budget)
            self.reply.tool_tokens += result.tokens
            self.reply.received += result.spans
            self._spans[block.id] = result.spans
            room -= result.tokens + RESULT_OVERHEAD
            self.step(Step(result.summary, result.tokens, result.is_error))
            results.append({"type": "tool_result", "tool_use_id": block.id, "content": result.content,
                            **({"is_error": True} if result.is_error else {})})
        return results
