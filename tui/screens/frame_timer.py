"""A screen whose frames keep Textual's frame-rate limit without its grid, and take
the repaints their own layout asked for.

Textual paints a screen's changes from a timer that ticks at the frame rate
(`TEXTUAL_FPS`) on a fixed grid of slots, and is paused while nothing needs painting.
When a frame ends after the next slot has begun, the timer skips to the slot after
that one: the first change after a long frame waits up to two intervals for its own
frame, on a loop with nothing else to do. While a reply streams, frames that lay the
transcript out take about an interval, so a key typed right after one showed 8–16 ms
later than it could have. Here a frame may start as soon as an interval has passed
since the previous one started.

A frame that lays the screen out also changes what some widgets show without
moving them: a transcript that follows its end scrolls, and its scrollbar's thumb
moves. Textual paints them in that frame, but the widgets have also asked for a
repaint of their own, and get it in a second frame that shows nothing new: while a
reply streams, every write cost two frames. Here the first frame takes those
requests.

A layout can also show or hide a scrollbar (a transcript's first overflow). Textual
notices that while laying out, paints the frame without the change and lays out
again a frame later, painting the whole transcript twice. Here the frame lays out
again at once, as a browser does, and paints once.

Its compositor is a `PlacedCompositor` (see there).
"""

from __future__ import annotations

import asyncio
import time
from typing import Any

from textual.geometry import Size
from textual.screen import UPDATE_PERIOD, Screen
from textual.timer import EventTargetGone, Timer
from textual.widget import Widget

from tui.screens.compositor import PlacedCompositor

__all__ = ["FrameRateScreen", "FrameTimer"]


class FrameTimer(Timer):
    """Ticks once an interval has passed since the last tick started, whenever it is
    resumed; not for timers that repeat a fixed number of times or reset."""

    async def _run(self) -> None:
        interval = self._interval
        started = float("-inf")
        while True:
            await self._active.wait()
            wait = started + interval - time.monotonic()
            if wait > 0:
                await asyncio.sleep(wait)
                await self._active.wait()
            started = time.monotonic()
            try:
                await self._tick(next_timer=started, count=0)
            except EventTargetGone:
                break


class FrameRateScreen(Screen[Any]):
    """A screen whose frames run from a `FrameTimer`, take the repaints their own
    layout asked for, lay out again before painting when that layout showed or hid a
    scrollbar, and keep the map of where widgets are through repaints and render
    nothing hidden where a frame changes (`PlacedCompositor`)."""

    _laying_out = False
    _relayout = False

    def __init__(
        self, name: str | None = None, id: str | None = None, classes: str | None = None
    ) -> None:
        super().__init__(name, id, classes)
        self._compositor = PlacedCompositor()

    def _refresh_layout(self, size: Size | None = None, scroll: bool = False) -> None:
        self._laying_out = True
        try:
            super()._refresh_layout(size, scroll)
        finally:
            self._laying_out = False
        if self._relayout:
            # The pass stopped short of painting (`_compositor_refresh`): once more,
            # painting this time.
            self._relayout = False
            super()._refresh_layout(size)

    def _scrollbars_changed(self) -> list[Widget]:
        """Laid-out widgets whose scrollbars the layout just showed or hid: they are
        placed as they were, and have asked for another layout."""
        placed = self._compositor.visible_widgets
        return [
            widget
            for widget in placed
            if widget._layout_required
            and widget.is_scrollable
            and (
                widget.show_vertical_scrollbar != (widget._vertical_scrollbar in placed)
                or widget.show_horizontal_scrollbar != (widget._horizontal_scrollbar in placed)
            )
        ]

    def _compositor_refresh(self) -> None:
        if self._laying_out:
            changed = self._scrollbars_changed()
            if changed:
                for widget in changed:
                    # Laid out again at once, instead of by a Layout message and a
                    # frame of its own: what `Widget._check_refresh` does first.
                    widget._layout_required = False
                    for ancestor in widget.ancestors:
                        if not isinstance(ancestor, Widget):
                            break
                        ancestor._clear_arrangement_cache()
                        ancestor._layout_updates += 1
                        if not ancestor.styles.auto_dimensions:
                            break
                self._relayout = True
                return
        compositor = self._compositor
        asked = {w for w in compositor.visible_widgets if w._repaint_required and w.display}
        for widget in asked:
            # Painted now: the widget would otherwise send its own update, and with
            # it a frame, once it is next idle.
            widget._repaint_required = False
        if asked:
            compositor.update_widgets(asked)
        super()._compositor_refresh()

    @property
    def _update_timer(self) -> Timer:
        timer: FrameTimer | None = self.__dict__.get("_frame_timer")
        if timer is None:
            timer = FrameTimer(
                self,
                UPDATE_PERIOD,
                name="screen_update",
                callback=self._on_timer_update,
                pause=True,
            )
            timer._start()
            self._timers.add(timer)
            self.__dict__["_frame_timer"] = timer
        return timer
