"""Transcripts shaped like the ones the bundled CLI mirrors into the store, and
databases filled with them.

The shape was copied from what the CLI writes against the scripted server: queue
bookkeeping around each prompt, the prompt entry, one assistant entry per content
block (sharing a message id and usage), tool results as user entries, and a couple of
attachments before the first prompt. Everything is derived from a seed, so two runs
build byte-identical databases.
"""

from __future__ import annotations

import asyncio
import json
import random
import sqlite3
import uuid
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

CLI_VERSION = "2.1.330"
MODEL = "claude-sonnet-4-5"
BASE_TIME = datetime(2026, 1, 5, 9, 0, tzinfo=timezone.utc)

_WORDS = (
    "the session store keeps every transcript line in order and the catalog lists "
    "sessions newest first while search indexes prompts and replies so a user can "
    "find what was said last week about the parser cache module function test "
    "build error retry token stream render widget layout query index migration "
    "fork turn tab prompt reply agent model config file path value check result"
).split()


def _rng_uuid(rng: random.Random) -> str:
    return str(uuid.UUID(int=rng.getrandbits(128), version=4))


def _sentence(rng: random.Random, words: int) -> str:
    text = " ".join(rng.choices(_WORDS, k=words))
    return text[0].upper() + text[1:] + "."


def _reply(rng: random.Random, chars: int) -> str:
    """Markdown of about ``chars`` characters: paragraphs, now and then a list or a
    fenced code block, as replies tend to have."""
    parts: list[str] = []
    size = 0
    while size < chars:
        kind = rng.random()
        if kind < 0.15:
            body = "\n".join(
                f"    result = check(value_{i}, path={i})" for i in range(rng.randint(2, 6))
            )
            block = f"```python\ndef build():\n{body}\n    return result\n```"
        elif kind < 0.3:
            block = "\n".join(f"- {_sentence(rng, rng.randint(3, 9))}" for _ in range(3))
        else:
            block = " ".join(_sentence(rng, rng.randint(6, 16)) for _ in range(rng.randint(1, 4)))
        parts.append(block)
        size += len(block) + 2
    return "\n\n".join(parts)


_POOL = 1024
_pools: dict[str, list[str]] = {}


def _pool(name: str) -> list[str]:
    """Texts to draw from: writing fresh prose for half a million entries would take
    longer than everything else the generator does."""
    if name not in _pools:
        rng = random.Random(f"pool/{name}")
        if name == "reply":
            _pools[name] = [_reply(rng, rng.randint(150, 1500)) for _ in range(_POOL)]
        else:
            _pools[name] = [_sentence(rng, rng.randint(5, 30)) for _ in range(_POOL)]
    return _pools[name]


def _usage(rng: random.Random, turn: int, out: int) -> dict[str, Any]:
    return {
        "input_tokens": 3 + rng.randint(0, 40),
        "cache_creation_input_tokens": rng.randint(0, 2000),
        "cache_read_input_tokens": 10_000 + 900 * turn,
        "output_tokens": out,
        "server_tool_use": {"web_search_requests": 0, "web_fetch_requests": 0},
        "service_tier": "standard",
        "cache_creation": {"ephemeral_1h_input_tokens": 0, "ephemeral_5m_input_tokens": 0},
    }


class _Writer:
    """Builds one session's entries, keeping the parentUuid chain and the clock."""

    def __init__(self, session_id: str, cwd: str, rng: random.Random, start: datetime) -> None:
        self.sid = session_id
        self.cwd = cwd
        self.rng = rng
        self.now = start
        self.parent: str | None = None
        self.entries: list[dict[str, Any]] = []

    def _stamp(self, seconds: float) -> str:
        self.now += timedelta(seconds=seconds)
        return self.now.isoformat(timespec="milliseconds").replace("+00:00", "Z")

    def _common(self, **fields: Any) -> dict[str, Any]:
        uid = _rng_uuid(self.rng)
        entry = {
            "parentUuid": self.parent,
            "isSidechain": False,
            **fields,
            "uuid": uid,
            "timestamp": self._stamp(0.05),
            "userType": "external",
            "entrypoint": "sdk-py",
            "cwd": self.cwd,
            "sessionId": self.sid,
            "version": CLI_VERSION,
            "gitBranch": "main",
        }
        self.parent = uid
        self.entries.append(entry)
        return entry

    def attachment(self, kind: str, text: str) -> None:
        self._common(
            attachment={"type": kind, "content": text},
            type="attachment",
            rendered=[{"content": f"<system-reminder>\n{text}\n</system-reminder>"}],
        )

    def queue(self, prompt: str) -> None:
        for op in ("enqueue", "dequeue"):
            entry: dict[str, Any] = {
                "type": "queue-operation",
                "operation": op,
                "timestamp": self._stamp(0.01),
                "sessionId": self.sid,
            }
            if op == "enqueue":
                entry["content"] = prompt
            self.entries.append(entry)

    def user(self, content: Any, turn: int) -> None:
        self._common(
            promptId=_rng_uuid(self.rng),
            type="user",
            message={"role": "user", "content": content},
            permissionMode="default",
            promptSource="sdk",
            turnOrigin="sdk",
            turnPosition={"promptIndex": 0, "turnIndex": turn},
        )

    def assistant(self, block: dict[str, Any], message_id: str, usage: dict[str, Any]) -> None:
        self._common(
            message={
                "id": message_id,
                "type": "message",
                "role": "assistant",
                "model": MODEL,
                "content": [block],
                "stop_reason": "end_turn",
                "stop_sequence": None,
                "usage": usage,
            },
            requestId=f"req_{self.rng.getrandbits(64):016x}",
            requestedModel=MODEL,
            type="assistant",
            effort="medium",
            madeBy="model",
        )


def transcript(
    session_id: str,
    turns: int,
    *,
    cwd: str,
    seed: int | str = 0,
    start: datetime = BASE_TIME,
) -> list[dict[str, Any]]:
    """``turns`` turns of a session; every fourth turn runs a Bash tool first."""
    rng = random.Random(f"{seed}/{session_id}")
    w = _Writer(session_id, cwd, rng, start)
    w.attachment("environment", f"Primary working directory: {cwd}\nPlatform: linux")
    w.attachment("date", "Today's date is 2026-01-05.")
    for turn in range(1, turns + 1):
        prompt = rng.choice(_pool("prompt"))
        w.queue(prompt)
        w.user(prompt, turn)
        usage = _usage(rng, turn, rng.randint(40, 900))
        message_id = f"msg_{rng.getrandbits(80):020x}"
        if turn % 4 == 0:
            tool_id = f"toolu_{rng.getrandbits(80):020x}"
            command = f"pytest tests/test_{rng.choice(_WORDS)}.py -q"
            w.assistant(
                {"type": "tool_use", "id": tool_id, "name": "Bash", "input": {"command": command}},
                message_id,
                usage,
            )
            w.user(
                [{"type": "tool_result", "tool_use_id": tool_id, "content": "12 passed in 0.4s"}],
                turn,
            )
            message_id = f"msg_{rng.getrandbits(80):020x}"
        reply = rng.choice(_pool("reply"))
        w.assistant({"type": "text", "text": reply}, message_id, usage)
        w.now += timedelta(seconds=rng.randint(20, 600))
    return w.entries


def session_ids(count: int, seed: int | str = 0) -> list[str]:
    rng = random.Random(f"ids/{seed}")
    return [_rng_uuid(rng) for _ in range(count)]


async def seed_session(store: Any, session_id: str, turns: int, *, cwd: str, seed: int = 0) -> None:
    """Write one session through ``SqliteSessionStore.append``, 500 entries per call
    (what recovery uses), leaving catalog and search as an agent run would."""
    from claude_agent_sdk import project_key_for_directory

    key = {"project_key": project_key_for_directory(cwd), "session_id": session_id}
    entries = transcript(session_id, turns, cwd=cwd, seed=seed)
    for i in range(0, len(entries), 500):
        await store.append(key, entries[i : i + 500])


def _session_lines(
    sid: str, want: int, cwd: str, seed: int, start: datetime
) -> list[dict[str, Any]]:
    # About four entries a turn: make enough turns, then cut to size (a session
    # that ends mid-turn is ordinary).
    return transcript(sid, want // 4 + 2, cwd=cwd, seed=seed, start=start)[:want]


def _dumps(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"))


class _RawAppender:
    """Writes what ``SqliteSessionStore.append`` writes for a session's first batch
    (entries, search rows, the SDK's folded summary, the catalog row), straight
    through ``sqlite3`` and many sessions per transaction: 500,000 entries take
    seconds instead of a minute. ``fill_db`` checks it against the real
    append before trusting it."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn
        (self.seq,) = conn.execute("SELECT coalesce(max(seq), 0) FROM entries").fetchone()

    def append(self, project: str, sid: str, lines: list[dict[str, Any]], mtime: int) -> None:
        from claude_agent_sdk import fold_session_summary

        from tui.store.entries import entry_model, search_text
        from tui.store.schema import INSERT_SEARCH_ROW, sql_text

        key = {"project_key": project, "session_id": sid}
        data = fold_session_summary(None, key, lines)["data"]  # type: ignore[arg-type]
        (tid,) = self.conn.execute(
            "INSERT INTO transcripts (project_key, session_id, subpath, mtime, summary) "
            "VALUES (?, ?, '', ?, ?) RETURNING id",
            (project, sid, mtime, _dumps(data)),
        ).fetchone()
        rows, found, turns, model = [], [], 0, None
        for entry in lines:
            self.seq += 1
            uid = entry.get("uuid")
            rows.append((self.seq, tid, uid if isinstance(uid, str) else None, _dumps(entry)))
            hit = search_text(entry)
            if hit is not None:
                turns += hit[0] == "prompt"
                found.append((self.seq, sid, hit[0], sql_text(hit[1])))
            model = entry_model(entry) or model
        self.conn.executemany(
            "INSERT INTO entries (seq, transcript, uuid, entry) VALUES (?, ?, ?, ?)", rows
        )
        self.conn.executemany(INSERT_SEARCH_ROW, found)
        title = data.get("custom_title") or data.get("ai_title") or data.get("first_prompt")
        self.conn.execute(
            "INSERT INTO sessions (id, project_key, title, cwd, model, created, updated, turn_count) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (sid, project, title or "", data.get("cwd"), model, mtime, mtime, turns),
        )


_COMPARE = (
    "SELECT project_key, session_id, subpath, summary FROM transcripts",
    "SELECT uuid, entry FROM entries ORDER BY seq",
    "SELECT session_id, kind, text FROM search ORDER BY rowid",
    "SELECT id, project_key, title, cwd, model, turn_count, archived FROM sessions",
)


def remove_db(path: Path) -> None:
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)


def create_db(
    path: Path, lines: list[dict[str, Any]] | None = None, key: dict[str, str] | None = None
) -> None:
    """A new database made by the app's own code (schema, application id, WAL),
    holding ``lines`` appended through ``SqliteSessionStore`` if given."""
    from tui.store import Database, SqliteSessionStore

    async def create() -> None:
        db = await Database.open(path)
        try:
            if lines is not None:
                await SqliteSessionStore(db).append(key, lines)  # type: ignore[arg-type]
        finally:
            await db.close()

    remove_db(path)
    asyncio.run(create())


def _check_raw_matches_store(folder: Path, project: str, cwd: str, seed: int) -> None:
    """One session written both ways must leave the same rows (times aside)."""
    sid = session_ids(1, f"check/{seed}")[0]
    lines = _session_lines(sid, 50, cwd, seed, BASE_TIME)
    real, raw = folder / "check-store.db", folder / "check-raw.db"
    create_db(real, lines, {"project_key": project, "session_id": sid})
    create_db(raw)
    conn = sqlite3.connect(raw, isolation_level=None)
    conn.execute("BEGIN")
    _RawAppender(conn).append(project, sid, lines, 1)
    conn.execute("COMMIT")
    conn.close()
    a, b = sqlite3.connect(real), sqlite3.connect(raw)
    try:
        for sql in _COMPARE:
            if a.execute(sql).fetchall() != b.execute(sql).fetchall():
                raise RuntimeError(
                    f"the fast filler no longer matches SqliteSessionStore.append: {sql}"
                )
    finally:
        a.close()
        b.close()
        remove_db(real)
        remove_db(raw)


def fill_db(path: Path, *, sessions: int, entries: int, cwd: str, seed: int = 0) -> dict[str, Any]:
    """A database the app opens as its own, with ``sessions`` sessions holding
    ``entries`` entries in all (about 12 turns each), the newest updated now."""
    from claude_agent_sdk import project_key_for_directory

    project = project_key_for_directory(cwd)
    _check_raw_matches_store(path.parent, project, cwd, seed)
    create_db(path)
    per, extra = divmod(entries, sessions)
    now_ms = int(datetime.now(timezone.utc).timestamp() * 1000)
    start = BASE_TIME - timedelta(days=365)
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA synchronous = OFF")  # a scratch file: a crash loses nothing
    writer = _RawAppender(conn)
    written = 0
    try:
        conn.execute("BEGIN")
        for n, sid in enumerate(session_ids(sessions, seed)):
            lines = _session_lines(sid, per + (n < extra), cwd, seed, start)
            start += timedelta(minutes=50)
            # Updated one every 50 minutes, oldest first, the last one now.
            writer.append(project, sid, lines, now_ms - (sessions - 1 - n) * 3_000_000)
            written += len(lines)
            if n % 1000 == 999:
                conn.execute("COMMIT")
                conn.execute("BEGIN")
        conn.execute("COMMIT")
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        conn.close()
    return {"sessions": sessions, "entries": written, "bytes": path.stat().st_size}
