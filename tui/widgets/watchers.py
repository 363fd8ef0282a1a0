"""Letting go of removed widgets that Textual still holds.

Textual keeps a watcher of another object's reactive (`DOMNode.watch`) until that
reactive next changes, and then drops the watchers whose widgets have closed. Some
reactives hardly ever change (the app's theme, the footer's compact flag), so every
widget that ever watched them stays in memory: a closed tab's prompt with its text
and history, each footer key from every rebuild. Each such object is also walked by
every full pass of the cycle collector, which is what makes those passes slow.
"""

from __future__ import annotations

from typing import Any

# Where `textual.reactive` keeps an object's watchers: {reactive name: [(node, callback)]}.
_WATCHERS = "__watchers"


def drop_closed_watchers(obj: Any) -> int:
    """Forget watchers of `obj`'s reactives whose widgets have closed, as Textual itself
    does when the reactive changes. Returns how many were dropped."""
    watchers: dict[str, list[tuple[Any, Any]]] = getattr(obj, _WATCHERS, None) or {}
    dropped = 0
    for watcher_list in watchers.values():
        kept = [
            (node, callback)
            for node, callback in watcher_list
            if not (getattr(node, "_closing", False) or getattr(node, "_closed", False))
        ]
        dropped += len(watcher_list) - len(kept)
        watcher_list[:] = kept
    return dropped
