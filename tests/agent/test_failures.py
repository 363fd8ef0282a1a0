"""Each failure becomes an ErrorOccurred that says what happened and what to do; the
tab recovers on the next prompt and nothing already stored is lost."""

from __future__ import annotations

import asyncio
import os
import signal
import time
from typing import Any

import pytest

from tests.agent.conftest import Engine
from tests.processes import cli_children
from tui.agent.events import ApiRetrying, ErrorOccurred, TextDelta, TurnFinished
from tui.agent.recovery import recover_sessions
from tui.agent.turns import group_turns
from tui.store import SqliteSessionStore

pytestmark = pytest.mark.cli


async def test_missing_cli(engine: Engine, tmp_path: Any) -> None:
    s = engine.session(cli_path=str(tmp_path / "no" / "claude"))
    await engine.turn(s, "hello")
    err = engine.events.of(ErrorOccurred, s.session_id)[-1]
    assert "not found" in err.message and err.hint
    assert err.unsent_prompt == "hello"  # handed back, not lost
    assert not s.connected and s.state == "error"
    s.settings.cli_path = None  # the user fixes the setup; the same tab goes on
    assert "hello again" in await engine.turn(s, "hello again")


@pytest.mark.parametrize(
    ("prompt", "words"),
    [("error 401", ("401", "API key")), ("error 400", ("400", "rejected"))],
)
async def test_api_errors_are_explained(
    engine: Engine, prompt: str, words: tuple[str, str], scripted_server: Any
) -> None:
    s = engine.session()
    await engine.turn(s, "fine")
    await engine.turn(s, prompt)
    err = engine.events.of(ErrorOccurred, s.session_id)[-1]
    assert all(w in err.message + err.hint for w in words), err
    assert engine.events.of(TurnFinished, s.session_id)[-1].is_error
    assert s.state == "error"
    await engine.turn(s, "next")
    assert scripted_server.conversation_requests()[-1].prompts[0] == "fine"
    assert scripted_server.conversation_requests()[-1].prompts[-1] == "next"
    assert s.state == "idle"


async def test_server_overload_is_retried_and_reported(engine: Engine) -> None:
    s = engine.session()
    reply = await engine.turn(s, "overloaded 1")
    retry = engine.events.of(ApiRetrying, s.session_id)
    assert retry and retry[0].attempt == 1 and retry[0].max_retries > 1
    assert reply  # then the echo arrived
    assert not engine.events.of(ErrorOccurred, s.session_id)


async def test_cli_killed_mid_turn(engine: Engine, scripted_server: Any) -> None:
    s = engine.session()
    await engine.turn(s, "before")
    mark = engine.events.mark()
    s.send("slow 20")
    await engine.events.wait(TextDelta, since=mark, session_id=s.session_id)
    pids = cli_children()
    assert len(pids) == 1
    os.kill(pids[0], signal.SIGKILL)
    err = await engine.events.wait(ErrorOccurred, since=mark, session_id=s.session_id)
    assert "stopped in the middle of the turn" in err.message
    assert "resumes" in err.hint
    await engine.idle(s)
    assert not s.connected
    await engine.turn(s, "after")
    prompts = scripted_server.conversation_requests()[-1].prompts
    assert prompts[0] == "before" and prompts[-1] == "after"


class FailingStore(SqliteSessionStore):
    """The real store, with writes failing while `broken` is set (a full disk)."""

    broken = True

    async def append(self, key: Any, entries: Any) -> None:
        if self.broken:
            raise OSError(28, "No space left on device")
        await super().append(key, entries)


async def test_store_write_failure_then_recovery(engine: Engine) -> None:
    failing = FailingStore(engine.store.db)
    engine.store = failing
    s = engine.session()
    reply = await engine.turn(s, "will this be saved?")
    assert "will this be saved?" in reply  # the turn itself is unaffected
    err = engine.events.of(ErrorOccurred, s.session_id)[-1]
    assert "Could not save" in err.message and "No space left" in err.message
    assert "next start" in err.hint
    assert await engine.catalog.get_session(s.session_id) is None
    await s.close()

    # Next start: the CLI's own transcript is imported (idempotently, twice over).
    failing.broken = False
    for _ in range(2):
        found = await recover_sessions(failing, [(s.session_id, str(engine.cwd))])
        assert found == [s.session_id]
    row = await engine.catalog.get_session(s.session_id)
    assert row is not None and row.turn_count == 1
    entries = await failing.load({"project_key": row.project_key, "session_id": s.session_id})
    turns = group_turns(entries or [])
    assert [t.prompt for t in turns] == ["will this be saved?"]
    assert turns[0].reply == reply
    uuids = [e.get("uuid") for e in entries or [] if e.get("uuid")]
    assert len(uuids) == len(set(uuids))


async def test_close_during_turn_leaves_no_process(engine: Engine) -> None:
    s = engine.session()
    mark = engine.events.mark()
    s.send("slow 20")
    await engine.events.wait(TextDelta, since=mark, session_id=s.session_id)
    started = time.perf_counter()
    await s.close()
    # Closing interrupts the turn rather than waiting for it to end.
    assert time.perf_counter() - started < 3
    await asyncio.sleep(0.5)
    assert cli_children() == []
