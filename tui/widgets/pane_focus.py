"""The focus in a tab's pane as the pane hides.

A pane hides only when another tab's pane shows, and the app then gives the focus to
that tab's prompt (`AgentTuiApp._activate`). Textual's widgets hand their focus to a
neighbour as they hide, and that often came first: the hide is seen in the next
frame, while the new tab's transcript was still being read. The footer was rebuilt
for the neighbour's keys and the hidden transcript restyled, and a forked tab showed
up to twice as late. So the widgets of a pane that take the focus keep it as they
hide, until the app moves it.
"""

from __future__ import annotations

from textual import events
from textual.widget import Widget

__all__ = ["hide_keeping_focus"]


def hide_keeping_focus(widget: Widget, event: events.Hide) -> None:
    """For a widget's `_on_hide`: what Textual's widget does as it hides, except for
    giving up the focus. The handlers of the widget's base classes do not run after
    it (the caller does what they do, apart from that)."""
    event.prevent_default()
    if widget.show_horizontal_scrollbar:
        widget.horizontal_scrollbar.post_message(event)
    if widget.show_vertical_scrollbar:
        widget.vertical_scrollbar.post_message(event)
