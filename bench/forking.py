"""Row 5: fork at turn 100 of a 200-turn session.

* the SQLite copy alone: ``fork_at_turn(store, catalog, session, 100)`` (load, group
  into turns, the SDK's ``fork_session_via_store``, the lineage row);
* in the app: the session open in a tab, the turn cursor on turn 100, then ``f``
  until the first frame showing the new tab with its 100 turns.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

from bench.common import Context, Figure, at_most, now, run_child

TURNS, AT = 200, 100
SESSION = "5e551011-0200-4000-8000-000000000200"


async def prepare(db: str, cwd: str) -> dict[str, Any]:
    """The 200-turn session, written through the store, open as the only tab."""
    from bench.data import seed_session
    from tui.store import Catalog, Database, SqliteSessionStore, TabRow

    database = await Database.open(db)
    try:
        store = SqliteSessionStore(database)
        await seed_session(store, SESSION, TURNS, cwd=cwd, seed=5)
        await Catalog(database, store).save_tabs(
            [TabRow("t-fork", 0, SESSION, cwd, None, "", True)]
        )
        entries = (await database.fetchone("SELECT count(*) FROM entries") or (0,))[0]
    finally:
        await database.close()
    return {"entries": entries}


async def copy(db: str, reps: int) -> list[float]:
    import claude_agent_sdk  # noqa: F401  (loaded in the app before anyone can fork)

    from tui.agent.forking import fork_at_turn
    from tui.store import Catalog, SqliteSessionStore

    store = await SqliteSessionStore.open(db)
    catalog = Catalog(store.db, store)
    times = []
    try:
        for _ in range(reps):
            start = now()
            result = await fork_at_turn(store, catalog, SESSION, AT)
            times.append((now() - start) * 1000)
            assert result.turn == AT
    finally:
        await store.close()
    return times


async def app(db: str, cwd: str, reps: int) -> list[float]:
    from bench.ui import press, running_app, until

    times = []
    async with running_app(db, cwd) as (tui, _pilot, frames):
        parent = tui.active_tab
        await until(
            lambda: (
                parent.loaded and parent.pane.chat.turn_count == TURNS and parent.pane.chat.is_idle
            )
        )
        for _ in range(reps):
            chat = parent.pane.chat
            chat.start_cursor()
            chat.cursor = AT
            await until(lambda chat=chat: bool(chat.is_idle and chat.has_focus))
            await frames.next()
            await asyncio.sleep(0.1)
            sent = press(tui, "f")
            shown = await frames.until(
                lambda: (
                    tui.active_tab is not parent
                    and tui.active_tab.loaded
                    and tui.active_tab.pane.chat.turn_count == AT
                    and tui.active_tab.pane.chat.is_idle
                )
            )
            times.append((shown - sent) * 1000)
            fork = tui.active_tab
            await tui.close_tab(fork)  # back to the parent, for the next repetition
            await until(lambda: tui.active_tab is parent)
            await frames.next()
    return times


def row5(ctx: Context) -> list[Figure]:
    db = str(ctx.scratch / "row5.db")
    cwd = str(ctx.workdir)
    info = run_child(ctx, "bench.forking:prepare", 120, db=db, cwd=cwd)
    copied = run_child(ctx, "bench.forking:copy", 120, db=db, reps=ctx.reps(9, 5))
    shown = run_child(ctx, "bench.forking:app", 300, db=db, cwd=cwd, reps=ctx.reps(7, 3))
    for suffix in ("", "-wal", "-shm"):
        Path(f"{db}{suffix}").unlink(missing_ok=True)
    return [
        at_most(Figure("agent-tui: f on turn 100 to the new tab painted", "ms", shown), 250),
        at_most(
            Figure(
                "fork_at_turn alone (the SQLite copy)", "ms", copied,
                note=f"the 200-turn session holds {info['entries']:,} entries",
            ),
            100,
        ),
    ]  # fmt: skip
