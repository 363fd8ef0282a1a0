from __future__ import annotations

import asyncio
import json
import sqlite3
import subprocess
import sys
import uuid
from pathlib import Path
from typing import Any

import claude_agent_sdk
import pytest
from claude_agent_sdk import (
    SessionStore,
    delete_session_via_store,
    fork_session_via_store,
    get_session_messages_from_store,
    list_sessions_from_store,
    project_key_for_directory,
    rename_session_via_store,
)
from claude_agent_sdk.testing import run_session_store_conformance
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from store_fakes import (
    CWD,
    MODEL,
    PROJECT,
    assistant,
    chain,
    key,
    tool_result,
    tool_use,
    turn,
    user,
)

from tui.store import Catalog, Database, SqliteSessionStore
from tui.store.entries import is_prompt

REPO = Path(__file__).resolve().parents[2]
OPTIONAL = ("list_sessions", "list_session_summaries", "delete", "list_subkeys")


async def count(db: Database, sql: str, *params: Any) -> int:
    (n,) = await db.fetchone(sql, params) or (0,)
    return int(n)


# -- the SDK's contracts -------------------------------------------------------------------


class _CountingStore(SqliteSessionStore):
    calls: dict[str, int] = dict.fromkeys(OPTIONAL, 0)

    async def list_sessions(self, project_key: str) -> Any:
        self.calls["list_sessions"] += 1
        return await super().list_sessions(project_key)

    async def list_session_summaries(self, project_key: str) -> Any:
        self.calls["list_session_summaries"] += 1
        return await super().list_session_summaries(project_key)

    async def delete(self, key: Any) -> None:
        self.calls["delete"] += 1
        await super().delete(key)

    async def list_subkeys(self, key: Any) -> list[str]:
        self.calls["list_subkeys"] += 1
        return await super().list_subkeys(key)


def test_every_optional_method_is_implemented() -> None:
    # The conformance suite and the SDK skip a method whose class attribute is the
    # Protocol's default; every one must count as implemented here.
    for name in OPTIONAL:
        assert getattr(SqliteSessionStore, name) is not getattr(SessionStore, name), name


async def test_conformance(tmp_path: Path) -> None:
    stores: list[SqliteSessionStore] = []
    _CountingStore.calls = dict.fromkeys(OPTIONAL, 0)

    async def make_store() -> SessionStore:
        store = await _CountingStore.open(tmp_path / f"{len(stores)}.db")
        stores.append(store)
        return store  # type: ignore[return-value]

    try:
        await run_session_store_conformance(make_store)
    finally:
        for store in stores:
            await store.close()
    # One fresh store per contract (14) plus the probe: nothing was skipped.
    assert len(stores) == 15
    assert all(_CountingStore.calls[name] > 0 for name in OPTIONAL), _CountingStore.calls


# -- round trips -----------------------------------------------------------------------------

json_scalars = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(10**30), max_value=10**30)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text()
)
json_values = st.recursive(
    json_scalars,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4),
    max_leaves=20,
)
big_strings = st.builds(
    lambda unit, size: (unit * size)[:size],
    st.text(min_size=1, max_size=8),
    st.integers(min_value=0, max_value=1_000_000),
)
entries_strategy = st.lists(
    st.builds(
        lambda body, type_, big: {**body, "type": type_, "big": big},
        st.dictionaries(st.text(), json_values, max_size=6),
        st.text(),
        st.none() | big_strings,
    ),
    max_size=6,
)


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(entries=entries_strategy, with_uuids=st.booleans())
async def test_entries_round_trip(
    store: SqliteSessionStore, entries: list[dict[str, Any]], with_uuids: bool
) -> None:
    for entry in entries:
        entry.pop("uuid", None)
        if with_uuids:
            entry["uuid"] = str(uuid.uuid4())
    k = key(str(uuid.uuid4()))
    await store.append(k, entries)
    assert await store.load(k) == (entries or None)


async def test_awkward_strings_round_trip(store: SqliteSessionStore) -> None:
    megabyte = "".join(chr(c) for c in range(0x20, 0x2FFF) if not 0xD800 <= c < 0xE000)
    megabyte = (megabyte * (1_000_000 // len(megabyte) + 1))[:1_000_000]
    entry = {
        "type": "user",
        "uuid": "u1",
        "nul": "a\x00b",
        "controls": "".join(chr(c) for c in range(32)) + "\x7f\u2028\u2029",
        "astral": "🦀𝄞\U0010ffff",
        "lone surrogates": "\ud800 and \udfff",
        "big": 2**64 + 1,
        "negative": -(2**70),
        "float": 1.0000000000000002,
        "tiny": 5e-324,
        "nested": [{"a": [[], {}, [None, True, False]]}],
        "megabyte": megabyte,
        "": "empty key",
    }
    await store.append(key("s"), [entry])
    assert await store.load(key("s")) == [entry]


async def test_lone_surrogates_in_catalog_text(store: SqliteSessionStore) -> None:
    # JSON from a JavaScript CLI can hold half a surrogate pair; the title and search
    # text are stored as text, not JSON, and must not fail the append.
    entries = [user("s", "emoji cut in half: \ud83e"), assistant("s", "reply \udd80 here")]
    await store.append(key("s"), entries)
    assert await store.load(key("s")) == entries
    title = await store.db.fetchone("SELECT title FROM sessions")
    assert title == ("emoji cut in half: \ufffd",)


# Any text at all, lone surrogates (which JSON from JavaScript can carry) included.
any_text = st.lists(st.characters() | st.sampled_from(["\ud83e", "\udd80", "\x00"])).map("".join)


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(texts=st.lists(any_text, min_size=1, max_size=4))
async def test_any_text_is_catalogued_and_searchable(
    store: SqliteSessionStore, texts: list[str]
) -> None:
    session_id = str(uuid.uuid4())
    entries = [user(session_id, text) for text in texts]
    entries += [assistant(session_id, text) for text in texts]
    await store.append(key(session_id), entries)
    # JSON's own round trip is the contract; it joins a high and a low surrogate that
    # happen to sit side by side into one character.
    assert await store.load(key(session_id)) == json.loads(json.dumps(entries))
    turns = await count(store.db, "SELECT turn_count FROM sessions WHERE id = ?", session_id)
    assert turns == sum(is_prompt(e) for e in entries)
    catalog = Catalog(store.db, store)
    for text in texts:
        await catalog.search(text)
        await catalog.list_sessions(text)


# -- append / load semantics ---------------------------------------------------------------


async def test_load_unknown_key(store: SqliteSessionStore) -> None:
    assert await store.load(key("nope")) is None
    await store.append(key("s"), [user("s", "hi")])
    assert await store.load(key("s", "subagents/agent-1")) is None
    assert await store.load(key("s", project="other")) is None


async def test_empty_append_creates_nothing(store: SqliteSessionStore) -> None:
    await store.append(key("s"), [])
    assert await store.load(key("s")) is None
    assert await store.list_sessions(PROJECT) == []
    for table in ("transcripts", "entries", "sessions", "search"):
        assert await count(store.db, f"SELECT count(*) FROM {table}") == 0


async def test_append_is_idempotent_on_uuid(store: SqliteSessionStore) -> None:
    batch = turn("s", "first prompt", "first reply")
    await store.append(key("s"), batch)
    await store.append(key("s"), batch)  # a retried batch
    await store.append(key("s"), [*batch[1:3], batch[0]])  # again, shuffled
    assert await store.load(key("s")) == batch
    assert await count(store.db, "SELECT turn_count FROM sessions") == 1
    assert await count(store.db, "SELECT count(*) FROM search") == 2


async def test_duplicates_within_a_batch_keep_the_first(store: SqliteSessionStore) -> None:
    first = user("s", "one", uuid="same")
    second = user("s", "two", uuid="same")
    await store.append(key("s"), [first, second])
    assert await store.load(key("s")) == [first]
    assert await count(store.db, "SELECT turn_count FROM sessions") == 1


async def test_entries_without_uuid_are_always_appended(store: SqliteSessionStore) -> None:
    title = {"type": "custom-title", "customTitle": "T", "sessionId": "s"}
    mode = {"type": "mode", "mode": "plan"}
    await store.append(key("s"), [title, mode])
    await store.append(key("s"), [title, {"type": "x", "uuid": None}])
    assert await store.load(key("s")) == [title, mode, title, {"type": "x", "uuid": None}]


async def test_uuid_dedup_is_per_transcript(store: SqliteSessionStore) -> None:
    entry = user("s", "hello", uuid="u")
    await store.append(key("s"), [entry])
    await store.append(key("s", "subagents/agent-1"), [entry])
    await store.append(key("t"), [entry])
    await store.append(key("s", project="elsewhere"), [entry])
    for k in (key("s"), key("s", "subagents/agent-1"), key("t"), key("s", project="elsewhere")):
        assert await store.load(k) == [entry]


async def test_mtimes_strictly_increase_and_match_summaries(store: SqliteSessionStore) -> None:
    seen = []
    for n in range(20):
        await store.append(key(f"s{n % 3}"), [user(f"s{n % 3}", f"prompt {n}")])
        listed = {e["session_id"]: e["mtime"] for e in await store.list_sessions(PROJECT)}
        seen.append(listed[f"s{n % 3}"])
    assert seen == sorted(seen) and len(set(seen)) == len(seen)
    summaries = {s["session_id"]: s["mtime"] for s in await store.list_session_summaries(PROJECT)}
    listed = {e["session_id"]: e["mtime"] for e in await store.list_sessions(PROJECT)}
    assert summaries == listed


async def test_summary_is_the_sdk_fold(store: SqliteSessionStore) -> None:
    from claude_agent_sdk import fold_session_summary

    batches = [
        [user("s", "first prompt"), assistant("s", "reply")],
        [{"type": "ai-title", "aiTitle": "AI title", "sessionId": "s"}],
        [{"type": "tag", "tag": "wip", "sessionId": "s"}, user("s", "second")],
    ]
    expected = None
    for batch in batches:
        await store.append(key("s"), batch)
        expected = fold_session_summary(expected, key("s"), batch)
    await store.append(key("s", "subagents/agent-1"), [user("s", "sub", isSidechain=True)])
    (summary,) = await store.list_session_summaries(PROJECT)
    assert expected is not None
    assert summary["data"] == expected["data"]
    assert summary["session_id"] == "s"


async def test_subkeys(store: SqliteSessionStore) -> None:
    await store.append(key("s"), [user("s", "main")])
    await store.append(key("s", "subagents/agent-b"), [user("s", "b", isSidechain=True)])
    await store.append(key("s", "subagents/agent-a"), [user("s", "a", isSidechain=True)])
    await store.append(key("other", "subagents/agent-x"), [user("other", "x")])
    assert await store.list_subkeys(key("s")) == ["subagents/agent-b", "subagents/agent-a"]
    assert await store.list_subkeys(key("other")) == ["subagents/agent-x"]
    assert await store.list_subkeys(key("never")) == []
    # A subagent transcript alone is not a session.
    assert [e["session_id"] for e in await store.list_sessions(PROJECT)] == ["s"]


async def test_empty_subpath_means_the_main_transcript(store: SqliteSessionStore) -> None:
    await store.append(key("s", ""), [user("s", "hi")])
    assert await store.load(key("s")) is not None
    assert await store.list_subkeys(key("s")) == []
    assert await count(store.db, "SELECT count(*) FROM sessions") == 1


# -- catalog and search, kept by append ----------------------------------------------------


async def test_append_catalogs_a_session(catalog: Catalog, store: SqliteSessionStore) -> None:
    await store.append(key("s"), [user("s", "  Fix the\nparser  "), tool_use("s", "toolu_1")])
    row = await catalog.get_session("s")
    assert row is not None
    assert (row.project_key, row.title, row.cwd, row.model, row.turn_count) == (
        PROJECT,
        "Fix the parser",
        CWD,
        MODEL,
        1,
    )
    assert row.created == row.updated and row.created > 1e12
    assert (row.archived, row.parent_id, row.fork_turn) == (False, None, None)

    await store.append(
        key("s"),
        [
            tool_result("s", "toolu_1"),
            user("s", "[Request interrupted by user for tool use]"),
            user("s", "meta", isMeta=True),
            user("s", "<command-name>/model</command-name>"),
            assistant("s", "switched", model="claude-opus-4-1"),
            assistant("s", "API Error", model="<synthetic>"),
            user("s", "second prompt"),
        ],
    )
    later = await catalog.get_session("s")
    assert later is not None
    assert later.turn_count == 2
    assert later.model == "claude-opus-4-1"
    assert later.title == "Fix the parser"
    assert later.created == row.created and later.updated > row.updated

    await store.append(key("s"), [{"type": "ai-title", "aiTitle": "Parser fix", "sessionId": "s"}])
    assert (await catalog.get_session("s")).title == "Parser fix"  # type: ignore[union-attr]
    await store.append(
        key("s"), [{"type": "custom-title", "customTitle": "Mine", "sessionId": "s"}]
    )
    await store.append(key("s"), [{"type": "ai-title", "aiTitle": "Later AI", "sessionId": "s"}])
    assert (await catalog.get_session("s")).title == "Mine"  # type: ignore[union-attr]


async def test_a_session_without_prompts_has_an_empty_title(
    catalog: Catalog, store: SqliteSessionStore
) -> None:
    await store.append(key("s"), [{"type": "mode", "mode": "plan", "sessionId": "s"}])
    row = await catalog.get_session("s")
    assert row is not None and (row.title, row.turn_count, row.cwd, row.model) == (
        "",
        0,
        None,
        None,
    )


async def test_subagent_transcripts_leave_the_catalog_alone(
    catalog: Catalog, store: SqliteSessionStore
) -> None:
    await store.append(key("s"), [user("s", "main prompt")])
    before = await catalog.get_session("s")
    await store.append(
        key("s", "subagents/agent-1"),
        [
            user("s", "subagent prompt"),
            assistant("s", "subagent reply", model="claude-haiku"),
            {"type": "custom-title", "customTitle": "nope"},
        ],
    )
    assert await catalog.get_session("s") == before
    assert await catalog.search("subagent") == []


async def test_append_feeds_search(catalog: Catalog, store: SqliteSessionStore) -> None:
    await store.append(
        key("s"),
        [
            *turn("s", "How do I tokenize Unicode text?", "Use a proper tokenizer."),
            assistant("s", [{"type": "thinking", "thinking": "secretword"}]),
            tool_result("s", "toolu_9", "toolresultword"),
        ],
    )
    rows = await store.db.fetchall("SELECT session_id, kind, text FROM search ORDER BY rowid")
    assert rows == [
        ("s", "prompt", "How do I tokenize Unicode text?"),
        ("s", "reply", "Use a proper tokenizer."),
    ]
    assert await catalog.search("secretword") == []
    assert await catalog.search("toolresultword") == []


# -- delete --------------------------------------------------------------------------------


async def test_delete_main_key_takes_everything(
    catalog: Catalog, store: SqliteSessionStore
) -> None:
    for sid in ("s", "keep"):
        await store.append(key(sid), turn(sid, f"prompt for {sid}", f"reply for {sid}"))
    await store.append(key("s", "subagents/agent-1"), [user("s", "sub")])
    await store.append(key("s", project="elsewhere"), [user("s", "same id elsewhere")])
    await store.delete(key("s"))

    assert await store.load(key("s")) is None
    assert await store.load(key("s", "subagents/agent-1")) is None
    assert await store.list_subkeys(key("s")) == []
    assert [e["session_id"] for e in await store.list_sessions(PROJECT)] == ["keep"]
    assert [s["session_id"] for s in await store.list_session_summaries(PROJECT)] == ["keep"]
    assert await store.load(key("s", project="elsewhere")) is not None
    # The catalog row belonged to the last project that wrote it ("elsewhere").
    assert await catalog.get_session("s") is not None
    assert {h.session_id for h in await catalog.search("prompt")} == {"keep"}
    assert {h.session_id for h in await catalog.search("reply")} == {"keep"}
    assert {h.session_id for h in await catalog.search("elsewhere")} == {"s"}
    assert await count(store.db, "SELECT count(*) FROM entries") == 5
    assert await store.db.fetchone("PRAGMA foreign_key_check") is None


async def test_delete_subkey_only(store: SqliteSessionStore) -> None:
    await store.append(key("s"), [user("s", "main")])
    await store.append(key("s", "subagents/agent-1"), [user("s", "one")])
    await store.append(key("s", "subagents/agent-2"), [user("s", "two")])
    await store.delete(key("s", "subagents/agent-1"))
    assert await store.load(key("s", "subagents/agent-1")) is None
    assert await store.load(key("s", "subagents/agent-2")) is not None
    assert await store.load(key("s")) is not None
    assert await store.list_subkeys(key("s")) == ["subagents/agent-2"]
    assert await count(store.db, "SELECT count(*) FROM sessions") == 1


async def test_delete_unknown_key_is_quiet(store: SqliteSessionStore) -> None:
    await store.delete(key("never"))
    await store.delete(key("never", "subagents/agent-1"))


async def test_a_failed_append_leaves_nothing_behind(
    store: SqliteSessionStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = turn("s", "first prompt", "first reply")
    await store.append(key("s"), first)

    def fail(*args: Any) -> Any:
        raise RuntimeError("boom")

    # After the entries are written: the whole transaction must go.
    with monkeypatch.context() as patch:
        patch.setattr(claude_agent_sdk, "fold_session_summary", fail)
        with pytest.raises(RuntimeError):
            await store.append(key("s"), turn("s", "second prompt", "second reply"))
        with pytest.raises(RuntimeError):
            await store.append(key("new"), turn("new", "a prompt", "a reply"))
    with pytest.raises(TypeError):  # cannot be stored as JSON
        await store.append(key("s"), [user("s", "third prompt"), user("s", {1, 2})])

    assert await store.load(key("s")) == first
    assert await store.load(key("new")) is None
    assert await count(store.db, "SELECT count(*) FROM search") == 2
    assert await count(store.db, "SELECT turn_count FROM sessions") == 1
    await store.append(key("s"), turn("s", "second prompt", "second reply"))
    assert await count(store.db, "SELECT turn_count FROM sessions") == 2


async def test_a_cancelled_append_still_stores_the_whole_batch(
    store: SqliteSessionStore, db_path: Path
) -> None:
    other = sqlite3.connect(db_path, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")  # another process is writing
    batch = turn("s", "a prompt", "a reply")
    task = asyncio.create_task(store.append(key("s"), batch))
    await asyncio.sleep(0.2)  # waiting for the other process to finish
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    other.execute("ROLLBACK")
    other.close()
    assert await store.load(key("s")) == batch
    assert await count(store.db, "SELECT turn_count FROM sessions") == 1
    await store.append(key("s"), batch)  # the SDK retrying it changes nothing
    assert await store.load(key("s")) == batch
    assert await count(store.db, "SELECT count(*) FROM search") == 2


# -- the SDK's store helpers against this store -------------------------------------------


async def test_sdk_fork_rename_list_and_delete(
    tmp_path: Path, catalog: Catalog, store: SqliteSessionStore
) -> None:
    directory = str(tmp_path)
    project = project_key_for_directory(directory)
    source = str(uuid.uuid4())
    first = chain(turn(source, "Design the schema", "Here is a schema."))
    second = chain(turn(source, "Add an index", "Added it."), first[-1])
    for batch in (first, second):
        await store.append(key(source, project=project), batch)

    cut = first[-1]["uuid"]  # the reply that ends the first turn
    forked = await fork_session_via_store(store, source, directory=directory, up_to_message_id=cut)
    child = await catalog.get_session(forked.session_id)
    assert child is not None
    assert child.title == "Design the schema (fork)"
    assert child.turn_count == 1
    assert child.project_key == project
    loaded = await store.load(key(forked.session_id, project=project))
    assert loaded is not None
    assert [e.get("forkedFrom", {}).get("messageUuid") for e in loaded[:4]] == [
        e["uuid"] for e in first
    ]

    await catalog.record_fork(forked.session_id, source, cut, 1)
    assert [r.id for r in await catalog.lineage(forked.session_id)] == [source, forked.session_id]

    await rename_session_via_store(store, source, "  Schema work  ", directory=directory)
    assert (await catalog.get_session(source)).title == "Schema work"  # type: ignore[union-attr]

    listed = {s.session_id: s for s in await list_sessions_from_store(store, directory=directory)}
    assert listed[source].summary == "Schema work"
    assert listed[forked.session_id].custom_title == "Design the schema (fork)"
    messages = await get_session_messages_from_store(store, source, directory=directory)
    assert [m.uuid for m in messages] == [e["uuid"] for e in first + second]

    await delete_session_via_store(store, source, directory=directory)
    assert await catalog.get_session(source) is None
    orphan = await catalog.get_session(forked.session_id)
    assert orphan is not None and orphan.parent_id is None


def test_importing_the_store_loads_neither_the_sdk_nor_textual() -> None:
    code = (
        "import sys, tui.store\n"
        "loaded = sorted({m.split('.')[0] for m in sys.modules} & {'claude_agent_sdk', 'textual'})\n"
        "print(loaded)\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        check=True,
        cwd=REPO,
        env={"PYTHONPATH": str(REPO)},
    ).stdout
    assert out.strip() == "[]"


@pytest.mark.parametrize("path_kind", ["str", "path"])
async def test_store_owns_or_borrows_its_database(tmp_path: Path, path_kind: str) -> None:
    path = tmp_path / "owned.db"
    owned = await SqliteSessionStore.open(str(path) if path_kind == "str" else path)
    assert owned.db.path == path
    await owned.close()
    with pytest.raises(ValueError):  # closed with the store
        await owned.db.fetchone("SELECT 1")

    db = await Database.open(tmp_path / "shared.db")
    borrowed = SqliteSessionStore(db)
    await borrowed.close()
    assert await db.fetchone("SELECT 1") == (1,)  # still the app's to close
    await db.close()
