"""A real HTTP server on 127.0.0.1 that speaks enough of Anthropic's Messages API for tests.

The real ``anthropic`` SDK talks to it through ``base_url``: JSON and SSE streaming replies, token
counting, errors on demand (401/429/529 from a given request on, a stream that breaks mid-answer or
mid-tool call) and prompt-cache usage figures. Replies cite the first document of the request, like a
well-behaved model would, unless a test scripts them: ``state.script`` holds ``Scripted`` turns (text
and tool calls), answered one per request, and ``tool_choice: none`` is honoured as the API does.

Standalone (for the browser test or by hand): ``python -m tests.fakeapi --port 8765``.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import re
import sys
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

_DOCUMENT = re.compile(r'<document path="([^"]+)" lines="(\d+)-(\d+)"')


@dataclass
class Failure:
    status: int  # HTTP status, or 0 for "break the stream" (mid tool call if there is one, else mid text)
    times: int = 1
    retry_after: str | None = "0"
    after: int = 0  # message requests served before this failure starts


@dataclass
class Scripted:
    """One assistant turn a test dictates: its text, then its tool calls as (name, input)."""

    text: str = ""
    tools: list[tuple[str, object]] = field(default_factory=list)


@dataclass
class FakeState:
    delay: float = 0.0  # seconds between streamed events, so a person (or a browser test) can stop an answer
    requests: list[dict] = field(default_factory=list)
    count_requests: list[dict] = field(default_factory=list)
    failures: list[Failure] = field(default_factory=list)
    reply: str | None = None  # fixed reply text; default cites the first document
    script: list[Scripted] = field(default_factory=list)  # turns answered in order, before the default reply
    usages: list[dict] = field(default_factory=list)  # the usage reported for each answered request
    seen_prefixes: set[str] = field(default_factory=set)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def fail(self, status: int, times: int = 1, after: int = 0) -> None:
        self.failures.append(Failure(status, times, after=after))

    def next_failure(self) -> Failure | None:
        with self.lock:
            if not self.failures or len(self.requests) <= self.failures[0].after:
                return None
            failure = self.failures[0]
            failure.times -= 1
            if failure.times <= 0:
                self.failures.pop(0)
            return failure


def _all_text(body: dict) -> str:
    parts = [b.get("text", "") for b in body.get("system", []) if isinstance(b, dict)]
    for message in body.get("messages", []):
        content = message.get("content")
        parts += [content] if isinstance(content, str) else [
            b.get("text", "") if b.get("type") == "text" else str(b.get("content", "")) for b in content]
    return "\n".join(parts)


def reply_text(body: dict) -> str:
    text = _all_text(body)
    match = _DOCUMENT.search(text.split("<documents>", 1)[-1]) or _DOCUMENT.search(text)
    if not match:
        return "I could not find that in the documents I was given."
    path, start, end = match.group(1), int(match.group(2)), int(match.group(3))
    end = min(end, start + 9)
    return (f"The behaviour lives in `{path}:{start}-{end}`. "
            f"That file is the first place to read; it is where the question's code is defined.")


class Handler(BaseHTTPRequestHandler):
    server_version = "fake-anthropic/1"
    state: FakeState  # set per server class

    def log_message(self, *args: object) -> None:  # keep test output quiet
        pass

    def _json(self, status: int, payload: dict, headers: dict[str, str] | None = None) -> None:
        data = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(data)))
        for key, value in (headers or {}).items():
            self.send_header(key, value)
        self.end_headers()
        self.wfile.write(data)

    def _error(self, status: int, retry_after: str | None) -> None:
        kinds = {401: "authentication_error", 429: "rate_limit_error", 529: "overloaded_error", 500: "api_error",
                 400: "invalid_request_error"}
        headers = {"retry-after": retry_after} if retry_after is not None and status in (429, 529) else {}
        self._json(status, {"type": "error", "error": {"type": kinds.get(status, "api_error"),
                                                       "message": f"fake error {status}"}}, headers)

    def do_POST(self) -> None:  # noqa: N802 - http.server's naming
        length = int(self.headers.get("content-length", 0))
        body = json.loads(self.rfile.read(length) or b"{}")
        if self.path.startswith("/v1/messages/count_tokens"):
            self.state.count_requests.append(body)
            self._json(200, {"input_tokens": len(json.dumps(body)) // 4})
            return
        if not self.path.startswith("/v1/messages"):
            self._json(404, {"type": "error", "error": {"type": "not_found_error", "message": self.path}})
            return
        self.state.requests.append({"body": body, "headers": {k.lower(): v for k, v in self.headers.items()}})
        failure = self.state.next_failure()
        if failure is not None and failure.status:
            self._error(failure.status, failure.retry_after)
            return
        turn = self._turn(body)
        content = ([{"type": "text", "text": turn.text}] if turn.text else []) + [
            {"type": "tool_use", "id": f"toolu_{len(self.state.requests)}_{n}", "name": name, "input": arguments}
            for n, (name, arguments) in enumerate(turn.tools)]
        usage = self._usage(body, json.dumps(content))
        self.state.usages.append(usage)
        stop_reason = "tool_use" if turn.tools else "end_turn"
        if body.get("stream"):
            self._stream(body, content, stop_reason, usage, broken=failure is not None)
        else:
            self._json(200, {"id": "msg_fake", "type": "message", "role": "assistant", "model": body.get("model"),
                             "content": content, "stop_reason": stop_reason, "stop_sequence": None, "usage": usage})

    def _turn(self, body: dict) -> Scripted:
        """The next scripted turn (without tool calls when the request forbids them), else the default."""
        with self.state.lock:
            turn = self.state.script.pop(0) if self.state.script else Scripted(self.state.reply or reply_text(body))
        if (body.get("tool_choice") or {}).get("type") == "none":
            turn = Scripted(turn.text or self.state.reply or reply_text(body))
        return turn

    def _usage(self, body: dict, text: str) -> dict:
        """Cache figures as Anthropic reports them: tools, system blocks, then message blocks, in
        order. A request reads the longest prefix (ending at any block) that an earlier request wrote
        at one of its ``cache_control`` breakpoints, and writes from there to its own last breakpoint."""
        system = body.get("system", [])
        blocks = list(body.get("tools", [])) + ([system] if isinstance(system, str) else list(system))
        for message in body.get("messages", []):
            content = message.get("content")
            blocks += [content] if isinstance(content, str) else list(content)
        marked = [i for i, block in enumerate(blocks) if isinstance(block, dict) and block.get("cache_control")]
        digest, prefixes, length = hashlib.sha256(), [], 0
        for block in blocks[:marked[-1] + 1] if marked else []:
            piece = json.dumps({k: v for k, v in block.items() if k != "cache_control"}
                               if isinstance(block, dict) else block)
            digest.update(piece.encode())
            length += len(piece)
            prefixes.append((digest.hexdigest(), length))
        with self.state.lock:
            read = max((size for key, size in prefixes if key in self.state.seen_prefixes), default=0)
            self.state.seen_prefixes.update(prefixes[i][0] for i in marked)
        written = prefixes[-1][1] - read if prefixes else 0
        size = len(json.dumps(body)) // 4
        return {"input_tokens": max(1, size - (read + written) // 4), "output_tokens": max(1, len(text) // 4),
                "cache_read_input_tokens": read // 4, "cache_creation_input_tokens": written // 4}

    def _stream(self, body: dict, content: list[dict], stop_reason: str, usage: dict, broken: bool) -> None:
        """SSE events as the API sends them. ``broken`` cuts the connection inside the first tool
        call's JSON, or else after the third piece of text."""
        self.send_response(200)
        self.send_header("content-type", "text/event-stream")
        self.send_header("cache-control", "no-cache")
        self.end_headers()
        events = [("message_start", {"type": "message_start", "message": {
            "id": "msg_fake", "type": "message", "role": "assistant", "model": body.get("model"), "content": [],
            "stop_reason": None, "stop_sequence": None, "usage": dict(usage, output_tokens=1)}})]
        for index, block in enumerate(content):
            if block["type"] == "text":
                start = {"type": "text", "text": ""}
                deltas = [{"type": "text_delta", "text": piece}
                          for piece in re.findall(r"\S+\s*", block["text"]) or [block["text"]]]
            else:
                start, arguments = {**block, "input": {}}, json.dumps(block["input"])
                deltas = [{"type": "input_json_delta", "partial_json": arguments[i:i + 7]}
                          for i in range(0, len(arguments), 7)]
            events.append(("content_block_start", {"type": "content_block_start", "index": index,
                                                   "content_block": start}))
            events += [("content_block_delta", {"type": "content_block_delta", "index": index, "delta": delta})
                       for delta in deltas]
            events.append(("content_block_stop", {"type": "content_block_stop", "index": index}))
        events += [("message_delta", {"type": "message_delta",
                                      "delta": {"stop_reason": stop_reason, "stop_sequence": None},
                                      "usage": {"output_tokens": usage["output_tokens"]}}),
                   ("message_stop", {"type": "message_stop"})]
        deltas_at = [n for n, (name, _) in enumerate(events) if name == "content_block_delta"]
        json_at = [n for n in deltas_at if events[n][1]["delta"]["type"] == "input_json_delta"]
        cut = json_at[0] + 1 if json_at else deltas_at[2] + 1 if len(deltas_at) > 2 else None
        for n, (name, data) in enumerate(events):
            if broken and n == cut:
                self.wfile.write(b"event: content_block_delta\ndata: {\"type\": \"content_bl")
                self.wfile.flush()
                self.close_connection = True
                return
            self.wfile.write(f"event: {name}\ndata: {json.dumps(data)}\n\n".encode())
            self.wfile.flush()
            time.sleep(self.state.delay)


class _Server(ThreadingHTTPServer):
    def handle_error(self, request: object, client_address: object) -> None:
        """A client that hung up mid-reply (an answer stopped, a timeout under load) is what the real API sees
        too: not worth a traceback in the test output. Anything else still prints one."""
        if not isinstance(sys.exc_info()[1], (BrokenPipeError, ConnectionResetError)):
            super().handle_error(request, client_address)


class FakeAnthropic:
    """Start with ``with FakeAnthropic() as api:``; ``api.url`` goes to ``base_url``."""

    def __init__(self, port: int = 0, delay: float = 0.0) -> None:
        self.state = FakeState(delay)
        handler = type("BoundHandler", (Handler,), {"state": self.state})
        self.server = _Server(("127.0.0.1", port), handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> "FakeAnthropic":
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--delay", type=float, default=float(os.environ.get("FAKEAPI_DELAY", "0")),
                        help="seconds between streamed events (env FAKEAPI_DELAY)")
    args = parser.parse_args()
    with FakeAnthropic(args.port, args.delay) as api:
        print(f"fake Messages API on {api.url}", flush=True)
        api.thread.join()


if __name__ == "__main__":
    main()
