"""A session renamed while its CLI is live keeps the new title through later turns."""

from __future__ import annotations

import pytest

from tests.agent.conftest import Engine

pytestmark = pytest.mark.cli


async def _title(engine: Engine, session_id: str) -> str:
    row = await engine.catalog.get_session(session_id)
    assert row is not None
    return row.title


async def test_a_rename_while_live_survives_the_next_turn(engine: Engine) -> None:
    s = engine.session()
    await engine.turn(s, "hello")
    await engine.catalog.rename_session(s.session_id, "First title")
    await s.request_disconnect("test")
    await engine.turn(s, "resumed")  # the CLI now knows "First title"
    assert s.connected
    await engine.catalog.rename_session(s.session_id, "Second title")
    assert await _title(engine, s.session_id) == "Second title"
    await engine.turn(s, "hello again")
    await engine.turn(s, "and once more")
    assert await _title(engine, s.session_id) == "Second title"
    await s.request_disconnect("test")  # the CLI exits
    assert await _title(engine, s.session_id) == "Second title"
    await engine.turn(s, "resumed again")
    assert await _title(engine, s.session_id) == "Second title"
