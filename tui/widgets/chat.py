"""The transcript of one tab: stored turns, the streaming turn, and a turn cursor.

Only a window of turns has widgets: the newest turns when a session opens (about
two and a half screens' worth), growing by a page when the user scrolls (or moves the cursor)
near either edge, and shrinking at the far side past a limit. Every turn's data is
kept. Textual lays out every mounted widget on each relayout (and a streaming reply
relayouts many times a second), so windows and pages are sized by estimates of the
rows and the widgets they need, not only by turn count.

All widget work (mounting pages, streaming into the live turn) happens in one worker,
`_pump`, so it is serialised and coalesced: `handle_event` only updates the data and
wakes the worker, which then writes whatever arrived meanwhile in one go. Each write
costs a frame (a relayout and a repaint of the scrolled transcript), so writes are at
least `SYNC_INTERVAL` apart and further when frames are slow: a streaming reply may
take at most about `SYNC_SHARE` of the time, the rest is left to the engine reading
the reply and to keys. Text waiting for its write is drawn meanwhile, not shown, so
the write (and the end of a reply) takes only a frame. A reply is one widget
(`ReplyMarkdown`) that redraws only its last block as text arrives. A chat that is
not on screen (a background tab) only collects the data; its widgets catch up when
it is shown again.

Focus and the cursor restyle only the widget whose look they change: Textual would
restyle every descendant, which takes long with many turns mounted.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterable
from typing import ClassVar, Literal

from textual import events
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical, VerticalScroll
from textual.geometry import Region, Size
from textual.message import Message
from textual.reactive import reactive
from textual.timer import Timer
from textual.widget import Widget
from textual.widgets import Static

from tui.agent.events import (
    AgentEvent,
    ApiRetrying,
    ConnectionChanged,
    ErrorOccurred,
    MessageCompleted,
    PermissionRequested,
    PermissionResolved,
    TextDelta,
    ThinkingDelta,
    ToolUseFinished,
    ToolUseInput,
    ToolUseStarted,
    TurnFinished,
    TurnInterrupted,
    TurnStarted,
)
from tui.agent.turns import TextPart, ThinkingPart, ToolCall, Turn
from tui.widgets.keys_first import gate, step_aside
from tui.widgets.resizing import QuietResize
from tui.widgets.turn_view import (
    Note,
    NoteLine,
    TurnRecord,
    TurnView,
    estimate_rows,
    estimate_widgets,
    restyle_alone,
)

__all__ = ["ChatView"]

_RESOLVED = {
    "allow_once": "allowed once",
    "allow_session": "allowed for this session",
    "deny": "denied",
}

Where = Literal["start", "end"] | int


class ChatView(QuietResize, VerticalScroll, can_focus=True):
    """A session's turns and its streaming turn."""

    INITIAL_TURNS: ClassVar[int] = 40
    PAGE_TURNS: ClassVar[int] = 40
    MAX_MOUNTED: ClassVar[int] = 160
    # Budgets in (estimated) widgets; a small turn is about four.
    INITIAL_WIDGETS: ClassVar[int] = 300
    PAGE_WIDGETS: ClassVar[int] = 150
    MAX_WIDGETS: ClassVar[int] = 500
    # And in (estimated) rows, as screens of the chat's height: enough to fill the
    # view and scroll a screen before the next page is needed (within half a screen
    # of either edge of what is mounted).
    INITIAL_SCREENS: ClassVar[float] = 2.5
    PAGE_SCREENS: ClassVar[float] = 3
    # At most this often (seconds) is streamed text written to the widgets...
    SYNC_INTERVAL: ClassVar[float] = 1 / 20
    # ... and less often when frames take longer than this share of the time. At a
    # reading pace a write and its frame take a few milliseconds, so writes keep
    # close to `SYNC_INTERVAL` (15–16 a second at 30–50 tokens a second, against
    # 16–18 with 0.15); a flood of text makes every frame paint a screenful of new
    # rows, and then writes space out (the engine reads the reply on this thread).
    SYNC_SHARE: ClassVar[float] = 0.1
    # While keys are typed into the tab's prompt (until this long, in seconds, after
    # the last one), streamed text waits, at most this long at a time.
    TYPING_WINDOW: ClassVar[float] = 0.3
    TYPING_HOLD: ClassVar[float] = 5.0

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("up,k", "cursor_up", "Previous turn", id="chat.up", show=False),
        Binding("down,j", "cursor_down", "Next turn", id="chat.down", show=False),
        Binding("home,g", "cursor_first", "First turn", id="chat.first", show=False),
        Binding("end,G", "cursor_last", "Last turn", id="chat.last", show=False),
        Binding("f", "fork", "Fork here", id="chat.fork"),
        Binding("e", "edit", "Edit prompt", id="chat.edit"),
        Binding("y", "copy", "Copy reply", id="chat.copy"),
        Binding("enter", "toggle_details", "Details", id="chat.details"),
        Binding("escape,i", "leave", "Back to prompt", id="chat.leave"),
    ]

    cursor: reactive[int | None] = reactive(None, init=False)
    """1-based number of the highlighted turn; None outside cursor mode."""

    class ForkRequested(Message):
        def __init__(self, session_id: str, turn: int) -> None:
            super().__init__()
            self.session_id = session_id
            self.turn = turn

    class EditRequested(Message):
        def __init__(self, session_id: str, turn: int) -> None:
            super().__init__()
            self.session_id = session_id
            self.turn = turn

    class CopyRequested(Message):
        def __init__(self, text: str) -> None:
            super().__init__()
            self.text = text

    class CursorLeft(Message):
        pass

    def __init__(
        self, session_id: str, *, id: str | None = None, classes: str | None = None
    ) -> None:
        super().__init__(id=id, classes=classes)
        self.session_id = session_id
        self._records: list[TurnRecord] = []
        # The first records stand in for older turns still being read (see
        # `show_turns`); they are never mounted.
        self._pending = 0
        self._live: TurnRecord | None = None
        self._preamble: list[Note] = []
        # The mounted window: views for records[_lo:_hi], keyed by record index.
        self._views: dict[int, TurnView] = {}
        self._lo = 0
        self._hi = 0
        # Work for the pump.
        self._wake = asyncio.Event()
        self._idle = asyncio.Event()
        self._idle.set()
        self._rebuild_to: Where | None = "end"
        self._want_older = False
        self._want_newer = False
        self._reveal_pending = False
        self._dirty: dict[TurnRecord, None] = {}
        # When streamed text was last written, when it may be written next, when
        # text waiting may next be drawn ahead, and whether the frame showing the
        # last write has been painted.
        self._synced = 0.0
        self._next_sync = 0.0
        self._next_draw = 0.0
        self._ahead = 0.0
        self._painted = True
        self._sync_timer: Timer | None = None
        # When a key was last typed in this tab's prompt, and whether its frame has
        # been painted since (see `key_typed`).
        self._typed_at = -1.0
        self._typing_since = -1.0
        self._after_key = False
        self._dormancy_scheduled = False
        # Set while turns that should fall asleep wait for keys (see `_update_dormancy`).
        self._sleep_timer: Timer | None = None
        self._width = 0
        # Keeps a view at a fixed distance from the top of the viewport while content
        # above it changes height (pages mounted above, Markdown still rendering).
        self._pin: tuple[TurnView, int] | None = None
        self._arranged: object = None
        self._placements: dict[Widget, Region] = {}
        self._adjusting = False
        self._top = Static("", classes="chat-more -older")
        self._bottom = Static("", classes="chat-more -newer")
        self._empty = Static("No turns yet.", classes="chat-empty")
        self._preamble_box = Vertical(classes="chat-preamble")
        # True while the window reaches the newest turn: new turns get mounted.
        self._at_tail = True

    # ------------------------------------------------------------------ public

    @property
    def turn_count(self) -> int:
        return len(self._records)

    @property
    def cursor_turn(self) -> int | None:
        return self.cursor

    @property
    def mounted_range(self) -> tuple[int, int]:
        """Turn numbers (first, last) that currently have widgets; (0, 0) if none."""
        return (self._lo + 1, self._hi) if self._hi > self._lo else (0, 0)

    @property
    def is_idle(self) -> bool:
        return self._idle.is_set()

    async def wait_idle(self) -> None:
        """Wait until every requested update has been applied to the widgets."""
        while not self._idle.is_set():
            await self._idle.wait()
            await asyncio.sleep(0)

    @property
    def history_pending(self) -> int:
        """How many older turns are still being read (see `show_turns`)."""
        return self._pending

    def turn(self, number: int) -> Turn | None:
        if self._pending < number <= len(self._records):
            return self._records[number - 1].turn
        return None

    def show_turns(self, turns: list[Turn], *, older: int = 0) -> None:
        """Display stored turns (replacing what is shown). A turn that is streaming
        right now stays, after them.

        `older` turns come before `turns` and are still being read: they are counted
        and numbered, and arrive with `fill_history`. Until then the transcript does
        not scroll or move its cursor into them."""
        records = [TurnRecord(Turn(number=i + 1, prompt="")) for i in range(older)]
        records += [TurnRecord(turn) for turn in turns]
        self._pending = older
        live = self._live
        if live is not None:
            live.turn.number = len(records) + 1
            records.append(live)
        self._records = records
        self._renumber()
        self._pin = None
        if self.cursor is not None:
            self.cursor = min(self.cursor, len(records)) or None
        self._rebuild_to = "end"
        self._kick()

    def fill_history(self, turns: list[Turn]) -> None:
        """The older turns `show_turns` was told of, now read. If they are not what
        was expected (the session changed meanwhile), everything is shown again."""
        pending = self._pending
        if not pending:
            return
        if len(turns) != pending:
            shown = [r.turn for r in self._records[pending:] if not r.live]
            for number, turn in enumerate(shown, len(turns) + 1):
                turn.number = number
            self.show_turns(turns + shown)
            return
        for record, turn in zip(self._records, turns, strict=False):
            record.turn = turn
            record.cost = record.rows = None
        self._pending = 0
        self._update_markers()
        self._kick()  # scrolling or a cursor move may have waited for them

    def start_cursor(self) -> None:
        """Focus the transcript with the cursor on the last turn."""
        if not self._records:
            return
        self.cursor = len(self._records)
        self._reveal_pending = True
        self._kick()
        self.focus()

    # ------------------------------------------------------------------ events

    def handle_events(self, events: Iterable[AgentEvent]) -> None:
        """Apply a batch of engine events in order. Runs of reply (or thinking) text
        are joined and applied at once: a fast reply is thousands of small deltas."""
        run: list[str] = []
        thinking = False
        for event in events:
            if isinstance(event, (TextDelta, ThinkingDelta)) and (
                event.session_id == self.session_id
            ):
                if run and thinking != isinstance(event, ThinkingDelta):
                    self._append("".join(run), thinking=thinking)
                    run.clear()
                thinking = isinstance(event, ThinkingDelta)
                run.append(event.text)
                continue
            if run:
                self._append("".join(run), thinking=thinking)
                run.clear()
            self.handle_event(event)
        if run:
            self._append("".join(run), thinking=thinking)

    def handle_event(self, event: AgentEvent) -> None:
        """Apply one engine event for this session (others are ignored)."""
        if event.session_id != self.session_id:
            return
        if isinstance(event, TurnStarted):
            self._start_turn(event.prompt)
            return
        if isinstance(event, ErrorOccurred):
            note = Note("error", event.message, event.hint)
            if self._live is not None:
                self._live.turn.error = event.message
                self._add_item(self._live, note)
            else:
                self._add_standalone(note)
            return
        live = self._live
        if isinstance(event, ConnectionChanged):
            if event.state == "disconnected" and live is not None:
                live.disconnected = True
                self._end_turn(live)
            return
        if live is None:
            if isinstance(event, ApiRetrying):
                self._add_standalone(Note("retry", _retry_text(event)))
            return
        items = live.items
        assert items is not None
        if isinstance(event, (TextDelta, ThinkingDelta)):
            self._append(event.text, thinking=isinstance(event, ThinkingDelta))
        elif isinstance(event, MessageCompleted):
            live.settled = True
            self._touch(live)
        elif isinstance(event, ToolUseStarted):
            self._tool(live, event.tool_use_id, event.name)
        elif isinstance(event, ToolUseInput):
            call = self._tool(live, event.tool_use_id, event.name)
            call.input = dict(event.input)
            self._touch(live)
        elif isinstance(event, ToolUseFinished):
            call = self._tool(live, event.tool_use_id, "tool")
            call.result = event.result
            call.is_error = event.is_error
            self._touch(live)
        elif isinstance(event, PermissionRequested):
            tool = event.request.tool_name
            self._add_item(live, Note("permission", f"waiting for permission: {tool}", tool=tool))
        elif isinstance(event, PermissionResolved):
            for item in reversed(items):
                if (
                    isinstance(item, Note)
                    and item.kind == "permission"
                    and item.tool == event.tool_name
                ):
                    item.text = f"{event.tool_name}: {_RESOLVED.get(event.choice, event.choice)}"
                    item.kind = "info" if event.choice != "deny" else "permission"
                    self._touch(live)
                    break
        elif isinstance(event, ApiRetrying):
            last = items[-1] if items else None
            if isinstance(last, Note) and last.kind == "retry":
                last.text = _retry_text(event)
                self._touch(live)
            else:
                self._add_item(live, Note("retry", _retry_text(event)))
        elif isinstance(event, TurnFinished):
            live.turn.usage = event.usage
            live.cost_usd = event.cost_usd
            live.duration_ms = event.duration_ms
            live.failed = event.is_error
            self._end_turn(live)
        elif isinstance(event, TurnInterrupted):
            live.turn.interrupted = True
            self._end_turn(live)

    def _append(self, text: str, *, thinking: bool) -> None:
        """Streamed reply (or thinking) text for the live turn."""
        live = self._live
        if live is None or not text:
            return
        live.settled = False
        items = live.items
        assert items is not None
        last = items[-1] if items else None
        kind = ThinkingPart if thinking else TextPart
        if isinstance(last, kind):
            last.text += text
            self._touch(live)
        else:
            part = kind(text)
            live.turn.parts.append(part)
            self._add_item(live, part)

    def _start_turn(self, prompt: str) -> None:
        if self._live is not None:
            self._end_turn(self._live)
        record = TurnRecord(Turn(number=len(self._records) + 1, prompt=prompt), live=True, items=[])
        record.index = len(self._records)
        self._records.append(record)
        self._live = record
        if not self._at_tail and self._rebuild_to is None:
            self._rebuild_to = "end"
        self._kick()

    def _end_turn(self, record: TurnRecord) -> None:
        record.live = False
        if self._live is record:
            self._live = None
        self._touch(record)

    def _tool(self, record: TurnRecord, tool_id: str, name: str) -> ToolCall:
        call = record.tools.get(tool_id)
        if call is None:
            call = ToolCall(id=tool_id, name=name, input={})
            record.tools[tool_id] = call
            record.turn.parts.append(call)
            self._add_item(record, call)
        return call

    def _add_item(
        self, record: TurnRecord, item: TextPart | ThinkingPart | ToolCall | Note
    ) -> None:
        assert record.items is not None
        record.items.append(item)
        self._touch(record)

    def _add_standalone(self, note: Note) -> None:
        if self._records:
            record = self._records[-1]
            record.trailing.append(note)
            view = self._views.get(record.index)
            if view is not None:
                view.add_trailing(note)
        else:
            self._preamble.append(note)
            if self.is_mounted:
                self._preamble_box.mount(NoteLine(note).add_class("-standalone"))
                self._update_markers()

    def key_typed(self) -> None:
        """A key was typed into this tab's prompt. Keys come first: writing streamed
        text and painting it takes longer than the gap between two keys, and a key
        that came meanwhile would wait for all of it. So while typing goes on, the
        text waits (up to `TYPING_HOLD`) and is then written just after a
        keystroke's frame has been painted, when the next key is furthest away."""
        now = time.monotonic()
        if now - self._typed_at >= self.TYPING_WINDOW:
            self._typing_since = now
        self._typed_at = now
        self._after_key = False
        self.call_after_refresh(self._key_shown)

    def _key_shown(self) -> None:
        self._after_key = True
        if self._sleep_timer is not None:
            self._update_dormancy(after_key=True)
        if self._dirty:
            self._kick()

    def _touch(self, record: TurnRecord) -> None:
        self._dirty[record] = None
        self._kick()

    def _kick(self) -> None:
        self._idle.clear()
        self._wake.set()

    def _renumber(self) -> None:
        for index, record in enumerate(self._records):
            record.index = index

    # ------------------------------------------------------------------ mounting

    def compose(self) -> ComposeResult:
        yield self._top
        with self._preamble_box:
            for note in self._preamble:
                yield NoteLine(note).add_class("-standalone")
        yield self._bottom
        yield self._empty

    def on_mount(self) -> None:
        self.anchor()
        self.run_worker(self._pump(), name=f"chat-{self.session_id}", group="chat-pump")

    async def _pump(self) -> None:
        while True:
            await self._wake.wait()
            self._wake.clear()
            await self._work()
            if not self._wake.is_set() and not (self._dirty and self._on_screen()):
                self._idle.set()

    def _on_screen(self) -> bool:
        node: object = self
        while isinstance(node, Widget):
            if not node.display:
                return False
            node = node.parent
        return True

    def on_show(self) -> None:
        # Back on screen (its tab shown again): catch up with what arrived meanwhile.
        self._kick()

    async def _work(self) -> None:
        if not self._on_screen():
            # A background tab: the data is kept up to date; the widgets catch up
            # when the chat is shown again (`on_show`).
            return
        if self._rebuild_to is not None:
            where, self._rebuild_to = self._rebuild_to, None
            await self._rebuild(where)
        n = len(self._records)
        if self._at_tail and self._hi < n:
            # A new turn started while the window showed the newest turns.
            await self._mount_range(self._hi, n, before=self._bottom)
            self._hi = n
            self.anchor()
            self._update_markers()
        if self._want_older:
            self._want_older = False
            await self._load_older()
        if self._want_newer:
            self._want_newer = False
            await self._load_newer()
        if self._reveal_pending:
            self._reveal_pending = False
            await self._reveal_cursor()
        if not self._dirty:
            return
        now = time.monotonic()
        after_key, self._after_key = self._after_key, False
        if now - self._typed_at < self.TYPING_WINDOW:
            held_since = max(self._typing_since, self._synced)
            if not after_key or now - held_since < self.TYPING_HOLD:
                # Shown once typing stops, or the hold is over and a key was just
                # shown; meanwhile the text is drawn, in slices, right after a key's
                # frame (when the next key is furthest away).
                if after_key:
                    await self._draw_ahead(now)
                self._sync_later(self._typed_at + self.TYPING_WINDOW - now)
                return
        elif all(record.live and not record.settled for record in self._dirty) and (
            now < self._next_sync or (not self._painted and now < self._synced + 1)
        ):
            # Coalesce a burst of deltas into one write per frame, and leave time
            # between frames (see the module docstring); the rest of the work above
            # is not held up meanwhile. A turn that has just ended, or whose message
            # is complete, is shown at once.
            await self._draw_ahead(now)
            self._sync_later(self._next_sync - now)
            return
        # A key on its way to the screen goes first: the write's relayout would
        # hold its frame back.
        await step_aside(self)
        now = time.monotonic()
        dirty = list(self._dirty)
        self._dirty.clear()
        self._synced = now
        for view in self._views_of(dirty):
            if not await view.sync():
                self._dirty[view.record] = None  # the rest with the next write
        self._next_sync = now + self.SYNC_INTERVAL
        self._painted = False
        ahead, self._ahead = self._ahead, 0.0
        self.call_after_refresh(self._frame_painted, now, ahead)

    async def _draw_ahead(self, now: float) -> None:
        """Draw the text waiting to be shown, without showing it (at most every
        `SYNC_INTERVAL`): showing it then takes only a frame, and so does the end of
        a reply, however long the text waited."""
        if now < self._next_draw:
            return
        self._next_draw = now + self.SYNC_INTERVAL
        for view in self._views_of(list(self._dirty)):
            await view.sync(show=False)
        # Drawing is part of what showing the text costs (see `_frame_painted`).
        self._ahead += time.monotonic() - now

    def _views_of(self, records: list[TurnRecord]) -> list[TurnView]:
        """The mounted views showing `records`."""
        views = [self._views.get(record.index) for record in records]
        return [v for v, r in zip(views, records, strict=True) if v is not None and v.record is r]

    def _sync_later(self, delay: float) -> None:
        if self._sync_timer is None:
            # Not less: a Textual timer whose time has already passed when it starts
            # running is skipped, and would never fire.
            self._sync_timer = self.set_timer(max(delay, 0.01), self._sync_due)

    def _sync_due(self) -> None:
        self._sync_timer = None
        self._kick()

    def _frame_painted(self, started: float, ahead: float) -> None:
        if started != self._synced:
            return
        now = time.monotonic()
        # The time from the write to its frame on screen (the frame's own cost, and
        # whatever else kept the app busy meanwhile), and the time spent drawing the
        # text ahead of the write. The pause after it is capped, so one slow frame
        # (a garbage collection) does not hold the transcript still.
        cost = now - started + ahead
        pause = min(cost * (1 / self.SYNC_SHARE - 1), self.SYNC_INTERVAL * 4)
        self._next_sync = max(self._next_sync, now + pause)
        self._painted = True
        if self._dirty:
            self._kick()

    async def _rebuild(self, where: Where) -> None:
        n = len(self._records)
        budget, most = self.INITIAL_WIDGETS, self.INITIAL_TURNS
        rows = self._screens(self.INITIAL_SCREENS)
        if where == "end":
            lo, hi = self._span_back(n, budget, most, rows), n
        elif where == "start":
            lo, hi = 0, self._span_forward(0, budget, most, rows)
        else:
            lo = self._span_back(where, budget // 2, most // 2, rows // 2)
            hi = self._span_forward(where, budget - budget // 2, most - most // 2, rows - rows // 2)
        lo = max(lo, self._pending)
        old = [self._views[i] for i in sorted(self._views)]
        self._views.clear()
        self._pin = None
        with self.app.batch_update():
            if old:
                await self.remove_children(old)
            self._lo, self._hi = lo, hi
            self._at_tail = hi == n
            await self._mount_range(lo, hi, before=self._bottom)
            self._update_markers()
        if hi == n and where == "end":
            self.anchor()
        elif hi == n:
            self._follow_released()
        else:
            self.anchor(False)
        if where == "start":
            self.scroll_home(animate=False, immediate=True)

    async def _mount_range(self, lo: int, hi: int, *, before: Widget) -> None:
        if hi <= lo:
            return
        views: list[TurnView] = []
        for index in range(lo, hi):
            record = self._records[index]
            view = TurnView(record, index + 1)
            if self.cursor == index + 1:
                view.add_class("-cursor")
            self._views[index] = view
            views.append(view)
            if record.items is not None and view.record.live:
                self._dirty[record] = None
        await self.mount_all(views, before=before)

    async def _load_older(self) -> None:
        if self._lo <= self._pending:
            self._want_older = self._lo > 0  # again once the history is read
            return
        pin = self._capture_pin()
        new_lo = max(self._span_back(self._lo, *self._page()), self._pending)
        first = self._views.get(self._lo, self._bottom)
        with self.app.batch_update():
            await self._mount_range(new_lo, self._lo, before=first)
            keep = self._lo + 1  # the page just mounted, and the turn below it
            self._lo = new_lo
            cut = self._hi
            while cut > keep and self._over_limit(self._lo, cut):
                cut -= 1
            if cut < self._hi:
                await self._trim(cut, self._hi)
                self._hi = cut
                self._at_tail = False
                self.anchor(False)
            self._update_markers()
        self._set_pin(pin)

    async def _load_newer(self) -> None:
        n = len(self._records)
        if self._hi >= n:
            return
        pin = self._capture_pin()
        new_hi = self._span_forward(self._hi, *self._page())
        with self.app.batch_update():
            await self._mount_range(self._hi, new_hi, before=self._bottom)
            keep = self._hi - 1
            self._hi = new_hi
            cut = self._lo
            while cut < keep and self._over_limit(cut, self._hi):
                cut += 1
            if cut > self._lo:
                await self._trim(self._lo, cut)
                self._lo = cut
            self._update_markers()
        if self._hi == n:
            self._at_tail = True
            self._follow_released()
        self._set_pin(pin)

    # -- window sizing

    def _cost(self, index: int) -> int:
        record = self._records[index]
        if record.cost is None or record.live:
            record.cost = estimate_widgets(record)
        return record.cost

    def _rows(self, index: int) -> int:
        return estimate_rows(self._records[index], self._view_size().width)

    def _view_size(self) -> Size:
        """The transcript's size, or the screen's before the first layout."""
        size = self.scrollable_content_region.size if self.is_attached else Size(0, 0)
        if size.width <= 0 or size.height <= 0:
            size = self.app.size
        return Size(max(size.width, 20), max(size.height, 10))

    def _screens(self, count: float) -> int:
        return round(count * self._view_size().height)

    def _page(self) -> tuple[int, int, int]:
        return self.PAGE_WIDGETS, self.PAGE_TURNS, self._screens(self.PAGE_SCREENS)

    def _span_back(self, end: int, budget: int, most: int, rows: int | None = None) -> int:
        """The start of the longest run of turns ending at `end` within the budgets
        of widgets, turns and rows (at least one turn)."""
        start, total, height = end, 0, 0
        while start > 0 and end - start < most:
            if rows is not None and height >= rows:
                break
            cost = self._cost(start - 1)
            if start < end and total + cost > budget:
                break
            total += cost
            if rows is not None:
                height += self._rows(start - 1)
            start -= 1
        return start

    def _span_forward(self, start: int, budget: int, most: int, rows: int | None = None) -> int:
        end, total, height, n = start, 0, 0, len(self._records)
        while end < n and end - start < most:
            if rows is not None and height >= rows:
                break
            cost = self._cost(end)
            if end > start and total + cost > budget:
                break
            total += cost
            if rows is not None:
                height += self._rows(end)
            end += 1
        return end

    def _over_limit(self, lo: int, hi: int) -> bool:
        if hi - lo > self.MAX_MOUNTED:
            return True
        return sum(self._cost(i) for i in range(lo, hi)) > self.MAX_WIDGETS

    async def _trim(self, lo: int, hi: int) -> None:
        views = [self._views.pop(i) for i in range(lo, hi) if i in self._views]
        if views:
            await self.remove_children(views)

    def _update_markers(self) -> None:
        older, newer = self._lo, len(self._records) - self._hi
        self._top.update(f"↑ {older:,} earlier turn{'s' if older != 1 else ''}" if older else "")
        self._top.display = older > 0
        self._bottom.update(f"↓ {newer:,} later turn{'s' if newer != 1 else ''}" if newer else "")
        self._bottom.display = newer > 0
        self._empty.display = not self._records and not self._preamble
        self._preamble_box.display = bool(self._preamble) and self._lo == 0

    def on_click(self, event: events.Click) -> None:
        widget = event.widget
        while widget is not None and widget is not self:
            if isinstance(widget, TurnView):
                self.cursor = widget.number
                return
            if widget is self._top:
                self._want_older = True
                self._kick()
                return
            if widget is self._bottom:
                self._want_newer = True
                self._kick()
                return
            parent = widget.parent
            widget = parent if isinstance(parent, Widget) else None

    # ------------------------------------------------------------------ scrolling

    def _following(self) -> bool:
        return self.is_anchored and not self._anchor_released

    def _follow_released(self) -> None:
        """Re-arm following: it resumes once the user is at the bottom again."""
        self._anchored = True
        self.release_anchor()
        self._check_anchor()

    def _region_of(self, widget: Widget) -> Region | None:
        """Where a child sits in the scrollable content (same units as scroll_y).

        Read from the container's own arrangement, which the compositor caches;
        `Widget.virtual_region` would rebuild the whole screen's map after each
        layout change, which is slow with a few thousand widgets mounted."""
        if not self.is_attached:
            return None
        arrangement = self.arrange(self.scrollable_content_region.size)
        if arrangement is not self._arranged:
            self._arranged = arrangement
            self._placements = {p.widget: p.region for p in arrangement.placements}
        return self._placements.get(widget)

    def _capture_pin(self) -> tuple[TurnView, int] | None:
        if self._following():
            return None
        top = round(self.scroll_y)
        for index in range(self._lo, self._hi):
            view = self._views.get(index)
            region = None if view is None else self._region_of(view)
            if view is not None and region is not None and region.bottom > top:
                return view, region.y - top
        return None

    def _set_pin(self, pin: tuple[TurnView, int] | None) -> None:
        self._pin = pin
        if pin is not None:
            self.call_after_refresh(self._apply_pin)

    def _apply_pin(self) -> None:
        pin = self._pin
        if pin is None or self._following():
            return
        view, offset = pin
        region = self._region_of(view) if view.is_attached else None
        if region is None:
            self._pin = None
            return
        y = region.y - offset
        if y != round(self.scroll_y):
            self._adjusting = True
            try:
                self.scroll_to(y=y, animate=False, immediate=True, release_anchor=False)
            finally:
                self._adjusting = False

    def _size_updated(
        self, size: Size, virtual_size: Size, container_size: Size, layout: bool = True
    ) -> bool:
        # Quietly (`QuietResize`), but what depends on the transcript's length runs.
        grew = virtual_size != self.virtual_size
        changed = super()._size_updated(size, virtual_size, container_size, layout)
        if grew:
            self.watch_virtual_size(virtual_size)
        return changed

    def watch_virtual_size(self, size: Size) -> None:
        self._apply_pin()
        if self.is_mounted:
            self.call_after_refresh(self._check_edges)
            self._schedule_dormancy()

    def on_resize(self, event: events.Resize) -> None:
        if event.size.width != self._width:
            # Heights measured at another width are wrong: lay everything out again.
            self._width = event.size.width
            for view in self._views.values():
                if view.dormant:
                    view.wake()
        self._schedule_dormancy()

    # -- dormancy: turns far from the viewport keep their height but hide their
    # contents, so each relayout (many per second while streaming) only visits the
    # widgets near what is on screen.

    def _schedule_dormancy(self) -> None:
        if not self._dormancy_scheduled and self.is_mounted:
            self._dormancy_scheduled = True
            self.call_after_refresh(self._update_dormancy)

    def _update_dormancy(self, *, after_key: bool = False) -> None:
        self._dormancy_scheduled = False
        # Putting turns to sleep takes a relayout, which would hold a key's frame
        # back, and only pays off over many writes: it never goes ahead of a key on
        # its way to the screen, and while keys are typed it waits for the moment
        # right after a key's frame, when the next key is furthest away (or for
        # typing to stop). Waking a turn that comes into view does not wait.
        hold = gate(self.app).pending or (
            not after_key and time.monotonic() - self._typed_at < self.TYPING_WINDOW
        )
        height = self.scrollable_content_region.height if self.is_attached else 0
        if height <= 0:
            return
        top = round(self.scroll_y)
        near_top, near_bottom = top - height, top + 2 * height
        # Read every position first: changing a view invalidates the arrangement.
        placed = [(view, self._region_of(view)) for view in self._views.values()]
        held = False
        for view, region in placed:
            if region is None:
                continue
            near = region.bottom >= near_top and region.y <= near_bottom
            if view.dormant:
                if near:
                    view.wake()
            elif (
                not near
                and region.height > 0
                and not view.record.live
                and view.record not in self._dirty  # (its text may wait for a layout)
                and view.number != self.cursor
            ):
                if hold:
                    held = True
                    continue
                view.sleep(region.height)
        if held and self._sleep_timer is None:
            self._sleep_timer = self.set_timer(self.TYPING_WINDOW, self._sleep_due)
        elif not held and self._sleep_timer is not None:
            self._sleep_timer.stop()
            self._sleep_timer = None

    def _sleep_due(self) -> None:
        self._sleep_timer = None
        self._update_dormancy()

    def watch_scroll_y(self, old_value: float, new_value: float) -> None:
        super().watch_scroll_y(old_value, new_value)
        if self._adjusting or not self.is_mounted:
            return
        pin = self._pin
        if pin is not None:
            view = pin[0]
            region = self._region_of(view) if view.is_attached else None
            self._pin = None if region is None else (view, region.y - round(new_value))
        self._check_edges()
        self._schedule_dormancy()

    def _check_edges(self) -> None:
        height = self.scrollable_content_region.height if self.is_attached else 0
        if height <= 0:
            return  # hidden (an inactive tab): nothing to fill
        edge = max(3, height // 2)
        if self._lo > 0 and self.scroll_y <= edge and not self._want_older:
            self._want_older = True
            self._kick()
        if (
            self._hi < len(self._records)
            and self.scroll_y >= self.max_scroll_y - edge
            and not self._want_newer
        ):
            self._want_newer = True
            self._kick()

    # ------------------------------------------------------------------ cursor

    def watch_cursor(self, old: int | None, new: int | None) -> None:
        if old is not None and (view := self._views.get(old - 1)) is not None:
            view.set_cursor(False)
        if new is not None:
            if (view := self._views.get(new - 1)) is not None:
                view.set_cursor(True)
            self._reveal_pending = True
            self._kick()

    async def _reveal_cursor(self) -> None:
        number = self.cursor
        if number is None:
            return
        index = number - 1
        if index < self._pending:
            self._reveal_pending = True  # again once the history is read
            return
        if index < self._lo:
            if index < self._span_back(self._lo, *self._page()):
                await self._rebuild(index if index > 0 else "start")
            while index < self._lo:
                await self._load_older()
        elif index >= self._hi:
            if index >= self._span_forward(self._hi, *self._page()):
                await self._rebuild(index if index < len(self._records) - 1 else "end")
            while index >= self._hi:
                await self._load_newer()
        view = self._views.get(index)
        if view is None:
            return
        view.set_cursor(True)
        self.call_after_refresh(self._scroll_to_view, view)

    def _scroll_to_view(self, view: TurnView) -> None:
        region = self._region_of(view) if view.is_attached else None
        if region is None:
            return
        top = round(self.scroll_y)
        height = self.scrollable_content_region.height
        if region.height >= height or region.y < top:
            target = region.y
        elif region.bottom > top + height:
            target = region.bottom - height
        else:
            target = top
        if target != top:
            self.scroll_to(y=target, animate=False, immediate=True)
        if self._hi == len(self._records) and self.scroll_y >= self.max_scroll_y:
            self.anchor()
        elif not self._following():
            self._pin = (view, region.y - round(self.scroll_y))

    def watch_has_focus(self, has_focus: bool) -> None:
        # Only the transcript's own rules depend on its focus (a tint).
        restyle_alone(self)

    def on_focus(self) -> None:
        if self.cursor is None and self._records:
            self.cursor = len(self._records)

    def on_blur(self) -> None:
        # Focus moved elsewhere on this screen (not a modal on top): leave cursor mode.
        if self.screen.focused is not self and self.app.screen is self.screen:
            self.cursor = None

    def _current(self) -> TurnRecord | None:
        if self.cursor is None or not self._pending < self.cursor <= len(self._records):
            return None
        return self._records[self.cursor - 1]

    def action_cursor_up(self) -> None:
        if self._records:
            self.cursor = max(1, (self.cursor or len(self._records) + 1) - 1)

    def action_cursor_down(self) -> None:
        if self._records:
            self.cursor = min(len(self._records), (self.cursor or 0) + 1)

    def action_cursor_first(self) -> None:
        if self._records:
            self.cursor = 1

    def action_cursor_last(self) -> None:
        if self._records:
            self.cursor = len(self._records)

    def action_fork(self) -> None:
        record = self._current()
        if record is None:
            return
        if record.live:
            self.notify(
                f"Turn {record.index + 1} is still running; fork it once it has finished.",
                severity="warning",
            )
            return
        self.post_message(self.ForkRequested(self.session_id, record.index + 1))

    def action_edit(self) -> None:
        record = self._current()
        if record is not None:
            self.post_message(self.EditRequested(self.session_id, record.index + 1))

    def action_copy(self) -> None:
        record = self._current()
        if record is None:
            return
        text = record.turn.reply
        if not text.strip():
            self.notify(f"Turn {record.index + 1} has no reply text to copy.", severity="warning")
            return
        self.post_message(self.CopyRequested(text))

    def action_toggle_details(self) -> None:
        record = self._current()
        if record is None:
            return
        view = self._views.get(record.index)
        if view is not None and not view.toggle_details():
            self.notify(f"Turn {record.index + 1} has no tool calls or thinking.", timeout=2)

    def action_leave(self) -> None:
        self.cursor = None
        self.post_message(self.CursorLeft())


def _retry_text(event: ApiRetrying) -> str:
    attempt = (
        f"attempt {event.attempt}/{event.max_retries}"
        if event.max_retries
        else f"attempt {event.attempt}"
    )
    return f"Retrying ({attempt}) in {event.delay_ms / 1000:.1f} s: {event.error}"
