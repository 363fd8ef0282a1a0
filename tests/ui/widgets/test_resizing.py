"""Growing at the bottom repaints only the rows from the old bottom edge on, and what
stays painted is what a fresh paint would show: a box with a border, padding and an
outline, and a streamed reply in its turn."""

from __future__ import annotations

from typing import Any

from textual.app import App, ComposeResult
from textual.containers import Vertical, VerticalScroll
from textual.strip import Strip
from textual.widget import Widget
from textual.widgets import Static
from widget_helpers import CSS_PATHS

from tui.agent.turns import Turn
from tui.widgets.reply import ReplyMarkdown
from tui.widgets.resizing import QuietResize
from tui.widgets.turn_view import TurnRecord, TurnView


class Box(QuietResize, Vertical):
    """Grows with its content, as a turn does with its reply."""

    DEFAULT_CSS = """
    Box {
        height: auto; border: round red; padding: 0 1 1 1; outline: solid green;
        background: blue; border-title-align: center; border-subtitle-align: right;
    }
    """


class GrowApp(App[None]):
    CSS_PATH = CSS_PATHS  # type: ignore[assignment]

    def __init__(self, child: Widget) -> None:
        super().__init__()
        self.child = child

    def compose(self) -> ComposeResult:
        with VerticalScroll():
            yield self.child


def _painted_rows(widget: Widget) -> list[int]:
    """Records the rows `widget` paints afresh (rather than from its cache)."""
    rows: list[int] = []
    cache = widget._styles_cache
    render_line = cache.render_line

    def record(styles: Any, y: int, *args: Any) -> Strip:
        rows.append(y)
        return render_line(styles, y, *args)

    cache.render_line = record  # type: ignore[method-assign]
    return rows


def _segments(widget: Widget) -> list[list[Any]]:
    return [list(strip) for strip in widget.render_lines(widget.region.size.region)]


def assert_paints_as_afresh(widget: Widget) -> None:
    kept = _segments(widget)
    widget._styles_cache.clear()
    widget._set_dirty()
    assert kept == _segments(widget)


async def test_a_growing_box_repaints_its_bottom_edge_and_below() -> None:
    text = Static("\n".join(f"line {n}" for n in range(5)))
    box = Box(text)
    box.border_title, box.border_subtitle = "title", "subtitle"
    app = GrowApp(box)
    async with app.run_test(size=(30, 30)) as pilot:
        await pilot.pause()
        assert box.region.height == 5 + 3  # the border, and the bottom padding
        rows = _painted_rows(box)
        text.update("\n".join(f"line {n}" for n in range(8)))
        await pilot.pause()
        assert box.region.height == 11
        # From the old bottom padding's row, less one (an outline is drawn over the
        # last row), everything is new; the rows above are as they were.
        assert sorted(set(rows)) == list(range(5, 11))
        assert_paints_as_afresh(box)
        rows.clear()
        text.update("\n".join(f"line {n}" for n in range(3)))
        await pilot.pause()
        assert box.region.height == 6
        assert sorted(set(rows)) == list(range(3, 6))
        assert_paints_as_afresh(box)


PARAGRAPH = "A paragraph of streamed text that wraps around the width of the view. " * 3


async def test_a_streamed_reply_repaints_its_open_block_only() -> None:
    record = TurnRecord(Turn(number=1, prompt="q"), live=True, items=[])
    turn = TurnView(record, 1)
    app = GrowApp(turn)
    async with app.run_test(size=(60, 40)) as pilot:
        reply = ReplyMarkdown()
        await turn.mount(reply, before=turn.children[-1])
        await pilot.pause()
        for n in range(12):
            reply.write(f"{PARAGRAPH}{n}\n\n")
            await reply.prepare()
            await pilot.pause()
        assert reply.size.height > 40
        app.query_one(VerticalScroll).scroll_end(animate=False)
        await pilot.pause()
        reply_rows, turn_rows = _painted_rows(reply), _painted_rows(turn)
        before = reply.size.height
        reply.write(f"{PARAGRAPH}last")
        await reply.prepare()
        await pilot.pause()
        assert reply.size.height > before
        # The paragraph that was open when text was last shown, and the new one:
        # not the 20-odd other rows on screen.
        assert reply_rows and min(reply_rows) >= before - 8, reply_rows
        assert turn_rows and min(turn_rows) >= before - 8, turn_rows
        assert_paints_as_afresh(reply)
        assert_paints_as_afresh(turn)
        # And all of it, as a reply given the whole text at once draws it.
        whole = ReplyMarkdown(reply.source)
        await turn.mount(whole)
        await pilot.pause()
        assert reply.rendered_text() == whole.rendered_text()
