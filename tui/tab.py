"""One open tab: its engine session, its pane, and the live state the tab bar and the
sidebar show. Plain state; the app drives it."""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from textual.message import Message
from textual.timer import Timer

if TYPE_CHECKING:
    from tui.agent.events import AgentEvent, PermissionRequest
    from tui.agent.session import AgentSession
    from tui.widgets.session_pane import SessionPane


class SessionEvent(Message):
    """An engine event for one tab, delivered on the app's message queue."""

    def __init__(self, tab_id: str, event: AgentEvent) -> None:
        super().__init__()
        self.tab_id = tab_id
        self.event = event


@dataclass(eq=False)
class Tab:
    tab_id: str
    session: AgentSession
    pane: SessionPane
    title: str = ""
    state: str = "idle"
    unread: bool = False
    running: bool = False
    queued: int = 0
    loaded: bool = False
    context_tokens: int = 0
    cost_usd: float = 0.0
    note: str = ""
    permissions: deque[PermissionRequest] = field(default_factory=deque)
    draft_timer: Timer | None = None

    @property
    def session_id(self) -> str:
        return self.session.session_id

    @property
    def cwd(self) -> str:
        return str(self.session.settings.cwd)

    @property
    def model(self) -> str | None:
        return self.session.settings.model

    @property
    def mark(self) -> str | None:
        """The live-state mark for the tab bar and the sidebar."""
        if self.pending_permission() is not None:
            return "permission"
        if self.state in ("connecting", "streaming"):
            return "streaming"
        if self.state == "error":
            return "error"
        if self.unread:
            return "unread"
        return None

    def apply(self, event: AgentEvent, *, active: bool) -> None:
        """Update the live state from one engine event."""
        from tui.agent import events as ev

        if isinstance(event, ev.ConnectionChanged):
            if event.state == "connecting":
                self.state = "connecting"
            elif event.state == "disconnected" and "idle" in event.reason:
                self.note = "disconnected (idle)"
        elif isinstance(event, ev.TurnStarted):
            self.state = "streaming"
            self.running = True
            self.queued = max(0, self.queued - 1)
            self.note = ""
        elif isinstance(event, ev.PermissionRequested):
            self.permissions.append(event.request)
            self.state = "permission"
        elif isinstance(event, ev.PermissionResolved):
            if self.state == "permission":
                self.state = "streaming"
        elif isinstance(event, ev.ApiRetrying):
            self.note = f"API busy, retry {event.attempt}/{event.max_retries}"
        elif isinstance(event, (ev.TurnFinished, ev.TurnInterrupted, ev.ErrorOccurred)):
            self.running = self.queued > 0
            self.note = ""
            if isinstance(event, ev.TurnFinished):
                self.state = "error" if event.is_error else "idle"
                if event.usage.total:
                    self.context_tokens = event.usage.total
                if event.cost_usd:
                    self.cost_usd += event.cost_usd
                if not active:
                    self.unread = True
            else:
                self.state = "idle" if isinstance(event, ev.TurnInterrupted) else "error"
        elif isinstance(event, ev.TitleChanged):
            self.title = event.title

    def pending_permission(self) -> PermissionRequest | None:
        while self.permissions and self.permissions[0].future.done():
            self.permissions.popleft()
        return self.permissions[0] if self.permissions else None
