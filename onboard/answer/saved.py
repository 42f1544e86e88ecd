"""A chat's answers kept per index, so the web chat shows the conversation again after a reload.

What is kept is what the chat shows: the question, the answer text, its checked citations, its
cost and work lines, and the list of documents it was given (not their text: the index has it).
A restored conversation is shown, not resent: Claude's follow-up context starts afresh.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

from onboard.answer.citations import Citation
from onboard.answer.conversation import Answer
from onboard.answer.loop import Step
from onboard.store import Index
from onboard.store.chat_log import ChatLog


@dataclass(frozen=True)
class SavedAnswer:
    """One turn of a chat as it is shown again."""

    question: str
    text: str
    mode: str  # "claude" | "retrieval-only"
    citations: list[Citation] = field(default_factory=list)
    error: str | None = None
    citation_line: str = ""
    usage_line: str = ""  # empty in retrieval-only mode
    steps: list[Step] = field(default_factory=list)
    documents: list[dict] = field(default_factory=list)  # path, start_line, end_line, tokens, whole, reason
    tokens_used: int = 0
    budget: int = 0
    map_tokens: int = 0
    asked_at: str = ""
    id: int = 0


def _record(answer: Answer) -> dict:
    packed = answer.packed
    return {
        "text": answer.text, "mode": answer.mode, "error": answer.error,
        "citations": [asdict(c) for c in answer.citations],
        "citation_line": answer.citation_line(),
        "usage_line": answer.usage_line() if answer.mode == "claude" else "",
        "steps": [asdict(s) for s in answer.steps],
        "documents": [{"path": d.path, "start_line": d.start_line, "end_line": d.end_line, "tokens": d.tokens,
                       "whole": d.whole, "reason": d.reason} for d in packed.all_documents()],
        "tokens_used": packed.tokens_used, "budget": packed.budget, "map_tokens": packed.map_tokens,
    }


def _saved(record: dict) -> SavedAnswer:
    known = {k: v for k, v in record.items() if k in SavedAnswer.__dataclass_fields__}
    return SavedAnswer(**{**known, "citations": [Citation(**c) for c in record.get("citations", [])],
                          "steps": [Step(**s) for s in record.get("steps", [])]})


def save_answer(index: Index, answer: Answer) -> SavedAnswer:
    """Append ``answer`` to the chat history of ``index``; returns it as it will be shown again."""
    log = ChatLog(index.directory)
    try:
        log.append(answer.question, _record(answer))
        return _saved(log.turns()[-1])
    finally:
        log.close()


def chat_history(index: Index) -> list[SavedAnswer]:
    """The chat about ``index`` so far, oldest first."""
    log = ChatLog(index.directory)
    try:
        return [_saved(record) for record in log.turns()]
    finally:
        log.close()


def clear_history(index: Index) -> int:
    """Forget the chat about ``index``; returns how many turns it had."""
    log = ChatLog(index.directory)
    try:
        return log.clear()
    finally:
        log.close()
