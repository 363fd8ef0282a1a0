"""The database schema, as numbered migrations.

``MIGRATIONS[n - 1]`` takes a database from schema version ``n - 1`` to ``n``; the
version lives in ``PRAGMA user_version``. A migration runs inside the caller's write
transaction, so it must not commit. Add new migrations at the end; never edit one that
has shipped.
"""

from __future__ import annotations

import json
import re
from collections.abc import Awaitable, Callable, Sequence

import aiosqlite

from .entries import search_text

# PRAGMA application_id: marks the file as agent-tui's ("aTUI" in ASCII).
APPLICATION_ID = 0x61545549

_SURROGATE = re.compile(r"[\ud800-\udfff]")

Migration = Callable[[aiosqlite.Connection], Awaitable[None]]


def sql_text(text: str) -> str:
    """``text`` in a form SQLite accepts: UTF-8 cannot hold lone surrogates (which JSON
    from the CLI may carry), so they become U+FFFD."""
    if text.isascii():  # most text, and much quicker to tell than by encoding it
        return text
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return _SURROGATE.sub("\ufffd", text)
    return text


async def _run(conn: aiosqlite.Connection, statements: Sequence[str]) -> None:
    # One statement at a time: executescript() would commit the open transaction.
    for statement in statements:
        await conn.execute(statement)


_V1_BASE = (
    f"PRAGMA application_id = {APPLICATION_ID}",
    # One row per stored transcript: a session's main transcript (subpath '') or one
    # of its subagent transcripts. Entries hang off it. It holds the storage write
    # time the SDK lists sessions by and, for main transcripts, the SDK's folded
    # summary (opaque JSON) that list_session_summaries returns.
    """
    CREATE TABLE transcripts (
        id          INTEGER PRIMARY KEY,
        project_key TEXT NOT NULL,
        session_id  TEXT NOT NULL,
        subpath     TEXT NOT NULL DEFAULT '',
        mtime       INTEGER NOT NULL,
        summary     TEXT,
        UNIQUE (project_key, session_id, subpath)
    )
    """,
    # Finds the newest mtime quickly, so each write can stamp a strictly later one.
    "CREATE INDEX transcripts_by_mtime ON transcripts (mtime)",
    # Transcript lines, verbatim JSON, in append order (seq). The UNIQUE uuid makes a
    # re-sent batch a no-op; entries without a uuid (NULL) are never deduplicated.
    """
    CREATE TABLE entries (
        seq        INTEGER PRIMARY KEY,
        transcript INTEGER NOT NULL REFERENCES transcripts (id) ON DELETE CASCADE,
        uuid       TEXT,
        entry      TEXT NOT NULL,
        UNIQUE (transcript, uuid)
    )
    """,
    "CREATE INDEX entries_by_transcript ON entries (transcript, seq)",
    # The session list the UI shows, kept current by every append to a main
    # transcript so listing never reads transcripts. Keyed by session id alone:
    # lineage and tabs refer to sessions that way.
    """
    CREATE TABLE sessions (
        id          TEXT PRIMARY KEY,
        project_key TEXT NOT NULL,
        title       TEXT NOT NULL DEFAULT '',
        cwd         TEXT,
        model       TEXT,
        created     INTEGER NOT NULL,
        updated     INTEGER NOT NULL,
        turn_count  INTEGER NOT NULL DEFAULT 0,
        archived    INTEGER NOT NULL DEFAULT 0 CHECK (archived IN (0, 1))
    )
    """,
    "CREATE INDEX sessions_by_updated ON sessions (updated)",
    # Which session was forked from which, and where. Deleting a child forgets its
    # fork; deleting a parent leaves its children as roots of their own trees.
    """
    CREATE TABLE lineage (
        child     TEXT PRIMARY KEY REFERENCES sessions (id) ON DELETE CASCADE,
        parent    TEXT REFERENCES sessions (id) ON DELETE SET NULL,
        fork_uuid TEXT,
        fork_turn INTEGER NOT NULL,
        created   INTEGER NOT NULL
    )
    """,
    "CREATE INDEX lineage_by_parent ON lineage (parent)",
    # The open tabs and their unsent drafts, restored at start-up. A new tab's session
    # may not exist anywhere yet, so session_id refers to nothing.
    """
    CREATE TABLE tabs (
        tab_id     TEXT PRIMARY KEY,
        position   INTEGER NOT NULL,
        session_id TEXT NOT NULL,
        cwd        TEXT NOT NULL,
        model      TEXT,
        draft      TEXT NOT NULL DEFAULT '',
        active     INTEGER NOT NULL DEFAULT 0 CHECK (active IN (0, 1))
    )
    """,
)


async def _v1_base(conn: aiosqlite.Connection) -> None:
    await _run(conn, _V1_BASE)


# Full-text search over what was said: prompt text and reply text of main transcripts.
# rowid is the entry's seq, so a session's rows are found (and deleted) through its
# entries rather than by scanning the unindexed session_id column. No prefix indexes:
# they nearly double the cost of every append and barely speed up prefix queries.
_V2_SEARCH = """
    CREATE VIRTUAL TABLE search USING fts5(session_id UNINDEXED, kind UNINDEXED, text)
"""

INSERT_SEARCH_ROW = "INSERT INTO search (rowid, session_id, kind, text) VALUES (?, ?, ?, ?)"


async def _v2_search(conn: aiosqlite.Connection) -> None:
    await conn.execute(_V2_SEARCH)
    # Index what earlier versions stored.
    cursor = await conn.execute(
        """
        SELECT e.seq, t.session_id, e.entry
        FROM entries e JOIN transcripts t ON t.id = e.transcript
        WHERE t.subpath = ''
        ORDER BY e.seq
        """
    )
    try:
        while rows := await cursor.fetchmany(1000):
            found = []
            for seq, session_id, text in rows:
                entry = json.loads(text)
                hit = search_text(entry) if isinstance(entry, dict) else None
                if hit is not None:
                    found.append((seq, session_id, hit[0], sql_text(hit[1])))
            await conn.executemany(INSERT_SEARCH_ROW, found)
    finally:
        await cursor.close()


# Each append's transaction adds a small segment to the search index, and FTS5 merges
# segments as they pile up. Waiting for 8 at a level (rather than 4) before merging them
# means fewer passes over the same index data, so appends take less time and write less
# (about a twelfth less with the store benchmark's transcripts); a search reads a few
# more segments.
_V3_SEARCH_MERGES = "INSERT INTO search (search, rank) VALUES ('automerge', 8)"


async def _v3_search_merges(conn: aiosqlite.Connection) -> None:
    await conn.execute(_V3_SEARCH_MERGES)


MIGRATIONS: tuple[Migration, ...] = (_v1_base, _v2_search, _v3_search_merges)
SCHEMA_VERSION = len(MIGRATIONS)
