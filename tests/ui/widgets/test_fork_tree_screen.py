"""ForkTreeScreen: nested forks, the current session, enter/f/escape, update_rows."""

from __future__ import annotations

from typing import Any

from rich.text import Text
from textual.app import App
from widget_helpers import CSS_PATHS

from tui.screens.fork_tree import ForkTree, ForkTreeScreen
from tui.store.catalog import SessionRow

_UNSET = object()


def row(
    sid: str,
    title: str,
    turns: int,
    parent: str | None = None,
    at: int | None = None,
    created: int = 0,
    archived: bool = False,
) -> SessionRow:
    return SessionRow(
        id=sid,
        project_key="proj",
        title=title,
        cwd="/work",
        model=None,
        created=created,
        updated=created,
        turn_count=turns,
        archived=archived,
        parent_id=parent,
        fork_turn=at,
    )


def family() -> list[SessionRow]:
    return [
        row("root", "Parser refactor", 12, created=1),
        row("f3", "Parser refactor ⑂3", 5, "root", 3, created=2),
        row("f3-4", "Try recursive descent", 9, "f3", 4, created=3),
        row("f8", "Parser refactor ⑂8", 8, "root", 8, created=4, archived=True),
        row("other", "Unrelated session", 2, created=5),
    ]


class TreeApp(App[None]):
    CSS_PATH = CSS_PATHS  # type: ignore[assignment]

    def __init__(self, rows: list[SessionRow], current: str) -> None:
        super().__init__()
        self.rows = rows
        self.current = current
        self.result: Any = _UNSET

    def on_mount(self) -> None:
        def done(result: Any) -> None:
            self.result = result

        self.push_screen(ForkTreeScreen(self.rows, self.current), done)


def lines(tree: ForkTree) -> list[str]:
    out = []
    for i in range(tree.last_line + 1):
        node = tree._tree_lines[i].node
        label = node.label
        plain = label.plain if isinstance(label, Text) else label
        out.append(f"{'  ' * (len(tree._tree_lines[i].path) - 1)}{plain}")
    return out


async def test_renders_the_family_with_fork_points_and_the_current_session() -> None:
    app = TreeApp(family(), "f3-4")
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, ForkTreeScreen)
        tree = screen.fork_tree
        assert lines(tree) == [
            "Parser refactor  12 turns",
            "  Parser refactor ⑂3  5 turns · forked at turn 3",
            "    Try recursive descent  9 turns · forked at turn 4  ◀ current",
            "  Parser refactor ⑂8  8 turns · forked at turn 8 · archived",
        ]
        assert screen.selected_id == "f3-4"
        assert tree.has_focus
        # The current session's title is drawn in a style of its own.
        current = tree.render_label(tree.cursor_node, tree.rich_style, tree.rich_style)  # type: ignore[arg-type]
        other = tree.render_label(tree.root, tree.rich_style, tree.rich_style)
        assert current.spans[0].style != other.spans[0].style


async def test_arrows_move_through_the_tree() -> None:
    app = TreeApp(family(), "root")
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, ForkTreeScreen)
        assert screen.selected_id == "root"
        await pilot.press("down")
        assert screen.selected_id == "f3"
        await pilot.press("right")
        assert screen.selected_id == "f3-4"
        await pilot.press("left")
        assert screen.selected_id == "f3"
        await pilot.press("down", "down")
        assert screen.selected_id == "f8"
        await pilot.press("up")
        assert screen.selected_id == "f3-4"


async def test_enter_opens_the_selected_session() -> None:
    app = TreeApp(family(), "f3-4")
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        await pilot.press("up", "enter")
        await pilot.pause()
    assert app.result == ("open", "f3")


async def test_f_forks_the_selected_session() -> None:
    app = TreeApp(family(), "f3-4")
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        await pilot.press("f")
        await pilot.pause()
    assert app.result == ("fork", "f3-4")


async def test_escape_and_ctrl_t_close() -> None:
    for key in ("escape", "ctrl+t"):
        app = TreeApp(family(), "root")
        async with app.run_test(size=(100, 30)) as pilot:
            await pilot.pause()
            await pilot.press(key)
            await pilot.pause()
        assert app.result is None


async def test_update_rows_keeps_the_cursor_on_the_same_session() -> None:
    app = TreeApp(family(), "f3-4")
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, ForkTreeScreen)
        await pilot.press("up")
        assert screen.selected_id == "f3"
        # A new fork of the root appears above f3 (an earlier fork turn).
        rows = [*family(), row("f1", "Parser refactor ⑂1", 1, "root", 1, created=9)]
        screen.update_rows(rows)
        await pilot.pause()
        assert screen.selected_id == "f3"
        assert lines(screen.fork_tree)[1] == "  Parser refactor ⑂1  1 turn · forked at turn 1"
        # The current session can change too (e.g. the app opened the new fork).
        screen.update_rows(rows, current_id="f1")
        await pilot.pause()
        assert screen.current_id == "f1"
        assert lines(screen.fork_tree)[1].endswith("◀ current")
        assert screen.selected_id == "f3"
        # A session that went away: the cursor falls back to the current one.
        screen.update_rows([r for r in rows if r.id != "f3" and r.id != "f3-4"])
        await pilot.pause()
        assert screen.selected_id == "f1"


async def test_without_the_current_session_every_family_shows() -> None:
    app = TreeApp(family(), "missing")
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, ForkTreeScreen)
        top = [line for line in lines(screen.fork_tree) if not line.startswith("  ")]
        assert top == ["Parser refactor  12 turns", "Unrelated session  2 turns"]
