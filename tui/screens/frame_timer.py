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

Textual keeps a map of where every widget is, on screen or off, and throws it away
when a frame repaints a widget that is not on screen, to take in widgets that are new
since. The map is rebuilt (every widget placed again) at the next look-up of a
widget's region, and a key typed into the prompt looks its own up. When a new turn
starts, an earlier one, scrolled off screen, is repainted: the next key typed took
about 2 ms longer. Here the map is kept when every widget repainted is already in
it: a repaint moves nothing.

To paint a change, Textual renders every widget whose area meets it, front to back,
and keeps the first strip for each piece of a line: a typed character rendered the
prompt and then the ten containers behind it, each over its whole height, and threw
their strips away. Here a frame stops once every piece it shows is taken, which
halves the frame that shows a typed character (2.0 to 1.1 ms).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Mapping, Sequence
from itertools import pairwise
from typing import Any, cast

from textual._compositor import Compositor
from textual.geometry import Region, Size
from textual.screen import UPDATE_PERIOD, Screen
from textual.strip import Strip
from textual.timer import EventTargetGone, Timer
from textual.widget import Widget

__all__ = ["FrameRateScreen", "FrameTimer", "PlacedCompositor"]


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


class PlacedCompositor(Compositor):
    """Keeps its map of every widget when the widgets to repaint are all in it, and
    renders no widget hidden behind others where the frame changes."""

    def update_widgets(self, widgets: set[Widget]) -> None:
        if self._full_map_invalidated or not widgets <= self._full_map.keys():
            super().update_widgets(widgets)
            return
        # Textual's own test (every widget on screen, or else the map goes) is only
        # made while the map holds: skip it, and keep the map.
        self._full_map_invalidated = True
        try:
            super().update_widgets(widgets)
        finally:
            self._full_map_invalidated = False

    def _render_chops(
        self, crop: Region, is_rendered_line: Callable[[int], bool]
    ) -> Sequence[Mapping[int, Strip]]:
        # Textual's own, but for the stop: widgets come front to back, each chop (a
        # line's span between two widget edges) takes the first strip that covers
        # it, and a frame shows the chops on its lines that meet its columns. Once
        # those are all taken, no widget further back can change what is shown.
        cuts = self.cuts
        chops: list[dict[int, Strip | None]] = [dict.fromkeys(line[:-1]) for line in cuts]
        shown = {
            (y, cut)
            for y in crop.line_range
            if is_rendered_line(y)
            for cut, end in pairwise(cuts[y])
            if cut < crop.right and end > crop.x
        }
        intersection = Region.intersection
        for region, clip, strips in self._get_renders(crop):
            render_region = intersection(region, clip)
            render_x = render_region.x
            first_cut, last_cut = render_region.column_span
            for y, strip in zip(render_region.line_range, strips, strict=False):
                if not is_rendered_line(y):
                    continue
                chops_line = chops[y]
                final_cuts = [cut for cut in cuts[y] if last_cut >= cut >= first_cut]
                cut_strips = strip.divide([cut - render_x for cut in final_cuts[1:]])
                for cut, cut_strip in zip(final_cuts, cut_strips, strict=False):
                    if chops_line.get(cut) is None:
                        chops_line[cut] = cut_strip
                        shown.discard((y, cut))
            if not shown:
                break  # the widgets behind are never asked to render
        return cast("Sequence[Mapping[int, Strip]]", chops)


class FrameRateScreen(Screen[Any]):
    """A screen whose frames run from a `FrameTimer`, take the repaints their own
    layout asked for, lay out again before painting when that layout showed or hid a
    scrollbar, and keep the map of where widgets are through repaints."""

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
