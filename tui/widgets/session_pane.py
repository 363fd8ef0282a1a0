"""What one tab shows: the transcript above, the prompt below."""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual.app import ComposeResult
from textual.containers import Vertical

from tui.widgets.prompt import PromptInput

if TYPE_CHECKING:
    from tui.widgets.chat import ChatView


class SessionPane(Vertical):
    DEFAULT_CSS = """
    SessionPane { height: 1fr; }
    """

    def __init__(
        self, tab_id: str, session_id: str, *, draft: str = "", placeholder: str | None = None
    ) -> None:
        super().__init__(id=f"pane-{tab_id}", classes="session-pane")
        self.tab_id = tab_id
        self.session_id = session_id
        self._draft = draft
        self._placeholder = placeholder

    def compose(self) -> ComposeResult:
        # Imported here: the transcript (and Markdown) load after the first frame.
        from tui.widgets.chat import ChatView

        yield ChatView(self.session_id)
        prompt = PromptInput(self._draft, classes="prompt")
        if self._placeholder:
            prompt.placeholder = self._placeholder
        yield prompt

    @property
    def chat(self) -> ChatView:
        from tui.widgets.chat import ChatView

        return self.query_one(ChatView)

    @property
    def prompt(self) -> PromptInput:
        return self.query_one(PromptInput)
