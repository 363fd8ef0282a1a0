"""The session sidebar: a filter box above a virtual list of every stored session.

The list draws only the rows on screen (the Line API), so ten thousand sessions
cost no more than twenty; a live-state change repaints a single line.
"""

from __future__ import annotations

import bisect
import time
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, ClassVar

from rich.cells import cell_len, set_cell_size
from rich.segment import Segment
from rich.style import Style
from textual import events
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.geometry import Size
from textual.message import Message
from textual.reactive import reactive
from textual.scroll_view import ScrollView
from textual.strip import Strip
from textual.timer import Timer
from textual.widgets import Input, Static

if TYPE_CHECKING:
    from tui.store import SessionRow

# Live state of a session open in a tab -> (mark, component class).
STATE_MARKS: dict[str, tuple[str, str]] = {
    "connecting": ("●", "session-list--streaming"),
    "streaming": ("●", "session-list--streaming"),
    "permission": ("?", "session-list--permission"),
    "unread": ("✓", "session-list--unread"),
    "error": ("!", "session-list--error"),
}
FORK_BADGE = "⑂"
FILTER_DEBOUNCE = 0.15

# What "now" is for relative times; tests freeze it.
clock: Callable[[], float] = time.time


def relative_time(ms: int, now: float | None = None) -> str:
    """'now', '3m', '2h', '5d', '3w', '2y' for a millisecond timestamp."""
    now = clock() if now is None else now
    s = max(0.0, now - ms / 1000)
    if s < 60:
        return "now"
    if s < 3600:
        return f"{int(s // 60)}m"
    if s < 86400:
        return f"{int(s // 3600)}h"
    if s < 7 * 86400:
        return f"{int(s // 86400)}d"
    if s < 365 * 86400:
        return f"{int(s // (7 * 86400))}w"
    return f"{int(s // (365 * 86400))}y"


def _fit(text: str, width: int) -> str:
    if width <= 0:
        return ""
    if cell_len(text) <= width:
        return text
    return set_cell_size(text, width - 1) + "…"


class SessionList(ScrollView, can_focus=True):
    """Every session, newest first, one line each."""

    DEFAULT_CSS = """
    SessionList {
        height: 1fr;
        overflow-x: hidden;
        overflow-y: auto;
        scrollbar-size-vertical: 1;
    }
    SessionList > .session-list--cursor { background: $boost; }
    SessionList:focus > .session-list--cursor {
        background: $block-cursor-background;
        color: $block-cursor-foreground;
        text-style: $block-cursor-text-style;
    }
    SessionList > .session-list--meta { color: $text-muted; }
    SessionList > .session-list--fork { color: $accent; }
    SessionList > .session-list--untitled { color: $text-muted; text-style: italic; }
    SessionList > .session-list--active { text-style: bold; }
    SessionList > .session-list--open { color: $text; }
    SessionList > .session-list--streaming { color: $success; }
    SessionList > .session-list--permission { color: $warning; text-style: bold; }
    SessionList > .session-list--unread { color: $accent; }
    SessionList > .session-list--error { color: $error; text-style: bold; }
    SessionList > .session-list--empty { color: $text-muted; }
    """

    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "session-list--cursor",
        "session-list--meta",
        "session-list--fork",
        "session-list--untitled",
        "session-list--active",
        "session-list--open",
        "session-list--streaming",
        "session-list--permission",
        "session-list--unread",
        "session-list--error",
        "session-list--empty",
    }

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "open", "Open", id="sidebar.open"),
        Binding("r", "rename", "Rename", id="sidebar.rename"),
        Binding("d", "delete", "Delete", id="sidebar.delete"),
        Binding("slash", "filter", "Filter", id="sidebar.filter"),
        Binding("escape", "leave", "Back to prompt", id="sidebar.leave"),
        Binding("up", "cursor_up", "Up", show=False, id="sidebar.up"),
        Binding("down", "cursor_down", "Down", show=False, id="sidebar.down"),
        Binding("pageup", "page_up", "Page up", show=False, id="sidebar.page_up"),
        Binding("pagedown", "page_down", "Page down", show=False, id="sidebar.page_down"),
        Binding("home", "first", "First", show=False, id="sidebar.first"),
        Binding("end", "last", "Last", show=False, id="sidebar.last"),
    ]

    cursor: reactive[int] = reactive(0, always_update=True, init=False)

    class SessionMessage(Message):
        def __init__(self, session_list: SessionList, session_id: str) -> None:
            super().__init__()
            self.session_list = session_list
            self.session_id = session_id

        @property
        def control(self) -> SessionList:
            return self.session_list

    class Selected(SessionMessage):
        """Enter on a session: open it (or focus its tab)."""

    class RenameRequested(SessionMessage):
        pass

    class DeleteRequested(SessionMessage):
        pass

    class Left(Message):
        """Escape in the list: back to the prompt."""

    class FilterRequested(Message):
        """A printable key typed into the list: move it to the filter box."""

        def __init__(self, text: str) -> None:
            super().__init__()
            self.text = text

    def __init__(self, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self._rows: list[SessionRow] = []
        self._pos: dict[str, int] = {}
        self._states: dict[str, str] = {}
        self._open: set[str] = set()
        self._active: str | None = None
        self.empty_text = "No sessions yet"
        self.loaded = False

    # ------------------------------------------------------------------ data

    @property
    def rows(self) -> list[SessionRow]:
        return self._rows

    @property
    def highlighted(self) -> SessionRow | None:
        if 0 <= self.cursor < len(self._rows):
            return self._rows[self.cursor]
        return None

    def index_of(self, session_id: str) -> int | None:
        return self._pos.get(session_id)

    def _reindex(self) -> None:
        self._pos = {row.id: i for i, row in enumerate(self._rows)}
        self.virtual_size = Size(self.size.width, len(self._rows))

    def set_rows(self, rows: Iterable[SessionRow]) -> None:
        """Replace every row, keeping the cursor on the same session when it is still there."""
        keep = self.highlighted.id if self.highlighted else None
        self._rows = list(rows)
        self._reindex()
        self.loaded = True
        new = self._pos.get(keep, 0) if keep else 0
        self.cursor = min(new, max(0, len(self._rows) - 1))
        self.refresh()

    def upsert(self, row: SessionRow) -> None:
        """Add or update one session, keeping the newest-first order."""
        keep = self.highlighted.id if self.highlighted else None
        old = self._pos.get(row.id)
        if old is not None:
            if self._rows[old].updated == row.updated:
                self._rows[old] = row
                self.refresh_row(old)
                return
            del self._rows[old]
        keys = [-r.updated for r in self._rows]
        at = bisect.bisect_left(keys, -row.updated)
        self._rows.insert(at, row)
        self._reindex()
        if keep is not None and keep in self._pos:
            self.set_reactive(SessionList.cursor, self._pos[keep])
        if old is None:
            self.refresh()
            return
        # Moved (a session that just ran goes to the top, and usually is there
        # already): only the rows from its old place to its new one change.
        for index in range(min(old, at), max(old, at) + 1):
            self.refresh_row(index)

    def remove_session(self, session_id: str) -> None:
        at = self._pos.get(session_id)
        if at is None:
            return
        del self._rows[at]
        self._reindex()
        if self.cursor >= len(self._rows):
            self.cursor = max(0, len(self._rows) - 1)
        self.refresh()

    def set_state(self, session_id: str, state: str | None) -> None:
        if state is None or state == "idle":
            if self._states.pop(session_id, None) is None:
                return
        else:
            if self._states.get(session_id) == state:
                return
            self._states[session_id] = state
        at = self._pos.get(session_id)
        if at is not None:
            self.refresh_row(at)

    def state_of(self, session_id: str) -> str | None:
        return self._states.get(session_id)

    def set_open(self, open_ids: Iterable[str], active: str | None) -> None:
        self._open = set(open_ids)
        self._active = active
        self.refresh()

    def select(self, session_id: str) -> None:
        at = self._pos.get(session_id)
        if at is not None:
            self.cursor = at

    def refresh_row(self, index: int) -> None:
        y = index - self.scroll_offset.y
        if 0 <= y < self.size.height:
            self.refresh_line(y)

    # ------------------------------------------------------------------ cursor

    def validate_cursor(self, value: int) -> int:
        return max(0, min(value, len(self._rows) - 1)) if self._rows else 0

    def watch_cursor(self, old: int, new: int) -> None:
        self.refresh_row(old)
        self.refresh_row(new)
        self._scroll_to_cursor()

    def _scroll_to_cursor(self) -> None:
        height = self.scrollable_content_region.height
        if height <= 0:
            return
        top = self.scroll_offset.y
        if self.cursor < top:
            self.scroll_to(y=self.cursor, animate=False, immediate=True)
        elif self.cursor >= top + height:
            self.scroll_to(y=self.cursor - height + 1, animate=False, immediate=True)

    def on_resize(self, _: events.Resize) -> None:
        self.virtual_size = Size(self.size.width, len(self._rows))
        self._scroll_to_cursor()

    def action_cursor_up(self) -> None:
        self.cursor -= 1

    def action_cursor_down(self) -> None:
        self.cursor += 1

    def action_page_up(self) -> None:
        self.cursor -= max(1, self.scrollable_content_region.height - 1)

    def action_page_down(self) -> None:
        self.cursor += max(1, self.scrollable_content_region.height - 1)

    def action_first(self) -> None:
        self.cursor = 0

    def action_last(self) -> None:
        self.cursor = len(self._rows) - 1

    def _post_for_highlighted(self, kind: type[SessionMessage]) -> None:
        row = self.highlighted
        if row is not None:
            self.post_message(kind(self, row.id))

    def action_open(self) -> None:
        self._post_for_highlighted(self.Selected)

    def action_rename(self) -> None:
        self._post_for_highlighted(self.RenameRequested)

    def action_delete(self) -> None:
        self._post_for_highlighted(self.DeleteRequested)

    def action_leave(self) -> None:
        self.post_message(self.Left())

    def action_filter(self) -> None:
        self.post_message(self.FilterRequested(""))

    def on_key(self, event: events.Key) -> None:
        # Type to filter: a printable key that is not bound goes to the filter box.
        if not event.is_printable or event.character is None or event.character == " ":
            return
        if event.key in self.screen.active_bindings:
            return
        event.stop()
        event.prevent_default()
        self.post_message(self.FilterRequested(event.character))

    def on_click(self, event: events.Click) -> None:
        index = self.scroll_offset.y + event.y
        if 0 <= index < len(self._rows):
            self.cursor = index
            if event.chain >= 2:
                self.action_open()

    # ------------------------------------------------------------------ render

    def render_line(self, y: int) -> Strip:
        width = self.scrollable_content_region.width or self.size.width
        index = self.scroll_offset.y + y
        base = self.rich_style
        if index >= len(self._rows):
            if index == 0 and self.loaded and not self._rows:
                style = base + self.get_component_rich_style("session-list--empty")
                return Strip([Segment(_fit(" " + self.empty_text, width).ljust(width), style)])
            return Strip.blank(width, base)
        row = self._rows[index]
        if index == self.cursor:
            base = base + self.get_component_rich_style("session-list--cursor")
        return Strip(self._row_segments(row, width, base), width)

    def _row_segments(self, row: SessionRow, width: int, base: Style) -> list[Segment]:
        comp = self.get_component_rich_style
        meta = base + comp("session-list--meta", partial=True)
        state = self._states.get(row.id)
        mark, mark_class = STATE_MARKS.get(state or "", (" ", ""))
        mark_style = base + comp(mark_class, partial=True) if mark_class else base
        fork = FORK_BADGE if row.parent_id else " "
        right = f" {row.turn_count:>3} {relative_time(row.updated):>4} "
        title = row.title.strip().splitlines()[0] if row.title.strip() else "Untitled"
        title_style = base
        if not row.title.strip():
            title_style = base + comp("session-list--untitled", partial=True)
        if row.id == self._active:
            title_style = title_style + comp("session-list--active", partial=True)
        title_width = width - 2 - 1 - cell_len(right)
        title_text = _fit(title, title_width)
        pad = " " * max(0, title_width - cell_len(title_text))
        return [
            Segment(mark, mark_style),
            Segment(" ", base),
            Segment(title_text, title_style),
            Segment(pad, base),
            Segment(fork, base + comp("session-list--fork", partial=True)),
            Segment(right, meta),
        ]


class Sidebar(Vertical):
    """The filter box, the session list and a count line."""

    DEFAULT_CSS = """
    Sidebar { width: 32; }
    Sidebar > #sidebar-filter { margin: 0; }
    Sidebar > #sidebar-count { height: 1; color: $text-muted; padding: 0 1; }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("down", "to_list", "To list", show=False, id="sidebar.to_list"),
    ]

    class FilterChanged(Message):
        def __init__(self, query: str) -> None:
            super().__init__()
            self.query = query

    def __init__(self, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self._debounce: Timer | None = None
        self.total: int | None = None

    def compose(self) -> ComposeResult:
        yield Input(placeholder="Filter sessions…  (/)", id="sidebar-filter", compact=True)
        yield SessionList(id="session-list")
        yield Static("", id="sidebar-count")

    @property
    def session_list(self) -> SessionList:
        return self.query_one(SessionList)

    @property
    def filter_input(self) -> Input:
        return self.query_one("#sidebar-filter", Input)

    @property
    def query_text(self) -> str:
        return self.filter_input.value.strip()

    def set_count(self, shown: int, total: int | None = None) -> None:
        if total is not None:
            self.total = total
        q = self.query_text
        label = "session" if shown == 1 else "sessions"
        if q:
            text = f"{shown:,} matching"
        else:
            text = f"{shown:,} {label}"
        self.query_one("#sidebar-count", Static).update(text)

    def on_session_list_filter_requested(self, event: SessionList.FilterRequested) -> None:
        event.stop()
        box = self.filter_input
        box.focus()
        if event.text:
            box.insert_text_at_cursor(event.text)

    def on_input_changed(self, event: Input.Changed) -> None:
        event.stop()
        if self._debounce is not None:
            self._debounce.stop()
        self._debounce = self.set_timer(FILTER_DEBOUNCE, self._emit_filter)

    def _emit_filter(self) -> None:
        self._debounce = None
        self.post_message(self.FilterChanged(self.query_text))

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.action_to_list()

    def action_to_list(self) -> None:
        self.session_list.focus()

    def on_key(self, event: events.Key) -> None:
        if event.key == "escape" and self.filter_input.has_focus:
            event.stop()
            if self.filter_input.value:
                self.filter_input.value = ""
            else:
                self.session_list.focus()
