"""A scripted, offline Anthropic Messages-API server for the bundled Claude CLI.

The CLI talks to any server that speaks the Messages API when it is started with
``ANTHROPIC_BASE_URL`` pointing at it (see :func:`cli_env`). This one answers from
the deterministic scripts in :mod:`tui.demo.scripts` and records every request so
tests can check exactly what the model was sent.

It is stdlib only and serves from daemon threads, so it can run inside a process
that also runs an asyncio loop (``agent-tui --demo`` does).
"""

from __future__ import annotations

import asyncio
import gzip
import hashlib
import json
import os
import threading
import time
import traceback
import zlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import TracebackType
from typing import Any
from urllib.parse import urlsplit

from .scripts import (
    ErrorReply,
    Reply,
    TextPart,
    ThinkingPart,
    ToolUsePart,
    Turn,
    choose_script,
    classify_request,
    estimate_tokens,
    extract_user_prompts,
    output_token_count,
    pending_tool_results,
    side_reply,
)

__all__ = ["RequestRecord", "ScriptedServer", "cli_env"]

# A RequestKind for /v1/messages calls; otherwise "count_tokens", "probe" (the CLI's
# connectivity check), "not_found" or "bad_request".
RecordKind = str

# Flush the response buffer once this many bytes are pending (fast streams).
_FLUSH_BYTES = 64 * 1024


@dataclass
class RequestRecord:
    """One request the server received."""

    index: int
    method: str
    path: str  # without the query string
    query: str
    headers: dict[str, str]
    body: Any  # the parsed JSON body (None when there was none or it was not JSON)
    kind: RecordKind  # "conversation", a side-call kind, "count_tokens", …
    model: str | None = None
    stream: bool = False
    prompts: tuple[str, ...] = ()
    script: str | None = None  # the script that answered a conversation turn
    # nth request for the same turn: the CLI's own retries (it sends them itself,
    # X-Stainless-Retry-Count stays 0) count up from 1.
    attempt: int = 1
    status: int = 0  # HTTP status sent
    output_tokens: int = 0
    # "complete", "disconnected" (client went away mid-reply) or "pending".
    outcome: str = "pending"
    error: str | None = None  # traceback, if a script raised
    started_at: float = field(default_factory=time.monotonic)
    finished_at: float | None = None

    @property
    def is_conversation(self) -> bool:
        return self.kind == "conversation"

    @property
    def prompt(self) -> str:
        """The newest user prompt ("" when there is none)."""
        return self.prompts[-1] if self.prompts else ""


class _Disconnected(Exception):
    """The client closed the connection while we were replying."""


class _HTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, address: tuple[str, int], owner: ScriptedServer) -> None:
        self.owner = owner
        super().__init__(address, _Handler)

    def handle_error(self, request: Any, client_address: Any) -> None:
        # Client disconnects are routine (an interrupted turn); stay quiet.
        pass


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    timeout = 600  # an idle keep-alive connection gives up its thread eventually
    server: _HTTPServer
    server_version = "agent-tui-scripted/1"
    sys_version = ""

    def log_message(self, format: str, *args: Any) -> None:
        pass

    # -- plumbing -----------------------------------------------------------

    def _read_body(self) -> bytes:
        if self.headers.get("transfer-encoding", "").lower() == "chunked":
            data = bytearray()
            while True:
                size_line = self.rfile.readline()
                size = int(size_line.split(b";", 1)[0].strip() or b"0", 16)
                if size == 0:
                    while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                        pass
                    break
                data += self.rfile.read(size)
                self.rfile.readline()
            raw = bytes(data)
        else:
            length = int(self.headers.get("content-length") or 0)
            raw = self.rfile.read(length) if length > 0 else b""
        encoding = self.headers.get("content-encoding", "").lower()
        if encoding == "gzip":
            raw = gzip.decompress(raw)
        elif encoding == "deflate":
            raw = zlib.decompress(raw)
        return raw

    def _send_json(
        self, status: int, payload: Any, headers: Mapping[str, str] | None = None
    ) -> None:
        if isinstance(payload, dict) and payload.get("type") == "error":
            payload = {**payload, "request_id": self._request_id}
        data = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(data)))
        self.send_header("request-id", self._request_id)
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(data)

    def _not_found(self) -> None:
        self._send_json(404, _error_body("not_found_error", f"No route for {self.path}"))

    # -- dispatch -----------------------------------------------------------

    def _handle(self) -> None:
        owner = self.server.owner
        split = urlsplit(self.path)
        record = owner._new_record(
            method=self.command,
            path=split.path,
            query=split.query,
            headers={k.lower(): v for k, v in self.headers.items()},
            body=None,
        )
        self._request_id = f"req_scripted_{record.index:06d}"
        try:
            raw = self._read_body() if self.command in ("POST", "PUT", "PATCH") else b""
            body: Any = None
            if raw:
                try:
                    body = json.loads(raw)
                except ValueError:
                    body = None
            record.body = body
            try:
                self._route(record, raw, body)
            except (OSError, _Disconnected):
                raise
            except Exception as exc:
                # A bug in a script: answer with a non-retryable error the CLI
                # shows at once, and keep the traceback for the test to read.
                record.error = traceback.format_exc()
                record.status = 400
                self._send_json(
                    400,
                    _error_body("invalid_request_error", f"Scripted server error: {exc!r}"),
                )
        except (OSError, _Disconnected):
            # BrokenPipe / ConnectionReset: the client went away (an interrupt).
            record.outcome = "disconnected"
            self.close_connection = True
        else:
            if record.outcome == "pending":
                record.outcome = "complete"
        finally:
            record.finished_at = time.monotonic()

    def _route(self, record: RequestRecord, raw: bytes, body: Any) -> None:
        path = record.path.rstrip("/")
        if self.command == "POST" and path == "/v1/messages":
            if not isinstance(body, dict):
                record.kind = "bad_request"
                record.status = 400
                self._send_json(400, _error_body("invalid_request_error", "Body is not JSON"))
                return
            self._messages(record, raw, body)
        elif self.command == "POST" and path == "/v1/messages/count_tokens":
            record.kind = "count_tokens"
            record.model = body.get("model") if isinstance(body, dict) else None
            record.status = 200
            self._send_json(200, {"input_tokens": estimate_tokens(len(raw))})
        elif self.command in ("HEAD", "GET") and path == "/api/hello":
            # The CLI's connectivity probe (sent unless nonessential traffic is off).
            record.kind = "probe"
            record.status = 200
            self._send_json(200, {"message": "hello"})
        else:
            record.kind = "not_found"
            record.status = 404
            self._not_found()

    def _messages(self, record: RequestRecord, raw: bytes, body: dict[str, Any]) -> None:
        owner = self.server.owner
        messages = body.get("messages")
        model = body.get("model") if isinstance(body.get("model"), str) else None
        record.model = model
        record.stream = bool(body.get("stream"))
        record.prompts = tuple(extract_user_prompts(messages))
        kind = classify_request(body)
        record.kind = kind

        reply: Reply | ErrorReply
        if kind == "conversation":
            count = len(messages) if isinstance(messages, list) else 0
            turn_id = "\x1f".join(
                (record.headers.get("x-claude-code-session-id", ""), str(count), *record.prompts)
            )
            attempt = owner._next_attempt(turn_id)
            record.attempt = attempt
            name, script, args = choose_script(record.prompt)
            record.script = name
            reply = script(
                Turn(
                    prompts=record.prompts,
                    args=args,
                    tool_results=tuple(pending_tool_results(messages)),
                    attempt=attempt,
                    key=hashlib.sha256(turn_id.encode()).hexdigest(),
                )
            )
        else:
            reply = side_reply(kind, body)

        if isinstance(reply, ErrorReply):
            record.status = reply.status
            headers = dict(reply.headers)
            headers.setdefault("x-should-retry", "true" if reply.status >= 500 else "false")
            self._send_json(reply.status, reply.body(), headers)
            return

        record.status = 200
        input_tokens = estimate_tokens(len(raw))
        record.output_tokens = output_token_count(reply)
        message_id = f"msg_scripted_{record.index:06d}"
        delay = owner.pace if reply.delay is None else reply.delay
        if record.stream:
            self._stream(message_id, model, reply, input_tokens, delay)
        else:
            self._send_json(200, _full_message(message_id, model, reply, input_tokens))

    # -- streaming ----------------------------------------------------------

    def _stream(
        self, message_id: str, model: str | None, reply: Reply, input_tokens: int, delay: float
    ) -> None:
        owner = self.server.owner
        self.send_response(200)
        self.send_header("content-type", "text/event-stream; charset=utf-8")
        self.send_header("cache-control", "no-cache")
        self.send_header("transfer-encoding", "chunked")
        self.send_header("request-id", self._request_id)
        self.end_headers()

        buf = bytearray()

        def flush() -> None:
            if buf:
                self.wfile.write(b"%x\r\n%s\r\n" % (len(buf), bytes(buf)))
                buf.clear()

        def emit(event: str, data: Mapping[str, Any]) -> None:
            buf.extend(b"event: ")
            buf.extend(event.encode())
            buf.extend(b"\ndata: ")
            buf.extend(json.dumps(data, ensure_ascii=False).encode())
            buf.extend(b"\n\n")
            if len(buf) >= _FLUSH_BYTES:
                flush()

        def pause() -> None:
            if delay > 0:
                flush()
                if owner._closing.wait(delay):
                    raise _Disconnected

        emit(
            "message_start",
            {
                "type": "message_start",
                "message": {
                    "id": message_id,
                    "type": "message",
                    "role": "assistant",
                    "model": model,
                    "content": [],
                    "stop_reason": None,
                    "stop_sequence": None,
                    "usage": _usage(input_tokens, 1),
                },
            },
        )
        emit("ping", {"type": "ping"})
        for index, part in enumerate(reply.parts):
            if isinstance(part, TextPart):
                emit(
                    "content_block_start",
                    {
                        "type": "content_block_start",
                        "index": index,
                        "content_block": {"type": "text", "text": ""},
                    },
                )
                for chunk in part.chunks:
                    pause()
                    emit(
                        "content_block_delta",
                        {
                            "type": "content_block_delta",
                            "index": index,
                            "delta": {"type": "text_delta", "text": chunk},
                        },
                    )
            elif isinstance(part, ThinkingPart):
                emit(
                    "content_block_start",
                    {
                        "type": "content_block_start",
                        "index": index,
                        "content_block": {"type": "thinking", "thinking": "", "signature": ""},
                    },
                )
                for chunk in part.chunks:
                    pause()
                    emit(
                        "content_block_delta",
                        {
                            "type": "content_block_delta",
                            "index": index,
                            "delta": {"type": "thinking_delta", "thinking": chunk},
                        },
                    )
                emit(
                    "content_block_delta",
                    {
                        "type": "content_block_delta",
                        "index": index,
                        "delta": {"type": "signature_delta", "signature": part.signature},
                    },
                )
            else:
                emit(
                    "content_block_start",
                    {
                        "type": "content_block_start",
                        "index": index,
                        "content_block": {
                            "type": "tool_use",
                            "id": part.id,
                            "name": part.name,
                            "input": {},
                        },
                    },
                )
                pause()
                emit(
                    "content_block_delta",
                    {
                        "type": "content_block_delta",
                        "index": index,
                        "delta": {
                            "type": "input_json_delta",
                            "partial_json": json.dumps(dict(part.input)),
                        },
                    },
                )
            emit("content_block_stop", {"type": "content_block_stop", "index": index})
        emit(
            "message_delta",
            {
                "type": "message_delta",
                "delta": {"stop_reason": reply.stop_reason, "stop_sequence": None},
                "usage": _usage(input_tokens, output_token_count(reply)),
            },
        )
        emit("message_stop", {"type": "message_stop"})
        flush()
        self.wfile.write(b"0\r\n\r\n")

    # -- HTTP verbs ---------------------------------------------------------

    def do_POST(self) -> None:
        self._handle()

    do_GET = do_HEAD = do_PUT = do_DELETE = do_PATCH = do_POST


def _usage(input_tokens: int, output_tokens: int) -> dict[str, int]:
    return {
        "input_tokens": input_tokens,
        "cache_creation_input_tokens": 0,
        "cache_read_input_tokens": 0,
        "output_tokens": output_tokens,
    }


def _error_body(error_type: str, message: str) -> dict[str, Any]:
    return {"type": "error", "error": {"type": error_type, "message": message}}


def _full_message(
    message_id: str, model: str | None, reply: Reply, input_tokens: int
) -> dict[str, Any]:
    content: list[dict[str, Any]] = []
    for part in reply.parts:
        if isinstance(part, TextPart):
            content.append({"type": "text", "text": part.text})
        elif isinstance(part, ThinkingPart):
            content.append(
                {"type": "thinking", "thinking": part.thinking, "signature": part.signature}
            )
        elif isinstance(part, ToolUsePart):
            content.append(
                {"type": "tool_use", "id": part.id, "name": part.name, "input": dict(part.input)}
            )
    return {
        "id": message_id,
        "type": "message",
        "role": "assistant",
        "model": model,
        "content": content,
        "stop_reason": reply.stop_reason,
        "stop_sequence": None,
        "usage": _usage(input_tokens, output_token_count(reply)),
    }


class ScriptedServer:
    """The scripted Messages-API server.

    ``ScriptedServer()`` binds 127.0.0.1 on a free port; ``start()`` serves from a
    daemon thread; ``stop()`` shuts it down. It is also a context manager.

    ``pace`` is the default pause between deltas for ordinary replies (0 for
    tests; the demo uses a little so replies visibly stream); scripts that set
    their own pace (``slow``, ``fast``) ignore it.
    """

    def __init__(self, host: str = "127.0.0.1", port: int = 0, *, pace: float = 0.0) -> None:
        self.host = host
        self._requested_port = port
        self.pace = pace
        self._lock = threading.Lock()
        self._records: list[RequestRecord] = []
        self._next_index = 0  # never reset, so marks survive clear()
        self._attempts: dict[str, int] = {}
        self._closing = threading.Event()
        self._httpd: _HTTPServer | None = None
        self._thread: threading.Thread | None = None

    # -- lifecycle ------------------------------------------------------------

    def start(self) -> ScriptedServer:
        if self._httpd is not None:
            return self
        self._closing.clear()
        self._httpd = _HTTPServer((self.host, self._requested_port), self)
        self._thread = threading.Thread(
            target=self._httpd.serve_forever,
            kwargs={"poll_interval": 0.1},
            name=f"scripted-api:{self.port}",
            daemon=True,
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        httpd, self._httpd = self._httpd, None
        if httpd is None:
            return
        self._closing.set()  # wakes paced streams so they end now
        httpd.shutdown()
        httpd.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    def __enter__(self) -> ScriptedServer:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    @property
    def running(self) -> bool:
        return self._httpd is not None

    @property
    def port(self) -> int:
        if self._httpd is None:
            raise RuntimeError("ScriptedServer is not running")
        return int(self._httpd.server_address[1])

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    # -- records ------------------------------------------------------------

    def _new_record(self, **fields: Any) -> RequestRecord:
        with self._lock:
            record = RequestRecord(index=self._next_index, kind="pending", **fields)
            self._next_index += 1
            self._records.append(record)
            return record

    def _next_attempt(self, turn_id: str) -> int:
        with self._lock:
            n = self._attempts.get(turn_id, 0) + 1
            self._attempts[turn_id] = n
            return n

    @property
    def requests(self) -> list[RequestRecord]:
        """Every request so far, oldest first (a snapshot copy)."""
        with self._lock:
            return list(self._records)

    def mark(self) -> int:
        """A point in the request log: pass it to :meth:`requests_since` (or the
        ``since`` argument of the other accessors) to see only later requests."""
        with self._lock:
            return self._next_index

    def requests_since(self, mark: int) -> list[RequestRecord]:
        with self._lock:
            return [r for r in self._records if r.index >= mark]

    def clear(self) -> None:
        """Forget recorded requests and attempt counters (indices keep counting)."""
        with self._lock:
            self._records.clear()
            self._attempts.clear()

    def conversation_requests(self, since: int = 0) -> list[RequestRecord]:
        """Main-conversation ``/v1/messages`` calls only (no side calls)."""
        return [r for r in self.requests_since(since) if r.is_conversation]

    def side_requests(self, since: int = 0) -> list[RequestRecord]:
        """``/v1/messages`` calls that were not conversation turns."""
        return [
            r
            for r in self.requests_since(since)
            if r.path.rstrip("/") == "/v1/messages" and not r.is_conversation
        ]

    def last_prompts(self) -> list[str]:
        """User prompts of the newest conversation request ([] if none yet)."""
        convo = self.conversation_requests()
        return list(convo[-1].prompts) if convo else []

    def wait_for(
        self,
        predicate: Callable[[list[RequestRecord]], bool],
        timeout: float = 5.0,
        interval: float = 0.02,
    ) -> list[RequestRecord]:
        """Block until ``predicate(requests)`` is true; returns the requests.

        Raises ``TimeoutError`` otherwise. Blocking: call it from a thread (e.g.
        ``asyncio.to_thread``) in async code."""
        deadline = time.monotonic() + timeout
        while True:
            records = self.requests
            if predicate(records):
                return records
            if time.monotonic() >= deadline:
                raise TimeoutError("condition on scripted-server requests not met")
            time.sleep(interval)

    async def wait_for_async(
        self,
        predicate: Callable[[list[RequestRecord]], bool],
        timeout: float = 5.0,
        interval: float = 0.02,
    ) -> list[RequestRecord]:
        """:meth:`wait_for` for async code (polls without blocking the loop)."""
        deadline = time.monotonic() + timeout
        while True:
            records = self.requests
            if predicate(records):
                return records
            if time.monotonic() >= deadline:
                raise TimeoutError("condition on scripted-server requests not met")
            await asyncio.sleep(interval)


# Provider switches that would send the CLI somewhere other than ANTHROPIC_BASE_URL;
# they are forced off ("0" reads as false to the CLI).
_PROVIDER_SWITCHES = (
    "CLAUDE_CODE_USE_BEDROCK",
    "CLAUDE_CODE_USE_VERTEX",
    "CLAUDE_CODE_USE_FOUNDRY",
    "CLAUDE_CODE_USE_ANTHROPIC_AWS",
    "CLAUDE_CODE_USE_ANTHROPIC_GOOGLE_CLOUD",
    "CLAUDE_CODE_USE_MANTLE",
    "CLAUDE_CODE_USE_GATEWAY",
)


def cli_env(server_url: str, home: Path | str, *, max_retries: int | None = None) -> dict[str, str]:
    """Environment for running the bundled CLI offline against ``server_url``.

    ``home`` becomes ``HOME`` (and the XDG base directories live under it); the
    CLI's own config goes to ``home/.claude``, so the user's real ``~/.claude`` is
    never read or written. Nonessential traffic (connectivity probes, session
    titles, telemetry, update checks, error reports) is switched off, which also
    keeps the CLI from reaching for any host but ``server_url``.

    ``max_retries`` caps the CLI's own retries of 5xx/529 answers (its default is
    10 with exponential backoff, minutes in all for a persistent ``error 500``).

    Pass the result as ``ClaudeAgentOptions(env=...)`` or put it in
    ``os.environ``."""
    home = Path(home)
    inherited = os.environ.get("NO_PROXY") or os.environ.get("no_proxy") or ""
    hosts = [h for h in inherited.split(",") if h.strip()]
    no_proxy = ",".join([*hosts, "127.0.0.1", "localhost", "::1"])
    env = {
        "ANTHROPIC_BASE_URL": server_url.rstrip("/"),
        "ANTHROPIC_API_KEY": "sk-ant-scripted-offline",
        "HOME": str(home),
        "CLAUDE_CONFIG_DIR": str(home / ".claude"),
        "XDG_CONFIG_HOME": str(home / ".config"),
        "XDG_CACHE_HOME": str(home / ".cache"),
        "XDG_DATA_HOME": str(home / ".local" / "share"),
        "XDG_STATE_HOME": str(home / ".local" / "state"),
        "CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC": "1",
        "DISABLE_AUTOUPDATER": "1",
        "DISABLE_TELEMETRY": "1",
        "DISABLE_ERROR_REPORTING": "1",
        "CLAUDE_CODE_DISABLE_TERMINAL_TITLE": "1",
        "NO_PROXY": no_proxy,
        "no_proxy": no_proxy,
    }
    for name in _PROVIDER_SWITCHES:
        env[name] = "0"
    if max_retries is not None:
        env["CLAUDE_CODE_MAX_RETRIES"] = str(max(0, max_retries))
    return env
