"""Streaming, interrupting and queueing prompts in the real app, against the real
CLI and the scripted server."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pytest

from tests.ui.helpers import (
    active,
    make_app,
    screen_text,
    send,
    send_and_wait,
    started,
    type_prompt,
    wait_for,
    wait_turn_done,
)

pytestmark = pytest.mark.cli


async def test_streams_a_reply_and_lists_the_session(db_path: Path, cli_env: Any) -> None:
    app = make_app(db_path, cli_env.workdir)
    async with app.run_test(size=(120, 36)) as pilot:
        await started(pilot)
        assert app.focused is active(app).pane.prompt
        tab = await send_and_wait(pilot, "hello there")
        reply = tab.pane.chat.turn(1).reply
        assert 'Seen 1 prompt: 1) "hello there"' in reply
        assert "Seen 1 prompt" in screen_text(app)
        # The prompt is cleared and the session is in the sidebar, newest first.
        assert tab.pane.prompt.text == ""
        await wait_for(pilot, lambda: app.session_list.rows, what="sidebar row")
        row = app.session_list.rows[0]
        assert row.id == tab.session_id
        assert row.turn_count == 1
        assert tab.title, "the tab takes the session's title"
        # y in the turn cursor copies the reply: to the system clipboard, or through
        # the terminal (OSC 52) when there is none, as here.
        await pilot.press("escape", "y")
        await wait_for(
            pilot,
            lambda: any("Copied" in str(n.message) for n in app._notifications),
            what="the copy notice",
        )
        notes = " ".join(str(n.message) for n in app._notifications)
        if "OSC 52" in notes:
            assert app.clipboard == reply
        await pilot.press("escape")
        assert app.focused is tab.pane.prompt
        # An empty prompt does nothing.
        await type_prompt(pilot, "   ")
        await pilot.press("enter")
        await pilot.pause(0.2)
        assert not tab.running and tab.pane.chat.turn_count == 1


async def test_escape_interrupts_and_the_next_prompt_works(db_path: Path, cli_env: Any) -> None:
    app = make_app(db_path, cli_env.workdir)
    async with app.run_test(size=(120, 36)) as pilot:
        await started(pilot)
        tab = await send(pilot, "slow 30")
        chat = tab.pane.chat
        await wait_for(
            pilot,
            lambda: chat.turn(1) is not None and "tick" in chat.turn(1).reply,
            what="the slow reply to stream",
        )
        assert tab.pane.prompt.busy
        began = time.monotonic()
        await pilot.press("escape")
        await wait_for(
            pilot,
            lambda: chat.turn(1).interrupted and not tab.running,
            timeout=5,
            what="the interrupt",
        )
        assert time.monotonic() - began < 2.0
        assert app.focused is tab.pane.prompt, "escape while streaming does not leave the prompt"
        await send_and_wait(pilot, "after the interrupt")
        assert '"after the interrupt"' in chat.turn(2).reply


async def test_prompt_sent_during_a_turn_is_queued(db_path: Path, cli_env: Any) -> None:
    app = make_app(db_path, cli_env.workdir)
    async with app.run_test(size=(120, 36)) as pilot:
        await started(pilot)
        tab = await send(pilot, "slow 1")
        await wait_for(pilot, lambda: tab.state == "streaming", what="streaming")
        await send(pilot, "queued one")
        assert tab.queued == 1
        await wait_for(
            pilot,
            lambda: any("Queued" in str(n.message) for n in app._notifications),
            what="the queued notice",
        )
        await wait_turn_done(pilot, tab, 2)
        assert tab.queued == 0
        assert tab.pane.chat.turn(2).prompt == "queued one"
        # Up on the first line recalls earlier prompts, newest first; down walks back.
        prompt = tab.pane.prompt
        await type_prompt(pilot, "")
        await pilot.press("up")
        assert prompt.text == "queued one"
        await pilot.press("up")
        assert prompt.text == "slow 1"
        await pilot.press("down", "down")
        assert prompt.text == ""
