# These tests set up and inspect small files directly, blocking the loop for microseconds.
# ruff: noqa: ASYNC240

from __future__ import annotations

import asyncio
import json
import os
import sqlite3
import stat
import sys
import textwrap
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from store_fakes import PROJECT, assistant, tool_result, tool_use, user

from tui.store import (
    SCHEMA_VERSION,
    CannotOpenDatabaseError,
    Catalog,
    Database,
    DatabaseFileError,
    ForeignDatabaseError,
    NotADatabaseError,
    SchemaTooNewError,
    SqliteSessionStore,
    StoreError,
)
from tui.store.schema import APPLICATION_ID

REPO = Path(__file__).resolve().parents[2]
not_as_root = pytest.mark.skipif(
    hasattr(os, "geteuid") and os.geteuid() == 0, reason="root is not refused access"
)


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture
def umask() -> Iterator[None]:
    # Stricter than usual: both the file and the folders need their chmod to end up right.
    old = os.umask(0o277)
    yield
    os.umask(old)


# -- creating ---------------------------------------------------------------------------


async def test_new_file_is_private_and_new_folders_are_0700(tmp_path: Path, umask: None) -> None:
    path = tmp_path / "a" / "b" / "agent-tui.db"
    db = await Database.open(path)
    try:
        async with db.transaction() as conn:
            await conn.execute("INSERT INTO tabs VALUES ('t', 0, 's', '/', NULL, '', 1)")
        assert mode(path) == 0o600
        assert mode(tmp_path / "a") == 0o700
        assert mode(tmp_path / "a" / "b") == 0o700
        for suffix in ("-wal", "-shm"):
            assert mode(Path(f"{path}{suffix}")) == 0o600
    finally:
        await db.close()


async def test_existing_folder_keeps_its_mode(tmp_path: Path) -> None:
    folder = tmp_path / "shared"
    folder.mkdir()
    folder.chmod(0o755)
    db = await Database.open(folder / "agent-tui.db")
    await db.close()
    assert mode(folder) == 0o755


async def test_open_sets_pragmas_and_schema(db_path: Path) -> None:
    db = await Database.open(db_path)
    try:
        assert await db.fetchone("PRAGMA journal_mode") == ("wal",)
        assert await db.fetchone("PRAGMA foreign_keys") == (1,)
        assert await db.fetchone("PRAGMA busy_timeout") == (5000,)
        assert await db.fetchone("PRAGMA synchronous") == (1,)  # NORMAL
        assert await db.fetchone("PRAGMA wal_autocheckpoint") == (4000,)
        assert await db.fetchone("PRAGMA application_id") == (APPLICATION_ID,)
        assert await db.fetchone("PRAGMA user_version") == (SCHEMA_VERSION,)
        names = {name for (name,) in await db.fetchall("SELECT name FROM sqlite_master")}
        assert {"transcripts", "entries", "sessions", "lineage", "tabs", "search"} <= names
    finally:
        await db.close()


async def test_reopening_keeps_data(db_path: Path) -> None:
    store = await SqliteSessionStore.open(db_path)
    key = {"project_key": PROJECT, "session_id": "s"}
    entry = user("s", "hello")
    await store.append(key, [entry])  # type: ignore[arg-type, list-item]
    await store.close()
    store = await SqliteSessionStore.open(db_path)
    try:
        assert await store.load(key) == [entry]  # type: ignore[arg-type]
    finally:
        await store.close()


async def test_empty_existing_file_becomes_a_database(db_path: Path) -> None:
    db_path.touch()
    db = await Database.open(db_path)
    assert await db.fetchone("PRAGMA user_version") == (SCHEMA_VERSION,)
    await db.close()


async def test_database_as_async_context_manager(db_path: Path) -> None:
    async with await Database.open(db_path) as db:
        assert await db.fetchone("SELECT 1") == (1,)
    with pytest.raises(ValueError):
        await db.fetchone("SELECT 1")


# -- refusing -----------------------------------------------------------------------------


def _sqlite_file(path: Path, *statements: str) -> None:
    conn = sqlite3.connect(path)
    for statement in statements:
        conn.execute(statement)
    conn.commit()
    conn.close()


def _assert_refused(error: StoreError, path: Path) -> None:
    message = str(error)
    assert "\n" not in message
    assert str(path) in message
    assert "--db" in message
    assert isinstance(error, DatabaseFileError) and error.path == path


@pytest.mark.parametrize(
    "content",
    [
        b"just some notes\nnot a database\n",
        b"SQLite",  # a prefix of the header, too short to be one
        bytes(range(256)) * 8,
    ],
    ids=["text", "short", "binary"],
)
async def test_refuses_a_file_that_is_not_sqlite(db_path: Path, content: bytes) -> None:
    db_path.write_bytes(content)
    with pytest.raises(NotADatabaseError) as caught:
        await Database.open(db_path)
    _assert_refused(caught.value, db_path)
    assert db_path.read_bytes() == content
    assert sorted(p.name for p in db_path.parent.iterdir()) == [db_path.name]


async def test_refuses_a_damaged_sqlite_file(db_path: Path) -> None:
    content = b"SQLite format 3\x00" + b"\xff" * 4000
    db_path.write_bytes(content)
    with pytest.raises(NotADatabaseError) as caught:
        await Database.open(db_path)
    _assert_refused(caught.value, db_path)
    assert "damaged" in str(caught.value)
    assert db_path.read_bytes() == content


@pytest.mark.parametrize(
    "statements",
    [
        ("CREATE TABLE notes (body TEXT)", "INSERT INTO notes VALUES ('keep me')"),
        ("PRAGMA application_id = 1234",),
        ("PRAGMA user_version = 3",),
    ],
    ids=["tables", "application-id", "user-version"],
)
async def test_refuses_another_programs_database(db_path: Path, statements: tuple[str]) -> None:
    _sqlite_file(db_path, *statements)
    before = db_path.read_bytes()
    with pytest.raises(ForeignDatabaseError) as caught:
        await Database.open(db_path)
    _assert_refused(caught.value, db_path)
    assert db_path.read_bytes() == before


async def test_refuses_a_schema_from_a_newer_version(db_path: Path) -> None:
    db = await Database.open(db_path)
    await db.close()
    _sqlite_file(db_path, f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    before = db_path.read_bytes()
    with pytest.raises(SchemaTooNewError) as caught:
        await Database.open(db_path)
    _assert_refused(caught.value, db_path)
    assert f"schema version {SCHEMA_VERSION + 1}" in str(caught.value)
    assert "Upgrade agent-tui" in str(caught.value)
    assert db_path.read_bytes() == before


async def test_refuses_a_folder(tmp_path: Path) -> None:
    with pytest.raises(CannotOpenDatabaseError) as caught:
        await Database.open(tmp_path)
    _assert_refused(caught.value, tmp_path)
    assert "folder" in str(caught.value)


async def test_refuses_when_the_folder_cannot_be_made(tmp_path: Path) -> None:
    blocker = tmp_path / "file.txt"
    blocker.write_text("in the way")
    path = blocker / "sub" / "agent-tui.db"
    with pytest.raises(CannotOpenDatabaseError) as caught:
        await Database.open(path)
    _assert_refused(caught.value, path)
    assert blocker.read_text() == "in the way"


@not_as_root
async def test_refuses_an_unreadable_file(db_path: Path) -> None:
    db = await Database.open(db_path)
    await db.close()
    before = db_path.read_bytes()
    db_path.chmod(0)
    try:
        with pytest.raises(CannotOpenDatabaseError) as caught:
            await Database.open(db_path)
        _assert_refused(caught.value, db_path)
        assert "permission denied" in str(caught.value)
    finally:
        db_path.chmod(0o600)
    assert db_path.read_bytes() == before


@not_as_root
async def test_refuses_a_read_only_file(db_path: Path) -> None:
    db = await Database.open(db_path)
    await db.close()
    db_path.chmod(0o400)
    try:
        with pytest.raises(CannotOpenDatabaseError) as caught:
            await Database.open(db_path)
        assert "read-only" in str(caught.value)
    finally:
        db_path.chmod(0o600)


@not_as_root
async def test_refuses_a_folder_it_cannot_write(tmp_path: Path) -> None:
    locked = tmp_path / "locked"
    locked.mkdir(mode=0o500)
    try:
        with pytest.raises(CannotOpenDatabaseError):
            await Database.open(locked / "agent-tui.db")
    finally:
        locked.chmod(0o700)


# -- transactions ------------------------------------------------------------------------


async def test_transaction_rolls_back_on_error(db: Database) -> None:
    with pytest.raises(RuntimeError):
        async with db.transaction() as conn:
            await conn.execute("INSERT INTO tabs VALUES ('t', 0, 's', '/', NULL, '', 1)")
            raise RuntimeError("boom")
    assert await db.fetchall("SELECT * FROM tabs") == []
    async with db.transaction() as conn:  # the lock was released and no transaction is open
        await conn.execute("INSERT INTO tabs VALUES ('t', 0, 's', '/', NULL, '', 1)")
    assert len(await db.fetchall("SELECT * FROM tabs")) == 1


async def test_transaction_rolls_back_when_cancelled(db: Database) -> None:
    inside = asyncio.Event()

    async def writer() -> None:
        async with db.transaction() as conn:
            await conn.execute("INSERT INTO tabs VALUES ('t', 0, 's', '/', NULL, '', 1)")
            inside.set()
            await asyncio.sleep(10)

    task = asyncio.create_task(writer())
    await inside.wait()
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert await db.fetchall("SELECT * FROM tabs") == []
    async with db.transaction() as conn:
        await conn.execute("INSERT INTO tabs VALUES ('u', 0, 's', '/', NULL, '', 1)")
    assert await db.fetchall("SELECT tab_id FROM tabs") == [("u",)]


async def test_cancelled_while_waiting_for_another_process(db: Database, db_path: Path) -> None:
    other = sqlite3.connect(db_path, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")  # another process is writing

    async def writer() -> None:
        async with db.transaction() as conn:
            await conn.execute("INSERT INTO tabs VALUES ('t', 0, 's', '/', NULL, '', 1)")

    task = asyncio.create_task(writer())
    await asyncio.sleep(0.2)  # BEGIN IMMEDIATE is now waiting out busy_timeout
    task.cancel()
    await asyncio.sleep(0.1)
    other.execute("ROLLBACK")  # the BEGIN goes through after all, behind the cancel
    other.close()
    with pytest.raises(asyncio.CancelledError):
        await task
    async with db.transaction() as conn:  # nothing was left half-open
        await conn.execute("INSERT INTO tabs VALUES ('u', 0, 's', '/', NULL, '', 1)")
    assert await db.fetchall("SELECT tab_id FROM tabs") == [("u",)]


def _insert_tab(conn: sqlite3.Connection, tab_id: str) -> str:
    conn.execute("INSERT INTO tabs VALUES (?, 0, 's', '/', NULL, '', 1)", (tab_id,))
    return threading.current_thread().name


async def test_write_runs_on_the_connection_thread_and_commits(db: Database) -> None:
    thread = await db.write(_insert_tab, "t")
    assert thread != threading.current_thread().name  # not on the event loop's thread
    assert await db.fetchall("SELECT tab_id FROM tabs") == [("t",)]
    other = sqlite3.connect(db.path)  # committed: another connection sees it
    try:
        assert other.execute("SELECT tab_id FROM tabs").fetchall() == [("t",)]
    finally:
        other.close()


async def test_write_rolls_back_on_error(db: Database) -> None:
    def insert_then_fail(conn: sqlite3.Connection) -> None:
        _insert_tab(conn, "t")
        raise RuntimeError("boom")

    with pytest.raises(RuntimeError):
        await db.write(insert_then_fail)
    assert await db.fetchall("SELECT * FROM tabs") == []
    await db.write(_insert_tab, "u")  # the lock was released and no transaction is open
    async with db.transaction() as conn:
        await conn.execute("INSERT INTO tabs VALUES ('v', 0, 's', '/', NULL, '', 1)")
    assert await db.fetchall("SELECT tab_id FROM tabs ORDER BY tab_id") == [("u",), ("v",)]


async def test_write_rolls_back_when_sqlite_fails(db: Database) -> None:
    def insert_twice(conn: sqlite3.Connection) -> None:
        _insert_tab(conn, "t")
        _insert_tab(conn, "t")  # primary key

    with pytest.raises(sqlite3.IntegrityError):
        await db.write(insert_twice)
    assert await db.fetchall("SELECT * FROM tabs") == []
    await db.write(_insert_tab, "t")
    assert await db.fetchall("SELECT tab_id FROM tabs") == [("t",)]


async def test_cancelled_write_still_commits(db: Database, db_path: Path) -> None:
    other = sqlite3.connect(db_path, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")  # another process is writing
    task = asyncio.create_task(db.write(_insert_tab, "t"))
    await asyncio.sleep(0.2)  # BEGIN IMMEDIATE is now waiting out busy_timeout
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    # The lock is free again, but whatever is sent now queues behind the cancelled write.
    queued = asyncio.create_task(db.write(_insert_tab, "u"))
    await asyncio.sleep(0.1)
    other.execute("ROLLBACK")
    other.close()
    await queued
    assert await db.fetchall("SELECT tab_id FROM tabs ORDER BY tab_id") == [("t",), ("u",)]


async def test_writes_and_transactions_take_turns(db: Database) -> None:
    async def through_transaction(tab_id: str) -> None:
        async with db.transaction() as conn:
            await conn.execute("INSERT INTO tabs VALUES (?, 0, 's', '/', NULL, '', 1)", (tab_id,))
            await asyncio.sleep(0)
            await conn.execute("UPDATE tabs SET draft = 'x' WHERE tab_id = ?", (tab_id,))

    await asyncio.gather(
        *(
            db.write(_insert_tab, f"w{n}") if n % 2 else through_transaction(f"t{n}")
            for n in range(40)
        )
    )
    assert await db.fetchone("SELECT count(*) FROM tabs") == (40,)
    assert await db.fetchone("SELECT count(*) FROM tabs WHERE draft = 'x'") == (20,)


async def test_concurrent_appends_in_one_process(store: SqliteSessionStore) -> None:
    keys = [{"project_key": PROJECT, "session_id": f"s{n}"} for n in range(5)]
    batches = [
        (key, [user(key["session_id"], f"prompt {i}-{j}") for j in range(10)])
        for i in range(10)
        for key in keys
    ]
    await asyncio.gather(*(store.append(key, batch) for key, batch in batches))  # type: ignore[arg-type]
    for key in keys:
        loaded = await store.load(key)  # type: ignore[arg-type]
        assert loaded is not None and len(loaded) == 100
    assert await store.db.fetchone("SELECT sum(turn_count) FROM sessions") == (500,)


_WRITER = textwrap.dedent(
    """
    import asyncio, json, sys, time
    from pathlib import Path
    import claude_agent_sdk  # loaded before the race starts, as in the app
    sys.path.insert(0, {tests!r})
    from store_fakes import user, assistant
    from tui.store import SqliteSessionStore

    async def main(path, name, go):
        print("ready", flush=True)
        while not Path(go).exists():
            time.sleep(0.005)
        store = await SqliteSessionStore.open(path)
        for i in range({batches}):
            for sid in (name, "shared"):
                await store.append(
                    {{"project_key": "p", "session_id": sid}},
                    [user(sid, f"{{name}} prompt {{i}}"), assistant(sid, f"{{name}} reply {{i}}")],
                )
        await store.close()
        print("done", flush=True)

    asyncio.run(main(*sys.argv[1:]))
    """
)


async def test_two_processes_write_the_same_new_file(tmp_path: Path) -> None:
    path = tmp_path / "agent-tui.db"
    go = tmp_path / "go"
    batches = 40
    script = _WRITER.format(tests=str(Path(__file__).parent), batches=batches)
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    procs = [
        await asyncio.create_subprocess_exec(
            sys.executable,
            "-c",
            script,
            str(path),
            name,
            str(go),
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
            env=env,
        )
        for name in ("one", "two")
    ]
    for proc in procs:
        assert proc.stdout is not None
        assert await proc.stdout.readline() == b"ready\n"
    go.touch()  # both open the (not yet existing) file and migrate at once
    for proc in procs:
        out, err = await asyncio.wait_for(proc.communicate(), timeout=60)
        assert proc.returncode == 0, err.decode()
        assert out == b"done\n"

    store = await SqliteSessionStore.open(path)
    try:
        assert await store.db.fetchone("PRAGMA integrity_check") == ("ok",)
        assert await store.db.fetchone("PRAGMA foreign_key_check") is None
        for name in ("one", "two"):
            loaded = await store.load({"project_key": "p", "session_id": name})
            assert loaded is not None
            assert [e["message"]["content"] for e in loaded[::2]] == [
                f"{name} prompt {i}" for i in range(batches)
            ]
        shared = await store.load({"project_key": "p", "session_id": "shared"})
        assert shared is not None and len(shared) == 4 * batches
        for name in ("one", "two"):  # each writer's entries stay in its own order
            mine = [e["message"]["content"] for e in shared if e["type"] == "user"]
            mine = [text for text in mine if text.startswith(name)]
            assert mine == [f"{name} prompt {i}" for i in range(batches)]
        turns = dict(await store.db.fetchall("SELECT id, turn_count FROM sessions"))
        assert turns == {"one": batches, "two": batches, "shared": 2 * batches}
        (rows,) = await store.db.fetchone("SELECT count(*) FROM search") or (0,)
        assert rows == 8 * batches
        mtimes = await store.db.fetchall("SELECT mtime FROM transcripts")
        assert len({m for (m,) in mtimes}) == 3
    finally:
        await store.close()


# -- migrations -------------------------------------------------------------------------


async def test_each_migration_from_an_empty_file(db_path: Path) -> None:
    db = await Database.open(db_path, version=0)
    assert await db.fetchone("PRAGMA user_version") == (0,)
    assert await db.fetchall("SELECT name FROM sqlite_master") == []
    await db.close()
    for version in range(1, SCHEMA_VERSION + 1):
        db = await Database.open(db_path, version=version)
        assert await db.fetchone("PRAGMA user_version") == (version,)
        assert await db.fetchone("PRAGMA application_id") == (APPLICATION_ID,)
        await db.close()


async def test_migration_1_creates_the_base_tables(db_path: Path) -> None:
    db = await Database.open(db_path, version=1)
    try:
        names = {name for (name,) in await db.fetchall("SELECT name FROM sqlite_master")}
        assert {"transcripts", "entries", "sessions", "lineage", "tabs"} <= names
        assert "search" not in names
    finally:
        await db.close()


async def test_migration_2_indexes_what_version_1_stored(db_path: Path) -> None:
    db = await Database.open(db_path, version=1)
    main = [
        user("s", "how do I parse json"),
        tool_use("s", "toolu_1", command="cat a.json"),
        tool_result("s", "toolu_1", "{}"),
        assistant("s", "Use the json module"),
        user("s", "[Request interrupted by user]"),
    ]
    sub = [user("s", "subagent task", isSidechain=True), assistant("s", "subagent answer")]
    async with db.transaction() as conn:
        await conn.execute(
            "INSERT INTO transcripts (id, project_key, session_id, subpath, mtime, summary) "
            "VALUES (1, 'p', 's', '', 1700000000000, '{}'), "
            "(2, 'p', 's', 'subagents/agent-1', 1700000000001, NULL)"
        )
        await conn.executemany(
            "INSERT INTO entries (transcript, uuid, entry) VALUES (?, ?, ?)",
            [(1, e["uuid"], json.dumps(e)) for e in main]
            + [(2, e["uuid"], json.dumps(e)) for e in sub],
        )
        await conn.execute(
            "INSERT INTO sessions (id, project_key, title, created, updated, turn_count) "
            "VALUES ('s', 'p', 'how do I parse json', 1, 2, 1)"
        )
        await conn.execute("INSERT INTO tabs VALUES ('t', 0, 's', '/', NULL, 'draft', 1)")
    await db.close()

    store = await SqliteSessionStore.open(db_path)
    try:
        assert await store.db.fetchone("PRAGMA user_version") == (SCHEMA_VERSION,)
        assert await store.load({"project_key": "p", "session_id": "s"}) == main
        assert (
            await store.load(
                {"project_key": "p", "session_id": "s", "subpath": "subagents/agent-1"}
            )
            == sub
        )
        assert await store.db.fetchall("SELECT session_id, kind, text FROM search") == [
            ("s", "prompt", "how do I parse json"),
            ("s", "reply", "Use the json module"),
        ]
        # rowid is the entry's seq, as for rows written by append
        assert await store.db.fetchall(
            "SELECT s.rowid = e.seq FROM search s JOIN entries e ON e.seq = s.rowid"
        ) == [(1,), (1,)]
        assert await store.db.fetchone("SELECT title, turn_count FROM sessions") == (
            "how do I parse json",
            1,
        )
        assert await store.db.fetchone("SELECT draft FROM tabs") == ("draft",)
    finally:
        await store.close()


async def test_migration_3_merges_search_segments_less_often(db_path: Path) -> None:
    db = await Database.open(db_path, version=2)
    store = SqliteSessionStore(db)
    first = [user("s", "how do I parse json"), assistant("s", "Use the json module")]
    await store.append({"project_key": "p", "session_id": "s"}, first)
    assert await db.fetchall("SELECT v FROM search_config WHERE k = 'automerge'") == []
    await db.close()

    store = await SqliteSessionStore.open(db_path)
    try:
        assert await store.db.fetchone("PRAGMA user_version") == (3,)
        assert await store.db.fetchall("SELECT v FROM search_config WHERE k = 'automerge'") == [
            (8,)
        ]
        assert await store.db.fetchone("PRAGMA integrity_check") == ("ok",)
        async with store.db.transaction() as conn:  # raises if the index is damaged
            await conn.execute("INSERT INTO search (search) VALUES ('integrity-check')")
        second = [user("s", "and yaml"), assistant("s", "Use a yaml library")]
        await store.append({"project_key": "p", "session_id": "s"}, second)
        assert await store.load({"project_key": "p", "session_id": "s"}) == first + second
        catalog = Catalog(store.db, store)
        for word in ("json", "yaml"):
            assert sorted(hit.kind for hit in await catalog.search(word)) == ["prompt", "reply"]
        assert await store.db.fetchone("SELECT turn_count FROM sessions") == (2,)
    finally:
        await store.close()
