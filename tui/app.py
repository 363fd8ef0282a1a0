"""The agent-tui application: tabs of Claude sessions, a session sidebar, forking.

Start-up stays close to a bare Textual app: nothing here imports the Claude Agent
SDK (the engine imports it lazily when a session first connects or forks); the
database opens and the first reads run while the screen is composed, and the first
frame, with the first tab's prompt composed in, waits briefly for them so that it
shows tabs and sessions at once. The transcript widget follows right after, and
once the UI is up the SDK import is warmed in a thread so the first prompt does not
pay for it.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import uuid
from collections import deque
from collections.abc import Awaitable, Iterable, Iterator
from functools import cache, partial
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

from textual import on
from textual.app import App, SystemCommand
from textual.binding import Binding, BindingType
from textual.screen import Screen
from textual.widgets import TextArea

from tui.agent.pool import LivePool
from tui.collector import Collector
from tui.commands import MODEL_CHOICES, ModelCommands
from tui.config import PERMISSION_MODES, Config
from tui.paths import styles_dir, user_data_dir
from tui.screens.main import MainScreen
from tui.tab import SessionEvent, Tab
from tui.widgets.keys_first import KeysFirstApp
from tui.widgets.prompt import DEMO_PLACEHOLDER, PromptInput
from tui.widgets.session_pane import SessionPane
from tui.widgets.sidebar import SessionList, Sidebar
from tui.widgets.status_line import MODE_LABELS, StatusInfo, StatusLine
from tui.widgets.tab_bar import TabBar, TabInfo
from tui.widgets.watchers import drop_closed_watchers

# The store and the engine are imported where they are first used, while the screen
# is composed and the database read (`_read_start`); the transcript (Markdown,
# highlighting) only after the first frame, the SDK in a thread after that.
if TYPE_CHECKING:
    from tui.agent.events import AgentEvent, PermissionRequest
    from tui.agent.history import RecentTurns
    from tui.agent.session import AgentSession
    from tui.store import Catalog, Database, SessionRow, SqliteSessionStore, TabRow
    from tui.widgets.chat import ChatView

    # What start-up reads before the first frame (see `_read_start`).
    StartRead = tuple[list[TabRow], list[SessionRow], int, int]

log = logging.getLogger(__name__)

DRAFT_DEBOUNCE = 0.3
# Sessions read for the sidebar before the first frame (at least; a screenful more
# on a tall terminal); the rest follow right after it.
STARTUP_ROWS = 100
# How long (seconds) the first frame waits at most for the database.
FIRST_FRAME_WAIT = 0.3


@cache
def _transcript_only() -> tuple[type, ...]:
    """Engine events that change only a tab's transcript, not its state."""
    from tui.agent import events as ev

    return (
        ev.TextDelta,
        ev.ThinkingDelta,
        ev.MessageCompleted,
        ev.ToolUseStarted,
        ev.ToolUseInput,
        ev.ToolUseFinished,
    )


# The stylesheets the first frame needs (the chrome); every other *.tcss in the
# styles folder (transcript, dialogs) is read right after that frame, still in
# sorted order, before any widget that uses it exists. Parsing CSS is a good part
# of a Textual app's start-up.
FIRST_FRAME_CSS = ("app.tcss",)


def _css_paths() -> list[Path]:
    return sorted(styles_dir().glob("*.tcss"))


def _first_frame_css() -> list[Path]:
    paths = _css_paths()
    first = [p for p in paths if p.name in FIRST_FRAME_CSS]
    # Only a prefix of the sorted list can be deferred without changing precedence.
    if first and paths[: len(first)] == first:
        return first
    return paths


def _retrieved(future: asyncio.Future[Any]) -> None:
    if not future.cancelled():
        future.exception()


def _warm_sdk() -> None:
    import claude_agent_sdk  # noqa: F401


class AgentTuiApp(KeysFirstApp[None]):
    TITLE = "agent-tui"
    CSS_PATH: ClassVar[Any] = _first_frame_css()
    COMMANDS = App.COMMANDS | {ModelCommands}
    COMMAND_PALETTE_BINDING = "ctrl+p"

    # Footer order follows this list: the help key first, so it is always on screen.
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("f1", "help", "Keys", id="app.help"),
        Binding("ctrl+n", "new_tab", "New tab", id="app.new_tab"),
        # Priority: the prompt editor binds ctrl+w to delete a word (alt+backspace still does).
        Binding("ctrl+w", "close_tab", "Close tab", priority=True, id="app.close_tab"),
        Binding("ctrl+t", "fork_tree", "Fork tree", id="app.fork_tree"),
        Binding("ctrl+b", "toggle_sidebar", "Sidebar", id="app.toggle_sidebar"),
        Binding("shift+tab", "cycle_mode", "Mode", show=False, priority=True, id="app.cycle_mode"),
        Binding("ctrl+pagedown", "next_tab", "Next tab", show=False, id="app.next_tab"),
        Binding("ctrl+pageup", "previous_tab", "Previous tab", show=False, id="app.previous_tab"),
        Binding("ctrl+f", "find_session", "Find session", show=False, id="app.find_session"),
        Binding("ctrl+p", "command_palette", "Commands", show=False, id="app.command_palette"),
        Binding("ctrl+q", "quit", "Quit", show=False, priority=True, id="app.quit"),
    ]

    def __init__(
        self,
        *,
        db_path: Path,
        cwd: Path,
        config: Config | None = None,
        demo: bool = False,
        demo_home: Path | None = None,
    ) -> None:
        super().__init__()
        self.db_path = Path(db_path)
        self.cwd = Path(cwd)
        self.config = config or Config()
        self.demo = demo
        # Where the demo's CLI keeps HOME and its config; never the user's ~/.claude.
        self.demo_home = demo_home
        self.db: Database | None = None
        self.store: SqliteSessionStore | None = None
        self.catalog: Catalog | None = None
        self.pool = LivePool(self.config.max_live_clients)
        self.env: dict[str, str] = {}
        self.demo_server: Any = None
        self.tabs: list[Tab] = []
        self.active_tab: Tab | None = None
        self.ready = asyncio.Event()
        self.sidebar_ready = asyncio.Event()
        self.recovered = asyncio.Event()
        self._save_lock = asyncio.Lock()
        self._permission_screen: Screen[Any] | None = None
        self._permission_request: PermissionRequest | None = None
        self._tree_screen: Any = None
        self._tree_session: str | None = None
        self._closing_sessions: set[asyncio.Task[Any]] = set()
        self._closing_by_session: dict[str, asyncio.Task[Any]] = {}
        self._db_opening: asyncio.Future[Database] | None = None
        self._first_read: asyncio.Future[StartRead] | None = None
        # Set once the first tabs and sessions are on screen (or start-up failed).
        self._start_shown = asyncio.Event()
        self._shut_down = False
        self._run_prompts: list[str] = []
        # Engine events waiting to be handled, per tab (see `_emit`).
        self._pending_events: dict[str, deque[AgentEvent]] = {}
        self._main: MainScreen | None = None
        self._first_pane: SessionPane | None = None
        self.collector = Collector()
        self.collector.starting()
        if demo:
            self.sub_title = "DEMO"

    # ----------------------------------------------------------------- set-up

    def get_default_screen(self) -> Screen[Any]:
        self._first_pane = SessionPane(placeholder=DEMO_PLACEHOLDER if self.demo else None)
        self._main = MainScreen(self._first_pane, id="main")
        return self._main

    @property
    def main(self) -> MainScreen:
        assert self._main is not None
        return self._main

    @property
    def sidebar(self) -> Sidebar:
        return self.main.query_one(Sidebar)

    @property
    def session_list(self) -> SessionList:
        return self.main.query_one(SessionList)

    def on_load(self) -> None:
        # The earliest the event loop runs: the database opens and the first reads
        # are sent (mostly SQLite's work, on its own thread) while the screen is
        # composed. The opening is a task of its own, so quitting during start-up
        # cannot leave a half-opened connection (shutdown closes it).
        self._db_opening = asyncio.ensure_future(self._open_database())
        self._first_read = asyncio.ensure_future(self._read_start())
        # `_startup` reports a failure; should the app quit before it gets there,
        # asyncio would also log the failure as never retrieved.
        self._first_read.add_done_callback(_retrieved)

    def on_mount(self) -> None:
        self._apply_theme()
        if self.demo:
            self.title = "agent-tui DEMO"
        self.run_worker(self._startup(), name="startup", group="startup")

    def _apply_theme(self) -> None:
        theme = self.config.theme
        if theme in self.available_themes:
            self.theme = theme
        else:
            self.notify(
                f"Unknown theme '{theme}' in the config; using textual-dark. "
                f"Themes: {', '.join(sorted(self.available_themes))}",
                title="Config",
                severity="warning",
                timeout=10,
            )

    def _apply_keymap(self) -> None:
        keys = dict(self.config.keys)
        if not keys:
            return
        from tui.screens.help import known_binding_ids

        known = known_binding_ids()
        unknown = sorted(k for k in keys if k not in known)
        for name in unknown:
            keys.pop(name)
        if unknown:
            self.notify(
                f"Unknown key binding id {', '.join(repr(u) for u in unknown)} in the config's "
                "[keys] table; it was ignored. Press f1 to see every binding id.",
                title="Config",
                severity="warning",
                timeout=10,
            )
        if keys:
            self.set_keymap(keys)

    async def _open_database(self) -> Database:
        from tui.store import Database

        return await Database.open(self.db_path)

    async def _read_start(self) -> StartRead:
        """The saved tabs, the first sessions for the sidebar, how many there are."""
        assert self._db_opening is not None
        from tui.store import Catalog, SqliteSessionStore

        # Shielded: see `on_load`.
        db = self.db = await asyncio.shield(self._db_opening)
        self.store = SqliteSessionStore(db)
        self.catalog = Catalog(db, self.store)
        # The sidebar starts with the sessions a screen can show; the rest are read
        # right after the first frame (ten thousand take longer than the frame).
        page = max(STARTUP_ROWS, 2 * self.size.height)
        reading = asyncio.gather(
            self.catalog.load_tabs(),
            self.catalog.list_sessions(limit=page),
            self.catalog.count_sessions(include_archived=False),
        )
        await asyncio.sleep(0)  # the queries are queued on the connection's thread now
        # The engine (for `_make_tab`) is imported while SQLite answers them.
        from tui.agent.session import AgentSession  # noqa: F401

        saved, rows, total = await reading
        return saved, rows, total, page

    async def first_frame_ready(self) -> None:
        """For the main screen, before it paints for the first time: wait until the
        tabs and the sidebar show what the database holds, or a moment at most (a
        database locked by another process can take seconds; the chrome paints
        meanwhile and the rest follows)."""
        with contextlib.suppress(asyncio.TimeoutError):
            await asyncio.wait_for(self._start_shown.wait(), FIRST_FRAME_WAIT)

    async def _startup(self) -> None:
        # The database opened and the first reads were sent while the screen was
        # composed (`on_load`); tabs, prompt and sidebar are filled in one update,
        # which the main screen waits for before its first frame. The transcript
        # widget (Markdown, highlighting), the rest of the CSS and of the sessions
        # come right after that frame.
        try:
            with self._unless_quitting():
                await self._show_start()
        finally:
            self._start_shown.set()

    @contextlib.contextmanager
    def _unless_quitting(self) -> Iterator[None]:
        """Start-up work that fails because the app is quitting (which closes the
        database under it) ends quietly."""
        try:
            yield
        except Exception:
            if not self._shut_down:
                raise
            log.debug("start-up cut short by quitting", exc_info=True)

    async def _show_start(self) -> None:
        assert self._first_read is not None and self._first_pane is not None
        from tui.store import StoreError

        try:
            saved, rows, total, page = await self._first_read
        except StoreError as exc:
            # Textual prints this with markup off; no traceback, the file untouched.
            self.exit(return_code=2, message=f"agent-tui: {exc}")
            return
        assert self.catalog is not None
        if self.demo:
            self._start_demo_server()
        by_id = {r.id: r for r in rows}
        # The pane composed with the screen goes to the tab shown first: the saved
        # active one, else the first saved one, else a new tab.
        first_pane, self._first_pane = self._first_pane, None
        shown = next((r for r in saved if r.active), saved[0] if saved else None)
        new_tabs: list[Tab] = []
        active: Tab | None = None
        for row in saved:
            session = by_id.get(row.session_id)
            if session is None:  # archived, or not among the first sessions
                session = await self.catalog.get_session(row.session_id)
            tab = self._make_tab(
                row.tab_id,
                row.session_id,
                cwd=row.cwd,
                model=row.model,
                draft=row.draft,
                title=session.title if session is not None else "",
                empty=session is None or not session.turn_count,
                pane=first_pane if row is shown else None,
            )
            new_tabs.append(tab)
            if row is shown:
                active = tab
        if active is None:
            active = self._make_tab(
                self._new_tab_id(), str(uuid.uuid4()), empty=True, pane=first_pane
            )
            new_tabs.append(active)
        with self.batch_update():
            self.tabs.extend(new_tabs)
            self.active_tab = active
            hidden = [t.pane for t in new_tabs if t is not active]
            if hidden:
                await self.main.query_one("#panes").mount_all(hidden)
            self._show_sessions(rows, total if len(rows) == page else None)
            self._refresh_chrome()
        if len(rows) < page and not self.sidebar.query_text:
            self.sidebar_ready.set()  # else once all are read (`_finish_start`)
        self.call_after_refresh(self._after_first_frame, active, not saved)

    def _load_remaining_css(self) -> None:
        loaded = {Path(p) for p in self.css_path}
        rest = [p for p in _css_paths() if p not in loaded]
        if not rest:
            return
        for path in rest:
            self.stylesheet.read(path)
        self.stylesheet.parse()
        self.css_path.extend(rest)
        for screen in self.screen_stack:
            self.stylesheet.update(screen)

    def _after_first_frame(self, active: Tab, save: bool) -> None:
        self.run_worker(
            self._background_start(active, save), name="background-start", group="startup"
        )

    async def _background_start(self, active: Tab, save: bool) -> None:
        with self._unless_quitting():
            await self._finish_start(active, save)

    async def _finish_start(self, active: Tab, save: bool) -> None:
        self._load_remaining_css()
        self._apply_keymap()
        if self.active_tab is active:  # unless another tab was chosen meanwhile
            await self._activate(active, save=save)
        self.ready.set()
        if not self.sidebar_ready.is_set():  # only the first sessions were read
            await self.refresh_sidebar()
            self.sidebar_ready.set()
        try:
            await asyncio.to_thread(_warm_sdk)
        except Exception as exc:  # a broken install shows up on the first prompt instead
            log.debug("SDK warm-up failed: %r", exc)
        finally:
            # The SDK's modules, too, live as long as the app: frozen with the rest.
            self.collector.started()
        await self._recover()

    def _start_demo_server(self) -> None:
        from tui.demo import ScriptedServer, cli_env

        home = self.demo_home or user_data_dir() / "demo"
        home.mkdir(parents=True, exist_ok=True)
        self.demo_server = ScriptedServer(pace=0.02).start()
        self.env = cli_env(self.demo_server.url, home)

    async def _recover(self) -> None:
        assert self.store is not None and self.catalog is not None
        from tui.agent.history import load_turns
        from tui.agent.recovery import recover_sessions

        try:
            found = await recover_sessions(
                self.store, [(t.session_id, t.cwd) for t in self.tabs], env=self.env or None
            )
        except Exception as exc:
            log.warning("recovery failed: %r", exc)
            found = []
        for session_id in dict.fromkeys(found):
            tab = self.tab_for_session(session_id)
            if tab is None or tab.running:
                continue
            row = await self.catalog.get_session(session_id)
            if row is not None:
                self._sidebar_upsert(row)
            if tab.loaded:
                turns = await load_turns(self.store, self.catalog, session_id)
                if len(turns) > tab.pane.chat.turn_count:
                    tab.pane.chat.show_turns(turns)
                    tab.pane.prompt.set_session_history([t.prompt for t in turns])
        self.recovered.set()

    # ------------------------------------------------------------------- tabs

    @staticmethod
    def _new_tab_id() -> str:
        return "t" + uuid.uuid4().hex[:12]

    def _make_tab(
        self,
        tab_id: str,
        session_id: str,
        *,
        cwd: str | None = None,
        model: str | None = None,
        draft: str = "",
        title: str = "",
        empty: bool = False,
        pane: SessionPane | None = None,
    ) -> Tab:
        assert self.store is not None and self.catalog is not None
        from tui.agent.options import SessionSettings
        from tui.agent.session import AgentSession

        config = self.config
        settings = SessionSettings(
            cwd=Path(cwd) if cwd else self.cwd,
            model=model if model is not None else config.model,
            permission_mode=config.permission_mode,
            system_prompt=config.system_prompt,
            append_system_prompt=config.append_system_prompt,
            setting_sources=config.setting_sources,
            env=dict(self.env),
        )
        session = AgentSession(
            session_id,
            store=self.store,
            catalog=self.catalog,
            settings=settings,
            pool=self.pool,
            emit=partial(self._emit, tab_id),
        )
        if pane is not None:  # the pane composed with the screen (start-up)
            pane.attach(tab_id, session_id, draft=draft, empty=empty)
        else:
            pane = SessionPane(
                tab_id,
                session_id,
                draft=draft,
                placeholder=DEMO_PLACEHOLDER if self.demo else None,
                empty=empty,
            )
            pane.display = False
        return Tab(tab_id, session, pane, title=title)

    def _emit(self, tab_id: str, event: AgentEvent) -> None:
        # Events queue up per tab and one message drains the queue: whatever arrives
        # before it is handled goes with it. (Streamed text already comes in runs:
        # the engine joins deltas, see `Translator`.)
        queue = self._pending_events.get(tab_id)
        if queue is None:
            queue = self._pending_events[tab_id] = deque()
        queue.append(event)
        if len(queue) == 1:
            self.post_message(SessionEvent(tab_id, event))

    def tab_by_id(self, tab_id: str) -> Tab | None:
        return next((t for t in self.tabs if t.tab_id == tab_id), None)

    def tab_for_session(self, session_id: str) -> Tab | None:
        return next((t for t in self.tabs if t.session_id == session_id), None)

    def _tab_of_widget(self, widget: Any) -> Tab | None:
        node = widget
        while node is not None and not isinstance(node, SessionPane):
            node = node.parent
        if node is None:
            return None
        return self.tab_by_id(node.tab_id)

    async def _open_tab(
        self,
        session_id: str,
        *,
        cwd: str | None = None,
        model: str | None = None,
        draft: str = "",
        title: str = "",
    ) -> Tab:
        tab = self._make_tab(
            self._new_tab_id(), session_id, cwd=cwd, model=model, draft=draft, title=title
        )
        self.tabs.append(tab)
        await self.main.query_one("#panes").mount(tab.pane)
        await self._activate(tab)
        return tab

    async def _activate(self, tab: Tab, *, save: bool = True, focus: bool = True) -> None:
        previous = self.active_tab
        if previous is not None and previous is not tab:
            await self._flush_draft(previous)
            previous.pane.display = False
        self.active_tab = tab
        tab.pane.display = True
        tab.unread = False
        if not tab.loaded:
            await self._load_transcript(tab)
        if focus:
            tab.pane.prompt.focus()
        self._refresh_chrome()
        if save:
            await self.save_tabs()
        self.pump_permissions()

    async def _load_transcript(self, tab: Tab) -> None:
        """Show a tab's stored turns: the newest at once, then (in a long session)
        the ones before them, once the newest are on screen."""
        assert self.store is not None and self.catalog is not None
        from tui.agent.history import load_recent_turns

        chat = tab.pane.chat
        recent = await load_recent_turns(
            self.store, self.catalog, tab.session_id, chat.INITIAL_TURNS
        )
        tab.loaded = True
        chat.show_turns(recent.turns, older=recent.older)
        tab.pane.prompt.set_session_history([t.prompt for t in recent.turns])
        if recent.turns and recent.turns[-1].usage is not None:
            tab.context_tokens = recent.turns[-1].usage.total
        if recent.older:
            # The chat's worker: closing the tab cancels it.
            chat.run_worker(self._load_older_turns(tab, recent), group="history")

    async def _load_older_turns(self, tab: Tab, recent: RecentTurns) -> None:
        assert self.store is not None and self.catalog is not None
        from tui.agent.history import load_older_turns

        # Reading them holds the event loop for a moment: not before the newest
        # turns are on screen.
        await tab.pane.chat.wait_idle()
        painted = asyncio.Event()
        self.call_after_refresh(painted.set)
        await painted.wait()
        try:
            turns = await load_older_turns(self.store, self.catalog, tab.session_id, recent)
        except Exception as exc:
            # The newest turns stay shown; the older ones stay out of reach.
            log.warning("could not read older turns of %s: %r", tab.session_id, exc)
            self.notify(f"Could not read this session's older turns: {exc}", severity="error")
            return
        if tab in self.tabs:
            tab.pane.chat.fill_history(turns)
            tab.pane.prompt.add_older_history([t.prompt for t in turns])

    async def save_tabs(self) -> None:
        """Write the open tabs (order, active, drafts) so a crash loses nothing."""
        if self.catalog is None:
            return
        from tui.store import TabRow

        rows = [
            TabRow(
                tab_id=t.tab_id,
                position=i,
                session_id=t.session_id,
                cwd=t.cwd,
                model=t.model,
                draft=self._draft_of(t),
                active=t is self.active_tab,
            )
            for i, t in enumerate(self.tabs)
        ]
        async with self._save_lock:
            try:
                await self.catalog.save_tabs(rows)
            except Exception as exc:
                log.warning("could not save tabs: %r", exc)

    @staticmethod
    def _draft_of(tab: Tab) -> str:
        try:
            return tab.pane.prompt.text
        except Exception:
            return ""

    async def _flush_draft(self, tab: Tab) -> None:
        if tab.draft_timer is not None:
            tab.draft_timer.stop()
            tab.draft_timer = None
        await self._save_draft(tab)

    async def _save_draft(self, tab: Tab) -> None:
        tab.draft_timer = None
        if self.catalog is None or tab not in self.tabs:
            return
        try:
            await self.catalog.save_draft(tab.tab_id, self._draft_of(tab))
        except Exception as exc:
            log.warning("could not save a draft: %r", exc)

    @on(TextArea.Changed)
    def _draft_changed(self, event: TextArea.Changed) -> None:
        if not isinstance(event.text_area, PromptInput):
            return
        tab = self._tab_of_widget(event.text_area)
        if tab is None:
            return
        if tab.draft_timer is not None:
            tab.draft_timer.stop()
        tab.draft_timer = self.set_timer(DRAFT_DEBOUNCE, partial(self._save_draft, tab))

    async def new_tab(self) -> Tab:
        return await self._open_tab(str(uuid.uuid4()))

    async def close_tab(self, tab: Tab) -> None:
        if tab not in self.tabs:
            return
        index = self.tabs.index(tab)
        if tab.draft_timer is not None:
            tab.draft_timer.stop()
        self.tabs.remove(tab)
        for request in list(tab.permissions):
            request.answer("deny", "The tab was closed.")
        self._close_session_soon(tab.session)
        self.session_list.set_state(tab.session_id, None)
        self.collector.streaming(any(t.running for t in self.tabs))
        was_active = tab is self.active_tab
        if was_active:
            self.active_tab = None
        await tab.pane.remove()
        drop_closed_watchers(self)  # the prompt watched the app's theme
        if not self.tabs:
            await self._open_tab(str(uuid.uuid4()))
            return
        if was_active:
            await self._activate(self.tabs[min(index, len(self.tabs) - 1)])
        else:
            self._refresh_chrome()
            await self.save_tabs()

    def _close_session_soon(self, session: AgentSession) -> asyncio.Task[None]:
        task = asyncio.create_task(session.close())
        self._closing_sessions.add(task)
        task.add_done_callback(self._closing_sessions.discard)
        self._closing_by_session[session.session_id] = task
        task.add_done_callback(lambda _: self._closing_by_session.pop(session.session_id, None))
        return task

    async def open_session(self, session_id: str) -> Tab | None:
        """Focus the tab that has `session_id`, or open it in a new one."""
        tab = self.tab_for_session(session_id)
        if tab is not None:
            await self._activate(tab)
            return tab
        assert self.catalog is not None
        row = await self.catalog.get_session(session_id)
        if row is None:
            self.notify("That session is no longer in the database.", severity="error")
            return None
        return await self._open_tab(session_id, cwd=row.cwd, title=row.title)

    # ----------------------------------------------------------------- chrome

    def _refresh_chrome(self) -> None:
        """Tab bar, status line and the sidebar's open/active marks."""
        if not self.is_running:
            return
        main = self.main
        active = self.active_tab
        main.query_one(TabBar).set_tabs(
            [TabInfo(t.tab_id, t.title, t.mark) for t in self.tabs],
            active.tab_id if active else None,
        )
        self._refresh_status()
        self.session_list.set_open(
            [t.session_id for t in self.tabs], active.session_id if active else None
        )
        for t in self.tabs:
            self.session_list.set_state(t.session_id, t.mark)

    def _refresh_status(self) -> None:
        tab = self.active_tab
        if tab is None:
            return
        self.main.query_one(StatusLine).show(
            StatusInfo(
                model=tab.model,
                mode=tab.session.settings.permission_mode,
                cwd=tab.cwd,
                context_tokens=tab.context_tokens,
                cost_usd=tab.cost_usd,
                state=tab.state if tab.state != "idle" or not tab.running else "connecting",
                queued=tab.queued,
                demo=self.demo,
                note=tab.note,
            )
        )

    def _tab_changed(self, tab: Tab) -> None:
        """One tab's live state changed: repaint only what shows it."""
        active = self.active_tab
        self.main.query_one(TabBar).set_tabs(
            [TabInfo(t.tab_id, t.title, t.mark) for t in self.tabs],
            active.tab_id if active else None,
        )
        self.session_list.set_state(tab.session_id, tab.mark)
        if tab is active:
            self._refresh_status()
        tab.pane.prompt.set_busy(tab.running)
        self.collector.streaming(any(t.running for t in self.tabs))

    # ---------------------------------------------------------------- sidebar

    async def refresh_sidebar(self) -> None:
        if self.catalog is None:
            return
        query = self.sidebar.query_text
        rows = await self.catalog.list_sessions(query)
        self._show_sessions(rows)
        self._refresh_chrome()

    def _show_sessions(self, rows: list[SessionRow], count: int | None = None) -> None:
        """`count`: how many sessions there are, when `rows` are only the first."""
        self.session_list.set_rows(rows)
        self.sidebar.set_count(len(rows) if count is None else count)

    def _sidebar_upsert(self, row: SessionRow) -> None:
        if self.sidebar.query_text:
            self.run_worker(self.refresh_sidebar(), group="sidebar", exclusive=True)
            return
        known = self.session_list.index_of(row.id) is not None
        self.session_list.upsert(row)
        if not known:
            self.sidebar.set_count(len(self.session_list.rows))

    async def _refresh_session_row(self, session_id: str) -> None:
        if self.catalog is None:
            return
        row = await self.catalog.get_session(session_id)
        if row is None:
            return
        if self.sidebar_ready.is_set():
            self._sidebar_upsert(row)
        tab = self.tab_for_session(session_id)
        if tab is not None and row.title and row.title != tab.title:
            tab.title = row.title
            self._tab_changed(tab)

    @on(Sidebar.FilterChanged)
    async def _filter_changed(self, _: Sidebar.FilterChanged) -> None:
        await self.refresh_sidebar()

    @on(SessionList.Selected)
    async def _session_selected(self, event: SessionList.Selected) -> None:
        await self.open_session(event.session_id)

    @on(SessionList.Left)
    def _list_left(self, _: SessionList.Left) -> None:
        if self.active_tab is not None:
            self.active_tab.pane.prompt.focus()

    @on(SessionList.RenameRequested)
    async def _rename_requested(self, event: SessionList.RenameRequested) -> None:
        assert self.catalog is not None
        from tui.screens.dialogs import RenameScreen

        row = await self.catalog.get_session(event.session_id)
        if row is None:
            return
        self.push_screen(RenameScreen(row.title), partial(self._rename_done, row.id))

    async def _rename_done(self, session_id: str, title: str | None) -> None:
        if not title or self.catalog is None:
            return
        from tui.store import StoreError

        try:
            await self.catalog.rename_session(session_id, title)
        except StoreError as exc:
            self.notify(str(exc), severity="error")
            return
        await self._refresh_session_row(session_id)
        tab = self.tab_for_session(session_id)
        if tab is not None:
            tab.title = title
            self._tab_changed(tab)

    @on(SessionList.DeleteRequested)
    async def _delete_requested(self, event: SessionList.DeleteRequested) -> None:
        assert self.catalog is not None
        from tui.screens.dialogs import ConfirmScreen

        row = await self.catalog.get_session(event.session_id)
        if row is None:
            return
        name = row.title or "Untitled"
        open_note = " Its tab will close." if self.tab_for_session(row.id) else ""
        self.push_screen(
            ConfirmScreen(
                "Delete session?",
                f"“{name}” and its {row.turn_count} turns will be deleted.{open_note}",
            ),
            partial(self._delete_done, row.id),
        )

    async def _delete_done(self, session_id: str, confirmed: bool | None) -> None:
        if not confirmed or self.catalog is None:
            return
        from tui.store import StoreError

        tab = self.tab_for_session(session_id)
        if tab is not None:
            await self.close_tab(tab)
        closing = self._closing_by_session.get(session_id)
        if closing is not None:
            # A CLI still writing would bring the session back after the delete.
            with contextlib.suppress(Exception):
                await asyncio.wait_for(asyncio.shield(closing), timeout=15)
        try:
            await self.catalog.delete_session(session_id)
        except StoreError as exc:
            self.notify(str(exc), severity="error")
            return
        self.session_list.remove_session(session_id)
        self.sidebar.set_count(len(self.session_list.rows))
        self.notify("Session deleted.", timeout=3)
        self.session_list.focus()

    # ----------------------------------------------------------------- prompt

    @on(PromptInput.Submitted)
    def _prompt_submitted(self, event: PromptInput.Submitted) -> None:
        tab = self._tab_of_widget(event.prompt)
        if tab is None:
            return
        text = event.text
        if tab.running:
            tab.queued += 1
            self.notify("Queued: it will be sent when the current turn ends.", timeout=3)
        tab.session.send(text)
        tab.running = True
        self._run_prompts.append(text)
        if tab.draft_timer is not None:
            tab.draft_timer.stop()
        tab.draft_timer = self.set_timer(0.01, partial(self._save_draft, tab))
        self._tab_changed(tab)

    @on(PromptInput.InterruptRequested)
    def _interrupt_requested(self, event: PromptInput.InterruptRequested) -> None:
        tab = self._tab_of_widget(event.prompt)
        if tab is not None:
            self.run_worker(self._interrupt(tab), group=f"interrupt-{tab.tab_id}")

    async def _interrupt(self, tab: Tab) -> None:
        tab.note = "interrupting…"
        self._tab_changed(tab)
        try:
            done = await tab.session.interrupt()
        finally:
            tab.note = ""
        if not done and tab.state == "connecting":
            self.notify("Claude is still starting; the prompt will run once it is up.")
        self._tab_changed(tab)

    @on(PromptInput.CursorRequested)
    def _cursor_requested(self, event: PromptInput.CursorRequested) -> None:
        tab = self._tab_of_widget(event.prompt)
        if tab is None:
            return
        if not tab.pane.chat.turn_count:
            self.notify("No turns yet: send a prompt first.", timeout=3)
            return
        tab.pane.chat.start_cursor()

    # ChatView's messages are handled by name: importing the chat (and Markdown)
    # here would put it on the path to the first frame.

    def on_chat_view_cursor_left(self, _: ChatView.CursorLeft) -> None:
        if self.active_tab is not None:
            self.active_tab.pane.prompt.focus()

    # ---------------------------------------------------------------- forking

    def _running_turn(self, session_id: str) -> int | None:
        """The turn number still streaming in `session_id`'s tab, if any."""
        tab = self.tab_for_session(session_id)
        if tab is None or not tab.running:
            return None
        return tab.pane.chat.turn_count or None

    async def on_chat_view_fork_requested(self, event: ChatView.ForkRequested) -> None:
        running = self._running_turn(event.session_id)
        if running is not None and event.turn >= running:
            self.notify(
                f"Turn {event.turn} is still running; fork a completed turn.",
                severity="warning",
            )
            return
        await self.fork(event.session_id, event.turn)

    async def fork(self, session_id: str, turn: int) -> Tab | None:
        assert self.store is not None and self.catalog is not None
        from tui.agent.forking import ForkError, fork_at_turn

        try:
            result = await fork_at_turn(self.store, self.catalog, session_id, turn)
        except ForkError as exc:
            self.notify(str(exc), title="Cannot fork", severity="error")
            return None
        parent = self.tab_for_session(session_id)
        row = await self.catalog.get_session(result.session_id)
        tab = await self._open_tab(
            result.session_id,
            cwd=row.cwd if row and row.cwd else (parent.cwd if parent else None),
            model=parent.model if parent else None,
            title=result.title,
        )
        self.notify(f"Forked at turn {turn}: new tab “{result.title}”.", timeout=3)
        await self._after_fork(result.session_id)
        return tab

    async def _after_fork(self, session_id: str) -> None:
        await self._refresh_session_row(session_id)
        screen, tree_session = self._tree_screen, self._tree_session
        if screen is not None and tree_session is not None and screen in self.screen_stack:
            assert self.catalog is not None
            rows = await self.catalog.lineage(tree_session)
            screen.update_rows(rows)

    async def on_chat_view_edit_requested(self, event: ChatView.EditRequested) -> None:
        assert self.store is not None and self.catalog is not None
        from tui.agent.forking import ForkError, edit_turn

        running = self._running_turn(event.session_id)
        if running is not None and event.turn >= running:
            self.notify(f"Turn {event.turn} is still running.", severity="warning")
            return
        try:
            result = await edit_turn(self.store, self.catalog, event.session_id, event.turn)
        except ForkError as exc:
            self.notify(str(exc), title="Cannot edit", severity="error")
            return
        parent = self.tab_for_session(event.session_id)
        parent_row = await self.catalog.get_session(event.session_id)
        cwd = parent_row.cwd if parent_row and parent_row.cwd else (parent.cwd if parent else None)
        title = ""
        if not result.is_new:
            row = await self.catalog.get_session(result.session_id)
            title = row.title if row else ""
        tab = await self._open_tab(
            result.session_id,
            cwd=cwd,
            model=parent.model if parent else None,
            draft=result.prompt,
            title=title,
        )
        prompt = tab.pane.prompt
        prompt.move_cursor(prompt.document.end)
        prompt.focus()
        await self._save_draft(tab)
        self.notify(f"Editing turn {event.turn}: change the prompt and press enter.", timeout=4)
        if not result.is_new:
            await self._after_fork(result.session_id)

    def on_chat_view_copy_requested(self, event: ChatView.CopyRequested) -> None:
        self.copy_text(event.text)

    def copy_text(self, text: str) -> str:
        """Copy to the system clipboard, or through the terminal (OSC 52) when there
        is none. Returns which one was used."""
        try:
            import pyperclip  # type: ignore[import-untyped]

            pyperclip.copy(text)
        except Exception:
            self.copy_to_clipboard(text)
            self.notify("Copied through the terminal (OSC 52).", timeout=3)
            return "osc52"
        self.notify("Copied to the clipboard.", timeout=3)
        return "pyperclip"

    # ---------------------------------------------------------------- events

    @on(SessionEvent)
    async def _session_event(self, message: SessionEvent) -> None:
        """Handle every event queued for the message's tab (see `_emit`)."""
        from tui.agent import events as ev

        queue = self._pending_events.pop(message.tab_id, None)
        if not queue:
            return
        events = list(queue)
        tab = self.tab_by_id(message.tab_id)
        if tab is None:
            for event in events:
                if isinstance(event, ev.PermissionRequested):
                    event.request.answer("deny", "The tab was closed.")
            return
        tab.pane.chat.handle_events(events)
        # Streamed content changes only the transcript; the rest is tab state that
        # the tab bar, the sidebar and the status line show.
        transcript_only = _transcript_only()
        changed = False
        for event in events:
            if not isinstance(event, transcript_only):
                changed = True
                self._tab_event(tab, event)
        if changed:
            self._tab_changed(tab)

    def _tab_event(self, tab: Tab, event: AgentEvent) -> None:
        """What one engine event changes outside the transcript."""
        from tui.agent import events as ev

        is_active = tab is self.active_tab
        tab.apply(event, active=is_active)
        name = tab.title or "New session"
        if isinstance(event, ev.PermissionRequested):
            if not is_active:
                self.notify(
                    f"“{name}” asks to use {event.request.tool_name}; switch to its tab to answer.",
                    severity="warning",
                    timeout=5,
                )
            self.pump_permissions()
        elif isinstance(event, ev.PermissionResolved):
            if (
                self._permission_screen is not None
                and self._permission_request is not None
                and self._permission_request.future.done()
                and self._permission_request in tab.permissions
            ):
                self._dismiss_permission_screen()
        elif isinstance(event, ev.ErrorOccurred):
            if event.unsent_prompt:
                self._hand_back(tab, event.unsent_prompt)
            if not is_active:
                self.notify(f"“{name}”: {event.message}", severity="error")
        if isinstance(
            event, (ev.TurnFinished, ev.TurnInterrupted, ev.ErrorOccurred, ev.TitleChanged)
        ):
            self.run_worker(self._refresh_session_row(tab.session_id), group="rows")

    def _hand_back(self, tab: Tab, prompt: str) -> None:
        """A prompt that never reached the model goes back into the input, so fixing
        the cause and pressing enter is all it takes."""
        box = tab.pane.prompt
        if box.text.strip():
            box.text = f"{prompt}\n{box.text}"
        else:
            box.text = prompt
        box.move_cursor(box.document.end)
        self.notify("The prompt was not sent; it is back in the input.", severity="warning")

    # ------------------------------------------------------------ permissions

    def pump_permissions(self) -> None:
        """Show the active tab's oldest pending permission request, one at a time,
        never over another modal."""
        if self._permission_screen is not None or not self.is_running:
            return
        if len(self.screen_stack) > 1 or self.active_tab is None:
            return
        tab = self.active_tab
        request = tab.pending_permission()
        if request is None:
            if tab.state == "permission":
                tab.state = "streaming" if tab.running else "idle"
                self._tab_changed(tab)
            return
        from tui.screens.permission import PermissionScreen

        screen = PermissionScreen(request, session_title=tab.title or "New session")
        self._permission_screen = screen
        self._permission_request = request
        self.push_screen(screen, partial(self._permission_answered, tab, request))

    def _permission_answered(
        self, tab: Tab, request: PermissionRequest, result: tuple[str, str] | None
    ) -> None:
        self._permission_screen = None
        self._permission_request = None
        if result is not None:
            choice, message = result
            request.answer(choice, message)  # type: ignore[arg-type]
        elif not request.future.done():
            request.answer("deny", "The user dismissed the permission request.")
        if request in tab.permissions:
            tab.permissions.remove(request)
        self._tab_changed(tab)
        self.call_later(self.pump_permissions)

    def _dismiss_permission_screen(self) -> None:
        screen = self._permission_screen
        if screen is not None and screen.is_current:
            screen.dismiss(None)

    # --------------------------------------------------------------- actions

    async def action_new_tab(self) -> None:
        if self.ready.is_set():
            await self.new_tab()

    async def action_close_tab(self) -> None:
        if self.active_tab is not None:
            await self.close_tab(self.active_tab)

    async def _cycle(self, step: int) -> None:
        if not self.tabs or self.active_tab is None:
            return
        index = (self.tabs.index(self.active_tab) + step) % len(self.tabs)
        await self._activate(self.tabs[index])

    async def action_next_tab(self) -> None:
        await self._cycle(1)

    async def action_previous_tab(self) -> None:
        await self._cycle(-1)

    @on(TabBar.Clicked)
    async def _tab_clicked(self, event: TabBar.Clicked) -> None:
        tab = self.tab_by_id(event.tab_id)
        if tab is not None:
            await self._activate(tab)

    async def action_fork_tree(self) -> None:
        tab = self.active_tab
        if tab is None or self.catalog is None:
            return
        rows = await self.catalog.lineage(tab.session_id)
        if not rows:
            self.notify("No fork tree yet: this session has no stored turns.", timeout=3)
            return
        from tui.screens.fork_tree import ForkTreeScreen

        screen = ForkTreeScreen(rows, tab.session_id)
        self._tree_screen = screen
        self._tree_session = tab.session_id
        self.push_screen(screen, self._tree_done)

    async def _tree_done(self, result: tuple[str, str] | None) -> None:
        self._tree_screen = None
        self._tree_session = None
        if not result:
            return
        kind, session_id = result
        if kind == "open":
            await self.open_session(session_id)
        elif kind == "fork":
            assert self.catalog is not None
            row = await self.catalog.get_session(session_id)
            if row is None or row.turn_count < 1:
                self.notify("That session has no turns to fork.", severity="warning")
                return
            await self.fork(session_id, row.turn_count)

    def _sidebar_visible(self) -> bool:
        return self.sidebar.display

    def action_toggle_sidebar(self) -> None:
        main = self.main
        if self._sidebar_visible():
            main.add_class("-sidebar-hidden")
            main.remove_class("-sidebar-shown")
            if self.active_tab is not None:
                self.active_tab.pane.prompt.focus()
        else:
            main.remove_class("-sidebar-hidden")
            main.add_class("-sidebar-shown")
            self.session_list.focus()

    def action_find_session(self) -> None:
        main = self.main
        main.remove_class("-sidebar-hidden")
        main.add_class("-sidebar-shown")
        self.sidebar.filter_input.focus()

    # Actions that act on the tabs; over another screen (the fork tree) they would
    # change what is hidden behind it, so they wait for the main screen.
    _MAIN_SCREEN_ACTIONS = frozenset(
        {
            "cycle_mode",
            "new_tab",
            "close_tab",
            "next_tab",
            "previous_tab",
            "toggle_sidebar",
            "find_session",
            "fork_tree",
        }
    )

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in self._MAIN_SCREEN_ACTIONS:
            # In a dialog shift+tab moves focus back instead of cycling the mode.
            return self._main is not None and self.screen is self._main
        return True

    def action_cycle_mode(self) -> None:
        tab = self.active_tab
        if tab is None:
            return
        current = tab.session.settings.permission_mode
        modes = PERMISSION_MODES
        mode = modes[(modes.index(current) + 1) % len(modes)] if current in modes else modes[0]
        tab.session.settings.permission_mode = mode
        self.run_worker(tab.session.set_permission_mode(mode), group=f"mode-{tab.tab_id}")
        self._refresh_status()
        self.notify(f"Permission mode: {MODE_LABELS.get(mode, mode)} ({mode})", timeout=2)

    def model_choices(self) -> list[str]:
        choices = [m for m in (self.config.model,) if m]
        choices += [m for m in MODEL_CHOICES if m not in choices]
        return choices

    async def set_model(self, model: str | None) -> None:
        tab = self.active_tab
        if tab is None:
            return
        tab.session.settings.model = model
        self._refresh_status()
        self.notify(f"Model: {model or 'default'}", timeout=2)
        await self.save_tabs()
        try:
            await tab.session.set_model(model)
        except Exception as exc:
            self.notify(f"Could not switch the model: {exc}", severity="error")

    def action_help(self) -> None:
        from tui.screens.help import HelpScreen

        if not isinstance(self.screen, HelpScreen):
            self.push_screen(HelpScreen())

    async def action_quit(self) -> None:
        await self.shutdown()
        self.exit()

    def get_system_commands(self, screen: Screen[Any]) -> Iterable[SystemCommand]:
        seen: set[str] = set()
        for command in super().get_system_commands(screen):
            if command.title == "Keys":
                continue  # Textual's key panel; f1's full key table replaces it
            seen.add(command.title)
            yield command
        for binding in Binding.make_bindings(self.BINDINGS):
            title = binding.description
            if not title or title in seen or binding.action == "command_palette":
                continue
            seen.add(title)
            keys = self._keymap.get(binding.id, binding.key) if binding.id else binding.key
            key_display = self.get_key_display(binding.with_key(keys.split(",")[0]))
            yield SystemCommand(
                title,
                f"{key_display}",
                partial(self.run_action, binding.action),
            )

    # -------------------------------------------------------------- shutdown

    async def shutdown(self) -> None:
        """Save tabs and drafts, close every session, stop the demo server."""
        if self._shut_down:
            return
        self._shut_down = True
        for tab in self.tabs:
            if tab.draft_timer is not None:
                tab.draft_timer.stop()
                tab.draft_timer = None
        if self.catalog is not None and self.tabs:
            await self.save_tabs()
        await self._close_everything()

    async def _close_everything(self) -> None:
        closing: list[Awaitable[Any]] = [t.session.close() for t in self.tabs]
        closing.extend(self._closing_sessions)
        if closing:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(asyncio.gather(*closing, return_exceptions=True), timeout=15)
        db, self.db = self.db, None
        if db is None and self._db_opening is not None:
            with contextlib.suppress(BaseException):
                db = await asyncio.wait_for(self._db_opening, timeout=10)
        if db is not None:
            with contextlib.suppress(Exception):
                await db.close()
        if self.demo_server is not None:
            server, self.demo_server = self.demo_server, None
            await asyncio.to_thread(server.stop)

    async def on_unmount(self) -> None:
        self.collector.stop()
        if not self._shut_down:
            self._shut_down = True
            await self._close_everything()
