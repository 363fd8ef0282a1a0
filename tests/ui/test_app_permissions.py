"""Permission requests: allow, deny with a message, and a background tab that waits."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.ui.helpers import (
    active,
    make_app,
    send,
    started,
    wait_for,
    wait_turn_done,
)

pytestmark = pytest.mark.cli


def _permission_screen(app: Any) -> bool:
    from tui.screens.permission import PermissionScreen

    return isinstance(app.screen, PermissionScreen)


async def test_allow_runs_the_tool(db_path: Path, cli_env: Any) -> None:
    target = cli_env.workdir / "allowed.txt"
    app = make_app(db_path, cli_env.workdir)
    async with app.run_test(size=(120, 36)) as pilot:
        await started(pilot)
        tab = await send(pilot, f"tool {target}")
        await wait_for(pilot, lambda: _permission_screen(app), what="permission dialog")
        assert tab.mark == "permission"
        await pilot.press("enter")  # "1. Yes" is highlighted
        await wait_turn_done(pilot, tab, 1)
        assert target.read_text().strip() == "agent-tui"
        assert "Tool result (error: no)" in tab.pane.chat.turn(1).reply
        assert tab.mark is None


async def test_deny_with_a_message(db_path: Path, cli_env: Any) -> None:
    target = cli_env.workdir / "denied.txt"
    app = make_app(db_path, cli_env.workdir)
    async with app.run_test(size=(120, 36)) as pilot:
        await started(pilot)
        tab = await send(pilot, f"tool {target}")
        await wait_for(pilot, lambda: _permission_screen(app), what="permission dialog")
        await pilot.press("3")
        await pilot.press(*"use the scratch dir")
        await pilot.press("enter")
        await wait_turn_done(pilot, tab, 1)
        assert not target.exists()
        reply = tab.pane.chat.turn(1).reply
        assert "Tool result (error: yes)" in reply
        assert "use the scratch dir" in reply


async def test_background_tab_waits_with_a_question_mark(db_path: Path, cli_env: Any) -> None:
    target = cli_env.workdir / "background.txt"
    app = make_app(db_path, cli_env.workdir)
    async with app.run_test(size=(120, 36)) as pilot:
        await started(pilot)
        asking = await send(pilot, f"tool {target}")
        await pilot.press("ctrl+n")
        await wait_for(pilot, lambda: len(app.tabs) == 2, what="second tab")
        await wait_for(pilot, lambda: asking.mark == "permission", what="background request")
        # No dialog over the other tab; the label and the sidebar say "?".
        assert not _permission_screen(app)
        bar = app.main.query_one("TabBar")
        assert any(t.tab_id == asking.tab_id and t.state == "permission" for t in bar.tabs)
        assert "?" in str(bar.render())
        await wait_for(
            pilot,
            lambda: app.session_list.state_of(asking.session_id) == "permission",
            what="sidebar mark",
        )
        await pilot.pause(0.5)
        assert asking.running and not target.exists(), "the turn waits for an answer"
        # Switching to the tab shows the dialog.
        await pilot.press("ctrl+pageup")
        assert active(app) is asking
        await wait_for(pilot, lambda: _permission_screen(app), what="dialog on switch")
        await pilot.press("1")
        await wait_turn_done(pilot, asking, 1)
        assert target.exists()
