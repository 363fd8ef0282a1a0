"""Key overrides from the config, config mistakes, the help screen, the palette,
tab and mode keys, and start-up staying free of the SDK import."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tests.ui.helpers import active, make_app, screen_text, started, wait_for
from tui.config import Config


def _notes(app: object) -> list[str]:
    return [str(n.message) for n in app._notifications]  # type: ignore[attr-defined]


async def test_key_override_from_config(db_path: Path, tmp_path: Path) -> None:
    config = Config(keys={"app.new_tab": "ctrl+o", "app.help": "f2"})
    app = make_app(db_path, tmp_path, config)
    async with app.run_test(size=(120, 36)) as pilot:
        await started(pilot)
        await pilot.press("ctrl+o")
        await wait_for(pilot, lambda: len(app.tabs) == 2, what="ctrl+o to open a tab")
        await pilot.press("ctrl+n")
        await pilot.pause(0.1)
        assert len(app.tabs) == 2, "the default key no longer opens a tab"
        await pilot.press("f2")
        from tui.screens.help import HelpScreen

        await wait_for(pilot, lambda: isinstance(app.screen, HelpScreen), what="help on f2")
        assert "^o" in screen_text(app), "the help shows the overridden key"
        assert not [n for n in _notes(app) if "Unknown" in n]


async def test_unknown_binding_id_and_theme_are_reported(db_path: Path, tmp_path: Path) -> None:
    config = Config(keys={"app.no_such_thing": "ctrl+y"}, theme="no-such-theme")
    app = make_app(db_path, tmp_path, config)
    async with app.run_test(size=(120, 36)) as pilot:
        await started(pilot)
        notes = _notes(app)
        assert any("'app.no_such_thing'" in n for n in notes), notes
        assert any("Unknown theme 'no-such-theme'" in n for n in notes), notes
        assert app.theme == "textual-dark"


def test_bad_config_value_is_reported_by_the_cli(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from tui.cli import main

    config = tmp_path / "config.toml"
    config.write_text('max_live_clients = "lots"\n')
    code = main(["--config", str(config), "--db", str(tmp_path / "x.db")])
    assert code == 2
    err = capsys.readouterr().err
    assert "'max_live_clients' must be a whole number" in err
    assert not (tmp_path / "x.db").exists()


async def test_help_lists_every_binding(db_path: Path, tmp_path: Path) -> None:
    from tui.screens.help import HelpScreen, key_rows

    app = make_app(db_path, tmp_path)
    async with app.run_test(size=(120, 36)) as pilot:
        await started(pilot)
        await pilot.press("f1")
        await wait_for(pilot, lambda: isinstance(app.screen, HelpScreen), what="help")
        rows = key_rows(app)
        ids = {r.binding_id for r in rows}
        for needed in (
            "app.new_tab",
            "app.close_tab",
            "app.next_tab",
            "app.previous_tab",
            "app.fork_tree",
            "app.cycle_mode",
            "app.toggle_sidebar",
            "app.quit",
            "prompt.send",
            "prompt.newline",
            "prompt.interrupt",
            "chat.fork",
            "chat.edit",
            "chat.copy",
            "sidebar.rename",
            "sidebar.delete",
        ):
            assert needed in ids, needed
        contexts = {r.context for r in rows}
        assert {"Everywhere", "Prompt", "Transcript (turn cursor)", "Sessions sidebar"} <= contexts
        await pilot.press("escape")
        await wait_for(pilot, lambda: not isinstance(app.screen, HelpScreen), what="help closed")


async def test_tabs_mode_and_sidebar_keys(db_path: Path, tmp_path: Path) -> None:
    app = make_app(db_path, tmp_path)
    async with app.run_test(size=(120, 36)) as pilot:
        await started(pilot)
        first = active(app)
        await pilot.press("ctrl+n", "ctrl+n")
        await wait_for(pilot, lambda: len(app.tabs) == 3, what="three tabs")
        await pilot.press("ctrl+pagedown")
        assert active(app) is first, "next tab wraps around"
        await pilot.press("ctrl+pageup")
        assert active(app) is app.tabs[2]
        await pilot.press("ctrl+w")
        await wait_for(pilot, lambda: len(app.tabs) == 2, what="closed tab")
        assert app.catalog is not None
        saved = await app.catalog.load_tabs()
        assert [t.tab_id for t in saved] == [t.tab_id for t in app.tabs]
        # shift+tab cycles the permission mode of the active tab.
        modes = []
        for _ in range(3):
            await pilot.press("shift+tab")
            modes.append(active(app).session.settings.permission_mode)
        assert modes == ["acceptEdits", "plan", "default"]
        await pilot.press("shift+tab")
        assert "accept edits" in screen_text(app)
        # ctrl+b hides and shows the sidebar.
        assert app.sidebar.display
        await pilot.press("ctrl+b")
        assert not app.sidebar.display
        await pilot.press("ctrl+b")
        assert app.sidebar.display and app.focused is app.session_list


async def test_narrow_terminal_hides_the_sidebar(db_path: Path, tmp_path: Path) -> None:
    app = make_app(db_path, tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await started(pilot)
        assert not app.sidebar.display
        await pilot.press("ctrl+b")
        assert app.sidebar.display


async def test_model_from_the_command_palette(db_path: Path, tmp_path: Path) -> None:
    from textual.command import CommandPalette

    app = make_app(db_path, tmp_path, Config(model="claude-sonnet-4-5"))
    async with app.run_test(size=(120, 36)) as pilot:
        await started(pilot)
        assert active(app).model == "claude-sonnet-4-5"
        await pilot.press("ctrl+p")
        await wait_for(pilot, lambda: isinstance(app.screen, CommandPalette), what="palette")
        await pilot.press(*"model haiku")
        await wait_for(pilot, lambda: "Model: haiku" in screen_text(app), what="model hit")
        await pilot.press("enter")
        await wait_for(pilot, lambda: active(app).model == "haiku", what="model switch")
        assert "haiku" in screen_text(app)
        saved = await app.catalog.load_tabs()  # type: ignore[union-attr]
        assert saved[0].model == "haiku"


def test_importing_the_app_does_not_import_the_sdk() -> None:
    code = (
        "import sys, tui.app, tui.cli\n"
        "assert 'claude_agent_sdk' not in sys.modules, 'the SDK is on the start-up path'\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True, cwd=Path(__file__).parents[2])


async def test_switching_tabs_moves_the_focus_straight_to_the_new_prompt(
    db_path: Path, tmp_path: Path
) -> None:
    """The hidden tab's focused widget does not hand the focus to a neighbour first
    (which would rebuild the footer for that neighbour's keys, and repaint the whole
    screen once more)."""
    app = make_app(db_path, tmp_path)
    async with app.run_test(size=(120, 36)) as pilot:
        await started(pilot)
        await pilot.press("ctrl+n")
        await wait_for(pilot, lambda: len(app.tabs) == 2, what="two tabs")
        focused: list[object] = []

        def seen(widget: object) -> None:
            focused.append(widget)

        app.watch(app.main, "focused", seen, init=False)
        for expected in (app.tabs[0], app.tabs[1], app.tabs[0]):
            focused.clear()
            await pilot.press("ctrl+pagedown")
            await wait_for(pilot, lambda e=expected: app.focused is e.pane.prompt, what="focus")
            await pilot.pause(0.2)
            assert focused == [expected.pane.prompt]
        # A closed tab's prompt gives the focus up as it goes.
        await pilot.press("ctrl+w")
        await wait_for(pilot, lambda: len(app.tabs) == 1, what="one tab")
        await wait_for(pilot, lambda: app.focused is app.tabs[0].pane.prompt, what="focus")
