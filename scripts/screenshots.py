"""Regenerate the screenshots in screenshots/ from a demo session.

    python scripts/screenshots.py [--out screenshots]

Runs agent-tui headless in demo mode (the scripted server, the real Claude CLI),
drives it with Pilot like a person at the keyboard, and saves:

    main.svg        two sessions, a markdown reply, a fork in the sidebar
    fork-tree.svg   the fork tree of that session (ctrl+t)
    permission.svg  a tool asking for permission

Everything happens in a temporary folder: HOME, the CLI's config and the database.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

SIZE = (120, 36)


async def _wait(pilot: Any, predicate: Callable[[], Any], what: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise SystemExit(f"screenshots: timed out waiting for {what}")
        await pilot.pause(0.05)


async def _send(pilot: Any, text: str) -> None:
    app = pilot.app
    tab = app.active_tab
    before = tab.pane.chat.turn_count
    prompt = tab.pane.prompt
    prompt.focus()
    await pilot.press(*text)
    await pilot.press("enter")
    await _wait(
        pilot,
        lambda: tab.pane.chat.turn_count > before and not tab.running and tab.pane.chat.is_idle,
        f"the reply to {text!r}",
    )
    await tab.pane.chat.wait_idle()


async def _settle(pilot: Any) -> None:
    app = pilot.app
    # Let notifications expire so they do not cover the picture.
    for notification in list(app._notifications):
        app._unnotify(notification)
    if app.active_tab is not None:
        await app.active_tab.pane.chat.wait_idle()
    await pilot.pause(0.3)
    await pilot.wait_for_scheduled_animations()


async def run(out: Path, folder: Path) -> None:
    home = folder / "home"
    project = home / "agent-demo"
    # The demo sets the CLI's HOME itself; the app's own HOME only makes paths short.
    os.environ["HOME"] = str(home)
    for name in list(os.environ):
        if name.startswith(("ANTHROPIC_", "CLAUDE_CODE_")) or name == "CLAUDE_CONFIG_DIR":
            del os.environ[name]

    from tui.app import AgentTuiApp
    from tui.config import Config
    from tui.screens.fork_tree import ForkTreeScreen
    from tui.screens.permission import PermissionScreen

    app = AgentTuiApp(
        db_path=folder / "agent-tui.db",
        cwd=project,
        config=Config(),
        demo=True,
        demo_home=home,
    )
    async with app.run_test(size=SIZE) as pilot:
        await _wait(pilot, app.ready.is_set, "start-up")
        await _wait(pilot, app.sidebar_ready.is_set, "the sidebar")
        assert app.demo_server is not None
        app.demo_server.pace = 0.0

        # A second session first, so the sidebar has history.
        await _send(pilot, "Summarise the open issues")
        await pilot.press("ctrl+n")
        await _wait(pilot, lambda: len(app.tabs) == 2, "a new tab")
        await _send(pilot, "Explain the session store")
        await _send(pilot, "markdown")
        # Fork at turn 1 and take the fork somewhere else.
        await pilot.press("escape", "up", "f")
        await _wait(pilot, lambda: len(app.tabs) == 3 and app.active_tab.loaded, "the fork")
        await _send(pilot, "Try a different approach")
        await pilot.press("ctrl+pageup")
        await _wait(pilot, lambda: app.active_tab is app.tabs[1], "the first session")
        await _settle(pilot)
        app.save_screenshot(str(out / "main.svg"))

        await pilot.press("ctrl+t")
        await _wait(pilot, lambda: isinstance(app.screen, ForkTreeScreen), "the fork tree")
        await _settle(pilot)
        app.save_screenshot(str(out / "fork-tree.svg"))
        await pilot.press("escape")
        await _wait(pilot, lambda: not isinstance(app.screen, ForkTreeScreen), "the tree to close")

        await pilot.press("ctrl+n")
        await _wait(pilot, lambda: len(app.tabs) == 4, "a new tab")
        await pilot.press(*"tool notes.txt")
        await pilot.press("enter")
        await _wait(
            pilot, lambda: isinstance(app.screen, PermissionScreen), "the permission dialog"
        )
        await _settle(pilot)
        app.save_screenshot(str(out / "permission.svg"))
        await pilot.press("1")
        await _wait(pilot, lambda: not app.active_tab.running, "the tool turn")
        await pilot.press("ctrl+q")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=REPO / "screenshots")
    args = parser.parse_args()
    out = args.out.resolve()
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="agent-tui-shots-") as tmp:
        (Path(tmp) / "home" / "agent-demo").mkdir(parents=True)
        asyncio.run(run(out, Path(tmp)))
    for name in ("main.svg", "fork-tree.svg", "permission.svg"):
        print(args.out / name)


if __name__ == "__main__":
    main()
