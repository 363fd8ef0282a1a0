"""Forking at any turn: a store copy plus lineage; what the fork's next turn sends."""

from __future__ import annotations

from typing import Any

import pytest

from tests.agent.conftest import Engine
from tui.agent.forking import ForkError, edit_turn, fork_at_turn, load_turns

pytestmark = pytest.mark.cli


async def five_turns(engine: Engine) -> str:
    s = engine.session()
    for i in range(1, 6):
        await engine.turn(s, f"p{i}")
    await s.close()  # forking needs no live CLI
    return s.session_id


async def test_fork_at_any_turn_sends_exactly_the_kept_context(
    engine: Engine, scripted_server: Any
) -> None:
    source = await five_turns(engine)
    before = await engine.store.load(
        {
            "project_key": (await engine.catalog.get_session(source)).project_key,  # type: ignore[union-attr]
            "session_id": source,
        }
    )

    fork = await fork_at_turn(engine.store, engine.catalog, source, 2)
    assert fork.session_id != source
    assert [t.prompt for t in await load_turns(engine.store, engine.catalog, fork.session_id)] == [
        "p1",
        "p2",
    ]
    row = await engine.catalog.get_session(fork.session_id)
    assert row is not None and row.parent_id == source and row.fork_turn == 2
    assert "⑂2" in row.title

    f = engine.session(fork.session_id)
    await engine.turn(f, "in the fork")
    assert scripted_server.conversation_requests()[-1].prompts == ("p1", "p2", "in the fork")

    s = engine.session(source)
    await engine.turn(s, "in the source")
    assert scripted_server.conversation_requests()[-1].prompts == (
        "p1",
        "p2",
        "p3",
        "p4",
        "p5",
        "in the source",
    )

    # Fork the fork at its turn 3 (p1, p2, "in the fork").
    grand = await fork_at_turn(engine.store, engine.catalog, fork.session_id, 3)
    g = engine.session(grand.session_id)
    await engine.turn(g, "grandchild")
    assert scripted_server.conversation_requests()[-1].prompts == (
        "p1",
        "p2",
        "in the fork",
        "grandchild",
    )
    # The lineage is one tree: root, child, grandchild.
    tree = await engine.catalog.lineage(grand.session_id)
    assert [r.id for r in tree][:1] == [source]
    assert {r.id for r in tree} == {source, fork.session_id, grand.session_id}
    # The source's stored entries were never touched by forking.
    after = await engine.store.load(
        {
            "project_key": (await engine.catalog.get_session(source)).project_key,  # type: ignore[union-attr]
            "session_id": source,
        }
    )
    assert after[: len(before or [])] == before  # type: ignore[index]


async def test_edit_and_resend(engine: Engine, scripted_server: Any) -> None:
    source = await five_turns(engine)
    edit = await edit_turn(engine.store, engine.catalog, source, 3)
    assert edit.prompt == "p3" and not edit.is_new
    s = engine.session(edit.session_id)
    await engine.turn(s, "p3, edited")
    assert scripted_server.conversation_requests()[-1].prompts == ("p1", "p2", "p3, edited")

    first = await edit_turn(engine.store, engine.catalog, source, 1)
    assert first.is_new and first.prompt == "p1"
    assert await engine.catalog.get_session(first.session_id) is None
    n = engine.session(first.session_id)
    await engine.turn(n, "p1 again")
    assert scripted_server.conversation_requests()[-1].prompts == ("p1 again",)


async def test_fork_errors_are_clear(engine: Engine) -> None:
    source = await five_turns(engine)
    with pytest.raises(ForkError, match="Turn 9 does not exist; this session has 5 turns"):
        await fork_at_turn(engine.store, engine.catalog, source, 9)
    with pytest.raises(ForkError, match="not in the database"):
        await fork_at_turn(engine.store, engine.catalog, "00000000-0000-4000-8000-000000000000", 1)
