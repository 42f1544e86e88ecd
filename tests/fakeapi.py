"""A real HTTP server on 127.0.0.1 that speaks enough of Anthropic's Messages API for tests.

The real ``anthropic`` SDK talks to it through ``base_url``: JSON and SSE streaming replies, token
counting, errors on demand (401/429/529, a stream that breaks mid-answer) and prompt-cache usage
figures. Replies cite the first document of the request, like a well-behaved model would.

Standalone (for the browser test or by hand): ``python -m tests.fakeapi --port 8765``.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import re
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

_DOCUMENT = re.compile(r'<document path="([^"]+)" lines="(\d+)-(\d+)"')


@dataclass
class Failure:
    status: int  # HTTP status, or 0 for "break the stream after the first text delta"
    times: int = 1
    retry_after: str | None = "0"


@dataclass
class FakeState:
    requests: list[dict] = field(default_factory=list)
    count_requests: list[dict] = field(default_factory=list)
    failures: list[Failure] = field(default_factory=list)
    reply: str | None = None  # fixed reply text; default cites the first document
    seen_prefixes: set[str] = field(default_factory=set)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def fail(self, status: int, times: int = 1) -> None:
        self.failures.append(Failure(status, times))

    def next_failure(self) -> Failure | None:
        with self.lock:
            if not self.failures:
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
        parts += [content] if isinstance(content, str) else [b.get("text", "") for b in content]
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
        text = self.state.reply or reply_text(body)
        usage = self._usage(body, text)
        if body.get("stream"):
            self._stream(body, text, usage, broken=failure is not None)
        else:
            self._json(200, {"id": "msg_fake", "type": "message", "role": "assistant", "model": body.get("model"),
                             "content": [{"type": "text", "text": text}], "stop_reason": "end_turn",
                             "stop_sequence": None, "usage": usage})

    def _usage(self, body: dict, text: str) -> dict:
        """Cache figures as Anthropic reports them: everything up to the last ``cache_control``
        breakpoint (system blocks, then message blocks, in order) is created once, then read."""
        system = body.get("system", [])
        blocks = [system] if isinstance(system, str) else list(system)
        for message in body.get("messages", []):
            content = message.get("content")
            blocks += [content] if isinstance(content, str) else list(content)
        marked = [i for i, block in enumerate(blocks) if isinstance(block, dict) and block.get("cache_control")]
        cached_text = json.dumps(blocks[:marked[-1] + 1]) if marked else ""
        prefix = hashlib.sha256(cached_text.encode()).hexdigest()
        size = len(json.dumps(body)) // 4
        with self.state.lock:
            hit = prefix in self.state.seen_prefixes
            self.state.seen_prefixes.add(prefix)
        cached = len(cached_text) // 4
        return {"input_tokens": size - cached, "output_tokens": max(1, len(text) // 4),
                "cache_read_input_tokens": cached if hit else 0,
                "cache_creation_input_tokens": 0 if hit else cached}

    def _stream(self, body: dict, text: str, usage: dict, broken: bool) -> None:
        self.send_response(200)
        self.send_header("content-type", "text/event-stream")
        self.send_header("cache-control", "no-cache")
        self.end_headers()

        def event(name: str, data: dict) -> None:
            self.wfile.write(f"event: {name}\ndata: {json.dumps(data)}\n\n".encode())
            self.wfile.flush()

        start_usage = dict(usage, output_tokens=1)
        event("message_start", {"type": "message_start", "message": {
            "id": "msg_fake", "type": "message", "role": "assistant", "model": body.get("model"), "content": [],
            "stop_reason": None, "stop_sequence": None, "usage": start_usage}})
        event("content_block_start", {"type": "content_block_start", "index": 0,
                                      "content_block": {"type": "text", "text": ""}})
        pieces = re.findall(r"\S+\s*", text) or [text]
        for n, piece in enumerate(pieces):
            event("content_block_delta", {"type": "content_block_delta", "index": 0,
                                          "delta": {"type": "text_delta", "text": piece}})
            if broken and n == 2:
                self.wfile.write(b"event: content_block_delta\ndata: {\"type\": \"content_bl")
                self.wfile.flush()
                self.close_connection = True
                return
        event("content_block_stop", {"type": "content_block_stop", "index": 0})
        event("message_delta", {"type": "message_delta", "delta": {"stop_reason": "end_turn", "stop_sequence": None},
                                "usage": {"output_tokens": usage["output_tokens"]}})
        event("message_stop", {"type": "message_stop"})


class FakeAnthropic:
    """Start with ``with FakeAnthropic() as api:``; ``api.url`` goes to ``base_url``."""

    def __init__(self, port: int = 0) -> None:
        self.state = FakeState()
        handler = type("BoundHandler", (Handler,), {"state": self.state})
        self.server = ThreadingHTTPServer(("127.0.0.1", port), handler)
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
    args = parser.parse_args()
    with FakeAnthropic(args.port) as api:
        print(f"fake Messages API on {api.url}", flush=True)
        api.thread.join()


if __name__ == "__main__":
    main()
