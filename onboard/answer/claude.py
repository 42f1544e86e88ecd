"""Talk to Claude through the anthropic SDK: one streamed request at a time, every failure a sentence.

``anthropic`` is imported on first use, so commands that never ask Claude (``onboard list``, a
retrieval-only answer) never pay for loading it.
"""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING, Any, Callable

from onboard.answer.cost import Usage
from onboard.config import Settings

if TYPE_CHECKING:
    import anthropic

OnText = Callable[[str], None]


def client_for(settings: Settings, max_retries: int = 2, timeout: float = 60.0) -> "anthropic.Anthropic":
    """The SDK's client. ``timeout`` is how long a request may go without a byte (the first one comes once the
    packed prompt is read: seconds, even at 200k tokens); the SDK tries a request that timed out again, so an
    endpoint that takes the connection and never answers costs (retries + 1) times it. At 120 s that was six
    minutes of a spinning chat; a host that is not there at all fails in the 10 s of the connect timeout."""
    import anthropic

    return anthropic.Anthropic(api_key=settings.api_key, base_url=settings.base_url, max_retries=max_retries,
                               timeout=anthropic.Timeout(timeout, connect=min(timeout, 10.0)))


def api_errors() -> tuple[type[Exception], ...]:
    """What a request can fail with, as opposed to a bug: the SDK's errors, the network, bad JSON."""
    import anthropic

    return anthropic.APIError, anthropic.APIConnectionError, OSError, ValueError


def explain(err: Exception) -> str:
    """One sentence a user can act on, for each way the API can fail."""
    import anthropic

    if isinstance(err, anthropic.AuthenticationError):
        return "Claude rejected the API key (401). Check ANTHROPIC_API_KEY."
    if isinstance(err, anthropic.PermissionDeniedError):
        return "The API key may not use this model (403). Check ONBOARD_MODEL or the key's permissions."
    if isinstance(err, anthropic.RateLimitError):
        return "Rate limited by the Anthropic API (429) after retries. Wait a minute and ask again."
    if isinstance(err, anthropic.APITimeoutError):
        return ("The Anthropic API did not answer in time (check ANTHROPIC_BASE_URL or a proxy if this repeats); "
                "ask again.")
    if isinstance(err, anthropic.APIConnectionError):
        return f"Could not reach the Anthropic API ({err}). Check the network or ANTHROPIC_BASE_URL."
    if isinstance(err, anthropic.APIStatusError):
        if err.status_code == 529:
            return "Anthropic's API is overloaded (529). Ask again in a moment."
        if err.status_code == 400:
            return f"The API refused the request (400): {getattr(err, 'message', err)}"
        return f"The Anthropic API failed ({err.status_code}): {getattr(err, 'message', err)}"
    return f"The answer stream broke: {err}"


def usage_of(message: Any) -> Usage:
    usage = message.usage
    return Usage(usage.input_tokens or 0, usage.output_tokens or 0, usage.cache_read_input_tokens or 0,
                 usage.cache_creation_input_tokens or 0)


def replayable(message: Any) -> list[dict]:
    """The assistant's content blocks as the next request must repeat them (empty text is refused)."""
    blocks = []
    for block in message.content:
        if block.type == "text" and block.text:
            blocks.append({"type": "text", "text": block.text})
        elif block.type == "tool_use":
            blocks.append({"type": "tool_use", "id": block.id, "name": block.name, "input": block.input})
    return blocks


def _snapshot(stream: Any) -> Any | None:
    """The message as far as it has arrived; None before its first event."""
    try:
        return stream.current_message_snapshot
    except AssertionError:
        return None


def stream_message(client: "anthropic.Anthropic", request: dict, on_text: OnText, usage: Usage,
                   cancel: threading.Event | None = None) -> tuple[Any | None, bool]:
    """Stream one request, passing text deltas to ``on_text`` as they arrive.

    Returns (message, stopped): the final message, or on ``cancel`` what had arrived (None if
    nothing had), with ``stopped`` True. A stream that closes early returns a message whose
    ``stop_reason`` is None. However the stream ends, an exception from ``on_text`` included, the
    tokens it was billed for are added to ``usage``.
    """
    with client.messages.stream(**request) as stream:
        try:
            for event in stream:
                if cancel is not None and cancel.is_set():
                    return _snapshot(stream), True
                if event.type == "content_block_delta" and event.delta.type == "text_delta":
                    on_text(event.delta.text)
            return stream.get_final_message(), False
        finally:
            arrived = _snapshot(stream)
            if arrived is not None:
                usage.add(usage_of(arrived))
