"""The start-up baseline: a bare Textual app with a Header, a Footer and one widget.

``python -m bench.bare_app`` -- started the same way as ``python -m tui``."""

from __future__ import annotations

from typing import ClassVar

from textual.app import App, ComposeResult
from textual.binding import Binding, BindingType
from textual.widgets import Footer, Header, TextArea

READY = "Type here"


class BareApp(App[None]):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+n", "bell", "New tab"),
        Binding("ctrl+q", "quit", "Quit", priority=True),
    ]

    def compose(self) -> ComposeResult:
        yield Header()
        yield TextArea(placeholder=f"{READY}  (a prompt, as in agent-tui)")
        yield Footer()


if __name__ == "__main__":
    BareApp().run()
