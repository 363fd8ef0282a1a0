"""The chrome repaints only what an update changes: a turn starting or ending tells
the tab bar, the status line and the session list, often with what they show."""

from __future__ import annotations

from typing import Any

from textual.app import App, ComposeResult

from tui.store.catalog import SessionRow
from tui.widgets.sidebar import SessionList
from tui.widgets.status_line import StatusInfo, StatusLine
from tui.widgets.tab_bar import TabBar, TabInfo


def row(n: int, updated: int) -> SessionRow:
    return SessionRow(
        id=f"s{n}",
        project_key="p",
        title=f"Session {n}",
        cwd=None,
        model=None,
        created=0,
        updated=updated,
        turn_count=1,
        archived=False,
        parent_id=None,
        fork_turn=None,
    )


class ListApp(App[None]):
    def compose(self) -> ComposeResult:
        yield TabBar()
        yield StatusLine()
        yield SessionList()


def titles(sessions: SessionList) -> list[str]:
    lines = [sessions.render_line(y).text for y in range(sessions.size.height)]
    return [line.split("Session ")[1].split()[0] for line in lines if "Session " in line]


async def test_a_session_moving_to_the_top_repaints_only_the_rows_it_passes(
    monkeypatch: Any,
) -> None:
    app = ListApp()
    async with app.run_test(size=(60, 12)) as pilot:
        sessions = app.query_one(SessionList)
        sessions.set_rows([row(n, 100 - n) for n in range(1, 9)])  # 1 newest … 8
        await pilot.pause()
        assert titles(sessions) == ["1", "2", "3", "4", "5", "6", "7", "8"]
        repainted: list[int] = []
        monkeypatch.setattr(sessions, "refresh_line", repainted.append)
        monkeypatch.setattr(sessions, "refresh", lambda *a, **k: repainted.append(-1))

        sessions.upsert(row(4, 200))  # ran just now: to the top
        assert titles(sessions) == ["4", "1", "2", "3", "5", "6", "7", "8"]
        assert sorted(repainted) == [0, 1, 2, 3]

        repainted.clear()
        sessions.upsert(row(4, 300))  # ran again: already on top
        assert titles(sessions) == ["4", "1", "2", "3", "5", "6", "7", "8"]
        assert repainted == [0]

        repainted.clear()
        sessions.upsert(row(9, 400))  # a new session: everything below it moves
        assert titles(sessions)[:3] == ["9", "4", "1"] and -1 in repainted


async def test_the_tab_bar_and_status_line_repaint_only_on_a_change(monkeypatch: Any) -> None:
    app = ListApp()
    async with app.run_test(size=(60, 12)):
        bar, status = app.query_one(TabBar), app.query_one(StatusLine)
        repainted: list[str] = []
        monkeypatch.setattr(bar, "refresh", lambda *a, **k: repainted.append("bar"))
        monkeypatch.setattr(status, "refresh", lambda *a, **k: repainted.append("status"))
        tabs = [TabInfo("t1", "One", "streaming"), TabInfo("t2", "Two")]
        for _ in range(2):
            bar.set_tabs(list(tabs), "t1")
            status.show(StatusInfo(model="m", state="streaming"))
        assert repainted == ["bar", "status"]
        bar.set_tabs([TabInfo("t1", "One"), TabInfo("t2", "Two")], "t1")
        status.show(StatusInfo(model="m", state="idle"))
        assert repainted == ["bar", "status", "bar", "status"]
