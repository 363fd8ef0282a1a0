"""What one tab shows: the transcript above, the prompt below."""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import Static

from tui.widgets.prompt import PromptInput

if TYPE_CHECKING:
    from tui.widgets.chat import ChatView

# What the transcript of a session without turns says (as ChatView does).
EMPTY_TEXT = "No turns yet."


class SessionPane(Vertical):
    """The prompt is composed at once; the transcript widget (and with it Markdown and
    syntax highlighting, a good part of start-up) is created on first use of `chat`.
    Until then a stand-in of the same size holds its place, showing what an empty
    transcript shows if the session is known to have no turns.

    The first tab's pane is composed with the screen, before the database has said
    which tab that is (`tab_id` is then ""); `attach` gives it its tab. Until then
    its prompt holds what is sent and sends it once attached."""

    DEFAULT_CSS = """
    SessionPane { height: 1fr; }
    SessionPane > .chat-pending {
        height: 1fr;
        padding: 0 1 0 0;
        background: $background;
    }
    SessionPane > .chat-pending.-empty {
        padding: 1 2;
        content-align: left bottom;
        color: $text-muted;
        text-style: italic;
    }
    """

    def __init__(
        self,
        tab_id: str = "",
        session_id: str = "",
        *,
        draft: str = "",
        placeholder: str | None = None,
        empty: bool = False,
    ) -> None:
        super().__init__(id=f"pane-{tab_id}" if tab_id else None, classes="session-pane")
        self.tab_id = tab_id
        self.session_id = session_id
        self._draft = draft
        self._placeholder = placeholder
        self._chat: ChatView | None = None
        self._pending = Static("", classes="chat-pending")
        self._show_empty(empty)

    def compose(self) -> ComposeResult:
        yield self._chat if self._chat is not None else self._pending
        prompt = PromptInput(self._draft, classes="prompt")
        if self._placeholder:
            prompt.placeholder = self._placeholder
        prompt.sendable = bool(self.tab_id)
        yield prompt

    def attach(self, tab_id: str, session_id: str, *, draft: str = "", empty: bool = False) -> None:
        """Make this pane (composed before its tab was known) the pane of a tab."""
        self.tab_id = tab_id
        self.session_id = session_id
        self._show_empty(empty)
        prompt = self.prompt
        if draft:
            typed = prompt.text  # typed while the database was still being read
            prompt.load_text(f"{draft}\n{typed}" if typed else draft)
            if typed:
                prompt.move_cursor(prompt.document.end)
        prompt.sendable = True
        # After the app has registered the tab this pane now belongs to.
        prompt.call_after_refresh(prompt.release_held)

    def on_prompt_input_typed(self, event: PromptInput.Typed) -> None:
        event.stop()
        if self._chat is not None:
            self._chat.key_typed()

    def _show_empty(self, empty: bool) -> None:
        self._pending.update(EMPTY_TEXT if empty else "")
        self._pending.set_class(empty, "-empty")

    @property
    def chat(self) -> ChatView:
        """The transcript, created (and mounted in the stand-in's place) on first use."""
        if self._chat is None:
            from tui.widgets.chat import ChatView

            self._chat = ChatView(self.session_id)
            if self._pending.parent is self:
                self.mount(self._chat, before=self._pending)
                self._pending.remove()
        return self._chat

    @property
    def prompt(self) -> PromptInput:
        return self.query_one(PromptInput)
