"""Answers, and conversations that keep the first question's context so the prompt cache stays warm."""

from __future__ import annotations

from dataclasses import dataclass, field

from onboard.answer.citations import Citation, find_citations
from onboard.answer.claude import OnText, Usage, stream_answer
from onboard.answer.offline import retrieval_only_answer
from onboard.config import Settings
from onboard.errors import OnboardError
from onboard.pack import PackedContext, pack_context
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


def retrieve(index: Index, question: str, budget: int | None = None) -> PackedContext:
    """Rank the index's files for ``question`` and pack them into ``budget`` tokens."""
    return pack_context(index, retriever_for(index).rank(question), question, budget)


class Conversation:
    """A chat about one index. The first question's packed context is reused for follow-ups: the
    prompt prefix then stays byte-identical and Anthropic serves it from cache."""

    def __init__(self, index: Index, settings: Settings | None = None, budget: int | None = None) -> None:
        self.index = index
        self.settings = settings or index.settings
        self.budget = budget
        self.packed: PackedContext | None = None
        self.notes: list[str] = []  # what limited the retrieval behind self.packed
        self.turns: list[Answer] = []

    def ask(self, question: str, on_text: OnText | None = None) -> Answer:
        question = question.strip()
        if not question:
            raise OnboardError("The question is empty: type what you want to know, e.g. "
                               "\"Where does a request enter the system?\"")
        if self.packed is None or not self.settings.api_key:
            # Without Claude there is no cache to keep warm: each question gets its own retrieval.
            self.packed = retrieve(self.index, question, self.budget)
            note = retriever_for(self.index).vector_note
            self.notes = [note] if note else []
        packed = self.packed
        if not self.settings.api_key:
            text = retrieval_only_answer(self.index, packed, self.notes)
            if on_text:
                on_text(text)
            answer = Answer(question, text, "retrieval-only", packed, find_citations(text, packed), notes=self.notes)
        else:
            history = [(t.question, t.text) for t in self.turns if t.mode == "claude"]
            reply = stream_answer(self.settings, packed, history, question, on_text)
            known = {f.path for f in self.index.db.files()}
            answer = Answer(question, reply.text, "claude", packed, find_citations(reply.text, packed, known),
                            reply.usage, reply.error, self.settings.model, self.notes)
        self.turns.append(answer)
        return answer


def ask(index: Index, question: str, budget: int | None = None, on_text: OnText | None = None,
        settings: Settings | None = None) -> Answer:
    """One question, one answer (a conversation of one turn)."""
    return Conversation(index, settings, budget).ask(question, on_text)
