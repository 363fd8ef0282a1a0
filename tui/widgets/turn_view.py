"""One turn of a transcript: the prompt, the reply (Markdown, see `reply.py`),
thinking and tool calls as collapsible blocks, inline notices, and a one-line footer.

`TurnRecord` is what the chat view knows about a turn (the agent's `Turn` plus the
bits only the view cares about); `TurnView` displays one record. Stored turns are
composed in one go; the live turn is filled in by `TurnView.sync`, which only ever
appends or updates what changed since the last call.
"""

from __future__ import annotations

import json
from contextlib import suppress
from dataclasses import dataclass, field
from typing import Any, Literal, cast

from textual import on
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.content import Content
from textual.highlight import highlight
from textual.widget import Widget
from textual.widgets import Collapsible, Static

from tui.agent.turns import TextPart, ThinkingPart, ToolCall, Turn
from tui.widgets.literal import literal, one_line, sanitize
from tui.widgets.reply import ReplyMarkdown
from tui.widgets.resizing import QuietResize

NoteKind = Literal["error", "retry", "permission", "info"]

RESULT_MAX_LINES = 40
RESULT_MAX_CHARS = 4096


@dataclass(eq=False)
class Note:
    """Something the engine said about a turn that is not part of the transcript:
    an error (with a hint), a retry, a permission prompt."""

    kind: NoteKind
    text: str
    hint: str = ""
    tool: str = ""


Item = TextPart | ThinkingPart | ToolCall | Note


@dataclass(eq=False)
class TurnRecord:
    turn: Turn
    live: bool = False
    # None for stored turns (derived from `turn.parts`); the live turn keeps its own
    # list so notes stay in order between the parts.
    items: list[Item] | None = None
    duration_ms: int | None = None
    cost_usd: float | None = None
    failed: bool = False
    disconnected: bool = False
    # The model's message is complete (see `MessageCompleted`): what it wrote is
    # shown at once, not at the next paced write.
    settled: bool = False
    # Standalone notices that arrived after this turn (e.g. a failed connection).
    trailing: list[Note] = field(default_factory=list)
    tools: dict[str, ToolCall] = field(default_factory=dict)
    # Position in the chat's list of turns (the turn number is index + 1).
    index: int = 0
    # Estimated widget count (see `estimate_widgets`), cached.
    cost: int | None = None
    # Estimated rows at a width (see `estimate_rows`), cached.
    rows: tuple[int, int] | None = None

    @property
    def finished(self) -> bool:
        return not self.live

    def view_items(self) -> list[Item]:
        if self.items is not None:
            return self.items
        items: list[Item] = []
        for part in self.turn.parts:
            if isinstance(part, TextPart):
                if not part.text:
                    continue
                # Adjacent text blocks read as one reply.
                if items and isinstance(items[-1], TextPart):
                    items[-1] = TextPart(items[-1].text + "\n\n" + part.text)
                    continue
            items.append(part)
        error = self.turn.error
        if error and error.strip() != self.turn.reply.strip():
            items.append(Note("error", error))
        return items


def estimate_widgets(record: TurnRecord) -> int:
    """Roughly how many widgets a turn's view needs: the turn, prompt and footer, and
    one or two per reply, collapsed block or notice."""
    count = 4 + len(record.trailing)
    for item in record.view_items():
        count += 1 if isinstance(item, TextPart) else 2
    return count


def estimate_rows(record: TurnRecord, width: int) -> int:
    """Roughly how many rows a turn's view takes at `width` columns (cached per
    width for finished turns)."""
    cached = record.rows
    if cached is not None and cached[0] == width and not record.live:
        return cached[1]
    columns = max(width - 6, 10)

    def lines(text: str) -> int:
        return sum(len(line) // columns + 1 for line in text.split("\n"))

    rows = lines(record.turn.prompt) + 3 + 2 * len(record.trailing)
    for item in record.view_items():
        rows += lines(item.text) + 1 if isinstance(item, TextPart) else 2
    record.rows = (width, rows)
    return rows


# ---------------------------------------------------------------- formatting


def format_tokens(n: int) -> str:
    if n < 1000:
        return str(n)
    if n < 1_000_000:
        return f"{n / 1000:.1f}k"
    return f"{n / 1_000_000:.1f}M"


def format_duration(ms: int) -> str:
    seconds = ms / 1000
    if seconds < 60:
        return f"{seconds:.1f} s"
    minutes, secs = divmod(round(seconds), 60)
    if minutes < 60:
        return f"{minutes} m {secs:02d} s"
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes:02d} m"


def format_cost(usd: float) -> str:
    if usd >= 1:
        return f"${usd:.2f}"
    if usd >= 0.01:
        return f"${usd:.3f}"
    return f"${usd:.4f}"


def truncate(
    text: str, max_lines: int = RESULT_MAX_LINES, max_chars: int = RESULT_MAX_CHARS
) -> str:
    """`text` cut to at most `max_lines` lines and about `max_chars` characters, with a
    last line saying how much was left out."""
    lines = text.splitlines()
    if len(lines) <= max_lines and len(text) <= max_chars:
        return text
    kept: list[str] = []
    used = 0
    for line in lines[:max_lines]:
        if used + len(line) > max_chars:
            room = max_chars - used
            if room > 0 or not kept:
                kept.append(line[: max(room, 0)] + "…")
            break
        kept.append(line)
        used += len(line) + 1
    omitted = len(lines) - len(kept)
    if omitted > 0:
        noun = "line" if omitted == 1 else "lines"
        kept.append(f"… {omitted:,} more {noun}")
    else:
        kept.append(f"… {len(text) - used:,} more characters")
    return "\n".join(kept)


def tool_title(call: ToolCall) -> Content:
    if call.result is None:
        status = Content.styled(" …", "$text-muted")
    elif call.is_error:
        status = Content.styled(" ✗", "bold $text-error")
    else:
        status = Content.styled(" ✓", "$text-success")
    summary = one_line(call.summary, 200) if call.input else ""
    return Content.assemble(
        Content.styled(one_line(call.name, 60) or "tool", "bold"),
        "  " if summary else "",
        Content.styled(summary, "$text-muted") if summary else "",
        status,
    )


def tool_input_content(call: ToolCall) -> Content:
    data = call.input
    command = data.get("command")
    if isinstance(command, str):
        code = truncate(sanitize(command), 20, 2000)
        parts: list[Content | str] = [
            Content.styled("$ ", "$text-muted"),
            highlight(code, language="bash"),
        ]
        description = data.get("description")
        if isinstance(description, str) and description.strip():
            parts += ["\n", literal(description, "italic $text-muted")]
        rest = {k: v for k, v in data.items() if k not in ("command", "description")}
        if rest:
            parts += ["\n", _json_content(rest)]
        return Content.assemble(*parts)
    return _json_content(data)


def _json_content(data: dict[str, Any]) -> Content:
    try:
        text = json.dumps(data, indent=2, ensure_ascii=False, default=str)
    except (TypeError, ValueError):
        text = repr(data)
    return highlight(truncate(sanitize(text), 30, 3000), language="json")


def note_content(note: Note) -> Content:
    if note.kind == "error":
        head = Content.styled("✗ " + sanitize(note.text), "bold $text-error")
    elif note.kind == "retry":
        head = Content.styled("↻ " + sanitize(note.text), "$text-warning")
    elif note.kind == "permission":
        head = Content.styled("◆ " + sanitize(note.text), "$text-accent")
    else:
        head = Content.styled("• " + sanitize(note.text), "$text-muted")
    if note.hint:
        return Content.assemble(head, "\n  ", literal(note.hint, "$text-muted"))
    return head


def footer_content(record: TurnRecord, number: int) -> Content:
    turn = record.turn
    bits: list[Content] = [Content(f"#{number}")]
    if record.live:
        bits.append(Content.styled("streaming…", "$text-accent"))
    if record.duration_ms is not None:
        bits.append(Content(format_duration(record.duration_ms)))
    if turn.usage is not None and turn.usage.total:
        u = turn.usage
        bits.append(
            Content(f"{format_tokens(u.total)} tokens ({format_tokens(u.output_tokens)} out)")
        )
    if record.cost_usd is not None:
        bits.append(Content(format_cost(record.cost_usd)))
    if turn.model:
        bits.append(Content(sanitize(turn.model)))
    if turn.interrupted:
        bits.append(Content.styled("■ interrupted", "bold $text-warning"))
    elif record.disconnected:
        bits.append(Content.styled("■ ended: disconnected", "bold $text-warning"))
    if record.failed or (turn.error and not record.live):
        bits.append(Content.styled("✗ failed", "bold $text-error"))
    return Content(" · ").join(bits)


# ---------------------------------------------------------------- widgets


def restyle_alone(widget: Widget) -> None:
    """Apply the CSS to `widget` after a change only its own rules depend on (a class,
    focus). Textual would match every descendant against the stylesheet again, which
    takes long for a transcript or a long turn; here they only forget the colours
    they inherited (a new background repaints them)."""
    if not widget.is_attached:
        return
    widget.app.stylesheet.update_nodes([widget], animate=True)
    for node in widget.walk_children(with_self=False):
        node.notify_style_update()


class PromptBlock(Static):
    """The user's prompt, shown literally."""

    def __init__(self, prompt: str) -> None:
        super().__init__(literal(prompt.rstrip("\n")), classes="prompt")


class NoteLine(Static):
    def __init__(self, note: Note) -> None:
        super().__init__(note_content(note), classes=f"note -{note.kind}")
        self.note = note
        self._shown = (note.kind, note.text, note.hint)

    def refresh_note(self) -> None:
        key = (self.note.kind, self.note.text, self.note.hint)
        if key != self._shown:
            self._shown = key
            self.set_classes(f"note -{self.note.kind}")
            self.update(note_content(self.note))


class Fold(Collapsible):
    """A collapsed-by-default block whose body is built only when first expanded,
    and whose title is never parsed as markup nor takes focus."""

    def __init__(self, title: Content, *, classes: str) -> None:
        # Collapsible's title is typed `str` but takes Content (and then shows it as is).
        super().__init__(
            title=cast(str, title),
            collapsed=True,
            collapsed_symbol="▸",
            expanded_symbol="▾",
            classes=classes,
        )
        self._built = False

    def compose(self) -> ComposeResult:
        # Only the title until first expanded: a transcript has many of these.
        yield self._title

    def on_mount(self) -> None:
        # Dozens of these in a transcript must not become tab stops; the chat's own
        # cursor toggles them (enter), and a click still works.
        self._title.can_focus = False

    def body(self) -> list[Widget]:
        return []

    @on(Collapsible.Expanded)
    def _build_on_expand(self, event: Collapsible.Expanded) -> None:
        if event.collapsible is self and not self._built:
            self._built = True
            self.mount(Collapsible.Contents(*self.body()))

    def rebuild(self) -> None:
        """Refresh the body if it has been built (cheap no-op while collapsed)."""
        if not self._built:
            return
        with suppress(Exception):
            contents = self.query_one(Collapsible.Contents)
            contents.remove_children()
            contents.mount_all(self.body())


class ThinkingFold(Fold):
    def __init__(self, part: ThinkingPart) -> None:
        super().__init__(self._title_for(part), classes="thinking")
        self.part = part
        self._shown_len = len(part.text)

    @staticmethod
    def _title_for(part: ThinkingPart) -> Content:
        words = len(part.text.split())
        return Content.styled(f"Thinking ({words:,} words)", "italic $text-muted")

    def body(self) -> list[Widget]:
        return [Static(literal(self.part.text.strip()), classes="thinking-text")]

    def refresh_part(self) -> None:
        if len(self.part.text) != self._shown_len:
            self._shown_len = len(self.part.text)
            self.title = cast(str, self._title_for(self.part))
            self.rebuild()


class ToolFold(Fold):
    def __init__(self, call: ToolCall) -> None:
        super().__init__(tool_title(call), classes=self._classes_for(call))
        self.call = call
        self._shown = self._key()

    @staticmethod
    def _classes_for(call: ToolCall) -> str:
        if call.result is None:
            return "tool -running"
        return "tool -error" if call.is_error else "tool"

    def _key(self) -> tuple[int, str | None, bool]:
        return (len(self.call.input), self.call.result, self.call.is_error)

    def body(self) -> list[Widget]:
        call = self.call
        widgets: list[Widget] = []
        if call.input:
            widgets.append(Static(tool_input_content(call), classes="tool-input"))
        if call.result is None:
            widgets.append(Static(Content.styled("running…", "$text-muted"), classes="tool-result"))
        else:
            text = truncate(sanitize(call.result.rstrip())) or "(no output)"
            classes = "tool-result -error" if call.is_error else "tool-result"
            widgets.append(Static(Content(text), classes=classes))
        return widgets

    def refresh_call(self) -> None:
        key = self._key()
        if key != self._shown:
            self._shown = key
            self.title = cast(str, tool_title(self.call))
            self.set_classes(self._classes_for(self.call))
            self.rebuild()


@dataclass(eq=False)
class _Slot:
    """One item of the live turn and the widget showing it."""

    item: Item
    widget: Widget
    written: int = 0


class TurnView(QuietResize, Vertical):
    """One turn. `number` is 1-based."""

    def __init__(self, record: TurnRecord, number: int) -> None:
        classes = ["turn"]
        if record.live:
            classes.append("-live")
        if record.turn.interrupted:
            classes.append("-interrupted")
        super().__init__(classes=" ".join(classes))
        self.record = record
        self.number = number
        self._slots: list[_Slot] = []
        self._footer_content = footer_content(record, number)
        self._footer = Static(self._footer_content, classes="turn-footer")
        self._streamed = record.live
        self._dormant = False

    def compose(self) -> ComposeResult:
        yield PromptBlock(self.record.turn.prompt)
        if not self._streamed:
            yield from self._static_items()
        yield self._footer
        for note in self.record.trailing:
            yield NoteLine(note).add_class("-standalone")

    def _static_items(self) -> list[Widget]:
        widgets: list[Widget] = []
        for item in self.record.view_items():
            widgets.append(self._widget_for(item, text=True))
        return widgets

    @staticmethod
    def _widget_for(item: Item, *, text: bool) -> Widget:
        if isinstance(item, TextPart):
            return ReplyMarkdown(sanitize(item.text) if text else None)
        if isinstance(item, ThinkingPart):
            return ThinkingFold(item)
        if isinstance(item, ToolCall):
            return ToolFold(item)
        return NoteLine(item)

    # -------------------------------------------------------------- live updates

    async def sync(self, *, show: bool = True) -> bool:
        """Show whatever the record gained since the last call. Only for a view that
        was created while its record was live; a no-op otherwise. Reply text is
        appended to the reply's widget, which redraws only its last block.

        Returns False when some text is held back for the next call: a reply widget
        gets its text only once it has been laid out, because before that it knows
        no width to draw at in slices, and its first layout would draw all of it at
        once, in the middle of a frame (a long reply takes a tenth of a second and
        more). That holds for a turn that has ended too: it is finished once all
        its text is in.

        With `show` False, new reply text is only drawn, not shown yet: nothing on
        screen changes (see `ChatView.key_typed`). A reply that has no widget yet
        gets an empty one, so that it is laid out and its text can be drawn."""
        if not self._streamed or not self.is_attached:
            return True
        if not show:
            await self._draw_hidden()
            return False
        shown = True
        live = self.record.live
        items = self.record.items or []
        new: list[Widget] = []
        for index, item in enumerate(items):
            if index == len(self._slots):
                new.append(self._add_slot(item))
            slot = self._slots[index]
            widget = slot.widget
            if isinstance(widget, ReplyMarkdown):
                assert isinstance(item, TextPart)
                if not widget.size.width:
                    shown = False
                else:
                    await self._write(slot, widget, item, show=True)
                    if not self.is_attached:
                        return True
            elif widget in new:
                continue
            elif isinstance(widget, ThinkingFold):
                widget.refresh_part()
            elif isinstance(widget, ToolFold):
                widget.refresh_call()
            elif isinstance(widget, NoteLine):
                widget.refresh_note()
        if new:
            await self.mount_all(new, before=self._footer)
            if not self.is_attached:
                return True
        if not live and shown:
            for slot in self._slots:
                if isinstance(slot.widget, ReplyMarkdown):
                    slot.widget.finish()
            # No rule of a descendant depends on the class: restyling them all (what
            # `remove_class` does) would take milliseconds for a long reply.
            self.set_class(False, "-live", update=False)
            restyle_alone(self)
        self.set_class(self.record.turn.interrupted, "-interrupted")
        self.refresh_footer()
        return shown

    async def _draw_hidden(self) -> None:
        """Draw the reply text gained since the last call without showing it."""
        items = self.record.items or []
        new: list[Widget] = []
        for index, item in enumerate(items):
            if index == len(self._slots):
                if not isinstance(item, TextPart):
                    break  # shown, in order, once the text before it is
                new.append(self._add_slot(item))  # an empty reply: shows nothing
                continue
            slot = self._slots[index]
            widget = slot.widget
            if isinstance(widget, ReplyMarkdown) and isinstance(item, TextPart):
                if widget.size.width:
                    await self._write(slot, widget, item, show=False)
        if new:
            await self.mount_all(new, before=self._footer)

    def _add_slot(self, item: Item) -> Widget:
        """A widget for a new item of the live turn, without its text (see `_write`)."""
        widget = self._widget_for(item, text=False)
        self._slots.append(_Slot(item, widget))
        return widget

    @staticmethod
    async def _write(slot: _Slot, widget: ReplyMarkdown, item: TextPart, *, show: bool) -> None:
        """Append the reply text `item` gained since the last write, and draw it; with
        `show`, also show it (or what an earlier write drew without showing)."""
        if len(item.text) > slot.written:
            chunk = item.text[slot.written :]
            slot.written = len(item.text)
            widget.write(sanitize(chunk))
            await widget.prepare(show=show)
        elif show:
            widget.reveal()

    def set_cursor(self, on: bool) -> None:
        """Mark (or unmark) this as the cursor's turn. Only this widget's own rules
        depend on the class (see `restyle_alone`)."""
        if self.has_class("-cursor") == on:
            return
        self.set_class(on, "-cursor", update=False)
        restyle_alone(self)

    def refresh_footer(self) -> None:
        content = footer_content(self.record, self.number)
        shown = self._footer_content
        if content.plain != shown.plain or list(content.spans) != list(shown.spans):
            self._footer_content = content
            self._footer.update(content)

    def add_trailing(self, note: Note) -> None:
        if self._dormant:
            self.wake()
        self.mount(NoteLine(note).add_class("-standalone"))

    # -------------------------------------------------------------- dormancy

    @property
    def dormant(self) -> bool:
        return self._dormant

    def sleep(self, height: int) -> None:
        """Keep this turn's place (at `height` rows) but hide its contents, so layout
        skips them while the turn is far from the viewport. Inline styles, not a
        class: a class change restyles the whole subtree, which is slower."""
        self._dormant = True
        self.styles.height = height
        for child in self.children:
            child.styles.display = "none"

    def wake(self) -> None:
        self._dormant = False
        for child in self.children:
            child.styles.display = None
        self.styles.height = None

    # -------------------------------------------------------------- details

    def toggle_details(self) -> bool:
        """Expand every tool/thinking block, or collapse them all if all are open.
        Returns False when the turn has none."""
        folds = list(self.query_children(Fold))
        if not folds:
            return False
        expand = any(fold.collapsed for fold in folds)
        for fold in folds:
            fold.collapsed = not expand
        return True
