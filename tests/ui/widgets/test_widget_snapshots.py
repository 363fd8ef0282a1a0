"""SVG snapshots of the transcript, the permission prompt and the fork tree, at 80x24
and 120x36. Nothing shown depends on the clock. Update with `--snapshot-update`."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from textual.app import App, ComposeResult
from textual.pilot import Pilot
from textual.widgets import Footer
from widget_helpers import CSS_PATHS, SID, sample_turns, settle

from tui.agent.events import PermissionRequest, TextDelta, ToolUseStarted, TurnStarted
from tui.screens.fork_tree import ForkTreeScreen
from tui.screens.permission import PermissionScreen
from tui.store.catalog import SessionRow
from tui.widgets.chat import ChatView
from tui.widgets.turn_view import ToolFold

SIZES = [(80, 24), (120, 36)]


class ChatSnapshotApp(App[None]):
    CSS_PATH = CSS_PATHS  # type: ignore[assignment]

    def __init__(self, theme: str = "textual-dark") -> None:
        super().__init__()
        self.theme_name = theme

    def compose(self) -> ComposeResult:
        chat = ChatView(SID)
        chat.show_turns(sample_turns())
        yield chat
        yield Footer()

    def on_mount(self) -> None:
        self.theme = self.theme_name


async def _chat_ready(pilot: Pilot[Any]) -> None:
    app = pilot.app
    chat = app.query_one(ChatView)
    await settle(chat, pilot)
    chat.handle_event(TurnStarted(SID, "And the tests? Show me [bold]one[/]."))
    chat.handle_event(
        TextDelta(SID, "Sure, a **pytest** test:\n\n```python\ndef test_hello(capsys):\n")
    )
    chat.handle_event(
        TextDelta(SID, "    hello()\n    assert capsys.readouterr().out == 'hi\\n'\n```\n")
    )
    chat.handle_event(ToolUseStarted(SID, "t9", "Write"))
    await settle(chat, pilot)
    # Turn 2's tool call opened, and the cursor on it.
    fold = chat.query(ToolFold).first()
    fold.collapsed = False
    await settle(chat, pilot)
    chat.start_cursor()
    await pilot.press("k", "k")
    await settle(chat, pilot)


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_chat_view_snapshot(snap_compare: Any, size: tuple[int, int]) -> None:
    assert snap_compare(ChatSnapshotApp(), terminal_size=size, run_before=_chat_ready)


def test_chat_view_light_snapshot(snap_compare: Any) -> None:
    app = ChatSnapshotApp(theme="textual-light")
    assert snap_compare(app, terminal_size=(120, 36), run_before=_chat_ready)


class ScreenApp(App[None]):
    CSS_PATH = CSS_PATHS  # type: ignore[assignment]

    def __init__(self, make_screen: Any) -> None:
        super().__init__()
        self.make_screen = make_screen

    def compose(self) -> ComposeResult:
        chat = ChatView(SID)
        chat.show_turns(sample_turns())
        yield chat

    def on_mount(self) -> None:
        self.push_screen(self.make_screen())


def _permission_screen() -> PermissionScreen:
    future: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
    request = PermissionRequest(
        "Bash",
        {
            "command": "rm -rf build && python -m build --wheel",
            "description": "Clean the build folder and build a wheel",
        },
        "t1",
        future,
    )
    return PermissionScreen(request, "Refactor the parser")


async def _screen_ready(pilot: Pilot[Any]) -> None:
    await settle(pilot.app.query_one(ChatView), pilot)


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_permission_snapshot(snap_compare: Any, size: tuple[int, int]) -> None:
    assert snap_compare(ScreenApp(_permission_screen), terminal_size=size, run_before=_screen_ready)


def test_permission_deny_message_snapshot(snap_compare: Any) -> None:
    async def deny(pilot: Pilot[Any]) -> None:
        await _screen_ready(pilot)
        await pilot.press("3", *"use make clean")

    assert snap_compare(ScreenApp(_permission_screen), terminal_size=(80, 24), run_before=deny)


def _row(
    sid: str, title: str, turns: int, parent: str | None = None, at: int | None = None
) -> SessionRow:
    return SessionRow(
        id=sid,
        project_key="proj",
        title=title,
        cwd="/work",
        model=None,
        created=0,
        updated=0,
        turn_count=turns,
        archived=False,
        parent_id=parent,
        fork_turn=at,
    )


def _fork_tree_screen() -> ForkTreeScreen:
    rows = [
        _row("root", "Parser refactor", 12),
        _row("f3", "Parser refactor ⑂3", 5, "root", 3),
        _row("f3-4", "Try recursive descent", 9, "f3", 4),
        _row("f3-4-2", "Recursive descent, no lookahead", 3, "f3-4", 2),
        _row("f8", "Parser refactor ⑂8", 8, "root", 8),
    ]
    return ForkTreeScreen(rows, "f3-4")


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_fork_tree_snapshot(snap_compare: Any, size: tuple[int, int]) -> None:
    assert snap_compare(ScreenApp(_fork_tree_screen), terminal_size=size, run_before=_screen_ready)
