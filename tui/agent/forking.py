"""Fork a stored session at any turn. It is a copy inside SQLite through the SDK's
`fork_session_via_store` (which remaps every uuid), plus a lineage row; no CLI runs,
and the source session is never touched."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import TYPE_CHECKING

from tui.agent.history import load_turns
from tui.agent.turns import group_turns

if TYPE_CHECKING:
    from tui.store import Catalog, SqliteSessionStore


class ForkError(Exception):
    """A fork that cannot be made; the message says why."""


@dataclass(frozen=True)
class ForkResult:
    session_id: str
    parent_id: str
    turn: int
    title: str


@dataclass(frozen=True)
class EditResult:
    """Where to resend an edited prompt: `session_id` is a fork up to the turn before
    (or a brand-new, still empty session when the first turn is edited)."""

    session_id: str
    prompt: str
    is_new: bool


def fork_title(title: str, turn: int) -> str:
    base = title.strip() or "Session"
    return f"{base} ⑂{turn}"


async def fork_at_turn(
    store: SqliteSessionStore, catalog: Catalog, session_id: str, turn: int
) -> ForkResult:
    row = await catalog.get_session(session_id)
    if row is None:
        raise ForkError(f"Session {session_id} is not in the database.")
    entries = await store.load({"project_key": row.project_key, "session_id": session_id})
    turns = group_turns(entries or [])
    if not 1 <= turn <= len(turns):
        raise ForkError(f"Turn {turn} does not exist; this session has {len(turns)} turns.")
    cut = turns[turn - 1].last_uuid
    if cut is None:
        raise ForkError(f"Turn {turn} has nothing stored to fork from yet.")

    from claude_agent_sdk import fork_session_via_store

    title = fork_title(row.title, turn)
    # `directory` only serves to derive the project key; derive it from the row's
    # cwd so the fork lands next to its parent (and resumes from the same place).
    result = await fork_session_via_store(
        store, session_id, directory=row.cwd, up_to_message_id=cut, title=title
    )
    await catalog.record_fork(result.session_id, session_id, cut, turn)
    return ForkResult(result.session_id, session_id, turn, title)


async def edit_turn(
    store: SqliteSessionStore, catalog: Catalog, session_id: str, turn: int
) -> EditResult:
    turns = await load_turns(store, catalog, session_id)
    if not 1 <= turn <= len(turns):
        raise ForkError(f"Turn {turn} does not exist; this session has {len(turns)} turns.")
    prompt = turns[turn - 1].prompt
    if turn == 1:
        return EditResult(str(uuid.uuid4()), prompt, is_new=True)
    fork = await fork_at_turn(store, catalog, session_id, turn - 1)
    return EditResult(fork.session_id, prompt, is_new=False)
