"""One line of tabs: number, title and live state of each open session."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import ClassVar

from rich.cells import cell_len, set_cell_size
from rich.style import Style
from rich.text import Text
from textual import events
from textual.message import Message
from textual.widget import Widget

from tui.widgets.sidebar import STATE_MARKS

MAX_TITLE = 28


@dataclass
class TabInfo:
    tab_id: str
    title: str
    state: str | None = None  # a STATE_MARKS key, or None when idle


_FORK_SUFFIX = re.compile(r"\s⑂\d+$")


def _fit(text: str, width: int) -> str:
    """`text` cut to `width` cells; a fork's "⑂N" suffix survives the cut."""
    if cell_len(text) <= width:
        return text
    suffix = ""
    match = _FORK_SUFFIX.search(text)
    if match and cell_len(match.group()) < width - 4:
        suffix = match.group()
        text = text[: match.start()]
    room = max(0, width - 1 - cell_len(suffix))
    return set_cell_size(text, room).rstrip() + "…" + suffix


class TabBar(Widget):
    DEFAULT_CSS = """
    TabBar {
        height: 1;
        width: 1fr;
        background: $panel;
        color: $text-muted;
    }
    TabBar > .tab-bar--active { background: $surface; color: $text; text-style: bold; }
    TabBar > .tab-bar--number { color: $text-muted; }
    TabBar > .tab-bar--streaming { color: $success; }
    TabBar > .tab-bar--permission { color: $warning; text-style: bold; }
    TabBar > .tab-bar--unread { color: $accent; }
    TabBar > .tab-bar--error { color: $error; text-style: bold; }
    TabBar > .tab-bar--more { color: $text-muted; }
    """

    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "tab-bar--active",
        "tab-bar--number",
        "tab-bar--streaming",
        "tab-bar--permission",
        "tab-bar--unread",
        "tab-bar--error",
        "tab-bar--more",
    }

    class Clicked(Message):
        def __init__(self, tab_id: str) -> None:
            super().__init__()
            self.tab_id = tab_id

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.tabs: list[TabInfo] = []
        self.active: str | None = None
        self._spans: list[tuple[int, int, str]] = []

    def set_tabs(self, tabs: list[TabInfo], active: str | None) -> None:
        # Called at every turn's start and end, often with what is shown already.
        if tabs == self.tabs and active == self.active:
            return
        self.tabs = list(tabs)
        self.active = active
        self.refresh()

    def _piece(self, number: int, tab: TabInfo, max_title: int = MAX_TITLE) -> Text:
        comp = self.get_component_rich_style
        is_active = tab.tab_id == self.active
        base = comp("tab-bar--active") if is_active else Style()
        text = Text(style=base)
        text.append(f" {number} ", base + comp("tab-bar--number", partial=True))
        text.append(_fit(tab.title or "New session", max_title), base)
        if tab.state and tab.state in STATE_MARKS:
            mark, cls = STATE_MARKS[tab.state]
            text.append(" ")
            text.append(mark, base + comp(cls.replace("session-list", "tab-bar"), partial=True))
        text.append(" ")
        return text

    def render(self) -> Text:
        width = self.size.width
        # Shorten titles before hiding tabs: every tab on screen if it can be.
        for max_title in (MAX_TITLE, 22, 16, 12):
            pieces = [self._piece(i, t, max_title) for i, t in enumerate(self.tabs, 1)]
            if sum(p.cell_len + 1 for p in pieces) <= width:
                break
        active_i = next((i for i, t in enumerate(self.tabs) if t.tab_id == self.active), 0)
        # Show a window of tabs that contains the active one.
        first = 0

        def used(lo: int, hi: int) -> int:
            return sum(p.cell_len + 1 for p in pieces[lo:hi])

        last = len(pieces)
        while last > active_i + 1 and used(first, last) > width:
            last -= 1
        while first < active_i and used(first, last) > width - 2:
            first += 1
        out = Text(no_wrap=True, overflow="crop")
        self._spans = []
        more = self.get_component_rich_style("tab-bar--more")
        if first > 0:
            out.append("‹ ", more)
        for i in range(first, last):
            start = out.cell_len
            out.append_text(pieces[i])
            self._spans.append((start, out.cell_len, self.tabs[i].tab_id))
            out.append("│" if i < last - 1 else "")
        if last < len(pieces):
            out.append(" ›", more)
        return out

    def on_click(self, event: events.Click) -> None:
        for start, end, tab_id in self._spans:
            if start <= event.x < end:
                self.post_message(self.Clicked(tab_id))
                return
