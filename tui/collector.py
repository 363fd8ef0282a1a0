"""When Python's cycle collector may run.

A full pass of the collector (the oldest generation) walks every tracked object; with
the app's heap (Textual's widgets and caches, the SDK's modules, the transcripts) that
is 100–300 ms, and it starts whenever enough objects have survived, which during a
fast reply means in the middle of it: the CLI's output waits to be read, and keys wait
to be shown, for that long. So:

* start-up allocates a great deal and makes next to no garbage cycles: the collector is
  off while it runs (`starting`), and what it built is frozen afterwards (`started`),
  so later passes never walk it again;
* while any reply streams (`streaming`), full passes wait: the young generations are
  still collected as usual, so short-lived cycles go at once. Full passes are allowed
  again a moment after the last reply ended, once its final frames are out;
* `stop` puts everything back as it was: an app run inside another process (a test)
  must not leave the collector off, objects frozen or thresholds changed;
* reading a long transcript (`paused`) makes hundreds of thousands of short-lived
  objects and no cycles: without a pause each read would age them into the oldest
  generation, and set off a full pass soon after.

No Textual here: the app tells it what happens.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
from collections.abc import Iterator

__all__ = ["Collector", "paused"]

# Seconds after the last reply ended before full passes may run again.
RESUME_DELAY = 1.0
# A threshold for the oldest generation that is never reached.
_NEVER = 1 << 30


_pauses = 0
_enable_after = False


@contextlib.contextmanager
def paused() -> Iterator[None]:
    """No collection inside; nestable, and safe across awaits of several tasks (the
    collector comes back on when the last pause ends, if it was on at the first)."""
    global _pauses, _enable_after
    if _pauses == 0:
        _enable_after = gc.isenabled()
        gc.disable()
    _pauses += 1
    try:
        yield
    finally:
        _pauses -= 1
        if _pauses == 0 and _enable_after:
            gc.enable()


class Collector:
    def __init__(self) -> None:
        self._thresholds = gc.get_threshold()
        self._was_enabled = gc.isenabled()
        self._starting = False
        self._frozen = False
        self._streaming = False
        self._resume: asyncio.TimerHandle | None = None

    def starting(self) -> None:
        """Start-up begins: no collection until `started`. (`tui.cli.main` turns the
        collector off even earlier, before the imports.)"""
        gc.disable()
        self._starting = True

    def started(self) -> None:
        """Start-up is over: freeze what it built and collect as usual from now on."""
        if not self._starting:
            return
        self._starting = False
        gc.freeze()
        self._frozen = True
        gc.enable()

    def streaming(self, active: bool) -> None:
        """Whether any reply is streaming now."""
        if active:
            if self._resume is not None:
                self._resume.cancel()
                self._resume = None
            if not self._streaming:
                self._streaming = True
                young, middle, _ = self._thresholds
                gc.set_threshold(young, middle, _NEVER)
        elif self._streaming and self._resume is None:
            self._resume = asyncio.get_running_loop().call_later(RESUME_DELAY, self._allow_full)

    @property
    def full_passes_allowed(self) -> bool:
        return gc.get_threshold()[2] != _NEVER

    def _allow_full(self) -> None:
        self._resume = None
        self._streaming = False
        gc.set_threshold(*self._thresholds)

    def stop(self) -> None:
        """Undo everything (the app is exiting)."""
        if self._resume is not None:
            self._resume.cancel()
            self._resume = None
        self._streaming = False
        gc.set_threshold(*self._thresholds)
        if self._frozen:
            gc.unfreeze()
            self._frozen = False
        self._starting = False
        if self._was_enabled:
            gc.enable()
        else:
            gc.disable()
