"""The translator hands streamed text on in runs, and never reorders or loses it."""

from __future__ import annotations

import asyncio
from typing import Any

from claude_agent_sdk import ResultMessage, StreamEvent

from tui.agent.events import (
    AgentEvent,
    MessageCompleted,
    TextDelta,
    ThinkingDelta,
    ToolUseStarted,
    TurnFinished,
    TurnInterrupted,
)
from tui.agent.translate import Translator

SID = "s1"


def stream(event: dict[str, Any]) -> StreamEvent:
    return StreamEvent(uuid="u", session_id=SID, event=event, parent_tool_use_id=None)


def text(t: str) -> StreamEvent:
    return stream({"type": "content_block_delta", "delta": {"type": "text_delta", "text": t}})


def thinking(t: str) -> StreamEvent:
    return stream(
        {"type": "content_block_delta", "delta": {"type": "thinking_delta", "thinking": t}}
    )


def tool(tool_id: str) -> StreamEvent:
    block = {"type": "tool_use", "id": tool_id, "name": "Bash"}
    return stream({"type": "content_block_start", "content_block": block})


def result(reason: str = "completed") -> ResultMessage:
    return ResultMessage(
        subtype="success",
        duration_ms=5,
        duration_api_ms=5,
        is_error=False,
        num_turns=1,
        session_id=SID,
        usage={"input_tokens": 1, "output_tokens": 2},
        terminal_reason=reason,
    )


def kinds(events: list[AgentEvent]) -> list[tuple[str, str]]:
    return [(type(e).__name__, getattr(e, "text", "")) for e in events]


async def test_deltas_close_together_are_one_run_sent_after_the_hold() -> None:
    events: list[AgentEvent] = []
    tr = Translator(SID, events.append, hold=0.02)
    for word in ("one ", "two ", "three"):
        tr.feed(text(word))
    assert events == []  # waiting for more to join
    await asyncio.sleep(0.05)
    assert events == [TextDelta(SID, "one two three")]


async def test_other_events_send_the_waiting_run_first() -> None:
    events: list[AgentEvent] = []
    tr = Translator(SID, events.append, hold=10)
    tr.feed(thinking("hmm "))
    tr.feed(thinking("ok"))
    tr.feed(text("Let me "))
    tr.feed(text("look."))
    tr.feed(tool("t1"))
    tr.feed(text("Done"))
    assert tr.feed(result()) is True
    assert kinds(events) == [
        ("ThinkingDelta", "hmm ok"),
        ("TextDelta", "Let me look."),
        ("ToolUseStarted", ""),
        ("TextDelta", "Done"),
        ("TurnFinished", ""),
    ]
    assert isinstance(events[1], TextDelta) and isinstance(events[0], ThinkingDelta)
    assert isinstance(events[2], ToolUseStarted) and isinstance(events[-1], TurnFinished)


async def test_the_end_of_a_message_follows_its_text() -> None:
    events: list[AgentEvent] = []
    tr = Translator(SID, events.append, hold=10)
    tr.feed(text("all of it"))
    tr.feed(stream({"type": "content_block_stop", "index": 0}))
    tr.feed(stream({"type": "message_stop"}))
    assert events == [TextDelta(SID, "all of it"), MessageCompleted(SID)]


async def test_an_interrupted_turn_keeps_the_text_streamed_before_it() -> None:
    events: list[AgentEvent] = []
    tr = Translator(SID, events.append, hold=10)
    tr.feed(text("partial"))
    tr.feed(result("aborted_streaming"))
    assert kinds(events) == [("TextDelta", "partial"), ("TurnInterrupted", "")]
    assert isinstance(events[-1], TurnInterrupted)


async def test_flush_sends_what_waits_and_stops_the_timer() -> None:
    events: list[AgentEvent] = []
    tr = Translator(SID, events.append, hold=0.02)
    tr.feed(text("tail"))
    tr.flush()
    assert events == [TextDelta(SID, "tail")]
    await asyncio.sleep(0.05)
    assert events == [TextDelta(SID, "tail")]  # the timer did not send it again
    tr.flush()
    assert len(events) == 1


def test_without_a_hold_every_delta_is_sent_at_once() -> None:
    events: list[AgentEvent] = []
    tr = Translator(SID, events.append, hold=0)
    tr.feed(text("a"))
    tr.feed(text(""))
    tr.feed(text("b"))
    assert events == [TextDelta(SID, "a"), TextDelta(SID, "b")]
