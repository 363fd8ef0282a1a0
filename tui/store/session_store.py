"""The SDK's ``SessionStore`` over the agent-tui database.

The SDK mirrors every transcript line here (``append``) and resumes or forks from here
(``load``). Each append also keeps the SDK's session summary, the session catalog and
full-text search current, in the same transaction, so they never disagree with the
transcript.

Duck-typed: the SDK probes for the optional methods by name, and importing
``claude_agent_sdk`` is too slow for the start-up path, so it is only imported by
``append`` (when an agent is running and the SDK is loaded anyway).
"""

from __future__ import annotations

import json
import os
import sqlite3
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, cast

import aiosqlite

from tui.collector import paused

from .db import Database, now_ms
from .entries import entry_model, search_text
from .schema import INSERT_SEARCH_ROW, sql_text

if TYPE_CHECKING:
    from claude_agent_sdk import (
        SessionKey,
        SessionListSubkeysKey,
        SessionStoreEntry,
        SessionStoreListEntry,
        SessionSummaryEntry,
    )

    # claude_agent_sdk.fold_session_summary, passed in so that only append imports it.
    Fold = Callable[
        [SessionSummaryEntry | None, SessionKey, list[SessionStoreEntry]], SessionSummaryEntry
    ]

# Stamps the write with a storage mtime strictly later than any other in the file, so
# back-to-back appends never share one (the SDK compares them for staleness). Also
# returns what the rest of the append needs, in the same statement: the last seq in use
# and which of the batch's uuids (JSON array ?5) are stored already.
_UPSERT_TRANSCRIPT = """
    INSERT INTO transcripts (project_key, session_id, subpath, mtime)
    VALUES (?1, ?2, ?3, max(?4, (SELECT coalesce(max(mtime), 0) + 1 FROM transcripts)))
    ON CONFLICT (project_key, session_id, subpath)
    DO UPDATE SET mtime = excluded.mtime
    RETURNING
        id,
        mtime,
        summary,
        (SELECT coalesce(max(seq), 0) FROM entries),
        (SELECT json_group_array(uuid) FROM entries
         WHERE transcript = transcripts.id AND uuid IN (SELECT value FROM json_each(?5)))
"""

# Created by the first append to a main transcript; later appends refresh it. A title
# is only replaced by a non-empty one, and turns only ever add up.
_UPSERT_SESSION = """
    INSERT INTO sessions (id, project_key, title, cwd, model, created, updated, turn_count)
    VALUES (:id, :project_key, :title, :cwd, :model, :now, :now, :turns)
    ON CONFLICT (id) DO UPDATE SET
        project_key = excluded.project_key,
        title = CASE WHEN excluded.title <> '' THEN excluded.title ELSE title END,
        cwd = coalesce(excluded.cwd, cwd),
        model = coalesce(excluded.model, model),
        updated = excluded.updated,
        turn_count = turn_count + excluded.turn_count
"""


_INSERT_ENTRY = "INSERT INTO entries (seq, transcript, uuid, entry) VALUES (?, ?, ?, ?)"

# Compact and ASCII-escaped, so lone surrogates survive the round trip through SQLite's
# UTF-8. One encoder for every entry: json.dumps with options builds a new one per call.
_dumps = json.JSONEncoder(separators=(",", ":")).encode


def _parse_array(texts: list[str]) -> Any:
    """Parse JSON texts into a list in one call, much quicker than one call each.

    A long transcript makes hundreds of thousands of dicts and lists; the parse makes
    no cycles, so the collector waits until it is done (see `tui.collector.paused`).
    Nothing else runs meanwhile: the parse does not yield to the event loop.
    """
    with paused():
        return json.loads("[" + ",".join(texts) + "]")


def _subpath(key: SessionKey) -> str:
    # The SDK omits subpath for a main transcript; '' keeps the UNIQUE key usable.
    return key.get("subpath") or ""


class SqliteSessionStore:
    """``SessionStore`` adapter. ``await SqliteSessionStore.open(path)`` owns its own
    database; ``SqliteSessionStore(db)`` shares one the app owns (and leaves it open)."""

    def __init__(self, db: Database) -> None:
        self._db = db
        self._owns_db = False

    @classmethod
    async def open(cls, path: str | os.PathLike[str]) -> SqliteSessionStore:
        store = cls(await Database.open(path))
        store._owns_db = True
        return store

    @property
    def db(self) -> Database:
        return self._db

    async def close(self) -> None:
        if self._owns_db:
            await self._db.close()

    # -- SessionStore ------------------------------------------------------------

    async def append(self, key: SessionKey, entries: list[SessionStoreEntry]) -> None:
        """Store a batch in one transaction. Idempotent on ``uuid`` (the first copy
        wins, within a batch too); entries without one are always appended.

        The whole append (encoding, summary, catalog, search) runs in one call on the
        database thread. If the awaiting task is cancelled, that call still runs to the
        end: the batch is then stored whole (or, if something fails, not at all), and a
        re-sent batch is a no-op thanks to the uuids.
        """
        if not entries:
            return
        # Here rather than at the top of the module (slow, and not needed to start the
        # app), and on the event loop before the transaction so the first import holds
        # no locks.
        from claude_agent_sdk import fold_session_summary

        await self._db.write(_append, key, list(entries), fold_session_summary)

    async def load(self, key: SessionKey) -> list[SessionStoreEntry] | None:
        """Entries in append order; None if the key was never written."""
        rows = await self._db.fetchall(
            """
            SELECT e.entry FROM transcripts t LEFT JOIN entries e ON e.transcript = t.id
            WHERE t.project_key = ? AND t.session_id = ? AND t.subpath = ?
            ORDER BY e.seq
            """,
            (key["project_key"], key["session_id"], _subpath(key)),
        )
        if not rows:
            return None
        if rows[0][0] is None:
            return []
        return cast("list[SessionStoreEntry]", _parse_array([row[0] for row in rows]))

    async def load_slice(
        self, key: SessionKey, *, before: int | None = None, last: int | None = None
    ) -> list[tuple[int, SessionStoreEntry]]:
        """Part of a transcript, in append order, each entry with its seq: those before
        seq ``before`` (all if None), only the ``last`` of them if given. Reading a long
        session from its end is how the app shows its newest turns without parsing the
        rest first."""
        rows = await self._db.fetchall(
            """
            SELECT seq, entry FROM (
                SELECT e.seq, e.entry FROM transcripts t JOIN entries e ON e.transcript = t.id
                WHERE t.project_key = ?1 AND t.session_id = ?2 AND t.subpath = ?3
                  AND (?4 IS NULL OR e.seq < ?4)
                ORDER BY e.seq DESC LIMIT coalesce(?5, -1)
            ) ORDER BY seq
            """,
            (key["project_key"], key["session_id"], _subpath(key), before, last),
        )
        entries = _parse_array([row[1] for row in rows]) if rows else []
        return [(row[0], entry) for row, entry in zip(rows, entries, strict=True)]

    async def list_sessions(self, project_key: str) -> list[SessionStoreListEntry]:
        rows = await self._db.fetchall(
            "SELECT session_id, mtime FROM transcripts WHERE project_key = ? AND subpath = ''",
            (project_key,),
        )
        return [{"session_id": session_id, "mtime": mtime} for session_id, mtime in rows]

    async def list_session_summaries(self, project_key: str) -> list[SessionSummaryEntry]:
        rows = await self._db.fetchall(
            "SELECT session_id, mtime, summary FROM transcripts "
            "WHERE project_key = ? AND subpath = '' AND summary IS NOT NULL",
            (project_key,),
        )
        return [
            {"session_id": session_id, "mtime": mtime, "data": json.loads(summary)}
            for session_id, mtime, summary in rows
        ]

    async def delete(self, key: SessionKey) -> None:
        """A main key takes its subagent transcripts, summary, catalog entry and search
        rows with it; a key with a subpath removes just that transcript."""
        async with self._db.transaction() as conn:
            subpath = _subpath(key)
            if subpath:
                await conn.execute(
                    "DELETE FROM transcripts WHERE project_key = ? AND session_id = ? "
                    "AND subpath = ?",
                    (key["project_key"], key["session_id"], subpath),
                )
            else:
                await delete_session_rows(conn, key["project_key"], key["session_id"])

    async def list_subkeys(self, key: SessionListSubkeysKey) -> list[str]:
        rows = await self._db.fetchall(
            "SELECT subpath FROM transcripts WHERE project_key = ? AND session_id = ? "
            "AND subpath <> '' ORDER BY id",
            (key["project_key"], key["session_id"]),
        )
        return [subpath for (subpath,) in rows]


def _append(
    conn: sqlite3.Connection, key: SessionKey, entries: list[SessionStoreEntry], fold: Fold
) -> None:
    """``SqliteSessionStore.append``'s transaction, on the database thread."""
    uuids: list[str | None] = []
    new: list[dict[str, Any]] = []
    texts: list[str] = []
    seen: set[str] = set()
    for raw in entries:
        entry = cast("dict[str, Any]", raw)
        uuid = entry.get("uuid")
        if not isinstance(uuid, str):
            uuid = None
        elif uuid in seen:
            continue
        else:
            seen.add(uuid)
        uuids.append(uuid)
        new.append(entry)
        texts.append(_dumps(entry))

    project_key, session_id, subpath = key["project_key"], key["session_id"], _subpath(key)
    ((transcript, mtime, summary, last_seq, stored),) = conn.execute(
        _UPSERT_TRANSCRIPT,
        (project_key, session_id, subpath, now_ms(), _dumps(list(seen))),
    ).fetchall()
    if stored != "[]":
        known = set(json.loads(stored))
        keep = [n for n, uuid in enumerate(uuids) if uuid not in known]
        if not keep:
            return
        uuids = [uuids[n] for n in keep]
        new = [new[n] for n in keep]
        texts = [texts[n] for n in keep]
    # seq is assigned here rather than by SQLite so the new rows' seqs are known without
    # reading them back; the write transaction keeps max(seq) stable meanwhile.
    first = last_seq + 1
    conn.executemany(
        _INSERT_ENTRY,
        [
            (seq, transcript, uuid, text)
            for seq, (uuid, text) in enumerate(zip(uuids, texts, strict=True), first)
        ],
    )
    if subpath:
        return
    previous: SessionSummaryEntry | None = None
    if summary is not None:
        previous = {"session_id": session_id, "mtime": mtime, "data": json.loads(summary)}
    # Only new entries: a re-sent batch must not fold (or count) twice.
    data = fold(previous, key, cast("list[SessionStoreEntry]", new))["data"]
    conn.execute("UPDATE transcripts SET summary = ? WHERE id = ?", (_dumps(data), transcript))
    _update_catalog(conn, key, new, first, data, mtime)


def _update_catalog(
    conn: sqlite3.Connection,
    key: SessionKey,
    new: list[dict[str, Any]],
    first_seq: int,
    summary: dict[str, Any],
    mtime: int,
) -> None:
    """Index new main-transcript entries (numbered from ``first_seq``) for search and
    bring the session's catalog entry up to date."""
    session_id = key["session_id"]
    found = []
    turns = 0
    model = None
    for seq, entry in enumerate(new, first_seq):
        # Only user and assistant entries carry text to search or a model; most of a
        # transcript is neither, so skip the readers for the rest.
        kind = entry.get("type")
        if kind != "user" and kind != "assistant":
            continue
        hit = search_text(entry)
        if hit is not None:
            turns += hit[0] == "prompt"
            found.append((seq, session_id, hit[0], sql_text(hit[1])))
        if kind == "assistant":
            model = entry_model(entry) or model
    if found:
        conn.executemany(INSERT_SEARCH_ROW, found)

    # The summary's fields, as the SDK's own session list reads them.
    title = summary.get("custom_title") or summary.get("ai_title") or summary.get("first_prompt")
    cwd = summary.get("cwd")
    conn.execute(
        _UPSERT_SESSION,
        {
            "id": session_id,
            "project_key": key["project_key"],
            "title": sql_text(title) if isinstance(title, str) else "",
            "cwd": sql_text(cwd) if isinstance(cwd, str) else None,
            "model": model,
            "now": mtime,
            "turns": turns,
        },
    )


async def delete_session_rows(
    conn: aiosqlite.Connection, project_key: str, session_id: str
) -> None:
    """Everything stored for one session, inside the caller's write transaction."""
    await conn.execute(
        """
        DELETE FROM search WHERE rowid IN (
            SELECT e.seq FROM transcripts t JOIN entries e ON e.transcript = t.id
            WHERE t.project_key = ? AND t.session_id = ? AND t.subpath = ''
        )
        """,
        (project_key, session_id),
    )
    # Entries go with their transcripts (ON DELETE CASCADE), lineage with the session.
    await conn.execute(
        "DELETE FROM transcripts WHERE project_key = ? AND session_id = ?",
        (project_key, session_id),
    )
    await conn.execute(
        "DELETE FROM sessions WHERE id = ? AND project_key = ?", (session_id, project_key)
    )
