"""The main screen: sidebar, tab bar, the tabs' panes (one shown), status line, footer."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from textual import events
from textual.app import ComposeResult
from textual.compose import compose
from textual.containers import Container, Horizontal, Vertical
from textual.screen import Screen
from textual.widget import Widget
from textual.widgets import Footer
from textual.widgets._footer import FooterKey

from tui.screens.frame_timer import FrameRateScreen
from tui.widgets.session_pane import SessionPane
from tui.widgets.sidebar import Sidebar
from tui.widgets.status_line import StatusLine
from tui.widgets.tab_bar import TabBar
from tui.widgets.watchers import drop_closed_watchers

if TYPE_CHECKING:
    from tui.app import AgentTuiApp

# Classes a footer key sets on itself, not what kind of key it is.
_KEY_STATES = frozenset({"-compact", "-disabled"})

# Below this many columns the sidebar hides itself unless asked for (ctrl+b).
NARROW = 100


class KeysFooter(Footer):
    """Textual's footer, rebuilt only when the keys it would show change, once for a
    burst of changes, the first time without waiting for a frame, and in place when
    only what the keys say changes.

    Textual's footer rebuilds itself (mounting and styling every key anew) one frame
    after each signal that the bindings may have changed: moving the focus signals
    twice, start-up three times, and switching tabs moves the focus from one prompt
    to another with the very same keys. Here a rebuild is queued at most once, and
    skipped when the keys are those already shown; the first, at start-up, is queued
    at once, so that the keys are in the app's first frame. Starting and ending a
    turn swaps one key ("esc Turns" and "esc Interrupt"): the shown keys take the new
    labels instead of being replaced."""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._rebuild_queued = False
        self._shown: tuple[object, ...] | None = None

    def bindings_changed(self, screen: Screen[Any]) -> None:
        # What Textual's footer does, apart from when the rebuild runs.
        self._bindings_ready = True
        if not screen.app.app_focus or not self.is_attached or screen is not self.screen:
            return
        if self._rebuild_queued:
            return
        self._rebuild_queued = True
        if self._shown is None:
            self.call_later(self._rebuild)
        else:
            self.call_later(self._update)

    def _update(self) -> None:
        # New labels on the same keys go in at once, in the frame that shows what
        # changed them (a turn starting or ending); a new row of keys waits a frame.
        if self._relabel_now():
            self._rebuild_queued = False
        else:
            self.call_after_refresh(self._rebuild)

    def _active_keys(self) -> tuple[object, ...]:
        # Everything `compose` reads from the bindings (the keymap is applied to them).
        return tuple(
            (key, binding, enabled, tooltip)
            for key, (_, binding, enabled, tooltip) in self.screen.active_bindings.items()
        )

    def _relabel_now(self) -> bool:
        """Show the current bindings if that takes only new labels; False if it
        takes a rebuild."""
        shown = self._active_keys()
        if shown == self._shown:
            return True
        if not self._relabel(compose(self)):
            return False
        self._shown = shown
        return True

    async def _rebuild(self) -> None:
        self._rebuild_queued = False
        shown = self._active_keys()
        if shown == self._shown:
            return
        self._shown = shown
        # Textual's own compose, run but not mounted: what the footer would show.
        wanted = compose(self)
        if not self._relabel(wanted):
            async with self.batch():
                await self.remove_children()
                await self.mount_all(wanted)
            # Each key watched the footer's `compact`, which never changes here.
            drop_closed_watchers(self)

    def _relabel(self, wanted: list[Widget]) -> bool:
        """Give the shown keys what `wanted` says, if they are the same row of keys
        (same count, kinds and places); False if it takes a rebuild."""
        shown = list(self.children)
        if len(shown) != len(wanted) or not all(
            type(old) is type(new) is FooterKey
            and old.classes - _KEY_STATES == new.classes - _KEY_STATES
            for old, new in zip(shown, wanted, strict=True)
        ):
            return False
        for old, new in zip(shown, wanted, strict=True):
            assert isinstance(old, FooterKey) and isinstance(new, FooterKey)
            if _label(old) == _label(new):
                continue
            old.key, old.key_display, old.action = new.key, new.key_display, new.action
            old.description, old.tooltip = new.description, new.tooltip
            old._disabled = new._disabled
            old.set_class(new._disabled, "-disabled")
            old.refresh(layout=True)
        return True


def _label(key: FooterKey) -> tuple[object, ...]:
    """Everything a footer key shows or does."""
    return (key.key, key.key_display, key.action, key.description, key.tooltip, key._disabled)


class MainScreen(FrameRateScreen):
    def __init__(self, first_pane: SessionPane, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._first_pane: SessionPane | None = first_pane
        # The first tab's prompt has the focus from the first frame on (so the footer
        # shows its keys at once); afterwards the default applies (see `on_mount`).
        self.AUTO_FOCUS = "SessionPane PromptInput"  # type: ignore[misc]

    def compose(self) -> ComposeResult:
        with Horizontal(id="body"):
            yield Sidebar(id="sidebar")
            with Vertical(id="workspace"):
                yield TabBar(id="tab-bar")
                with Container(id="panes"):
                    # Composed with the screen, before the database has said which
                    # tab it belongs to (the app attaches it).
                    if self._first_pane is not None:
                        yield self._first_pane
                        self._first_pane = None  # the app keeps track of it
                yield StatusLine(id="status")
        yield KeysFooter(id="footer")

    async def on_mount(self) -> None:
        del self.AUTO_FOCUS
        self._apply_width(self.app.size.width)
        # Nothing is painted before this returns: the first frame shows the tabs and
        # the sessions when the database answers quickly, as it usually does.
        app: AgentTuiApp = self.app  # type: ignore[assignment]
        await app.first_frame_ready()

    def on_resize(self, event: events.Resize) -> None:
        self._apply_width(event.size.width)

    def _apply_width(self, width: int) -> None:
        self.set_class(width < NARROW, "-narrow")

    def on_screen_resume(self) -> None:
        app: AgentTuiApp = self.app  # type: ignore[assignment]
        app.call_later(app.pump_permissions)

    def _reset_focus(self, widget: Widget, avoiding: list[Widget] | None = None) -> None:
        # A tab's pane hides only as another tab's pane shows, and the app then gives
        # the focus to that tab's prompt (`AgentTuiApp._activate`). Textual moves the
        # focus of a widget that hides to a neighbour, and that often came first: the
        # hide is seen in the next frame, while the new tab's transcript was still
        # being read. The footer was rebuilt for the neighbour's keys, the hidden
        # transcript restyled, and a forked tab showed up to twice as late. So a
        # widget in a hidden pane keeps the focus until the app moves it; one that is
        # being removed (`avoiding`) gives it up as usual.
        if avoiding is None and _in_hidden_pane(widget):
            return
        super()._reset_focus(widget, avoiding)


def _in_hidden_pane(widget: Widget) -> bool:
    for node in widget.ancestors_with_self:
        if isinstance(node, SessionPane):
            return not node.display
    return False
