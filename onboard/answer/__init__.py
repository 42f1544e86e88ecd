"""answer stage: Claude's streamed answer (with tools to read further and verified citations), or a
retrieval-only digest without a key."""

from onboard.answer.citations import Citation, Received, find_citations
from onboard.answer.claude import explain
from onboard.answer.conversation import Answer, Conversation, ask, retrieve
from onboard.answer.cost import Usage, estimate_cost
from onboard.answer.loop import Limits, Reply, Step, ToolLoop
from onboard.answer.offline import LABEL as RETRIEVAL_ONLY_LABEL
from onboard.answer.offline import retrieval_only_answer
from onboard.answer.tools import TOOLS, Toolbox, ToolResult

__all__ = ["RETRIEVAL_ONLY_LABEL", "TOOLS", "Answer", "Citation", "Conversation", "Limits", "Received", "Reply",
           "Step", "ToolLoop", "ToolResult", "Toolbox", "Usage", "ask", "estimate_cost", "explain", "find_citations",
           "retrieval_only_answer", "retrieve"]
