"""Growing without a second layout, and without repainting what stayed the same.

When a layout changes a widget's size, Textual sets the widget's `virtual_size`,
a reactive that asks for another layout. For a reply growing at the end of the
transcript that second layout, and the frame it takes, change nothing: the first
already placed everything (and scrolled a transcript that follows the end). While a
reply streams, that is a whole extra frame per write. The widgets here take the new
size without asking for another layout.

Textual also forgets every painted row of a widget whose size changes. A reply and
its turn grow at the bottom: at the same width, the rows above the old bottom edge
look as they did, and only the rows from there on are painted again. (What changed
inside a widget asks for its own repaint, as the reply does for its last block.)
"""

from __future__ import annotations

from typing import Any

from textual.geometry import Region, Size


class QuietResize:
    """Mixed into a widget: a new size from a layout does not ask for another one,
    and a new height at the same width repaints only the rows at the bottom."""

    _resized_rows: tuple[int, int] | None = None

    def _size_updated(
        self, size: Size, virtual_size: Size, container_size: Size, layout: bool = True
    ) -> bool:
        widget: Any = self
        old: Size = widget._size
        if old.width == size.width and old.height and old.height != size.height:
            # The bottom padding and border, and an outline drawn over the last row.
            edge = widget.styles.gutter.bottom + 1
            self._resized_rows = (min(old.height, size.height) - edge, max(old.height, size.height))
        try:
            base: Any = super()
            return bool(base._size_updated(size, virtual_size, container_size, layout=False))
        finally:
            self._resized_rows = None

    def _set_dirty(self, *regions: Region) -> None:
        base: Any = super()
        rows = self._resized_rows
        if regions or rows is None:
            base._set_dirty(*regions)
            return
        # The rows from the old bottom edge on, given (as Textual takes them) in
        # content coordinates.
        widget: Any = self
        x, y = widget.content_offset
        top, bottom = max(rows[0], 0), rows[1]
        base._set_dirty(Region(-x, top - y, widget._size.width, bottom - top))
