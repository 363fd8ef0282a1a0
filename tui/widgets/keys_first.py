"""Keys first: long work done in slices steps aside while a key is on its way to the
screen.

A key passes through several of the app's tasks before it shows: the app, the
focused widget, the screen's frame timer and the screen itself. At each hop it waits
for whatever else is ready to run, and drawing a long reply in 5 ms slices is ready
at every hop: a key that arrived meanwhile waited for a slice per hop, 20–40 ms in
all. So the app notes each key as it arrives (`KeyGate.arrived`) and again once the
frame that follows its handling is painted (`KeyGate.shown`); while any key is
between the two, work that yields with `step_aside` waits. It never waits longer
than `MAX_HOLD` after the last key: a key whose frame never comes (its widget went
away) must not hold the work up.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
import weakref
from typing import Any

from textual import events
from textual.app import App, ReturnType
from textual.dom import DOMNode
from textual.message_pump import MessagePump
from textual.widget import Widget

__all__ = ["KeyGate", "KeysFirstApp", "gate", "step_aside"]

# Seconds a key may hold work up at most.
MAX_HOLD = 0.1


class KeyGate:
    def __init__(self) -> None:
        self._open = asyncio.Event()
        self._open.set()
        # Keys arrived whose frames are not painted yet, and when the last arrived.
        self._keys = 0
        self._since = 0.0

    @property
    def pending(self) -> bool:
        """A key has arrived and its frame is not painted yet."""
        if self._open.is_set():
            return False
        if time.monotonic() - self._since < MAX_HOLD:
            return True
        self._keys = 0  # a frame that never came: open again
        self._open.set()
        return False

    def arrived(self) -> None:
        self._since = time.monotonic()
        self._keys += 1
        self._open.clear()

    def shown(self) -> None:
        self._keys = max(0, self._keys - 1)
        if not self._keys:
            self._open.set()

    async def step_aside(self) -> None:
        """Let other tasks run; and while keys are on their way, wait for their
        frames."""
        await asyncio.sleep(0)
        while self.pending:
            left = MAX_HOLD - (time.monotonic() - self._since)
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(self._open.wait(), left)


_gates: weakref.WeakKeyDictionary[App[Any], KeyGate] = weakref.WeakKeyDictionary()


def gate(app: App[Any]) -> KeyGate:
    """The app's gate. One that never hears of keys is always open."""
    found = _gates.get(app)
    if found is None:
        found = _gates[app] = KeyGate()
    return found


class KeysFirstApp(App[ReturnType]):
    """An app whose gate hears of every key."""

    async def on_event(self, event: events.Event) -> None:
        if not isinstance(event, events.Key) or event.is_forwarded:
            await super().on_event(event)
            return
        keys = gate(self)
        keys.arrived()
        target: MessagePump = self.focused or self.screen
        await super().on_event(event)  # forwards the key to `target`
        # Queued behind the key: once `target` has handled it, open the gate after
        # the next frame.
        if isinstance(target, Widget) and target.is_attached:
            target.call_next(target.call_after_refresh, keys.shown)
        else:
            self.call_after_refresh(keys.shown)


async def step_aside(node: DOMNode) -> None:
    """`KeyGate.step_aside` for the app `node` belongs to."""
    await gate(node.app).step_aside()
