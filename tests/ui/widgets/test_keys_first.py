"""Keys go first: sliced drawing steps aside while a key is on its way to the screen,
and a frame follows a long one as soon as the frame rate allows, painting what its
own layout changed, and laying out again first when that layout showed or hid a
scrollbar."""

from __future__ import annotations

import asyncio
import statistics
import time
from collections.abc import Callable
from typing import Any

from textual import events
from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.screen import UPDATE_PERIOD, Screen
from textual.widgets import Static, TextArea
from widget_helpers import CSS_PATHS, FrameApp

from tui.screens.frame_timer import FrameRateScreen
from tui.widgets import keys_first
from tui.widgets.keys_first import MAX_HOLD, KeyGate, KeysFirstApp
from tui.widgets.reply import ReplyMarkdown


async def test_work_waits_for_the_frame_of_a_key_on_its_way(monkeypatch: Any) -> None:
    monkeypatch.setattr(keys_first, "MAX_HOLD", 30.0)
    keys = KeyGate()
    await asyncio.wait_for(keys.step_aside(), 0.05)  # no key: no wait
    keys.arrived()
    waiting = asyncio.ensure_future(keys.step_aside())
    await asyncio.sleep(0.03)
    assert keys.pending and not waiting.done()
    keys.shown()
    await asyncio.wait_for(waiting, 0.05)
    assert not keys.pending


async def test_work_waits_for_every_key_on_its_way(monkeypatch: Any) -> None:
    monkeypatch.setattr(keys_first, "MAX_HOLD", 30.0)
    keys = KeyGate()
    keys.arrived()
    keys.arrived()
    keys.shown()  # the first key's frame; the second is still on its way
    waiting = asyncio.ensure_future(keys.step_aside())
    await asyncio.sleep(0.03)
    assert keys.pending and not waiting.done()
    keys.shown()
    await asyncio.wait_for(waiting, 0.05)


async def test_a_key_whose_frame_never_comes_holds_work_up_briefly() -> None:
    keys = KeyGate()
    keys.arrived()
    started = time.monotonic()
    await keys.step_aside()
    assert MAX_HOLD * 0.9 <= time.monotonic() - started < MAX_HOLD + 0.05
    assert not keys.pending


class TypingApp(KeysFirstApp[None]):
    CSS_PATH = CSS_PATHS  # type: ignore[assignment]

    def compose(self) -> ComposeResult:
        yield TextArea(id="prompt")
        yield ReplyMarkdown()


def _paragraphs(n: int) -> str:
    return "".join(f"Paragraph {i} with **bold** and `code` " * 6 + "\n\n" for i in range(n))


async def test_a_reply_being_drawn_lets_each_typed_key_through_first(monkeypatch: Any) -> None:
    """No slice of a long reply's drawing starts between a key's arrival and the frame
    that shows it; the drawing goes on between keys and completes."""
    monkeypatch.setattr(keys_first, "MAX_HOLD", 30.0)  # however slow this machine is
    log: list[tuple[float, str]] = []

    def note(kind: str, original: Any) -> Any:
        def wrapped(self: Any, *args: Any, **kwargs: Any) -> Any:
            log.append((time.monotonic(), kind))
            return original(self, *args, **kwargs)

        return wrapped

    monkeypatch.setattr(ReplyMarkdown, "_draw", note("slice", ReplyMarkdown._draw))
    document = type(ReplyMarkdown()._document)
    monkeypatch.setattr(document, "parse_tail", note("slice", document.parse_tail))
    monkeypatch.setattr(KeyGate, "arrived", note("arrived", KeyGate.arrived))
    monkeypatch.setattr(KeyGate, "shown", note("shown", KeyGate.shown))
    app = TypingApp()
    async with app.run_test(size=(100, 30)) as pilot:
        prompt = app.query_one(TextArea)
        reply = app.query_one(ReplyMarkdown)
        prompt.focus()
        await pilot.pause()
        reply.write(_paragraphs(3000))
        drawing = asyncio.ensure_future(reply.prepare())
        typed = ""
        while not drawing.done() and len(typed) < 100:
            await asyncio.sleep(0.02)
            typed += "x"
            app.post_message(events.Key("x", "x"))  # as the terminal driver does
        await asyncio.wait_for(drawing, 30)
        await pilot.pause()
        assert prompt.text == typed and len(typed) >= 5
        assert "Paragraph 2999" in reply.rendered_text()

    kinds = [kind for _, kind in log]
    assert kinds.count("arrived") == len(typed) and kinds.count("slice") > 2 * len(typed)
    on_their_way = 0
    between: list[int] = []
    for kind in kinds:
        if kind == "arrived":
            on_their_way += 1
            between.append(0)
        elif kind == "shown":
            on_their_way -= 1
        elif on_their_way:
            between[-1] += 1
    assert not any(between), between


class Long(Static):
    """Takes `cost` seconds to render while `slow` is set."""

    slow = False
    cost = 0.0

    def render(self) -> Any:
        if self.slow:
            time.sleep(self.cost)
        return "long"


class Quick(Static):
    def __init__(self) -> None:
        super().__init__()
        self.painted: list[float] = []

    def render(self) -> Any:
        self.painted.append(time.monotonic())
        return "quick"


class FrameScreen(FrameRateScreen):
    def compose(self) -> ComposeResult:
        yield Long()
        yield Quick()


class PlainScreen(Screen[None]):
    compose = FrameScreen.compose


async def _delay_after_a_long_frame(screen: type[Screen[Any]]) -> float:
    """The median time from a change made right after a long frame (one and a half
    intervals) to the frame that paints it."""
    app = FrameApp(screen)
    delays: list[float] = []
    async with app.run_test(size=(40, 6)) as pilot:
        long, quick = app.screen.query_one(Long), app.screen.query_one(Quick)
        long.cost = UPDATE_PERIOD * 1.5
        for _ in range(12):
            await pilot.pause(UPDATE_PERIOD * 3)
            long.slow = True
            long.refresh()
            done = asyncio.get_running_loop().create_future()
            long.call_after_refresh(done.set_result, None)
            await done
            long.slow = False
            changed = time.monotonic()
            quick.painted.clear()
            quick.refresh()
            while not quick.painted:
                await asyncio.sleep(0.0005)
            delays.append(quick.painted[0] - changed)
    return statistics.median(delays)


async def test_a_frame_follows_a_long_one_without_waiting_for_the_next_slot() -> None:
    # Textual's own timer waits for the slot after next: an interval or more.
    assert await _delay_after_a_long_frame(PlainScreen) > UPDATE_PERIOD * 0.6
    assert await _delay_after_a_long_frame(FrameScreen) < UPDATE_PERIOD * 0.4


async def test_frames_keep_to_the_frame_rate() -> None:
    app = FrameApp(FrameScreen)
    async with app.run_test(size=(40, 6)) as pilot:
        quick = app.screen.query_one(Quick)
        await pilot.pause()
        quick.painted.clear()
        deadline = time.monotonic() + 0.3
        while time.monotonic() < deadline:
            quick.refresh()
            await asyncio.sleep(0.001)
        gaps = [b - a for a, b in zip(quick.painted, quick.painted[1:], strict=False)]
        assert len(gaps) > 10
        assert min(gaps) >= UPDATE_PERIOD * 0.9, min(gaps)


class Following(FrameRateScreen):
    def compose(self) -> ComposeResult:
        with VerticalScroll():
            yield Static("line")


class PlainFollowing(Screen[None]):
    compose = Following.compose


async def _frames_of_a_log(
    screen: type[Screen[Any]], before: int, after: int, probe: Callable[[VerticalScroll], Any]
) -> list[Any]:
    """For each frame after a log that follows its end goes from `before` lines to
    `after` (in a view six rows high): what `probe(log)` (called once the log shows
    its `before` lines) returns to note about that frame."""
    app = FrameApp(screen)
    async with app.run_test(size=(40, 6)) as pilot:
        log = app.screen.query_one(VerticalScroll)
        log.anchor()
        body = log.query_one(Static)
        body.update("\n".join(["line"] * before))
        await pilot.pause(0.3)
        note = probe(log)
        frames: list[Any] = []
        display = app._display

        def on_display(shown: Screen[Any], renderable: Any) -> None:
            display(shown, renderable)
            if renderable is not None:
                frames.append(note())

        app._display = on_display  # type: ignore[method-assign]
        body.update("\n".join(["line"] * after))
        await pilot.pause(0.3)
        assert log.show_vertical_scrollbar == (after > 6)
        if after > before:
            assert log.scroll_y == log.max_scroll_y > 0
        return frames


def _scrollbar_rendered(log: VerticalScroll) -> Callable[[], bool]:
    """Whether the log's scrollbar was rendered since the frame before."""
    bar = log.vertical_scrollbar
    render = bar.render
    rendered = False

    def on_render() -> Any:
        nonlocal rendered
        rendered = True
        return render()

    def note() -> bool:
        nonlocal rendered
        seen, rendered = rendered, False
        return seen

    bar.render = on_render  # type: ignore[method-assign]
    return note


def _scrollbar_placed(log: VerticalScroll) -> Callable[[], tuple[bool, int]]:
    """Whether the frame has the log's scrollbar in it, and the log's offset then."""
    return lambda: (
        log._vertical_scrollbar in log.screen._compositor.visible_widgets,
        round(log.scroll_y),
    )


async def test_a_layout_frame_paints_the_scrollbar_it_moved_and_no_frame_follows() -> None:
    # Textual paints the moved thumb with the text, then again in a frame of its own.
    assert await _frames_of_a_log(PlainFollowing, 20, 40, _scrollbar_rendered) == [True, False]
    assert await _frames_of_a_log(Following, 20, 40, _scrollbar_rendered) == [True]


async def test_a_layout_that_shows_or_hides_a_scrollbar_lays_out_again_before_painting() -> None:
    # Textual paints the log without the change to its scrollbar, then lays out again
    # and paints it once more a frame later (and the scrollbar again after that).
    plain = await _frames_of_a_log(PlainFollowing, 1, 40, _scrollbar_placed)
    assert plain[:2] == [(False, 34), (True, 34)]
    assert await _frames_of_a_log(Following, 1, 40, _scrollbar_placed) == [(True, 34)]
    plain = await _frames_of_a_log(PlainFollowing, 40, 2, _scrollbar_placed)
    assert plain[:2] == [(True, 0), (False, 0)]
    assert await _frames_of_a_log(Following, 40, 2, _scrollbar_placed) == [(False, 0)]
