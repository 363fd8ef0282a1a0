"""Growing without a second layout.

When a layout changes a widget's size, Textual sets the widget's `virtual_size`,
a reactive that asks for another layout. For a reply growing at the end of the
transcript that second layout, and the frame it takes, change nothing: the first
already placed everything (and scrolled a transcript that follows the end). While a
reply streams, that is a whole extra frame per write. The widgets here take the new
size without asking for another layout.
"""

from __future__ import annotations

from typing import Any

from textual.geometry import Size


class QuietResize:
    """Mixed into a widget: a new size from a layout does not ask for another one."""

    def _size_updated(
        self, size: Size, virtual_size: Size, container_size: Size, layout: bool = True
    ) -> bool:
        base: Any = super()
        return bool(base._size_updated(size, virtual_size, container_size, layout=False))
