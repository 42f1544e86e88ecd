"""Ask Claude through the anthropic SDK, streaming, and turn every failure into a clear sentence.

Whatever was streamed before a failure is kept: a half answer with an honest note beats nothing.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable, Sequence

import anthropic

from onboard.config import ANSWER_RESERVE, Settings
from onboard.pack import PackedContext, build_messages, system_blocks

OnText = Callable[[str], None]


@dataclass
class Usage:
    input_tokens: int = 0
    output_tokens: int = 0
    cache_read_input_tokens: int = 0
    cache_creation_input_tokens: int = 0


@dataclass
class ClaudeReply:
    text: str = ""
    error: str | None = None
    usage: Usage = field(default_factory=Usage)
    stop_reason: str | None = None


def client_for(settings: Settings, max_retries: int = 2, timeout: float = 120.0) -> anthropic.Anthropic:
    return anthropic.Anthropic(api_key=settings.api_key, base_url=settings.base_url, max_retries=max_retries,
                               timeout=timeout)


def explain(err: Exception) -> str:
    """One sentence a user can act on, for each way the API can fail."""
    if isinstance(err, anthropic.AuthenticationError):
        return "Claude rejected the API key (401). Check ANTHROPIC_API_KEY."
    if isinstance(err, anthropic.PermissionDeniedError):
        return "The API key may not use this model (403). Check ONBOARD_MODEL or the key's permissions."
    if isinstance(err, anthropic.RateLimitError):
        return "Rate limited by the Anthropic API (429) after retries. Wait a minute and ask again."
    if isinstance(err, anthropic.APITimeoutError):
        return "The Anthropic API timed out. Ask again, or lower --budget for a faster answer."
    if isinstance(err, anthropic.APIConnectionError):
        return f"Could not reach the Anthropic API ({err}). Check the network or ANTHROPIC_BASE_URL."
    if isinstance(err, anthropic.APIStatusError):
        if err.status_code == 529:
            return "Anthropic's API is overloaded (529). Ask again in a moment."
        if err.status_code == 400:
            return f"The API refused the request (400): {getattr(err, 'message', err)}"
        return f"The Anthropic API failed ({err.status_code}): {getattr(err, 'message', err)}"
    return f"The answer stream broke: {err}"


def fit_to_model(client: anthropic.Anthropic, settings: Settings, packed: PackedContext,
                 history: Sequence[tuple[str, str]], question: str, window: int) -> int:
    """Check the real prompt size with count_tokens and drop the lowest-ranked documents until it fits.

    Returns the counted input tokens. Our tiktoken estimate has a margin, so trimming is rare.
    """
    while True:
        counted = client.messages.count_tokens(model=settings.model, system=system_blocks(packed),
                                               messages=build_messages(packed, history, question)).input_tokens
        if counted + ANSWER_RESERVE <= window or not packed.documents:
            return counted
        packed.documents.pop()


def stream_answer(settings: Settings, packed: PackedContext, history: Sequence[tuple[str, str]], question: str,
                  on_text: OnText | None = None, window: int = 200_000, client: anthropic.Anthropic | None = None,
                  ) -> ClaudeReply:
    reply = ClaudeReply()
    client = client or client_for(settings)
    try:
        fit_to_model(client, settings, packed, history, question, window)
        with client.messages.stream(model=settings.model, max_tokens=ANSWER_RESERVE, system=system_blocks(packed),
                                    messages=build_messages(packed, history, question)) as stream:
            for text in stream.text_stream:
                reply.text += text
                if on_text:
                    on_text(text)
            final = stream.get_final_message()
        reply.stop_reason = final.stop_reason
        if final.stop_reason is None:  # the connection closed before message_stop
            reply.error = "The answer stream ended early; the part that arrived is shown. Ask again for the rest."
        elif final.stop_reason == "max_tokens":
            reply.error = "The answer hit the output limit and is cut short."
        usage = final.usage
        reply.usage = Usage(usage.input_tokens, usage.output_tokens, usage.cache_read_input_tokens or 0,
                            usage.cache_creation_input_tokens or 0)
    except (anthropic.APIError, anthropic.APIConnectionError, OSError, ValueError) as err:
        reply.error = explain(err)
    return reply


