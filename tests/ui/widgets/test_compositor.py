"""The main screen's compositor: a repaint keeps the map of where widgets are, and a
frame renders nothing hidden behind what it changes, painting exactly what Textual
paints."""

from __future__ import annotations

import re
from typing import Any

from textual._compositor import ChopsUpdate, Compositor
from textual.app import ComposeResult
from textual.containers import Vertical, VerticalScroll
from textual.geometry import Region
from textual.screen import Screen
from textual.strip import Strip
from textual.widgets import Static, TextArea
from widget_helpers import FrameApp

from tui.screens.frame_timer import FrameRateScreen


class Scrolled(FrameRateScreen):
    def compose(self) -> ComposeResult:
        with VerticalScroll():
            for n in range(30):
                yield Static(f"line {n}", classes="line")
        yield Static("below", id="below")


class PlainScrolled(Screen[None]):
    compose = Scrolled.compose


async def _placings_after_an_offscreen_repaint(screen: type[Screen[Any]]) -> int:
    """How many times the whole screen is placed again to look up a widget's region
    after a frame repainted a widget scrolled off screen."""
    app = FrameApp(screen)
    async with app.run_test(size=(40, 8)) as pilot:
        log = app.screen.query_one(VerticalScroll)
        log.scroll_end(animate=False, immediate=True)
        await pilot.pause()
        top, below = log.query(".line").first(), app.screen.query_one("#below")
        compositor = app.screen._compositor
        assert top not in compositor.visible_widgets
        assert top.region.y < 0  # looked up: the map of every widget is whole
        arrange = compositor._arrange_root
        placings = 0

        def counting(*args: Any, **kwargs: Any) -> Any:
            nonlocal placings
            placings += not kwargs.get("visible_only", True)
            return arrange(*args, **kwargs)

        compositor._arrange_root = counting  # type: ignore[method-assign]
        top.refresh()  # a repaint: nothing moves
        await pilot.pause()
        assert below.region == Region(0, 7, 40, 1)
        return placings


async def test_a_repaint_off_screen_keeps_the_map_of_where_widgets_are() -> None:
    assert await _placings_after_an_offscreen_repaint(PlainScrolled) >= 1
    assert await _placings_after_an_offscreen_repaint(Scrolled) == 0


async def test_a_repaint_of_a_widget_not_in_the_map_makes_the_map_again() -> None:
    app = FrameApp(Scrolled)
    async with app.run_test(size=(40, 8)) as pilot:
        log = app.screen.query_one(VerticalScroll)
        log.anchor()
        await pilot.pause()
        top = log.query(".line").first()
        compositor = app.screen._compositor
        assert top.region.y < 0 and not compositor._full_map_invalidated
        compositor.update_widgets({top})  # placed, off screen: the map holds
        assert not compositor._full_map_invalidated
        compositor.update_widgets({top, Static("not placed yet")})
        assert compositor._full_map_invalidated
        added = Static("added", classes="line")
        await log.mount(added)
        await pilot.pause()
        assert added.region == Region(0, 6, 38, 1)  # beside the scrollbar
        assert added in compositor.visible_widgets


class Layered(FrameRateScreen):
    DEFAULT_CSS = """
    Layered { layers: below above; }
    #side { dock: left; width: 10; border: solid green; }
    #outer { border: tall blue; padding: 0 1; }
    #overlay { layer: above; offset: 6 2; width: 14; height: 3; border: round red; }
    """

    def compose(self) -> ComposeResult:
        yield Static("side", id="side")
        with Vertical(id="outer"):
            with VerticalScroll():
                for n in range(20):
                    yield Static(f"line {n}")
            yield TextArea("typed", id="typed")
        yield Static("overlay", id="overlay")


# A cursor move with nothing written after it. Textual writes one for a chop that
# starts where a changed span ends (and writes none of it).
_IDLE_MOVE = re.compile(r"\x1b\[\d+;\d+H(?=\x1b\[\d+;\d+H|\n|$)")


def _update(compositor: Any, render_chops: Any, regions: list[Region], console: Any) -> str:
    """What a frame writes to the terminal for `regions`, its chops rendered by
    `render_chops`, without cursor moves that write nothing."""
    crop = Region.from_union(regions).intersection(compositor.size.region)
    spans = list(compositor._regions_to_spans(regions))
    chops = render_chops(crop, {y for y, _, _ in spans}.__contains__)
    ends = [cuts[1:] for cuts in compositor.cuts]
    return _IDLE_MOVE.sub("", ChopsUpdate(chops, spans, ends).render_segments(console))


async def test_a_frame_renders_no_widget_hidden_behind_what_it_changes() -> None:
    app = FrameApp(Layered)
    async with app.run_test(size=(50, 14)) as pilot:
        await pilot.pause()
        compositor = app.screen._compositor
        base = Compositor._render_chops.__get__(compositor)
        typed = app.screen.query_one("#typed").region
        cases = [
            [typed],
            [app.screen.query_one("#overlay").region],
            [Region(0, 0, 50, 14)],
            [Region(3, 1, 20, 6), Region(30, 9, 5, 2)],
            [Region(8, 3, 1, 1)],
            # One column into the border behind the text area, on either side.
            [Region(40, 8, 9, 1)],
            [Region(11, 9, 5, 1)],
        ]
        for regions in cases:
            ours = _update(compositor, compositor._render_chops, regions, app.console)
            assert ours == _update(compositor, base, regions, app.console), regions
        whole = base(compositor.size.region, lambda y: True)
        assert compositor.render_strips() == [Strip.join(chop.values()) for chop in whole]

        # What a key typed into the text area changes is all the text area's own:
        # nothing behind it (its containers, the screen) is rendered for it, only
        # what Textual puts ahead of it (the overlay, the docked side bar).
        area = app.screen.query_one("#typed")
        order = [w for w, (_, clip) in compositor.visible_widgets.items() if typed.overlaps(clip)]
        ahead = order.index(area)
        assert ahead < len(order) - 3  # the scroll view, the container, the screen
        renders = compositor._get_renders
        rendered: list[int] = []

        def counting(crop: Region) -> Any:
            for render in renders(crop):
                rendered[-1] += 1
                yield render

        compositor._get_renders = counting  # type: ignore[method-assign]
        for render_chops in (base, compositor._render_chops):
            rendered.append(0)
            _update(compositor, render_chops, [typed], app.console)
        assert rendered == [len(order), ahead + 1]
