"""Forking from the turn cursor, editing a turn and resending, the fork tree."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.ui.helpers import (
    active,
    make_app,
    screen_text,
    send_and_wait,
    started,
    type_prompt,
    wait_for,
    wait_turn_done,
)

pytestmark = pytest.mark.cli


async def test_fork_from_the_turn_cursor(db_path: Path, cli_env: Any) -> None:
    server = cli_env.server
    app = make_app(db_path, cli_env.workdir)
    async with app.run_test(size=(120, 36)) as pilot:
        await started(pilot)
        for prompt in ("one", "two", "three"):
            source = await send_and_wait(pilot, prompt)
        # escape: into the transcript (cursor on turn 3); up: turn 2; f: fork there.
        await pilot.press("escape")
        assert app.focused is source.pane.chat
        assert source.pane.chat.cursor_turn == 3
        await pilot.press("up", "f")
        await wait_for(pilot, lambda: len(app.tabs) == 2 and active(app).loaded, what="fork tab")
        fork = active(app)
        assert fork is not source
        assert fork.pane.chat.turn_count == 2
        assert app.focused is fork.pane.prompt
        assert "⑂2" in fork.title
        await send_and_wait(pilot, "four")
        assert server.last_prompts() == ["one", "two", "four"]
        # The source tab is untouched, and the fork is in the sidebar with its badge.
        assert source.pane.chat.turn_count == 3
        row = next(r for r in app.session_list.rows if r.id == fork.session_id)
        assert row.parent_id == source.session_id and row.fork_turn == 2
        assert "⑂" in screen_text(app)


async def test_edit_a_turn_and_resend(db_path: Path, cli_env: Any) -> None:
    server = cli_env.server
    app = make_app(db_path, cli_env.workdir)
    async with app.run_test(size=(120, 36)) as pilot:
        await started(pilot)
        await send_and_wait(pilot, "first prompt")
        source = await send_and_wait(pilot, "second prompt")
        await pilot.press("escape", "e")
        await wait_for(pilot, lambda: len(app.tabs) == 2, what="edit tab")
        edit = active(app)
        prompt = edit.pane.prompt
        assert prompt.text == "second prompt", "the prompt is pre-filled with turn 2's prompt"
        assert app.focused is prompt
        await wait_for(pilot, lambda: edit.pane.chat.turn_count == 1, what="turn 1 shown")
        await type_prompt(pilot, "second prompt, edited")
        await pilot.press("enter")
        await wait_turn_done(pilot, edit, 2)
        assert server.last_prompts() == ["first prompt", "second prompt, edited"]
        assert source.pane.chat.turn_count == 2

        # Editing turn 1 starts a brand-new session with the prompt ready to go.
        await pilot.press("ctrl+pageup")
        assert active(app) is source
        await pilot.press("escape", "home", "e")
        await wait_for(pilot, lambda: len(app.tabs) == 3, what="second edit tab")
        fresh = active(app)
        assert fresh.pane.chat.turn_count == 0
        assert fresh.pane.prompt.text == "first prompt"


async def test_fork_tree_shows_forks_and_opens_one(db_path: Path, cli_env: Any) -> None:
    from tui.screens.fork_tree import ForkTreeScreen

    app = make_app(db_path, cli_env.workdir)
    async with app.run_test(size=(120, 36)) as pilot:
        await started(pilot)
        await send_and_wait(pilot, "root one")
        root = await send_and_wait(pilot, "root two")
        await pilot.press("escape", "up", "f")
        await wait_for(pilot, lambda: len(app.tabs) == 2, what="fork tab")
        fork = active(app)
        await pilot.press("ctrl+w")
        await wait_for(pilot, lambda: len(app.tabs) == 1, what="fork tab closed")
        assert active(app) is root

        await pilot.press("ctrl+t")
        await wait_for(pilot, lambda: isinstance(app.screen, ForkTreeScreen), what="fork tree")
        text = screen_text(app)
        assert "Root one" in text or "root one" in text.lower()
        assert "forked at turn 1" in text
        # Move to the fork (the tree lists parents first) and open it.
        await pilot.press("down", "enter")
        await wait_for(
            pilot, lambda: not isinstance(app.screen, ForkTreeScreen), what="tree closed"
        )
        await wait_for(
            pilot, lambda: active(app).session_id == fork.session_id, what="fork reopened"
        )
        assert len(app.tabs) == 2
        assert active(app).pane.chat.turn_count == 1
