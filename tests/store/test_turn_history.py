"""Opening a long session newest turns first (`tui.agent.history`), on a real database."""

from __future__ import annotations

from typing import Any

import pytest

from tui.agent.history import load_older_turns, load_recent_turns, load_turns
from tui.store import Catalog, SqliteSessionStore

SID = "7e5a0000-0000-4000-8000-000000000001"
KEY = {"project_key": "-projects-history", "session_id": SID}


def _turn_entries(n: int) -> list[dict[str, Any]]:
    """Turn n of a transcript in the CLI's shapes: some turns call a tool, some are
    interrupted, and the CLI's queue bookkeeping sits before each prompt."""
    out: list[dict[str, Any]] = [
        {"type": "queue-operation", "operation": "enqueue", "content": f"prompt {n}"},
        {"type": "user", "uuid": f"p{n}", "message": {"role": "user", "content": f"prompt {n}"}},
    ]
    if n % 3 == 0:
        call = {"type": "tool_use", "id": f"tool{n}", "name": "Bash", "input": {"command": "ls"}}
        result = {"type": "tool_result", "tool_use_id": f"tool{n}", "content": f"out {n}"}
        out += [
            {"type": "assistant", "uuid": f"t{n}", "message": {"id": f"m{n}", "content": [call]}},
            {"type": "user", "uuid": f"r{n}", "message": {"role": "user", "content": [result]}},
        ]
    out.append(
        {
            "type": "assistant",
            "uuid": f"a{n}",
            "message": {
                "id": f"n{n}",
                "role": "assistant",
                "model": "claude-test",
                "content": [{"type": "text", "text": f"reply {n}"}],
                "usage": {"input_tokens": n, "output_tokens": 1},
            },
        }
    )
    if n % 7 == 0:
        marker = "[Request interrupted by user]"
        out.append(
            {"type": "user", "uuid": f"i{n}", "message": {"role": "user", "content": marker}}
        )
    return out


async def _seed(store: SqliteSessionStore, turns: int) -> None:
    preamble = [{"type": "attachment", "uuid": "env", "attachment": {"type": "date"}}]
    entries = preamble + [e for n in range(1, turns + 1) for e in _turn_entries(n)]
    for at in range(0, len(entries), 50):  # as the CLI mirrors them: in batches
        await store.append(KEY, entries[at : at + 50])  # type: ignore[arg-type]


def _shape(turns: list[Any]) -> list[tuple[Any, ...]]:
    return [
        (t.number, t.prompt, t.prompt_uuid, t.last_uuid, t.reply, t.interrupted,
         [(c.name, c.result) for c in t.tool_calls], t.usage)
        for t in turns
    ]  # fmt: skip


@pytest.mark.parametrize("turns", [1, 39, 40, 41, 130])
async def test_newest_turns_then_the_rest_are_the_whole_session(
    store: SqliteSessionStore, catalog: Catalog, turns: int
) -> None:
    await _seed(store, turns)
    whole = await load_turns(store, catalog, SID)
    assert len(whole) == turns

    recent = await load_recent_turns(store, catalog, SID, 40)
    # A session read whole in one step comes whole; a longer one splits at turn -40.
    if turns > 100:
        assert (len(recent.turns), recent.older) == (40, turns - 40)
    assert len(recent.turns) + recent.older == turns
    assert recent.turns[0].number == recent.older + 1
    older = await load_older_turns(store, catalog, SID, recent) if recent.older else []
    assert len(older) == recent.older
    assert _shape(older + recent.turns) == _shape(whole)


async def test_newest_turns_read_only_the_end_of_a_long_transcript(
    store: SqliteSessionStore, catalog: Catalog, monkeypatch: pytest.MonkeyPatch
) -> None:
    await _seed(store, 400)
    read: list[int] = []
    original = store.load_slice

    async def counting(*args: Any, **kwargs: Any) -> Any:
        rows = await original(*args, **kwargs)
        read.append(len(rows))
        return rows

    monkeypatch.setattr(store, "load_slice", counting)
    recent = await load_recent_turns(store, catalog, SID, 10)
    assert [t.number for t in recent.turns] == list(range(391, 401))
    total = (await store.db.fetchone("SELECT count(*) FROM entries") or (0,))[0]
    assert sum(read) < total / 10


async def test_an_unknown_session_has_no_turns(store: SqliteSessionStore, catalog: Catalog) -> None:
    recent = await load_recent_turns(store, catalog, "no-such-session", 40)
    assert (recent.turns, recent.older) == ([], 0)
    assert await load_turns(store, catalog, "no-such-session") == []


async def test_load_slice_reads_before_a_seq_and_only_the_last(
    store: SqliteSessionStore,
) -> None:
    await _seed(store, 5)
    everything = await store.load(KEY)  # type: ignore[arg-type]
    rows = await store.load_slice(KEY)  # type: ignore[arg-type]
    assert [e for _, e in rows] == everything
    seqs = [seq for seq, _ in rows]
    assert seqs == sorted(seqs)
    last = await store.load_slice(KEY, last=3)  # type: ignore[arg-type]
    assert last == rows[-3:]
    before = await store.load_slice(KEY, before=seqs[5], last=2)  # type: ignore[arg-type]
    assert before == rows[3:5]
    assert await store.load_slice(KEY, before=seqs[0]) == []  # type: ignore[arg-type]
