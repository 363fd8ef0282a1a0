"""Small modal dialogs: rename a session, confirm a deletion."""

from __future__ import annotations

from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Label

from tui.widgets.literal import literal

DIALOG_CSS = """
{name} {{
    align: center middle;
    background: $background 60%;
}}
{name} > Vertical {{
    width: 64;
    max-width: 90%;
    height: auto;
    border: round $accent;
    background: $surface;
    padding: 0 1;
}}
{name} .dialog-title {{ text-style: bold; color: $text; margin-bottom: 1; }}
{name} .dialog-hint {{ color: $text-muted; margin-top: 1; }}
"""


class RenameScreen(ModalScreen[str | None]):
    """An Input holding the current title; enter saves, escape cancels."""

    DEFAULT_CSS = DIALOG_CSS.format(name="RenameScreen")

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel", id="rename.cancel"),
    ]

    def __init__(self, title: str) -> None:
        super().__init__()
        self._title = title

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label("Rename session", classes="dialog-title")
            yield Input(self._title, placeholder="Session title", id="rename-input")
            yield Label("enter save · escape cancel", classes="dialog-hint")

    def on_mount(self) -> None:
        self.query_one(Input).focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        title = event.value.strip()
        self.dismiss(title or None)

    def action_cancel(self) -> None:
        self.dismiss(None)


class ConfirmScreen(ModalScreen[bool]):
    """A yes/no question; y or enter confirms, n or escape cancels."""

    DEFAULT_CSS = DIALOG_CSS.format(name="ConfirmScreen")

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("y,enter", "confirm", "Yes", id="confirm.yes"),
        Binding("n,escape", "cancel", "No", id="confirm.no"),
    ]

    def __init__(self, title: str, question: str) -> None:
        super().__init__()
        self._title = title
        self._question = question

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label(literal(self._title), classes="dialog-title")
            yield Label(literal(self._question))
            yield Label("y / enter yes · n / escape no", classes="dialog-hint")

    def action_confirm(self) -> None:
        self.dismiss(True)

    def action_cancel(self) -> None:
        self.dismiss(False)
