from __future__ import annotations

import time
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from store_fakes import PROJECT, assistant, key, turn, user

from tui.store import (
    MATCH_END,
    MATCH_START,
    Catalog,
    SessionNotFoundError,
    SessionRow,
    SqliteSessionStore,
    TabRow,
)
from tui.store.catalog import fts_query


async def add(store: SqliteSessionStore, session_id: str, prompt: str, reply: str = "ok") -> None:
    await store.append(key(session_id), turn(session_id, prompt, reply))


def ids(rows: list[SessionRow]) -> list[str]:
    return [row.id for row in rows]


# -- listing ---------------------------------------------------------------------------


async def test_list_sessions_newest_first(catalog: Catalog, store: SqliteSessionStore) -> None:
    for sid in ("a", "b", "c"):
        await add(store, sid, f"prompt {sid}")
    await store.append(key("a"), [user("a", "a again")])
    assert ids(await catalog.list_sessions()) == ["a", "c", "b"]
    assert ids(await catalog.list_sessions(limit=2)) == ["a", "c"]
    rows = await catalog.list_sessions()
    assert [r.title for r in rows] == ["prompt a", "prompt c", "prompt b"]
    assert [r.turn_count for r in rows] == [2, 1, 1]


async def test_archived_sessions_are_hidden_unless_asked(
    catalog: Catalog, store: SqliteSessionStore
) -> None:
    await add(store, "a", "alpha")
    await add(store, "b", "beta")
    await catalog.set_archived("a", True)
    assert ids(await catalog.list_sessions()) == ["b"]
    assert ids(await catalog.list_sessions(include_archived=True)) == ["b", "a"]
    assert ids(await catalog.list_sessions("alpha")) == []
    assert (await catalog.get_session("a")).archived  # type: ignore[union-attr]
    await catalog.set_archived("a", False)
    assert ids(await catalog.list_sessions("alpha")) == ["a"]
    with pytest.raises(SessionNotFoundError) as caught:
        await catalog.set_archived("nope", True)
    assert "nope" in str(caught.value)


async def test_query_filters_on_title_ignoring_case(
    catalog: Catalog, store: SqliteSessionStore
) -> None:
    await add(store, "a", "Refactor the Über parser", reply="done")
    await add(store, "b", "Write release notes", reply="done")
    await add(store, "c", "parse ÜBER-long logs", reply="done")
    assert ids(await catalog.list_sessions("über")) == ["c", "a"]
    assert ids(await catalog.list_sessions("FACTOR")) == ["a"]  # inside a word
    assert ids(await catalog.list_sessions("notes release")) == ["b"]  # every word
    assert ids(await catalog.list_sessions("notes parser")) == []
    assert ids(await catalog.list_sessions("   ")) == ["c", "b", "a"]


async def test_query_also_matches_what_was_said(
    catalog: Catalog, store: SqliteSessionStore
) -> None:
    await add(store, "a", "First question", reply="The tokenizer splits on whitespace")
    await add(store, "b", "Second question", reply="Nothing relevant")
    await store.append(key("b"), [user("b", "what about Tokyo?")])
    assert ids(await catalog.list_sessions("tokeniz")) == ["a"]  # prefix of a word
    assert ids(await catalog.list_sessions("tok")) == ["b", "a"]
    assert ids(await catalog.list_sessions("splits whitespace")) == ["a"]
    assert ids(await catalog.list_sessions("question")) == ["b", "a"]  # titles
    assert ids(await catalog.list_sessions("plits")) == []  # not a word prefix


@pytest.mark.parametrize(
    "query",
    [
        '"',
        '""',
        "'",
        "a AND",
        "OR",
        "NOT b",
        "NEAR(",
        "(",
        ")",
        "*",
        "-x",
        "title:x",
        "^",
        "\x00",
        "a\x00b",
        "{col}",
        'say "hi',
        "+",
        "\\",
        "🙂",
    ],
)
async def test_hostile_queries_do_not_raise(
    catalog: Catalog, store: SqliteSessionStore, query: str
) -> None:
    await add(store, "a", "say hi AND NOT bye", reply="title: x")
    await catalog.list_sessions(query)
    await catalog.search(query)


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(query=st.text())
async def test_any_query_is_safe(catalog: Catalog, query: str) -> None:
    await catalog.list_sessions(query)
    await catalog.search(query)


def test_fts_query_quotes_each_word() -> None:
    assert fts_query("") is None
    assert fts_query("  ?? !! ") is None
    assert fts_query("foo bar") == '"foo"* "bar"*'
    assert fts_query('say "hi" NEAR(x)') == '"say"* """hi"""* "NEAR(x)"*'


async def test_list_sessions_is_fast_with_10000_sessions(
    catalog: Catalog, store: SqliteSessionStore
) -> None:
    now = 1_700_000_000_000
    async with store.db.transaction() as conn:
        await conn.executemany(
            "INSERT INTO sessions (id, project_key, title, cwd, model, created, updated, "
            "turn_count, archived) VALUES (?, 'p', ?, '/w', 'm', ?, ?, ?, ?)",
            [
                (f"s{n:05}", f"Session number {n}", now + n, now + n, n % 7, int(n % 50 == 0))
                for n in range(10_000)
            ],
        )
        await conn.executemany(
            "INSERT INTO search (rowid, session_id, kind, text) VALUES (?, ?, 'reply', ?)",
            [(n + 1, f"s{n:05}", f"reply {n} about topic{n % 100}") for n in range(10_000)],
        )
        await conn.executemany(
            "INSERT INTO lineage VALUES (?, ?, NULL, 1, 0)",
            [(f"s{n:05}", f"s{n - 1:05}") for n in range(1, 10_000, 3)],
        )
    timings = {}
    for label, query, kwargs in [
        ("all", "", {}),
        ("all incl. archived", "", {"include_archived": True}),
        ("first 50", "", {"limit": 50}),
        ("title query", "number 12", {}),
        ("text query", "topic42", {}),
    ]:
        start = time.perf_counter()
        rows = await catalog.list_sessions(query, **kwargs)
        timings[label] = (time.perf_counter() - start) * 1000
        assert rows
    print("list_sessions with 10,000 sessions (ms):", {k: round(v, 1) for k, v in timings.items()})
    assert max(timings.values()) < 1000
    assert await catalog.count_sessions() == 10_000
    assert await catalog.count_sessions(include_archived=False) == 9_800
    assert len(await catalog.list_sessions()) == 9_800
    assert len(await catalog.list_sessions("topic42")) == 100


# -- one session ----------------------------------------------------------------------------


async def test_get_and_count(catalog: Catalog, store: SqliteSessionStore) -> None:
    assert await catalog.get_session("a") is None
    assert await catalog.count_sessions() == 0
    await add(store, "a", "hello")
    row = await catalog.get_session("a")
    assert isinstance(row, SessionRow)
    assert row.id == "a" and row.title == "hello"
    assert await catalog.count_sessions() == 1


async def test_rename_appends_a_custom_title(catalog: Catalog, store: SqliteSessionStore) -> None:
    await add(store, "a", "original prompt")
    await catalog.rename_session("a", "  A better name ")
    row = await catalog.get_session("a")
    assert row is not None and row.title == "A better name"
    loaded = await store.load(key("a"))
    assert loaded is not None
    last: dict[str, Any] = dict(loaded[-1])
    assert last.pop("uuid") and last.pop("timestamp").endswith("Z")
    assert last == {"type": "custom-title", "customTitle": "A better name", "sessionId": "a"}
    # Later prompts and AI titles do not override a name the user chose.
    await store.append(key("a"), [{"type": "ai-title", "aiTitle": "AI", "sessionId": "a"}])
    assert (await catalog.get_session("a")).title == "A better name"  # type: ignore[union-attr]


async def test_rename_rejects_blank_titles_and_unknown_sessions(
    catalog: Catalog, store: SqliteSessionStore
) -> None:
    await add(store, "a", "prompt")
    for blank in ("", "   ", "\n\t"):
        with pytest.raises(ValueError, match="empty"):
            await catalog.rename_session("a", blank)
    with pytest.raises(SessionNotFoundError):
        await catalog.rename_session("nope", "Title")
    assert len(await store.load(key("a")) or []) == 4


async def test_delete_session(catalog: Catalog, store: SqliteSessionStore) -> None:
    await add(store, "parent", "parent prompt", reply="parent reply")
    await add(store, "child", "child prompt")
    await add(store, "other", "other prompt")
    await store.append(key("parent", "subagents/agent-1"), [user("parent", "sub")])
    await catalog.record_fork("child", "parent", None, 1)
    await catalog.save_tabs([TabRow("t1", 0, "parent", "/w", None, "", True)])

    await catalog.delete_session("parent")
    assert await catalog.get_session("parent") is None
    assert await store.load(key("parent")) is None
    assert await store.load(key("parent", "subagents/agent-1")) is None
    assert await catalog.search("parent") == []
    child = await catalog.get_session("child")
    assert child is not None and child.parent_id is None and child.fork_turn == 1
    assert ids(await catalog.list_sessions()) == ["other", "child"]
    assert len(await catalog.load_tabs()) == 1  # tabs are the UI's to close
    await catalog.delete_session("parent")  # again: nothing to do
    await catalog.delete_session("child")
    assert await store.db.fetchall("SELECT * FROM lineage") == []


# -- lineage -------------------------------------------------------------------------------


async def test_record_fork_and_lineage(catalog: Catalog, store: SqliteSessionStore) -> None:
    # root ─┬─ a ── a1
    #       └─ b
    # other (unrelated)
    for sid in ("root", "other"):
        await add(store, sid, f"{sid} prompt")
    await catalog.record_fork("a", "root", "uuid-1", 1)
    await catalog.record_fork("b", "root", "uuid-2", 2)
    await catalog.record_fork("a1", "a", None, 3)

    a = await catalog.get_session("a")
    assert a is not None
    assert (a.parent_id, a.fork_turn, a.title, a.turn_count) == ("root", 1, "root prompt", 0)
    assert a.project_key == PROJECT and a.cwd is not None

    tree = ["root", "a", "b", "a1"]
    for member in tree:
        assert ids(await catalog.lineage(member)) == tree
    assert ids(await catalog.lineage("other")) == ["other"]
    assert await catalog.lineage("nope") == []
    assert ids(await catalog.children("root")) == ["a", "b"]
    assert ids(await catalog.children("a")) == ["a1"]
    assert await catalog.children("b") == []

    # The child's own transcript arriving later fills in its catalog entry.
    await store.append(key("a"), [user("a", "a's own prompt"), assistant("a", "x", model="m2")])
    a = await catalog.get_session("a")
    assert a is not None and (a.parent_id, a.turn_count, a.model) == ("root", 1, "m2")


async def test_record_fork_refuses_nonsense(catalog: Catalog, store: SqliteSessionStore) -> None:
    await add(store, "root", "prompt")
    await catalog.record_fork("child", "root", None, 1)
    with pytest.raises(SessionNotFoundError):
        await catalog.record_fork("x", "missing-parent", None, 1)
    with pytest.raises(ValueError):
        await catalog.record_fork("root", "root", None, 1)
    with pytest.raises(ValueError):
        await catalog.record_fork("root", "child", None, 1)  # would make a cycle
    assert await catalog.get_session("x") is None
    # Recording again moves the fork point.
    await catalog.record_fork("child", "root", "u9", 4)
    child = await catalog.get_session("child")
    assert child is not None and child.fork_turn == 4
    assert await store.db.fetchall("SELECT fork_uuid FROM lineage") == [("u9",)]


# -- search ----------------------------------------------------------------------------


async def test_search(catalog: Catalog, store: SqliteSessionStore) -> None:
    await add(store, "a", "How do I configure logging?", reply="Call basicConfig once.")
    await add(store, "b", "Logging is too noisy", reply="Raise the level to WARNING.")
    hits = await catalog.search("logging")
    assert {(h.session_id, h.kind) for h in hits} == {("a", "prompt"), ("b", "prompt")}
    assert all(f"{MATCH_START}" in h.snippet and MATCH_END in h.snippet for h in hits)
    by_session = {h.session_id: h.snippet for h in hits}
    assert by_session["a"] == f"How do I configure {MATCH_START}logging{MATCH_END}?"
    (reply,) = await catalog.search("basicconf")
    assert (reply.session_id, reply.kind) == ("a", "reply")
    assert reply.snippet == f"Call {MATCH_START}basicConfig{MATCH_END} once."
    assert len(await catalog.search("logging", limit=1)) == 1
    assert await catalog.search("") == []
    assert await catalog.search("level warning") == [
        type(reply)(
            "b",
            "reply",
            f"Raise the {MATCH_START}level{MATCH_END} to {MATCH_START}WARNING{MATCH_END}.",
        )
    ]


async def test_long_text_snippets_are_cut(catalog: Catalog, store: SqliteSessionStore) -> None:
    words = " ".join(f"word{n}" for n in range(500))
    await add(store, "a", "prompt", reply=f"{words} needle {words}")
    (hit,) = await catalog.search("needle")
    assert f"{MATCH_START}needle{MATCH_END}" in hit.snippet
    assert len(hit.snippet) < 300 and "…" in hit.snippet


# -- tabs -------------------------------------------------------------------------------


async def test_tabs(catalog: Catalog) -> None:
    assert await catalog.load_tabs() == []
    tabs = [
        TabRow("t2", 1, "s2", "/b", None, "half-typed", False),
        TabRow("t1", 0, "s1", "/a", "claude-opus-4-1", "", True),
    ]
    await catalog.save_tabs(tabs)
    assert await catalog.load_tabs() == sorted(tabs, key=lambda t: t.position)

    await catalog.save_draft("t2", "more text\nwith lines 🙂")
    await catalog.save_draft("gone", "ignored")
    loaded = await catalog.load_tabs()
    assert loaded[1].draft == "more text\nwith lines 🙂"
    assert [t.tab_id for t in loaded] == ["t1", "t2"]

    await catalog.save_tabs([TabRow("t3", 0, "s3", "/c", None, "", True)])
    assert [t.tab_id for t in await catalog.load_tabs()] == ["t3"]
    await catalog.save_tabs([])
    assert await catalog.load_tabs() == []


async def test_save_tabs_is_all_or_nothing(catalog: Catalog) -> None:
    await catalog.save_tabs([TabRow("t1", 0, "s1", "/a", None, "", True)])
    duplicate = TabRow("dup", 0, "s", "/", None, "", False)
    with pytest.raises(Exception, match="UNIQUE"):
        await catalog.save_tabs([duplicate, duplicate])
    assert [t.tab_id for t in await catalog.load_tabs()] == ["t1"]


async def test_rows_are_frozen() -> None:
    row = TabRow("t", 0, "s", "/", None, "", True)
    with pytest.raises(AttributeError):
        row.draft = "x"  # type: ignore[misc]
    assert not hasattr(row, "__dict__")  # slotted: 10,000 rows stay small
