"""The scripted Messages-API server, alone and under the real bundled CLI.

The ``cli`` tests drive ``claude_agent_sdk.ClaudeSDKClient`` (and so the real
Claude CLI) against :class:`tui.demo.ScriptedServer`; nothing is mocked. The
others talk HTTP to the server directly or test the pure prompt extraction.
"""

from __future__ import annotations

import http.client
import json
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from claude_agent_sdk import (
    AssistantMessage,
    ClaudeSDKClient,
    PermissionResultAllow,
    PermissionResultDeny,
    ResultMessage,
    StreamEvent,
    SystemMessage,
    TextBlock,
    ThinkingBlock,
    ToolPermissionContext,
    ToolResultBlock,
    ToolUseBlock,
    UserMessage,
)
from hypothesis import given
from hypothesis import strategies as st

from tui.demo import (
    ScriptedServer,
    classify_request,
    cli_env,
    echo_text,
    extract_user_prompts,
    parse_echo,
    pending_tool_results,
    strip_system_reminders,
)
from tui.demo.scripts import SCRIPT_HELP, fast_tokens

# ---------------------------------------------------------------------------
# Helpers
# ---------------------------------------------------------------------------


@dataclass
class TurnLog:
    """Everything one ``client.query()`` produced, up to its ResultMessage."""

    messages: list[Any] = field(default_factory=list)
    elapsed: float = 0.0

    def of(self, kind: type) -> list[Any]:
        return [m for m in self.messages if isinstance(m, kind)]

    @property
    def result(self) -> ResultMessage:
        results = self.of(ResultMessage)
        assert results, f"no ResultMessage in {self.messages!r}"
        return results[-1]  # type: ignore[no-any-return]

    @property
    def text(self) -> str:
        """Text of every assistant message, joined."""
        return "".join(
            block.text
            for m in self.of(AssistantMessage)
            for block in m.content
            if isinstance(block, TextBlock)
        )

    def deltas(self, delta_type: str = "text_delta") -> list[dict[str, Any]]:
        return [
            m.event["delta"]
            for m in self.of(StreamEvent)
            if m.event.get("type") == "content_block_delta"
            and m.event["delta"].get("type") == delta_type
        ]

    def system(self, subtype: str) -> list[SystemMessage]:
        return [m for m in self.of(SystemMessage) if m.subtype == subtype]


async def turn(client: ClaudeSDKClient, prompt: str) -> TurnLog:
    log = TurnLog()
    start = time.monotonic()
    await client.query(prompt)
    async for message in client.receive_response():
        log.messages.append(message)
    log.elapsed = time.monotonic() - start
    return log


def post(server: ScriptedServer, path: str, body: Any) -> tuple[int, dict[str, str], bytes]:
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
    try:
        conn.request(
            "POST", path, body=json.dumps(body), headers={"content-type": "application/json"}
        )
        resp = conn.getresponse()
        return resp.status, {k.lower(): v for k, v in resp.getheaders()}, resp.read()
    finally:
        conn.close()


def sse_events(raw: bytes) -> list[tuple[str, dict[str, Any]]]:
    events = []
    for frame in raw.decode().split("\n\n"):
        if not frame.strip():
            continue
        lines = dict(line.split(": ", 1) for line in frame.splitlines())
        events.append((lines["event"], json.loads(lines["data"])))
    return events


def user(*blocks: Any) -> dict[str, Any]:
    return {"role": "user", "content": list(blocks)}


def text(value: str) -> dict[str, Any]:
    return {"type": "text", "text": value}


REMINDER = "<system-reminder>\nAttribution for git commits…\n</system-reminder>\n"

# A conversation request as the CLI sends it (trimmed): reminder block first,
# the environment as a role-system message, tools and thinking present.
CONVERSATION_BODY: dict[str, Any] = {
    "model": "claude-opus-5-5",
    "max_tokens": 128000,
    "stream": True,
    "system": [
        {"type": "text", "text": "You are a Claude agent, built on Anthropic's Claude Agent SDK."}
    ],
    "tools": [{"name": "Bash", "input_schema": {"type": "object"}}],
    "thinking": {"type": "adaptive"},
    "messages": [
        user(text(REMINDER), text("hello there")),
        {"role": "system", "content": "# Environment\nYou have been invoked in …"},
        {"role": "assistant", "content": [text("Seen 1 prompt: …")]},
        user({**text("second prompt"), "cache_control": {"type": "ephemeral"}}),
    ],
}

# The CLI's session-title call (sent when nonessential traffic is allowed).
TITLE_BODY: dict[str, Any] = {
    "model": "claude-opus-5-5",
    "max_tokens": 128000,
    "stream": True,
    "system": [
        {"type": "text", "text": "You are a Claude agent, built on Anthropic's Claude Agent SDK."},
        {"type": "text", "text": "You are naming a coding session so the user can pick it out …"},
    ],
    "output_config": {
        "effort": "medium",
        "format": {
            "type": "json_schema",
            "schema": {
                "type": "object",
                "properties": {"title": {"type": "string"}},
                "required": ["title"],
                "additionalProperties": False,
            },
        },
    },
    "messages": [
        user(text("<session>\nfix the flaky login test please\n</session>\n\nWrite the title in …"))
    ],
}


# ---------------------------------------------------------------------------
# Pure: prompt extraction, classification, echo format
# ---------------------------------------------------------------------------


def test_prompts_skip_reminder_blocks_system_messages_and_assistant_text() -> None:
    assert extract_user_prompts(CONVERSATION_BODY["messages"]) == ["hello there", "second prompt"]


def test_prompts_strip_embedded_reminders_in_string_content() -> None:
    messages = [
        {"role": "user", "content": f"{REMINDER}first\n<system-reminder>x</system-reminder>"},
        {"role": "user", "content": "<system-reminder>only a reminder</system-reminder>"},
        {"role": "user", "content": "a <system-reminder>mid</system-reminder> b"},
    ]
    assert extract_user_prompts(messages) == ["first", "a  b"]
    assert strip_system_reminders("no reminder ") == "no reminder "
    assert strip_system_reminders("x<system-reminder>unclosed") == "x"


def test_prompts_skip_tool_results_and_empty_text() -> None:
    messages = [
        user(text("tool out.txt")),
        {
            "role": "assistant",
            "content": [{"type": "tool_use", "id": "t1", "name": "Bash", "input": {}}],
        },
        user(
            {"type": "tool_result", "tool_use_id": "t1", "content": "wrote out.txt"},
            text("   "),
            text(REMINDER),
        ),
    ]
    assert extract_user_prompts(messages) == ["tool out.txt"]
    assert pending_tool_results(messages)[0].text == "wrote out.txt"
    assert not pending_tool_results(messages)[0].is_error


def test_prompts_of_merged_failed_turns_are_separate_and_trimmed() -> None:
    # After API errors the CLI merges consecutive user turns into one message,
    # one block per prompt with a newline appended to all but the last.
    messages = [user(text(REMINDER), text("error 400\n"), text("error 401\n"), text("hello"))]
    assert extract_user_prompts(messages) == ["error 400", "error 401", "hello"]


def test_prompts_skip_cli_bookkeeping_text() -> None:
    messages = [
        user(text("slow")),
        user(text("[Request interrupted by user]")),
        user(text("<local-command-stdout>Compacted </local-command-stdout>")),
        user(text("next")),
    ]
    assert extract_user_prompts(messages) == ["slow", "next"]


def test_classify_conversation_and_side_calls() -> None:
    assert classify_request(CONVERSATION_BODY) == "conversation"
    assert classify_request(TITLE_BODY) == "title"
    helper = {"model": "m", "max_tokens": 1, "messages": [user(text("Hi"))]}
    assert classify_request(helper) == "helper"
    suggestion = {**CONVERSATION_BODY, "messages": [user(text("[SUGGESTION MODE: Suggest …]"))]}
    assert classify_request(suggestion) == "suggestion"


@given(st.lists(st.text(), max_size=6))
def test_echo_round_trips_any_prompts(prompts: list[str]) -> None:
    assert parse_echo(echo_text(prompts)) == prompts
    assert parse_echo(echo_text(prompts) + "\n\n" + SCRIPT_HELP) == prompts


# ---------------------------------------------------------------------------
# HTTP, no CLI
# ---------------------------------------------------------------------------


def test_stream_shape_and_usage(scripted_server: ScriptedServer) -> None:
    status, headers, raw = post(scripted_server, "/v1/messages?beta=true", CONVERSATION_BODY)
    assert status == 200
    assert headers["content-type"].startswith("text/event-stream")
    events = sse_events(raw)
    names = [name for name, _ in events]
    assert names[0] == "message_start"
    assert names[-2:] == ["message_delta", "message_stop"]
    assert {"content_block_start", "content_block_delta", "content_block_stop"} <= set(names)
    text_out = "".join(
        data["delta"]["text"] for name, data in events if name == "content_block_delta"
    )
    assert parse_echo(text_out) == ["hello there", "second prompt"]
    start_usage = events[0][1]["message"]["usage"]
    final = events[-2][1]
    assert final["delta"]["stop_reason"] == "end_turn"
    assert start_usage["input_tokens"] > 100  # ≈ request chars / 4
    assert final["usage"]["output_tokens"] == names.count("content_block_delta")

    (record,) = scripted_server.requests
    assert record.is_conversation and record.stream and record.script == "echo"
    assert record.path == "/v1/messages" and record.query == "beta=true"
    assert record.prompts == ("hello there", "second prompt")
    assert record.body == CONVERSATION_BODY
    assert scripted_server.last_prompts() == ["hello there", "second prompt"]


def test_non_streaming_reply(scripted_server: ScriptedServer) -> None:
    body = {**CONVERSATION_BODY, "stream": False}
    status, _, raw = post(scripted_server, "/v1/messages", body)
    reply = json.loads(raw)
    assert status == 200
    assert reply["type"] == "message" and reply["stop_reason"] == "end_turn"
    assert parse_echo(reply["content"][0]["text"]) == ["hello there", "second prompt"]
    assert reply["usage"]["output_tokens"] > 0


def test_title_side_call_answers_json_and_is_not_a_turn(scripted_server: ScriptedServer) -> None:
    _, _, raw = post(scripted_server, "/v1/messages", TITLE_BODY)
    reply_text = "".join(
        d["delta"]["text"] for n, d in sse_events(raw) if n == "content_block_delta"
    )
    assert json.loads(reply_text) == {"title": "Fix the flaky login test"}
    assert scripted_server.conversation_requests() == []
    assert [r.kind for r in scripted_server.side_requests()] == ["title"]
    assert scripted_server.last_prompts() == []


def test_count_tokens_errors_and_404(scripted_server: ScriptedServer) -> None:
    status, _, raw = post(scripted_server, "/v1/messages/count_tokens", CONVERSATION_BODY)
    assert status == 200 and json.loads(raw)["input_tokens"] > 0

    for code, error_type in [
        (400, "invalid_request_error"),
        (401, "authentication_error"),
        (500, "api_error"),
    ]:
        body = {**CONVERSATION_BODY, "messages": [user(text(f"error {code}"))]}
        status, _, raw = post(scripted_server, "/v1/messages", body)
        payload = json.loads(raw)
        assert status == code
        assert payload["type"] == "error" and payload["error"]["type"] == error_type

    status, _, raw = post(scripted_server, "/v1/nope", {})
    assert status == 404 and json.loads(raw)["error"]["type"] == "not_found_error"

    mark = scripted_server.mark()
    post(scripted_server, "/v1/messages", CONVERSATION_BODY)
    assert [r.index for r in scripted_server.requests_since(mark)] == [mark]
    scripted_server.clear()
    assert scripted_server.requests == []


def test_overloaded_counts_attempts_per_prompt(scripted_server: ScriptedServer) -> None:
    body = {**CONVERSATION_BODY, "messages": [user(text("overloaded 2"))]}
    statuses = [post(scripted_server, "/v1/messages", body)[0] for _ in range(3)]
    assert statuses == [529, 529, 200]
    assert [r.attempt for r in scripted_server.requests] == [1, 2, 3]


def test_fast_tokens_are_exact() -> None:
    tokens = fast_tokens(20_000)
    assert len(tokens) == 20_000
    assert len("".join(tokens).split()) == 20_000


def test_env_keeps_the_cli_at_home(tmp_path: Path) -> None:
    env = cli_env("http://127.0.0.1:1234/", tmp_path, max_retries=3)
    assert env["ANTHROPIC_BASE_URL"] == "http://127.0.0.1:1234"
    assert env["HOME"] == str(tmp_path)
    assert env["CLAUDE_CONFIG_DIR"] == str(tmp_path / ".claude")
    assert env["CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC"] == "1"
    assert env["CLAUDE_CODE_MAX_RETRIES"] == "3"
    assert "127.0.0.1" in env["NO_PROXY"].split(",")


# ---------------------------------------------------------------------------
# The real CLI
# ---------------------------------------------------------------------------

cli = pytest.mark.cli


@cli
async def test_two_turns_second_echo_names_both_prompts(cli_env: Any) -> None:
    server: ScriptedServer = cli_env.server
    async with ClaudeSDKClient(cli_env.options()) as client:
        first = await turn(client, "first prompt")
        second = await turn(client, 'second "quoted" prompt')

    assert parse_echo(first.text) == ["first prompt"]
    assert SCRIPT_HELP in first.text  # the first reply advertises the scripts
    assert parse_echo(second.text) == ["first prompt", 'second "quoted" prompt']
    assert not second.result.is_error
    assert second.result.total_cost_usd and second.result.total_cost_usd > 0
    assert server.last_prompts() == ["first prompt", 'second "quoted" prompt']
    convo = server.conversation_requests()
    assert [r.prompts for r in convo] == [
        ("first prompt",),
        ("first prompt", 'second "quoted" prompt'),
    ]
    # With nonessential traffic off, the CLI makes no side calls at all.
    assert [r.kind for r in server.requests] == ["conversation", "conversation"]
    assert all(r.stream and r.outcome == "complete" for r in convo)


@cli
async def test_partial_text_deltas_stream(cli_env: Any) -> None:
    async with ClaudeSDKClient(cli_env.options()) as client:
        log = await turn(client, "stream me please")
    deltas = log.deltas("text_delta")
    assert len(deltas) > 5  # word-sized deltas, not one blob
    assert "".join(d["text"] for d in deltas) == log.text
    event_types = [m.event["type"] for m in log.of(StreamEvent)]
    assert event_types[0] == "message_start" and "message_stop" in event_types


@cli
async def test_markdown_has_thinking_then_code_fence(cli_env: Any) -> None:
    async with ClaudeSDKClient(cli_env.options()) as client:
        log = await turn(client, "markdown")
    blocks = [b for m in log.of(AssistantMessage) for b in m.content]
    thinking = [b for b in blocks if isinstance(b, ThinkingBlock)]
    assert thinking and thinking[0].thinking and thinking[0].signature
    assert blocks.index(thinking[0]) < min(
        i for i, b in enumerate(blocks) if isinstance(b, TextBlock)
    )
    assert log.text.startswith("# ")
    assert "\n- " in log.text
    assert "```python\n" in log.text and log.text.count("```") == 2
    assert log.deltas("thinking_delta") and log.deltas("signature_delta")


@cli
async def test_tool_allowed_writes_file_and_answer_quotes_result(cli_env: Any) -> None:
    target = cli_env.workdir / "out.txt"
    asked: list[tuple[str, dict[str, Any]]] = []

    async def allow(
        name: str, tool_input: dict[str, Any], ctx: ToolPermissionContext
    ) -> PermissionResultAllow:
        asked.append((name, tool_input))
        return PermissionResultAllow()

    async with ClaudeSDKClient(cli_env.options(can_use_tool=allow)) as client:
        log = await turn(client, f"tool {target}")

    assert [name for name, _ in asked] == ["Bash"]
    assert str(target) in asked[0][1]["command"]
    assert target.read_text() == "agent-tui\n"
    tool_uses = [
        b for m in log.of(AssistantMessage) for b in m.content if isinstance(b, ToolUseBlock)
    ]
    assert [t.name for t in tool_uses] == ["Bash"]
    results = [b for m in log.of(UserMessage) if isinstance(m.content, list) for b in m.content]
    assert any(isinstance(b, ToolResultBlock) and not b.is_error for b in results)
    assert f'Tool result (error: no): "wrote {target}' in log.text
    assert log.result.num_turns == 2 and not log.result.is_error


@cli
async def test_tool_denied_leaves_no_file_and_model_hears_why(cli_env: Any) -> None:
    target = cli_env.workdir / "denied.txt"

    async def deny(
        name: str, tool_input: dict[str, Any], ctx: ToolPermissionContext
    ) -> PermissionResultDeny:
        return PermissionResultDeny(message="Denied by the test suite")

    async with ClaudeSDKClient(cli_env.options(can_use_tool=deny)) as client:
        log = await turn(client, f"tool {target}")

    assert not target.exists()
    assert log.text.endswith('Tool result (error: yes): "Denied by the test suite"')
    (follow_up,) = [r for r in cli_env.server.conversation_requests() if r.attempt == 1][1:]
    assert pending_tool_results(follow_up.body["messages"])[0].is_error


@cli
async def test_slow_stream_stops_on_interrupt(cli_env: Any) -> None:
    server: ScriptedServer = cli_env.server
    async with ClaudeSDKClient(cli_env.options()) as client:
        start = time.monotonic()
        await client.query("slow 8")
        seen = 0
        messages: list[Any] = []
        async for message in client.receive_response():
            messages.append(message)
            if (
                isinstance(message, StreamEvent)
                and message.event.get("type") == "content_block_delta"
            ):
                seen += 1
                if seen == 5:
                    await client.interrupt()
        elapsed = time.monotonic() - start

        assert elapsed < 5, "the 8 s stream should have been cut short"
        result = messages[-1]
        assert isinstance(result, ResultMessage)
        assert result.subtype == "error_during_execution" and result.is_error
        partial = "".join(
            b.text
            for m in messages
            if isinstance(m, AssistantMessage)
            for b in m.content
            if isinstance(b, TextBlock)
        )
        assert partial.startswith("tick 1/80") and "tick 80/80" not in partial

        # The server saw the connection drop mid-stream.
        await server.wait_for_async(lambda rs: rs[0].outcome == "disconnected", timeout=5)

        # The session is still usable, and the interrupted prompt stays in context.
        after = await turn(client, "after")
    assert parse_echo(after.text) == ["slow 8", "after"]


@cli
@pytest.mark.parametrize(
    ("status", "error", "prefix"),
    [
        (400, "unknown", "API Error: 400 Scripted 400 invalid_request_error"),
        (401, "authentication_failed", "Failed to authenticate. API Error: 401"),
    ],
)
async def test_client_errors_surface_at_once(
    cli_env: Any, status: int, error: str, prefix: str
) -> None:
    """How a 4xx reaches an SDK consumer (observed with CLI 2.1.330):

    * no exception and no ``api_retry``: the turn ends normally;
    * one ``AssistantMessage`` with ``model == "<synthetic>"``, ``error`` set
      (``"unknown"`` for 400, ``"authentication_failed"`` for 401) and a single
      ``TextBlock`` holding the message ("API Error: 400 …" /
      "Failed to authenticate. API Error: 401 …");
    * a ``ResultMessage`` with ``subtype == "success"`` but ``is_error=True`` and
      ``result`` equal to that same text, ``total_cost_usd == 0``.

    A 400 is quietly re-sent a few times first (the CLI retries it with thinking
    display dropped and deferred tool schemas expanded, in case a beta caused
    it); all within well under a second. A 401 is sent once.
    """
    server: ScriptedServer = cli_env.server
    async with ClaudeSDKClient(cli_env.options()) as client:
        log = await turn(client, f"error {status}")
        after = await turn(client, "and then")

    assert log.elapsed < 10
    assert not log.system("api_retry")
    (message,) = log.of(AssistantMessage)
    assert message.error == error
    assert message.model == "<synthetic>"
    assert message.content[0].text.startswith(prefix)
    assert log.result.is_error and log.result.result == message.content[0].text
    statuses = {r.status for r in server.conversation_requests() if r.script == "error"}
    assert statuses == {status}
    # The failed prompt stays in the context of the next turn.
    assert parse_echo(after.text) == [f"error {status}", "and then"]
    assert not after.result.is_error


@cli
async def test_overloaded_retries_with_api_retry_then_succeeds(cli_env: Any) -> None:
    async with ClaudeSDKClient(cli_env.options()) as client:
        log = await turn(client, "overloaded")

    (retry,) = log.system("api_retry")
    assert retry.data["error_status"] == 529
    assert retry.data["attempt"] == 1
    assert retry.data["error"] == "overloaded"
    assert retry.data["retry_delay_ms"] > 0
    assert parse_echo(log.text) == ["overloaded"]
    assert not log.result.is_error
    assert [r.status for r in cli_env.server.conversation_requests()] == [529, 200]


@cli
async def test_fast_streams_exactly_n_tokens(cli_env: Any) -> None:
    async with ClaudeSDKClient(cli_env.options()) as client:
        log = await turn(client, "fast 2000")
    deltas = log.deltas("text_delta")
    assert len(deltas) == 2000
    assert len(log.text.split()) == 2000
    assert log.result.usage and log.result.usage["output_tokens"] == 2000
    assert log.elapsed < 20
