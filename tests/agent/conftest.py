"""Fixtures for engine tests: a real store on a temp file, sessions wired to it, and
an event recorder that can wait for what the engine emits."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any, TypeVar

import pytest

from tui.agent.events import AgentEvent
from tui.agent.options import SessionSettings
from tui.agent.pool import LivePool
from tui.agent.session import AgentSession
from tui.store import Catalog, Database, SqliteSessionStore

E = TypeVar("E")


class Recorder:
    """Collects events; `wait` returns the first matching event at or after `since`."""

    def __init__(self) -> None:
        self.events: list[AgentEvent] = []
        self._changed = asyncio.Event()

    def __call__(self, event: AgentEvent) -> None:
        self.events.append(event)
        self._changed.set()

    def of(self, kind: type[E], session_id: str | None = None) -> list[E]:
        return [
            e
            for e in self.events
            if isinstance(e, kind) and (session_id is None or e.session_id == session_id)
        ]

    def mark(self) -> int:
        return len(self.events)

    async def wait(
        self,
        kind: type[E],
        *,
        since: int = 0,
        session_id: str | None = None,
        timeout: float = 60.0,
        where: Callable[[E], bool] | None = None,
    ) -> E:
        deadline = time.monotonic() + timeout
        while True:
            for e in self.events[since:]:
                if (
                    isinstance(e, kind)
                    and (session_id is None or e.session_id == session_id)
                    and (where is None or where(e))
                ):
                    return e
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                kinds = [type(e).__name__ for e in self.events[since:]]
                raise AssertionError(f"no {kind.__name__} within {timeout}s; saw {kinds}")
            self._changed.clear()
            try:
                await asyncio.wait_for(self._changed.wait(), remaining)
            except asyncio.TimeoutError:
                pass


class Engine:
    """A store, a catalog, a pool and a factory for sessions that all share them."""

    def __init__(self, store: SqliteSessionStore, catalog: Catalog, cwd: Path) -> None:
        self.store = store
        self.catalog = catalog
        self.cwd = cwd
        self.pool = LivePool(6)
        self.events = Recorder()
        self.sessions: list[AgentSession] = []

    def session(self, session_id: str | None = None, **settings: Any) -> AgentSession:
        import uuid

        s = AgentSession(
            session_id or str(uuid.uuid4()),
            store=self.store,
            catalog=self.catalog,
            settings=SessionSettings(cwd=self.cwd, **settings),
            pool=self.pool,
            emit=self.events,
        )
        self.sessions.append(s)
        return s

    async def idle(self, session: AgentSession, timeout: float = 60.0) -> None:
        deadline = time.monotonic() + timeout
        while session.busy or session._commands:
            if time.monotonic() > deadline:
                raise AssertionError(f"session still busy after {timeout}s")
            await asyncio.sleep(0.02)

    def text_since(self, mark: int, session_id: str | None = None) -> str:
        from tui.agent.events import TextDelta

        return "".join(
            e.text
            for e in self.events.events[mark:]
            if isinstance(e, TextDelta) and (session_id is None or e.session_id == session_id)
        )

    async def turn(self, session: AgentSession, prompt: str, timeout: float = 60.0) -> str:
        """Send a prompt, wait for the turn to end, return the streamed reply text."""
        from tui.agent.events import ErrorOccurred, TextDelta, TurnFinished, TurnInterrupted

        mark = self.events.mark()
        session.send(prompt)
        deadline = time.monotonic() + timeout
        while True:
            ended = [
                e
                for e in self.events.events[mark:]
                if isinstance(e, (TurnFinished, TurnInterrupted, ErrorOccurred))
                and e.session_id == session.session_id
            ]
            # A prompt queued behind an earlier turn is still to come: that turn's end is not this one's.
            if ended and not session.busy and not session._commands:
                break
            if time.monotonic() > deadline:
                raise AssertionError(f"turn {prompt!r} did not end in {timeout}s")
            await asyncio.sleep(0.02)
        return "".join(
            e.text
            for e in self.events.events[mark:]
            if isinstance(e, TextDelta) and e.session_id == session.session_id
        )


@pytest.fixture
async def engine(tmp_path: Path, cli_env: Any) -> AsyncIterator[Engine]:
    db = await Database.open(tmp_path / "agent.db")
    store = SqliteSessionStore(db)
    eng = Engine(store, Catalog(db, store), Path(cli_env.workdir))
    try:
        yield eng
    finally:
        for s in eng.sessions:
            await s.close()
        await db.close()
