"""The per-tab session against the real CLI and the scripted server."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import pytest

from tests.agent.conftest import Engine
from tui.agent.events import (
    ConnectionChanged,
    TextDelta,
    ThinkingDelta,
    TitleChanged,
    TurnFinished,
    TurnInterrupted,
    TurnStarted,
)
from tui.agent.pool import LivePool
from tui.agent.turns import group_turns

pytestmark = pytest.mark.cli


async def stored_turns(engine: Engine, session_id: str) -> list[Any]:
    row = await engine.catalog.get_session(session_id)
    assert row is not None, "session not in the catalog"
    entries = await engine.store.load({"project_key": row.project_key, "session_id": session_id})
    return group_turns(entries or [])


async def test_new_session_starts_no_process_until_first_prompt(engine: Engine) -> None:
    s = engine.session()
    await asyncio.sleep(0.2)
    assert not s.connected
    assert engine.events.events == []
    assert engine.pool.live_ids == []


async def test_streams_a_turn_and_stores_it(engine: Engine, scripted_server: Any) -> None:
    s = engine.session()
    reply = await engine.turn(s, "hello there")
    assert "hello there" in reply
    kinds = [type(e) for e in engine.events.of(object, s.session_id)]  # type: ignore[type-abstract]
    assert kinds.index(TurnStarted) < kinds.index(TextDelta) < kinds.index(TurnFinished)
    assert engine.events.of(ConnectionChanged)[0].state == "connecting"
    assert s.connected
    finished = engine.events.of(TurnFinished)[-1]
    assert finished.usage.output_tokens > 0
    assert finished.duration_ms > 0
    assert not finished.is_error
    # The completed turn is in SQLite the moment the engine says it finished.
    turns = await stored_turns(engine, s.session_id)
    assert [t.prompt for t in turns] == ["hello there"]
    assert turns[0].reply == reply
    assert engine.events.of(TitleChanged, s.session_id)


async def test_second_turn_keeps_context(engine: Engine, scripted_server: Any) -> None:
    s = engine.session()
    await engine.turn(s, "first")
    await engine.turn(s, "second")
    assert scripted_server.conversation_requests()[-1].prompts == ("first", "second")


async def test_thinking_is_streamed(engine: Engine) -> None:
    s = engine.session()
    reply = await engine.turn(s, "markdown")
    assert "```python" in reply
    assert engine.events.of(ThinkingDelta, s.session_id)


async def test_reconnect_by_resume_after_disconnect(engine: Engine, scripted_server: Any) -> None:
    s = engine.session()
    await engine.turn(s, "one")
    await engine.turn(s, "two")
    await s.request_disconnect("test")
    assert not s.connected
    await engine.turn(s, "three")
    assert s.connected
    assert scripted_server.conversation_requests()[-1].prompts == ("one", "two", "three")
    assert [t.prompt for t in await stored_turns(engine, s.session_id)] == ["one", "two", "three"]


async def test_reopened_tab_resumes_from_the_store(engine: Engine, scripted_server: Any) -> None:
    """A tab restored after a restart is a new AgentSession on a stored id."""
    first = engine.session()
    await engine.turn(first, "remember me")
    await first.close()
    again = engine.session(first.session_id)
    assert not again.connected
    await engine.turn(again, "and now?")
    assert scripted_server.conversation_requests()[-1].prompts == ("remember me", "and now?")


async def test_pool_caps_live_clients_and_evicts_least_recent(
    engine: Engine, scripted_server: Any
) -> None:
    engine.pool = LivePool(2)
    a, b, c = engine.session(), engine.session(), engine.session()
    await engine.turn(a, "a1")
    await engine.turn(b, "b1")
    assert engine.pool.live_ids == [a.session_id, b.session_id]
    await engine.turn(c, "c1")
    # a was the least recently used idle session: it went cold, saying why.
    assert not a.connected and b.connected and c.connected
    gone = engine.events.of(ConnectionChanged, a.session_id)[-1]
    assert gone.state == "disconnected" and "at most 2" in gone.reason
    # and it picks up where it left off.
    await engine.turn(a, "a2")
    assert scripted_server.conversation_requests()[-1].prompts == ("a1", "a2")
    assert len(engine.pool.live_ids) == 2 and not b.connected


async def test_pool_never_cuts_a_running_turn(engine: Engine) -> None:
    engine.pool = LivePool(1)
    a, b = engine.session(), engine.session()
    mark = engine.events.mark()
    a.send("slow 2")
    await engine.events.wait(TextDelta, since=mark, session_id=a.session_id)
    reply_b = await engine.turn(b, "after a")
    assert "after a" in reply_b
    # a's turn ran to its end before b could take the only slot.
    a_end = engine.events.of(TurnFinished, a.session_id)
    assert a_end and not engine.events.of(TurnInterrupted, a.session_id)
    events = engine.events.events
    assert events.index(a_end[0]) < events.index(engine.events.of(TurnStarted, b.session_id)[0])


async def test_interrupt_stops_within_a_second(engine: Engine, scripted_server: Any) -> None:
    s = engine.session()
    mark = engine.events.mark()
    s.send("slow 20")
    await engine.events.wait(TextDelta, since=mark, session_id=s.session_id)
    await asyncio.sleep(0.3)
    started = time.perf_counter()
    assert await s.interrupt()
    await engine.events.wait(TurnInterrupted, since=mark, session_id=s.session_id, timeout=5)
    latency = time.perf_counter() - started
    print(f"interrupt latency: {latency * 1000:.0f} ms")
    assert latency < 1.0
    while s.busy:
        await asyncio.sleep(0.01)
    # The interrupted turn is stored as a turn, marked interrupted.
    turns = await stored_turns(engine, s.session_id)
    assert turns[-1].prompt == "slow 20" and turns[-1].interrupted
    # with the partial reply it had streamed so far.
    streamed = engine.text_since(mark, s.session_id)
    assert turns[-1].reply and streamed.startswith(turns[-1].reply[:20])
    # and the tab goes on.
    reply = await engine.turn(s, "still there?")
    assert "still there?" in reply
    assert scripted_server.conversation_requests()[-1].prompts[-1] == "still there?"
    assert not await s.interrupt()  # nothing running now
