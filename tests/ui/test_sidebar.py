"""The session sidebar: order, relative times, filtering, open, rename, delete, and
ten thousand sessions. No CLI runs here: sessions are written through the store."""

from __future__ import annotations

import time
from pathlib import Path

from tests.ui.helpers import (
    FROZEN_NOW_MS,
    active,
    make_app,
    open_store,
    screen_text,
    seed_session,
    set_times,
    started,
    wait_for,
)
from tui.widgets.sidebar import relative_time

IDS = {
    "parser": "11111111-1111-4111-8111-111111111111",
    "docs": "22222222-2222-4222-8222-222222222222",
    "tests": "33333333-3333-4333-8333-333333333333",
}


async def _seed(db_path: Path) -> None:
    db, store, _catalog = await open_store(db_path)
    try:
        await seed_session(store, IDS["parser"], "Fix the parser", [("fix it", "Done.")] * 3)
        await seed_session(store, IDS["docs"], "Write the docs", [("document it", "Sure.")])
        await seed_session(
            store, IDS["tests"], "Add tests", [("test it", "Added."), ("more", "Ok.")]
        )
        await set_times(db, IDS["parser"], 3)  # 3 minutes ago: newest
        await set_times(db, IDS["docs"], 60 * 5)  # 5 hours ago
        await set_times(db, IDS["tests"], 60 * 24 * 2)  # 2 days ago
    finally:
        await db.close()


def test_relative_times() -> None:
    now = FROZEN_NOW_MS / 1000
    assert relative_time(FROZEN_NOW_MS - 5_000, now) == "now"
    assert relative_time(FROZEN_NOW_MS - 3 * 60_000, now) == "3m"
    assert relative_time(FROZEN_NOW_MS - 2 * 3_600_000, now) == "2h"
    assert relative_time(FROZEN_NOW_MS - 5 * 86_400_000, now) == "5d"
    assert relative_time(FROZEN_NOW_MS - 21 * 86_400_000, now) == "3w"
    assert relative_time(FROZEN_NOW_MS - 800 * 86_400_000, now) == "2y"


async def test_lists_filters_and_opens_sessions(
    db_path: Path, tmp_path: Path, frozen_clock: float
) -> None:
    await _seed(db_path)
    app = make_app(db_path, tmp_path)
    async with app.run_test(size=(120, 36)) as pilot:
        await started(pilot)
        rows = app.session_list.rows
        assert [r.title for r in rows] == ["Fix the parser", "Write the docs", "Add tests"]
        text = screen_text(app)
        assert "Fix the parser" in text and "3m" in text and "5h" in text and "2d" in text

        # Focus the list and type to filter: the filter box takes the keys.
        app.session_list.focus()
        await pilot.press("w", "r", "i")
        assert app.focused is app.sidebar.filter_input
        await wait_for(pilot, lambda: len(app.session_list.rows) == 1, what="filtered list")
        assert app.session_list.rows[0].title == "Write the docs"
        # Down moves into the list; enter opens the session in a new tab.
        await pilot.press("down", "enter")
        await wait_for(pilot, lambda: len(app.tabs) == 2, what="session opened")
        tab = active(app)
        assert tab.session_id == IDS["docs"]
        assert tab.pane.chat.turn_count == 1
        assert app.focused is tab.pane.prompt
        # Opening it again focuses the same tab.
        await pilot.press("ctrl+pageup")
        app.session_list.focus()
        app.session_list.select(IDS["docs"])
        await pilot.press("enter")
        await pilot.pause(0.1)
        assert len(app.tabs) == 2 and active(app) is tab
        # Escape in the list goes back to the prompt.
        app.session_list.focus()
        await pilot.press("escape")
        assert app.focused is active(app).pane.prompt
        # Clearing the filter brings every session back.
        app.sidebar.filter_input.focus()
        await pilot.press("escape")
        await wait_for(pilot, lambda: len(app.session_list.rows) == 3, what="unfiltered")


async def test_rename_and_delete(db_path: Path, tmp_path: Path, frozen_clock: float) -> None:
    from tui.screens.dialogs import ConfirmScreen, RenameScreen

    await _seed(db_path)
    app = make_app(db_path, tmp_path)
    async with app.run_test(size=(120, 36)) as pilot:
        await started(pilot)
        await app.open_session(IDS["parser"])
        app.session_list.focus()
        app.session_list.select(IDS["parser"])
        await pilot.press("r")
        await wait_for(pilot, lambda: isinstance(app.screen, RenameScreen), what="rename dialog")
        box = app.screen.query_one("Input")
        box.value = "Parser, fixed"  # type: ignore[attr-defined]
        await pilot.press("enter")
        await wait_for(
            pilot,
            lambda: app.session_list.rows[0].title == "Parser, fixed",
            what="renamed row",
        )
        assert active(app).title == "Parser, fixed"

        # Deleting a session that is open in a tab closes the tab.
        tabs_before = len(app.tabs)
        app.session_list.focus()
        app.session_list.select(IDS["parser"])
        await pilot.press("d")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmScreen), what="confirm")
        await pilot.press("y")
        await wait_for(pilot, lambda: len(app.session_list.rows) == 2, what="row deleted")
        assert len(app.tabs) == tabs_before - 1
        assert all(t.session_id != IDS["parser"] for t in app.tabs)
        assert await app.catalog.get_session(IDS["parser"]) is None  # type: ignore[union-attr]
        # "n" keeps the session.
        app.session_list.focus()
        await pilot.press("d")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmScreen), what="confirm")
        await pilot.press("n")
        await pilot.pause(0.1)
        assert len(app.session_list.rows) == 2


async def test_ten_thousand_sessions(db_path: Path, tmp_path: Path) -> None:
    db, _store, _catalog = await open_store(db_path)
    async with db.transaction() as conn:
        await conn.executemany(
            "INSERT INTO sessions (id, project_key, title, cwd, model, created, updated, "
            "turn_count) VALUES (?, 'p', ?, '/tmp', NULL, ?, ?, ?)",
            [
                (f"s{i:05d}", f"Session number {i}", i, FROZEN_NOW_MS - i * 1000, i % 40)
                for i in range(10_000)
            ],
        )
    await db.close()
    app = make_app(db_path, tmp_path)
    began = time.monotonic()
    async with app.run_test(size=(120, 36)) as pilot:
        await started(pilot)
        assert time.monotonic() - began < 5
        assert len(app.session_list.rows) == 10_000
        assert app.session_list.rows[0].id == "s00000"
        app.session_list.focus()
        began = time.monotonic()
        await pilot.press("end")
        assert app.session_list.highlighted.id == "s09999"  # type: ignore[union-attr]
        await pilot.press("pageup", "pageup", "up", "home")
        assert app.session_list.cursor == 0
        assert time.monotonic() - began < 2
        assert "Session number 0" in screen_text(app)
        app.sidebar.filter_input.focus()
        await pilot.press(*"number 4242")
        await wait_for(pilot, lambda: len(app.session_list.rows) == 1, what="filter")
        assert app.session_list.rows[0].id == "s04242"
