"""Answers, and conversations that keep the first question's context so the prompt cache stays warm."""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass, field

from onboard.answer.citations import Citation, Received, find_citations
from onboard.answer.claude import OnText, client_for
from onboard.answer.cost import Usage, usage_line
from onboard.answer.loop import STOPPED, Limits, OnStep, Reply, Step, ToolLoop
from onboard.answer.offline import retrieval_only_answer
from onboard.answer.tools import Toolbox
from onboard.config import ANSWER_RESERVE, CONTEXT_WINDOW, Settings
from onboard.errors import OnboardError
from onboard.pack import PackedContext, count_tokens, default_budget, pack_context
from onboard.retrieve import retriever_for
from onboard.store import Index


@dataclass
class Answer:
    question: str
    text: str
    mode: str  # "claude" | "retrieval-only"
    packed: PackedContext
    citations: list[Citation] = field(default_factory=list)
    usage: Usage = field(default_factory=Usage)
    error: str | None = None
    model: str = ""
    notes: list[str] = field(default_factory=list)  # what limited this answer (e.g. no vectors)
    steps: list[Step] = field(default_factory=list)  # what Claude did beyond reading the pack
    rounds: int = 0  # tool rounds
    tool_tokens: int = 0
    limits: Limits | None = None  # None: retrieval-only

    def citation_line(self) -> str:
        """"4 of 5 citations verified", said the same way in the CLI and the web app."""
        if not self.citations:
            return "no citations"
        verified = sum(c.verified for c in self.citations)
        return f"{verified} of {len(self.citations)} citations verified"

    def usage_line(self) -> str:
        """Tokens, cache, estimated cost, and tool work against its limits."""
        rounds = f"{self.rounds} tool round" + ("" if self.rounds == 1 else "s")
        tools = f"; {rounds}, {self.tool_tokens:,} tokens of tool results ({self.limits.describe()})" \
            if self.limits else ""
        return usage_line(self.model, self.usage) + tools


def retrieve(index: Index, question: str, budget: int | None = None) -> PackedContext:
    """Rank the index's files for ``question`` and pack them into ``budget`` tokens."""
    return pack_context(index, retriever_for(index).rank(question), question, budget)


@dataclass
class _Turn:
    """A Claude turn as later requests repeat it, and the file lines its tool results showed."""

    messages: list[dict]
    received: list[tuple[str, int, int]]
    tokens: int = 0

    def __post_init__(self) -> None:
        self.tokens = count_tokens(json.dumps(self.messages))


class Conversation:
    """A chat about one index. The first question's packed context is reused for follow-ups, and so
    is every earlier turn with the tools it used: the prompt prefix stays byte-identical and
    Anthropic serves it from cache. ``cancel.set()`` (from another thread) stops a running answer, and
    ``idle`` is set whenever no answer is running: a caller that interrupted one (a Streamlit rerun starts
    while the interrupted run still records what arrived) waits on it before showing the history."""

    def __init__(self, index: Index, settings: Settings | None = None, budget: int | None = None,
                 limits: Limits | None = None) -> None:
        self.index = index
        self.settings = settings or index.settings
        self.budget = budget
        self.limits = limits or Limits.from_env()
        self.packed: PackedContext | None = None
        self.notes: list[str] = []  # what limited the retrieval behind self.packed
        self.turns: list[Answer] = []
        self.cancel = threading.Event()
        self.idle = threading.Event()
        self.idle.set()
        self._claude_turns: list[_Turn] = []

    def ask(self, question: str, on_text: OnText | None = None, on_step: OnStep | None = None) -> Answer:
        question = question.strip()
        if not question:
            raise OnboardError("The question is empty: type what you want to know, e.g. "
                               "\"Where does a request enter the system?\"")
        self.idle.clear()
        try:
            return self._ask(question, on_text, on_step)
        finally:
            self.idle.set()

    def _ask(self, question: str, on_text: OnText | None, on_step: OnStep | None) -> Answer:
        if self.packed is None or not self.settings.api_key:
            # Without Claude there is no cache to keep warm: each question gets its own retrieval.
            self.packed = retrieve(self.index, question, self._budget(question))
            note = retriever_for(self.index).vector_note
            self.notes = [note] if note else []
        if self.settings.api_key:
            return self._ask_claude(question, on_text, on_step)
        text = retrieval_only_answer(self.index, self.packed, self.notes)
        if on_text:
            on_text(text)
        answer = Answer(question, text, "retrieval-only", self.packed, find_citations(text, self.index.db.files()),
                        notes=self.notes)
        self.turns.append(answer)
        return answer

    def _budget(self, question: str) -> int | None:
        """With tools, the pack leaves the tool results their share of the window."""
        if self.budget is not None or not self.settings.api_key or not self.limits.rounds:
            return self.budget
        return max(default_budget(question) - self.limits.tool_tokens, default_budget(question) // 2)

    def _ask_claude(self, question: str, on_text: OnText | None, on_step: OnStep | None) -> Answer:
        self.cancel.clear()
        toolbox = Toolbox(self.index) if self.limits.rounds else None
        loop = ToolLoop(client_for(self.settings), self.settings, self.packed, self._prior(), question, toolbox,
                        self.limits, on_text=on_text, on_step=on_step, cancel=self.cancel)
        try:
            loop.run()
        except BaseException:  # Ctrl-C or a Streamlit rerun stops us mid-stream: keep what arrived
            loop.reply.error = STOPPED
            self._record(question, loop.reply)
            raise
        return self._record(question, loop.reply)

    def _prior(self) -> list[dict]:
        """Earlier turns as the next request repeats them. When they would crowd out this answer's
        tool budget, the oldest shrink to their answer text (their tool results are dropped)."""
        room = CONTEXT_WINDOW - ANSWER_RESERVE - self.packed.tokens_used - self.limits.tool_tokens
        for turn in self._claude_turns:
            if sum(t.tokens for t in self._claude_turns) <= room:
                break
            turn.messages, turn.received = _compact(turn.messages), []
            turn.tokens = count_tokens(json.dumps(turn.messages))
        return [message for turn in self._claude_turns for message in turn.messages]

    def _record(self, question: str, reply: Reply) -> Answer:
        received = Received()
        received.add_packed(self.packed)
        for path, start, end in [span for turn in self._claude_turns for span in turn.received] + reply.received:
            received.add(path, start, end)
        asked = [{"role": "user", "content": question}] if self._claude_turns else []  # turn 1 asks in the pack
        said = reply.exchange if reply.complete else [{"role": "assistant", "content": reply.text or "(no answer)"}]
        self._claude_turns.append(_Turn(asked + said, reply.received if reply.complete else []))
        answer = Answer(question, reply.text, "claude", self.packed,
                        find_citations(reply.text, self.index.db.files(), received), reply.usage, reply.error,
                        self.settings.model, self.notes, reply.steps, reply.rounds, reply.tool_tokens, self.limits)
        self.turns.append(answer)
        return answer


def _texts(content: str | list[dict]) -> list[str]:
    return [content] if isinstance(content, str) else [b["text"] for b in content if b["type"] == "text"]


def _compact(messages: list[dict]) -> list[dict]:
    """A turn as its question (turn 1 asks in the pack) and its answer text, without tool rounds."""
    asked = [m for m in messages[:1] if m["role"] == "user"]
    texts = [text for m in messages[len(asked):] if m["role"] == "assistant" for text in _texts(m["content"])]
    return asked + [{"role": "assistant", "content": "\n\n".join(texts) or "(no answer)"}]


def ask(index: Index, question: str, budget: int | None = None, on_text: OnText | None = None,
        settings: Settings | None = None, on_step: OnStep | None = None, limits: Limits | None = None) -> Answer:
    """One question, one answer (a conversation of one turn)."""
    return Conversation(index, settings, budget, limits).ask(question, on_text, on_step)
