"""Driving agent-tui in-process (``App.run_test``) and seeing when a frame is painted.

Headless Textual still composes every frame; only the write to the terminal is
skipped. ``Frames`` wraps ``App._display`` to note each frame, renders the update to
terminal bytes as a real terminal run would (so that cost is not left out), and
wakes whoever waits for "the first frame painted once <condition> holds". The
condition is checked right after the frame was composed, and composing it read the
same widget state: a frame seen with the condition true shows it.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

from bench.common import now

SIZE = (120, 40)
TIMEOUT = 120.0


class Frames:
    def __init__(self, app: Any) -> None:
        from textual._compositor import CompositorUpdate

        self._app = app
        self._update_type = CompositorUpdate
        self._display = app._display
        app._display = self._on_display
        self.count = 0
        self._waiters: list[tuple[Callable[[], bool], asyncio.Future[float]]] = []

    def _on_display(self, screen: Any, renderable: Any) -> None:
        self._display(screen, renderable)
        if renderable is None or self._app._batch_count:
            return
        if isinstance(renderable, self._update_type):
            renderable.render_segments(self._app.console)
        self.count += 1
        stamp = now()
        for predicate, future in self._waiters:
            if not future.done() and predicate():
                future.set_result(stamp)

    async def until(self, predicate: Callable[[], bool], timeout: float = TIMEOUT) -> float:
        """The time of the first frame painted while ``predicate()`` holds."""
        future: asyncio.Future[float] = asyncio.get_running_loop().create_future()
        entry = (predicate, future)
        self._waiters.append(entry)
        if predicate():
            self._app.screen.refresh()  # already true: make sure a frame follows
        try:
            return await asyncio.wait_for(future, timeout)
        finally:
            self._waiters.remove(entry)

    async def next(self, timeout: float = TIMEOUT) -> float:
        """The next frame, nudging the screen in case nothing is dirty."""
        self._app.screen.refresh()
        return await self.until(lambda: True, timeout)


async def until(predicate: Callable[[], Any], timeout: float = TIMEOUT, what: str = "") -> None:
    deadline = now() + timeout
    while not predicate():
        if now() > deadline:
            raise TimeoutError(f"timed out waiting for {what or predicate}")
        await asyncio.sleep(0.01)


def press(app: Any, key: str, char: str | None = None) -> float:
    """Queue a key press as the terminal driver would, returning when it was sent.
    (``Pilot.press`` also waits for the app to go idle, which would hide latency.)"""
    from textual import events

    event = events.Key(key, char if char is not None else (key if len(key) == 1 else None))
    event.set_sender(app)
    stamp = now()
    app._driver.send_message(event)
    return stamp


@contextlib.asynccontextmanager
async def running_app(
    db: Path | str, cwd: Path | str, *, max_live_clients: int | None = None
) -> AsyncIterator[tuple[Any, Any, Frames]]:
    """agent-tui on ``db``, started and settled: tabs restored, sidebar filled, the
    SDK warmed up and start-up recovery done."""
    from tui.app import AgentTuiApp
    from tui.config import Config

    config = Config() if max_live_clients is None else Config(max_live_clients=max_live_clients)
    app = AgentTuiApp(db_path=Path(db), cwd=Path(cwd), config=config)
    async with app.run_test(size=SIZE) as pilot:
        frames = Frames(app)
        for name in ("ready", "sidebar_ready", "recovered"):
            event = getattr(app, name, None)  # start-up steps the app announces
            if event is not None:
                await until(event.is_set, what=f"app.{name}")
        await pilot.pause()
        yield app, pilot, frames
        await app.shutdown()


def turn_done(tab: Any, turns: int) -> Callable[[], bool]:
    chat = tab.pane.chat
    return lambda: chat.turn_count >= turns and not tab.running and chat.is_idle


async def send(app: Any, tab: Any, text: str, frames: Frames | None = None) -> float:
    """Type ``text`` into ``tab``'s prompt at once and press enter; returns when
    enter was sent. Given ``frames``, enter waits for the frame that shows the typed
    text, as it would for a user: painting the prompt is not part of sending it."""
    prompt = tab.pane.prompt
    prompt.focus()
    prompt.load_text(text)
    prompt.move_cursor(prompt.document.end)
    if frames is None:
        await asyncio.sleep(0)
    else:
        await frames.until(lambda: prompt.text == text)
    return press(app, "enter")


async def run_turn(app: Any, frames: Frames, tab: Any, text: str) -> tuple[float, float]:
    """Send a prompt; (sent, first frame showing the finished turn)."""
    turns = tab.pane.chat.turn_count + 1
    sent = await send(app, tab, text, frames)
    await until(lambda: tab.running or tab.pane.chat.turn_count >= turns, what="the turn to start")
    painted = await frames.until(turn_done(tab, turns))
    return sent, painted


async def new_tab(app: Any, frames: Frames) -> Any:
    before = app.active_tab
    press(app, "ctrl+n")
    await until(lambda: app.active_tab is not before and app.active_tab.loaded, what="a new tab")
    await frames.next()
    return app.active_tab


def rendered_words(tab: Any, number: int) -> int:
    """Words of reply text the Markdown widgets of turn ``number`` hold."""
    from textual.widgets import Markdown

    from tui.widgets.turn_view import TurnView

    for view in tab.pane.chat.query(TurnView):
        if view.number == number:
            return sum(len(md.source.split()) for md in view.query(Markdown))
    return 0
