"""The main screen: sidebar, tab bar, the active tab's pane, status line, footer."""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual import events
from textual.app import ComposeResult
from textual.containers import Container, Horizontal, Vertical
from textual.screen import Screen
from textual.widgets import Footer, Static

from tui.widgets.sidebar import Sidebar
from tui.widgets.status_line import StatusLine
from tui.widgets.tab_bar import TabBar

if TYPE_CHECKING:
    from tui.app import AgentTuiApp

# Below this many columns the sidebar hides itself unless asked for (ctrl+b).
NARROW = 100


class MainScreen(Screen[None]):
    def compose(self) -> ComposeResult:
        with Horizontal(id="body"):
            yield Sidebar(id="sidebar")
            with Vertical(id="workspace"):
                yield TabBar(id="tab-bar")
                with Container(id="panes"):
                    yield Static("", id="loading")
                yield StatusLine(id="status")
        yield Footer(id="footer")

    def on_mount(self) -> None:
        self._apply_width(self.app.size.width)

    def on_resize(self, event: events.Resize) -> None:
        self._apply_width(event.size.width)

    def _apply_width(self, width: int) -> None:
        self.set_class(width < NARROW, "-narrow")

    def on_screen_resume(self) -> None:
        app: AgentTuiApp = self.app  # type: ignore[assignment]
        app.call_later(app.pump_permissions)
