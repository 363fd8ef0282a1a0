"""A cap on live CLI processes. Each costs ~200 MB, so when a session needs a client
and the cap is reached, the least recently used idle session disconnects; it will
resume from the store on its next prompt. A turn in progress is never cut: if every
live session is busy, the newcomer waits for one to finish."""

from __future__ import annotations

import asyncio
from collections import OrderedDict
from typing import Protocol


class PooledSession(Protocol):
    session_id: str

    @property
    def evictable(self) -> bool: ...

    async def request_disconnect(self, reason: str) -> None: ...


class LivePool:
    def __init__(self, cap: int = 6) -> None:
        if cap < 1:
            raise ValueError("the live-client cap must be at least 1")
        self.cap = cap
        self._live: OrderedDict[str, PooledSession] = OrderedDict()
        self._changed = asyncio.Event()

    @property
    def live_ids(self) -> list[str]:
        return list(self._live)

    def touch(self, session: PooledSession) -> None:
        if session.session_id in self._live:
            self._live.move_to_end(session.session_id)

    async def acquire(self, session: PooledSession) -> None:
        """Reserve a live slot for `session`, evicting an idle one if needed."""
        while True:
            if session.session_id in self._live:
                self._live.move_to_end(session.session_id)
                return
            if len(self._live) < self.cap:
                self._live[session.session_id] = session
                return
            victim = next((s for s in self._live.values() if s.evictable), None)
            if victim is None:
                self._changed.clear()
                await self._changed.wait()
                continue
            # Hand the slot over before awaiting, so two newcomers cannot pick the
            # same victim; then wait for the victim's process to be gone.
            del self._live[victim.session_id]
            self._live[session.session_id] = session
            await victim.request_disconnect(
                f"idle; at most {self.cap} sessions keep a live Claude process"
            )
            return

    def release(self, session: PooledSession) -> None:
        if self._live.get(session.session_id) is session:
            del self._live[session.session_id]
        self.notify()

    def notify(self) -> None:
        """A session became idle or left: wake anyone waiting for a slot."""
        self._changed.set()
