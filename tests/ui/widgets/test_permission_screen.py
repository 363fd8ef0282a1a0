"""PermissionScreen: keys 1/2/3, arrows + enter, escape, deny with a message."""

from __future__ import annotations

import asyncio
from typing import Any

from textual.app import App
from textual.widgets import Input, OptionList, Static
from widget_helpers import CSS_PATHS

from tui.agent.events import PermissionRequest
from tui.screens.permission import PermissionScreen

_UNSET = object()


class PermissionApp(App[None]):
    CSS_PATH = CSS_PATHS  # type: ignore[assignment]

    def __init__(
        self, request: PermissionRequest, title: str | None = "Refactor the parser"
    ) -> None:
        super().__init__()
        self.request = request
        self.title_ = title
        self.result: Any = _UNSET

    def on_mount(self) -> None:
        def done(result: Any) -> None:
            self.result = result

        self.push_screen(PermissionScreen(self.request, self.title_), done)


def bash_request(command: str = "rm -rf build && make", **extra: Any) -> PermissionRequest:
    future: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
    return PermissionRequest(
        "Bash", {"command": command, "description": "Clean and rebuild", **extra}, "t1", future
    )


async def run_keys(*keys: str, request: PermissionRequest | None = None) -> Any:
    app = PermissionApp(request or bash_request())
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        await pilot.press(*keys)
        await pilot.pause()
    return app.result


async def test_enter_takes_the_highlighted_default_allow_once() -> None:
    assert await run_keys("enter") == ("allow_once", "")


async def test_number_keys_pick_directly() -> None:
    assert await run_keys("1") == ("allow_once", "")
    assert await run_keys("2") == ("allow_session", "")


async def test_arrows_then_enter() -> None:
    assert await run_keys("down", "enter") == ("allow_session", "")
    assert await run_keys("down", "down", "up", "enter") == ("allow_session", "")


async def test_escape_denies_with_an_empty_message() -> None:
    assert await run_keys("escape") == ("deny", "")


async def test_deny_with_a_message() -> None:
    assert await run_keys("3", *"use git clean", "enter") == ("deny", "use git clean")
    assert await run_keys("down", "down", "enter", *"no", "enter") == ("deny", "no")
    assert await run_keys("3", "enter") == ("deny", "")
    # Escape from the message box still denies, without the half-typed message.
    assert await run_keys("3", *"wait", "escape") == ("deny", "")


async def test_message_box_shows_only_for_deny() -> None:
    app = PermissionApp(bash_request())
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, PermissionScreen)
        message = screen.query_one(Input)
        assert not message.display
        await pilot.press("down", "down")
        assert message.display and not message.has_focus
        await pilot.press("up")
        assert not message.display
        await pilot.press("3")
        assert message.display and message.has_focus
        # Typing digits goes into the box, not to the 1/2 shortcuts.
        await pilot.press("1", "2")
        assert message.value == "12"
        assert app.result is _UNSET


async def test_shows_the_tool_and_its_input_literally() -> None:
    request = bash_request("echo [bold]hi[/] \x1b[31m", timeout=5000)
    app = PermissionApp(request)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        screen = app.screen
        texts = [str(s.render()) for s in screen.query(Static)]
        joined = "\n".join(texts)
        assert "Allow Bash?" in joined
        assert "Refactor the parser" in joined
        assert "echo [bold]hi[/] ␛[31m" in joined
        assert "Clean and rebuild" in joined
        assert '"timeout": 5000' in joined
        options = screen.query_one(OptionList)
        assert options.highlighted == 0
        prompts = [str(options.get_option_at_index(i).prompt) for i in range(3)]
        assert prompts == [
            "1. Yes",
            "2. Yes, and don't ask again for Bash this session",
            "3. No, and tell Claude what to do differently",
        ]


async def test_other_tools_show_json() -> None:
    future: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
    request = PermissionRequest(
        "Write", {"file_path": "/tmp/x.py", "content": "print(1)\n" * 200}, "t2", future
    )
    app = PermissionApp(request, title=None)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        joined = "\n".join(str(s.render()) for s in app.screen.query(Static))
        assert "Allow Write?" in joined
        assert "/tmp/x.py" in joined
        assert '"content": "print(1)\\nprint(1)' in joined
        await pilot.press("2")
        await pilot.pause()
    assert app.result == ("allow_session", "")
