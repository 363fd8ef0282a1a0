"""Reading a stored session's turns from SQLite (no CLI), whole or newest first.

A long session is opened in two steps: its newest turns, read from the end of the
transcript, are shown at once; the turns before them follow. Grouping a transcript
from any prompt onwards gives the same turns as grouping all of it (see
`group_turns`), so the two parts join up exactly.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from tui.agent.turns import Turn, group_turns
from tui.collector import paused
from tui.store.entries import is_prompt

if TYPE_CHECKING:
    from claude_agent_sdk import SessionKey

    from tui.store import Catalog, SqliteSessionStore

# Entries read per step from the end of a transcript, per turn wanted; a turn is
# usually four or five entries (prompt, reply blocks, queue bookkeeping).
_ENTRIES_PER_TURN = 8


@dataclass
class RecentTurns:
    """A session's newest turns, numbered as in the whole session."""

    turns: list[Turn] = field(default_factory=list)
    # How many turns come before `turns`, and the seq their entries end before; no
    # turns (0) when `turns` is the whole session.
    older: int = 0
    before: int | None = None


async def _key(catalog: Catalog, session_id: str) -> tuple[SessionKey | None, int]:
    row = await catalog.get_session(session_id)
    if row is None:
        return None, 0
    return {"project_key": row.project_key, "session_id": session_id}, row.turn_count


async def load_turns(store: SqliteSessionStore, catalog: Catalog, session_id: str) -> list[Turn]:
    """Every turn of a session; none if it is not in the database."""
    key, _ = await _key(catalog, session_id)
    if key is None:
        return []
    with paused():  # the entries die here, young (see `tui.collector.paused`)
        entries = await store.load(key)
        return group_turns(entries or [])


async def load_recent_turns(
    store: SqliteSessionStore, catalog: Catalog, session_id: str, count: int
) -> RecentTurns:
    """The newest `count` turns (all of them in a shorter session), reading only as
    much of the transcript's end as they take."""
    key, total = await _key(catalog, session_id)
    if key is None:
        return RecentTurns()
    rows: list[tuple[int, Any]] = []
    count = max(count, 1)
    step = count * _ENTRIES_PER_TURN
    prompts = 0
    while prompts < count:
        before = rows[0][0] if rows else None
        batch = await store.load_slice(key, before=before, last=step)
        rows[:0] = batch
        if len(batch) < step:
            return RecentTurns(group_turns(entry for _, entry in rows))
        prompts += sum(1 for _, entry in batch if is_prompt(entry))
        step *= 2
    cut = [i for i, (_, entry) in enumerate(rows) if is_prompt(entry)][-count]
    # The catalog counts prompts as they are stored, the same way as `group_turns`.
    older = max(total - count, 0)
    turns = group_turns((entry for _, entry in rows[cut:]), first=older + 1)
    return RecentTurns(turns, older, rows[cut][0])


async def load_older_turns(
    store: SqliteSessionStore, catalog: Catalog, session_id: str, recent: RecentTurns
) -> list[Turn]:
    """The turns before `recent` (its `older` ones, read after it)."""
    key, _ = await _key(catalog, session_id)
    if key is None or recent.before is None:
        return []
    with paused():
        rows = await store.load_slice(key, before=recent.before)
        return group_turns(entry for _, entry in rows)
