"""Snapshots of the main screen with a restored session (80x24 and 120x36) and of
the key help. The database is written through the store with fixed content and
times, and the sidebar clock is frozen, so every frame is deterministic. No CLI
runs: restored tabs only connect on a prompt."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

from textual.pilot import Pilot

from tests.ui.helpers import (
    DEMO_CWD,
    make_app,
    open_store,
    screen_text,
    seed_session,
    set_times,
    started,
    wait_for,
)
from tui.store import TabRow

ROOT = "5e55a0e0-0000-4000-8000-000000000001"
OTHER = "5e55a0e0-0000-4000-8000-000000000002"
OLDER = "5e55a0e0-0000-4000-8000-000000000003"

ROOT_TURNS = [
    (
        "Where does the app store sessions?",
        "In one SQLite file. The store keeps:\n\n"
        "- **transcripts**: every line the CLI writes\n"
        "- **sessions**: the list the sidebar shows\n"
        "- **lineage**: which session was forked from which",
    ),
    (
        "Show me how a fork is made",
        "A fork copies the transcript up to a turn:\n\n"
        "```python\nresult = await fork_at_turn(store, catalog, session_id, turn=2)\n```",
    ),
    ("And the tabs?", "Open tabs and their drafts are saved on every change."),
]


async def _seed(db_path: Path) -> None:
    from tui.agent.forking import fork_at_turn

    db, store, catalog = await open_store(db_path)
    try:
        await seed_session(store, ROOT, "Session storage tour", ROOT_TURNS)
        await seed_session(
            store, OTHER, "Tidy the CLI flags", [("Sort the flags", "Sorted alphabetically.")]
        )
        await seed_session(
            store, OLDER, "Benchmark start-up", [("How fast is start-up?", "About 0.3 s.")] * 2
        )
        fork = await fork_at_turn(store, catalog, ROOT, 2)
        await set_times(db, ROOT, 2)
        await set_times(db, fork.session_id, 1)
        await set_times(db, OTHER, 60 * 3)
        await set_times(db, OLDER, 60 * 24 * 4)
        await catalog.save_tabs(
            [
                TabRow(
                    "tmain", 0, ROOT, DEMO_CWD, "claude-sonnet-4-5", "Now add tests for it", True
                ),
                TabRow("tfork", 1, fork.session_id, DEMO_CWD, "claude-sonnet-4-5", "", False),
            ]
        )
    finally:
        await db.close()


async def _ready(pilot: Pilot[Any]) -> None:
    app = await started(pilot)
    chat = app.active_tab.pane.chat  # type: ignore[union-attr]
    await wait_for(pilot, lambda: chat.turn_count == 3, what="transcript")
    await chat.wait_idle()
    # Markdown lays out in steps: wait until two looks in a row agree.
    previous = ""
    for _ in range(40):
        await pilot.pause(0.1)
        await chat.wait_idle()
        current = screen_text(app)
        if current == previous:
            break
        previous = current


def test_main_screen_80x24(snap_compare: Any, db_path: Path, frozen_clock: float) -> None:
    asyncio.run(_seed(db_path))
    app = make_app(db_path, DEMO_CWD)
    assert snap_compare(app, terminal_size=(80, 24), run_before=_ready)


def test_main_screen_120x36(snap_compare: Any, db_path: Path, frozen_clock: float) -> None:
    asyncio.run(_seed(db_path))
    app = make_app(db_path, DEMO_CWD)
    assert snap_compare(app, terminal_size=(120, 36), run_before=_ready)


def test_help_screen(snap_compare: Any, db_path: Path, frozen_clock: float) -> None:
    asyncio.run(_seed(db_path))
    app = make_app(db_path, DEMO_CWD)

    async def open_help(pilot: Pilot[Any]) -> None:
        await _ready(pilot)
        await pilot.press("f1")
        await pilot.pause(0.2)

    assert snap_compare(app, terminal_size=(120, 36), run_before=open_help)
