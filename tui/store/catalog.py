"""The session list, fork lineage, open tabs and search, as the UI and agent layer see them.

Reads come from the catalog tables that ``SqliteSessionStore.append`` keeps current;
changes to a transcript (a rename) go through the store so the transcript stays the
source of truth.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any, cast

from .db import Database, now_ms
from .errors import SessionNotFoundError
from .schema import sql_text
from .session_store import SqliteSessionStore, delete_session_rows

if TYPE_CHECKING:
    from claude_agent_sdk import SessionStoreEntry

# Search snippets wrap each matched word in these, for the UI to style and strip.
MATCH_START = "\x02"
MATCH_END = "\x03"
_SNIPPET_WORDS = 16


@dataclass(frozen=True, slots=True)
class SessionRow:
    id: str
    project_key: str
    title: str
    cwd: str | None
    model: str | None
    created: int
    updated: int
    turn_count: int
    archived: bool
    parent_id: str | None
    fork_turn: int | None


@dataclass(frozen=True, slots=True)
class TabRow:
    tab_id: str
    position: int
    session_id: str
    cwd: str
    model: str | None
    draft: str
    active: bool


@dataclass(frozen=True, slots=True)
class SearchHit:
    session_id: str
    kind: str
    snippet: str


_SESSION_COLUMNS = """
    s.id, s.project_key, s.title, s.cwd, s.model, s.created, s.updated, s.turn_count,
    s.archived, l.parent, l.fork_turn
"""
_SESSIONS = f"SELECT {_SESSION_COLUMNS} FROM sessions s LEFT JOIN lineage l ON l.child = s.id"


def _session_row(row: Any) -> SessionRow:
    id_, project_key, title, cwd, model, created, updated, turns, archived, parent, turn = row
    return SessionRow(
        id_, project_key, title, cwd, model, created, updated, turns, bool(archived), parent, turn
    )


def fts_query(text: str) -> str | None:
    """Words typed by a user as an FTS5 query: each word a quoted prefix, all required.

    Quoting makes FTS5 syntax (quotes, operators, parentheses, column filters) plain
    text, so no input can raise; None when nothing searchable is left.
    """
    terms = [
        '"' + word.replace('"', '""') + '"*'
        for word in sql_text(text).replace("\x00", " ").split()
        if any(ch.isalnum() for ch in word)
    ]
    return " ".join(terms) or None


class Catalog:
    def __init__(self, db: Database, store: SqliteSessionStore) -> None:
        self._db = db
        self._store = store

    # -- sessions ------------------------------------------------------------------

    async def list_sessions(
        self, query: str = "", *, limit: int | None = None, include_archived: bool = False
    ) -> list[SessionRow]:
        """Newest first. A query keeps sessions whose title contains every word typed
        (ignoring case), or where one prompt or reply has words starting with each."""
        where: list[str] = [] if include_archived else ["s.archived = 0"]
        params: list[Any] = []
        words = sql_text(query).split()
        if words:
            title_match = " AND ".join("instr(casefold(s.title), ?) > 0" for _ in words)
            params.extend(word.casefold() for word in words)
            match = fts_query(query)
            if match is not None:
                title_match = (
                    f"({title_match}) OR s.id IN "
                    "(SELECT session_id FROM search WHERE search MATCH ?)"
                )
                params.append(match)
            where.append(f"({title_match})")
        sql = _SESSIONS
        if where:
            sql += " WHERE " + " AND ".join(where)
        sql += " ORDER BY s.updated DESC"
        if limit is not None:
            sql += " LIMIT ?"
            params.append(limit)
        return [_session_row(row) for row in await self._db.fetchall(sql, params)]

    async def get_session(self, session_id: str) -> SessionRow | None:
        row = await self._db.fetchone(f"{_SESSIONS} WHERE s.id = ?", (session_id,))
        return None if row is None else _session_row(row)

    async def count_sessions(self, *, include_archived: bool = True) -> int:
        sql = "SELECT count(*) FROM sessions"
        if not include_archived:
            sql += " WHERE archived = 0"
        (count,) = await self._db.fetchone(sql) or (0,)
        return int(count)

    async def rename_session(self, session_id: str, title: str) -> None:
        """Appends a custom-title entry to the transcript, as the CLI and SDK do, so
        resumes and forks see the new title too; the catalog follows from it."""
        title = title.strip()
        if not title:
            raise ValueError("A session title cannot be empty.")
        row = await self.get_session(session_id)
        if row is None:
            raise SessionNotFoundError(session_id)
        entry: dict[str, Any] = {
            "type": "custom-title",
            "customTitle": title,
            "sessionId": session_id,
            "uuid": str(uuid.uuid4()),
            "timestamp": datetime.now(timezone.utc).isoformat().replace("+00:00", "Z"),
        }
        await self._store.append(
            {"project_key": row.project_key, "session_id": session_id},
            [cast("SessionStoreEntry", entry)],
        )

    async def delete_session(self, session_id: str) -> None:
        """Transcripts (subagents too), catalog entry and search rows; forks of it
        become roots. Deleting an unknown session does nothing."""
        async with self._db.transaction() as conn:
            for (project_key,) in await conn.execute_fetchall(
                "SELECT project_key FROM sessions WHERE id = ?", (session_id,)
            ):
                await delete_session_rows(conn, project_key, session_id)

    async def set_archived(self, session_id: str, archived: bool) -> None:
        async with self._db.transaction() as conn:
            cursor = await conn.execute(
                "UPDATE sessions SET archived = ? WHERE id = ?", (int(archived), session_id)
            )
            if cursor.rowcount == 0:
                raise SessionNotFoundError(session_id)

    # -- lineage -------------------------------------------------------------------

    async def record_fork(
        self, child: str, parent: str, fork_uuid: str | None, fork_turn: int
    ) -> None:
        """Remember that ``child`` was forked from ``parent`` at ``fork_uuid`` (after
        ``fork_turn`` turns). The child may not have a transcript yet; it is listed at
        once, under the parent's title, until its own entries arrive."""
        if child == parent:
            raise ValueError("A session cannot be forked from itself.")
        async with self._db.transaction() as conn:
            ancestors = await conn.execute_fetchall(
                """
                WITH RECURSIVE up(id) AS (
                    SELECT id FROM sessions WHERE id = ?
                    UNION
                    SELECT l.parent FROM lineage l JOIN up ON l.child = up.id
                    WHERE l.parent IS NOT NULL
                )
                SELECT id FROM up
                """,
                (parent,),
            )
            if not ancestors:
                raise SessionNotFoundError(parent)
            if child in {id_ for (id_,) in ancestors}:
                raise ValueError(f"Session {child} is an ancestor of {parent}.")
            now = now_ms()
            await conn.execute(
                """
                INSERT INTO sessions (id, project_key, title, cwd, model, created, updated)
                SELECT ?1, project_key, title, cwd, model, ?2, ?2 FROM sessions WHERE id = ?3
                ON CONFLICT (id) DO NOTHING
                """,
                (child, now, parent),
            )
            await conn.execute(
                """
                INSERT INTO lineage (child, parent, fork_uuid, fork_turn, created)
                VALUES (?, ?, ?, ?, ?)
                ON CONFLICT (child) DO UPDATE SET
                    parent = excluded.parent,
                    fork_uuid = excluded.fork_uuid,
                    fork_turn = excluded.fork_turn
                """,
                (child, parent, fork_uuid, fork_turn, now),
            )

    async def lineage(self, session_id: str) -> list[SessionRow]:
        """The whole fork tree ``session_id`` belongs to, parents before children
        (by depth, then age); empty if the session is unknown."""
        rows = await self._db.fetchall(
            f"""
            WITH RECURSIVE
            up(id, height) AS (
                SELECT ?, 0
                UNION
                SELECT l.parent, up.height + 1 FROM lineage l JOIN up ON l.child = up.id
                WHERE l.parent IS NOT NULL AND up.height < 10000
            ),
            down(id, depth) AS (
                SELECT id, 0 FROM (SELECT id FROM up ORDER BY height DESC LIMIT 1)
                UNION
                SELECT l.child, down.depth + 1 FROM lineage l JOIN down ON l.parent = down.id
                WHERE down.depth < 10000
            )
            SELECT {_SESSION_COLUMNS}
            FROM down JOIN sessions s ON s.id = down.id LEFT JOIN lineage l ON l.child = s.id
            ORDER BY down.depth, s.created, s.id
            """,
            (session_id,),
        )
        return [_session_row(row) for row in rows]

    async def children(self, session_id: str) -> list[SessionRow]:
        """Sessions forked directly from ``session_id``, oldest first."""
        rows = await self._db.fetchall(
            f"{_SESSIONS} WHERE l.parent = ? ORDER BY s.created, s.id", (session_id,)
        )
        return [_session_row(row) for row in rows]

    # -- search --------------------------------------------------------------------

    async def search(self, query: str, *, limit: int = 50) -> list[SearchHit]:
        """Prompts and replies containing words that start with each word typed, best
        matches first. Matched words are wrapped in MATCH_START / MATCH_END."""
        match = fts_query(query)
        if match is None:
            return []
        rows = await self._db.fetchall(
            """
            SELECT session_id, kind, snippet(search, 2, ?, ?, '…', ?)
            FROM search WHERE search MATCH ? ORDER BY rank LIMIT ?
            """,
            (MATCH_START, MATCH_END, _SNIPPET_WORDS, match, limit),
        )
        return [SearchHit(session_id, kind, snippet) for session_id, kind, snippet in rows]

    # -- tabs ----------------------------------------------------------------------

    async def load_tabs(self) -> list[TabRow]:
        rows = await self._db.fetchall(
            "SELECT tab_id, position, session_id, cwd, model, draft, active FROM tabs "
            "ORDER BY position, tab_id"
        )
        return [
            TabRow(tab_id, position, session_id, cwd, model, draft, bool(active))
            for tab_id, position, session_id, cwd, model, draft, active in rows
        ]

    async def save_tabs(self, tabs: list[TabRow]) -> None:
        """Replaces the saved tabs with ``tabs``."""
        async with self._db.transaction() as conn:
            await conn.execute("DELETE FROM tabs")
            await conn.executemany(
                "INSERT INTO tabs (tab_id, position, session_id, cwd, model, draft, active) "
                "VALUES (?, ?, ?, ?, ?, ?, ?)",
                [
                    (
                        t.tab_id,
                        t.position,
                        t.session_id,
                        sql_text(t.cwd),
                        t.model,
                        sql_text(t.draft),
                        int(t.active),
                    )
                    for t in tabs
                ],
            )

    async def save_draft(self, tab_id: str, draft: str) -> None:
        """Keeps a tab's unsent text; a tab that was never saved is ignored."""
        async with self._db.transaction() as conn:
            await conn.execute(
                "UPDATE tabs SET draft = ? WHERE tab_id = ?", (sql_text(draft), tab_id)
            )
