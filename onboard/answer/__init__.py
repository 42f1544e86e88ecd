"""answer stage: Claude's streamed answer with citations, or a retrieval-only answer without a key."""

from onboard.answer.citations import Citation, find_citations
from onboard.answer.claude import ClaudeReply, Usage, explain, stream_answer
from onboard.answer.conversation import Answer, Conversation, ask, retrieve
from onboard.answer.offline import LABEL as RETRIEVAL_ONLY_LABEL
from onboard.answer.offline import retrieval_only_answer

__all__ = ["RETRIEVAL_ONLY_LABEL", "Answer", "Citation", "ClaudeReply", "Conversation", "Usage", "ask", "explain",
           "find_citations", "retrieval_only_answer", "retrieve", "stream_answer"]
