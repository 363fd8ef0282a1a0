"""can_use_tool becomes a PermissionRequested event carrying a future."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.agent.conftest import Engine
from tui.agent.events import PermissionRequested, PermissionResolved, ToolUseFinished

pytestmark = pytest.mark.cli


async def answer_next(engine: Engine, mark: int, choice: Any, message: str = "") -> Any:
    ev = await engine.events.wait(PermissionRequested, since=mark)
    assert ev.request.tool_name == "Bash"
    # The session waits on the answer, and says so.
    session = next(s for s in engine.sessions if s.session_id == ev.session_id)
    assert session.state == "permission" and session.pending_permissions == [ev.request]
    ev.request.answer(choice, message)
    return ev


async def test_allow_once_runs_the_tool(engine: Engine, tmp_path: Path) -> None:
    target = tmp_path / "allowed.txt"
    s = engine.session()
    mark = engine.events.mark()
    s.send(f"tool {target}")
    ev = await answer_next(engine, mark, "allow_once")
    assert str(target) in ev.request.input["command"]
    await engine.events.wait(ToolUseFinished, since=mark)
    await engine.idle(s)
    assert target.exists()
    assert s.state == "idle"
    assert engine.events.of(PermissionResolved)[-1].choice == "allow_once"
    # Once only: the next tool use asks again.
    mark = engine.events.mark()
    s.send(f"tool {tmp_path / 'again.txt'}")
    await answer_next(engine, mark, "deny")
    await engine.turn(s, "done?")


async def test_deny_tells_the_model_why(
    engine: Engine, tmp_path: Path, scripted_server: Any
) -> None:
    target = tmp_path / "denied.txt"
    s = engine.session()
    mark = engine.events.mark()
    s.send(f"tool {target}")
    await answer_next(engine, mark, "deny", "use python instead")
    finished = await engine.events.wait(ToolUseFinished, since=mark)
    assert finished.is_error
    await engine.idle(s)
    reply = engine.text_since(mark)
    assert not target.exists()
    assert "use python instead" in reply


async def test_allow_for_the_session_stops_asking(engine: Engine, tmp_path: Path) -> None:
    s = engine.session()
    mark = engine.events.mark()
    s.send(f"tool {tmp_path / 'one.txt'}")
    await answer_next(engine, mark, "allow_session")
    await engine.turn(s, f"tool {tmp_path / 'two.txt'}")
    assert (tmp_path / "one.txt").exists() and (tmp_path / "two.txt").exists()
    assert len(engine.events.of(PermissionRequested)) == 1
