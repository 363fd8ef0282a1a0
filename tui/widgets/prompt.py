"""The prompt: a multi-line editor where enter sends and ctrl+j breaks the line.

Up on the first line walks back through earlier prompts (this session's turns and
everything sent during this run), down walks forward again and finally restores
what was being typed. Escape either interrupts the running turn or moves into the
transcript; the app decides which, through `check_action`.
"""

from __future__ import annotations

from typing import ClassVar

from textual import events
from textual.binding import Binding, BindingType
from textual.dom import NoScreen
from textual.geometry import Region
from textual.message import Message
from textual.strip import Strip
from textual.widgets import TextArea

PLACEHOLDER = "Ask Claude…  (enter sends · ctrl+j new line · ↑ earlier prompts)"
DEMO_PLACEHOLDER = (
    "Demo: try  hello · markdown · slow 5 · tool notes.txt · error 500  (enter sends)"
)


class PromptInput(TextArea):
    """One tab's prompt. Posts `Submitted`, `InterruptRequested`, `CursorRequested`
    and `Typed`."""

    BINDINGS: ClassVar[list[BindingType]] = [
        # Enter is handled in `_on_key`, in order with the keys typed before it (a
        # priority binding would run ahead of characters still queued for the editor);
        # the binding is what the footer, help and keymap see.
        Binding("enter", "send", "Send", id="prompt.send"),
        Binding("ctrl+j", "newline", "New line", show=False, id="prompt.newline"),
        Binding("escape", "interrupt", "Interrupt", id="prompt.interrupt"),
        Binding("escape", "transcript", "Turns", id="prompt.transcript"),
    ]

    # Shown in the help screen next to the bindings; up/down are cursor keys of the
    # editor that only recall history at the first / last line.
    EXTRA_KEYS: ClassVar[list[tuple[str, str]]] = [
        ("up", "Previous prompt (on the first line)"),
        ("down", "Next prompt (on the last line)"),
    ]

    class _FromPrompt(Message):
        """A message about one prompt; `control` lets `@on(..., "#id")` select it."""

        def __init__(self, prompt: PromptInput) -> None:
            super().__init__()
            self.prompt = prompt

        @property
        def control(self) -> PromptInput:
            return self.prompt

    class Submitted(_FromPrompt):
        def __init__(self, prompt: PromptInput, text: str) -> None:
            super().__init__(prompt)
            self.text = text

    class InterruptRequested(_FromPrompt):
        pass

    class CursorRequested(_FromPrompt):
        pass

    class Typed(_FromPrompt):
        """A character was typed (not text loaded or cleared by the app)."""

    def __init__(self, text: str = "", *, id: str | None = None, classes: str | None = None):
        super().__init__(
            text,
            id=id,
            classes=classes,
            soft_wrap=True,
            tab_behavior="focus",
            show_line_numbers=False,
            placeholder=PLACEHOLDER,
            compact=False,
        )
        # Older prompts first. `_history_index` is None while editing the draft.
        self._session_history: list[str] = []
        self._run_history: list[str] = []
        self._history_index: int | None = None
        self._stash = ""
        # Set by the owner: is a turn running (escape interrupts) or not (escape
        # moves into the transcript)?
        self.busy = False
        # False while the pane has no tab yet (start-up): enter holds the prompt.
        self.sendable = True
        self.held: list[str] = []

    def on_unmount(self) -> None:
        # TextArea subscribes to the screen's selection signal on mount and never
        # unsubscribes; the signal would keep a closed tab's prompt alive.
        try:
            self.screen.text_selection_started_signal.unsubscribe(self)
        except NoScreen:
            pass

    # ------------------------------------------------------------------ history

    @property
    def prompt_history(self) -> list[str]:
        seen: dict[str, None] = {}
        for text in (*self._session_history, *self._run_history):
            seen.pop(text, None)
            seen[text] = None
        return list(seen)

    def set_session_history(self, prompts: list[str]) -> None:
        self._session_history = [p for p in prompts if p.strip()]

    def add_older_history(self, prompts: list[str]) -> None:
        """Prompts from before the session history (read later, in a long session).
        A recall in progress stays on the prompt it shows."""
        shown = len(self.prompt_history)
        self._session_history[:0] = [p for p in prompts if p.strip()]
        if self._history_index is not None:
            # The history keeps each prompt's newest place, so what was there
            # before is still its end.
            self._history_index += len(self.prompt_history) - shown

    def remember(self, text: str) -> None:
        if text.strip():
            self._run_history.append(text)
        self._history_index = None

    def _recall(self, index: int | None) -> None:
        history = self.prompt_history
        if self._history_index is None:
            self._stash = self.text
        self._history_index = index
        text = self._stash if index is None else history[index]
        self.load_text(text)
        self.move_cursor(self.document.end)

    def action_cursor_up(self, select: bool = False) -> None:
        loc = self.cursor_location
        if not select and self.navigator.is_first_wrapped_line(loc) and self.prompt_history:
            current = self._history_index
            target = len(self.prompt_history) - 1 if current is None else current - 1
            if target >= 0:
                self._recall(target)
                return
        super().action_cursor_up(select)

    def action_cursor_down(self, select: bool = False) -> None:
        loc = self.cursor_location
        if (
            not select
            and self._history_index is not None
            and self.navigator.is_last_wrapped_line(loc)
        ):
            target: int | None = self._history_index + 1
            if target is not None and target >= len(self.prompt_history):
                target = None
            self._recall(target)
            return
        super().action_cursor_down(select)

    # ------------------------------------------------------------------ painting

    # TextArea works its theme's styles out of the CSS at every paint, after each key's
    # refresh has thrown away the styles it had looked up: a fifth of the frame that
    # shows a typed character. They only change with the CSS applied to the prompt (a
    # class, a pseudo class, the app's theme: Textual then calls `notify_style_update`,
    # which is also when TextArea forgets the lines it painted) or with another
    # TextArea theme; until then the styles worked out last still hold.
    _styled: object = None

    def notify_style_update(self) -> None:
        self._styled = None
        super().notify_style_update()

    def render_lines(self, crop: Region) -> list[Strip]:
        if self._styled is self._theme:
            return super(TextArea, self).render_lines(crop)  # skips `apply_css`
        self._styled = self._theme
        return super().render_lines(crop)

    # ------------------------------------------------------------------ actions

    async def _on_key(self, event: events.Key) -> None:
        if event.key in self._send_keys():
            event.stop()
            event.prevent_default()
            self.action_send()
            return
        await super()._on_key(event)
        if event.is_printable:
            self.post_message(self.Typed(self))

    def _send_keys(self) -> set[str]:
        """The keys bound to send, after any keymap override."""
        keys = {"enter"}
        for key, bindings in self._bindings.key_to_bindings.items():
            if any(b.action == "send" for b in bindings):
                keys.add(key)
        return keys

    def action_send(self) -> None:
        text = self.text
        if not text.strip():
            return
        # Cleared here, not when the app gets the message: keys typed in between
        # belong to the next prompt.
        self.clear()
        self.remember(text)
        if self.sendable:
            self.post_message(self.Submitted(self, text))
        else:
            # No tab yet (start-up): hold it; `release_held` sends it once there is.
            self.held.append(text)

    def release_held(self) -> None:
        held, self.held = self.held, []
        for text in held:
            self.post_message(self.Submitted(self, text))

    def action_newline(self) -> None:
        self.insert("\n")

    def action_interrupt(self) -> None:
        self.post_message(self.InterruptRequested(self))

    def action_transcript(self) -> None:
        self.post_message(self.CursorRequested(self))

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "interrupt":
            return self.busy
        if action == "transcript":
            return not self.busy
        return super().check_action(action, parameters)

    def set_busy(self, busy: bool) -> None:
        if busy != self.busy:
            self.busy = busy
            self.refresh_bindings()
