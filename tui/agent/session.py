"""One tab's agent session: exactly one `ClaudeSDKClient`, entered, used and exited
inside one long-lived task fed by a command queue (the SDK's anyio cancel scopes
break if a client crosses tasks). It connects lazily on the first prompt, resumes
from the store after a disconnect, and reports everything as typed events."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from tui.agent import errors
from tui.agent.events import (
    AgentEvent,
    ConnectionChanged,
    ErrorOccurred,
    LiveState,
    PermissionChoice,
    PermissionRequest,
    PermissionRequested,
    PermissionResolved,
    TitleChanged,
    TurnStarted,
)
from tui.agent.options import SessionSettings, build_options
from tui.agent.pool import LivePool
from tui.agent.translate import Translator

if TYPE_CHECKING:
    from tui.store import Catalog, SqliteSessionStore

log = logging.getLogger(__name__)

Emit = Callable[[AgentEvent], None]
DISCONNECT_TIMEOUT = 10.0
INTERRUPT_TIMEOUT = 5.0


@dataclass
class _Prompt:
    text: str


@dataclass
class _Disconnect:
    reason: str
    done: asyncio.Event = field(default_factory=asyncio.Event)


@dataclass
class _Close:
    pass


_Command = _Prompt | _Disconnect | _Close


class AgentSession:
    def __init__(
        self,
        session_id: str,
        *,
        store: SqliteSessionStore,
        catalog: Catalog,
        settings: SessionSettings,
        pool: LivePool,
        emit: Emit,
    ) -> None:
        self.session_id = session_id
        self.settings = settings
        self._store = store
        self._catalog = catalog
        self._pool = pool
        self._emit = emit
        self._commands: deque[_Command] = deque()
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._client: Any = None
        self._title: str | None = None
        self._stderr: deque[str] = deque(maxlen=40)
        self._session_allowed: set[str] = set()
        self._pending: set[PermissionRequest] = set()
        self._translator: Translator | None = None
        self.state: LiveState = "idle"
        self.busy = False
        self.turn_started_at: float | None = None

    # ------------------------------------------------------------------ public

    @property
    def connected(self) -> bool:
        return self._client is not None

    @property
    def evictable(self) -> bool:
        return self.connected and not self.busy and not self._commands

    @property
    def pending_permissions(self) -> list[PermissionRequest]:
        return list(self._pending)

    def send(self, prompt: str) -> None:
        """Queue a prompt; it runs after any turn already queued."""
        if not prompt.strip():
            raise ValueError("an empty prompt cannot be sent")
        self._push(_Prompt(prompt))

    async def interrupt(self) -> bool:
        """Stop the running turn. Returns False when nothing was running."""
        if not self.busy or self._client is None or self._translator is None:
            return False
        self._translator.interrupting = True
        for req in list(self._pending):
            req.answer("deny", "Interrupted by the user.")
        try:
            await asyncio.wait_for(self._client.interrupt(), INTERRUPT_TIMEOUT)
        except Exception as exc:  # the turn may have ended on its own meanwhile
            log.debug("interrupt failed: %s", exc)
        return True

    async def set_model(self, model: str | None) -> None:
        self.settings.model = model
        if self._client is not None:
            await self._client.set_model(model)

    async def set_permission_mode(self, mode: str) -> None:
        self.settings.permission_mode = mode
        if self._client is not None:
            await self._client.set_permission_mode(mode)

    async def request_disconnect(self, reason: str) -> None:
        """Ask the owning task to drop the client; returns once it is gone."""
        if self._client is None or self._task is None or self._task.done():
            return
        cmd = _Disconnect(reason)
        self._commands.appendleft(cmd)
        self._wake.set()
        await cmd.done.wait()

    async def close(self) -> None:
        if self._task is None:
            return
        for req in list(self._pending):
            req.answer("deny", "The tab was closed.")
        self._commands.clear()
        self._push(_Close())
        # A running turn would hold the task until it ends; stop it so the client
        # closes within moments (what it streamed so far is already stored).
        await self.interrupt()
        try:
            await asyncio.wait_for(asyncio.shield(self._task), DISCONNECT_TIMEOUT)
        except (asyncio.TimeoutError, asyncio.CancelledError):
            self._task.cancel()
            with contextlib.suppress(BaseException):
                await self._task
        self._task = None

    # --------------------------------------------------------------- the task

    def _push(self, cmd: _Command) -> None:
        self._commands.append(cmd)
        self._wake.set()
        if self._task is None or self._task.done():
            self._task = asyncio.create_task(self._run(), name=f"agent-{self.session_id}")

    async def _run(self) -> None:
        try:
            while True:
                while not self._commands:
                    self._wake.clear()
                    await self._wake.wait()
                cmd = self._commands.popleft()
                if isinstance(cmd, _Close):
                    return
                if isinstance(cmd, _Disconnect):
                    await self._disconnect(cmd.reason)
                    cmd.done.set()
                    continue
                await self._turn(cmd.text)
        finally:
            await self._disconnect("closed")
            for pending in self._commands:
                if isinstance(pending, _Disconnect):
                    pending.done.set()

    async def _connect(self) -> tuple[str, str] | None:
        """Start the client; on failure return (message, hint) instead."""
        self._emit(ConnectionChanged(self.session_id, "connecting"))
        self.state = "connecting"
        await self._pool.acquire(self)
        try:
            from claude_agent_sdk import ClaudeSDKClient

            resume = await self._catalog.get_session(self.session_id) is not None
            options = build_options(
                self.settings,
                session_id=self.session_id,
                resume=resume,
                store=self._store,
                can_use_tool=self._can_use_tool,
                stderr=self._stderr.append,
            )
            client = ClaudeSDKClient(options)
            await client.connect()
        except BaseException as exc:
            self._pool.release(self)
            self.state = "error"
            self._emit(ConnectionChanged(self.session_id, "disconnected"))
            if not isinstance(exc, Exception):
                raise
            return errors.describe_connect_error(exc, list(self._stderr))
        self._client = client
        self._emit(ConnectionChanged(self.session_id, "connected"))
        return None

    async def _disconnect(self, reason: str) -> None:
        client, self._client = self._client, None
        if client is None:
            return
        try:
            await asyncio.wait_for(client.disconnect(), DISCONNECT_TIMEOUT)
        except BaseException as exc:  # a dead process may not disconnect cleanly
            log.debug("disconnect: %r", exc)
        finally:
            self._pool.release(self)
            if self.state != "error":
                self.state = "idle"
            self._emit(ConnectionChanged(self.session_id, "disconnected", reason))

    async def _turn(self, prompt: str) -> None:
        self.busy = True
        self._stderr.clear()
        try:
            completed = await self._run_turn(prompt)
        finally:
            self.busy = False
            self.turn_started_at = None
            self._pool.notify()
        if completed:
            await self._refresh_title()

    async def _run_turn(self, prompt: str) -> bool:
        """One prompt through to its result; False when the turn could not complete."""
        if self._client is None:
            failure = await self._connect()
            if failure is not None:
                self._emit(ErrorOccurred(self.session_id, *failure, unsent_prompt=prompt))
                return False
        self._pool.touch(self)
        self.state = "streaming"
        self.turn_started_at = time.monotonic()
        translator = self._translator = Translator(self.session_id, self._emit)
        self._emit(TurnStarted(self.session_id, prompt))
        finished = False
        failure_exc: Exception | None = None
        try:
            await self._client.query(prompt)
            async for message in self._client.receive_response():
                finished = translator.feed(message) or finished
        except Exception as exc:
            failure_exc = exc
        finally:
            translator.flush()  # text still waiting to join a run (see `Translator`)
        if failure_exc is not None or not finished:
            # The stream broke, or ended without a result: the process went away.
            translator.fail(*errors.describe_turn_error(failure_exc, list(self._stderr)))
            await self._disconnect("the Claude process stopped")
            self.state = "error"
            return False
        self.state = "error" if translator.failed else "idle"
        return True

    async def _refresh_title(self) -> None:
        row = await self._catalog.get_session(self.session_id)
        if row is not None and row.title and row.title != self._title:
            self._title = row.title
            self._emit(TitleChanged(self.session_id, row.title))

    # ------------------------------------------------------------ permissions

    async def _can_use_tool(self, tool_name: str, tool_input: dict[str, Any], context: Any) -> Any:
        from claude_agent_sdk import PermissionResultAllow, PermissionResultDeny

        if tool_name in self._session_allowed:
            return PermissionResultAllow(updated_input=tool_input)
        future: asyncio.Future[tuple[PermissionChoice, str]] = (
            asyncio.get_running_loop().create_future()
        )
        request = PermissionRequest(
            tool_name, tool_input, getattr(context, "tool_use_id", None), future
        )
        self._pending.add(request)
        previous, self.state = self.state, "permission"
        self._emit(PermissionRequested(self.session_id, request))
        try:
            choice, message = await future
        finally:
            self._pending.discard(request)
            if self.state == "permission":
                self.state = previous
        self._emit(PermissionResolved(self.session_id, tool_name, choice))
        if choice == "deny":
            return PermissionResultDeny(message=message or "The user denied this tool use.")
        if choice == "allow_session":
            self._session_allowed.add(tool_name)
        return PermissionResultAllow(updated_input=tool_input)
