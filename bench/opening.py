"""Row 6: open a 2,000-turn session from the sidebar, against a 20-turn one.

The session list has focus with the session highlighted; the clock runs from enter
to the first frame showing the session's tab with its newest turns, numbered and
counted as in the whole session. A long session's older turns are read right after
that frame: the time until they are all there is reported too (no target). The tab
is then closed, so the next repetition reads the database again. Memory: the app's RSS after the 2,000-turn session opened, less its RSS just
before (with the 20-turn one opened and closed once, so one-off imports of the
transcript widgets are not counted), in a fresh process each time.
"""

from __future__ import annotations

import asyncio
import gc
from pathlib import Path
from typing import Any

from bench.common import Context, Figure, at_most, ratio, rss_mb, run_child

BIG, SMALL = 2000, 20
SESSIONS = {
    BIG: "0be11000-2000-4000-8000-000000002000",
    SMALL: "0be11000-0020-4000-8000-000000000020",
}


async def prepare(db: str, cwd: str) -> dict[str, Any]:
    from bench.data import seed_session
    from tui.store import Database, SqliteSessionStore

    database = await Database.open(db)
    try:
        store = SqliteSessionStore(database)
        for turns, sid in SESSIONS.items():
            await seed_session(store, sid, turns, cwd=cwd, seed=6)
        entries = (await database.fetchone("SELECT count(*) FROM entries") or (0,))[0]
    finally:
        await database.close()
    return {"entries": entries}


async def _open(app: Any, frames: Any, turns: int) -> tuple[float, float, Any]:
    from bench.common import now
    from bench.ui import press, until

    sid = SESSIONS[turns]
    listing = app.session_list
    listing.focus()
    listing.select(sid)
    await until(lambda: listing.has_focus and listing.highlighted and listing.highlighted.id == sid)
    await frames.next()
    sent = press(app, "enter")

    def shown() -> bool:
        tab = app.active_tab
        chat = tab.pane.chat
        return bool(
            tab.session_id == sid and tab.loaded and chat.turn_count == turns and chat.is_idle
        )

    painted = await frames.until(shown)
    chat = app.active_tab.pane.chat
    await until(lambda: chat.history_pending == 0, what="the older turns")
    whole = now()
    return (painted - sent) * 1000, (whole - sent) * 1000, app.active_tab


async def _close(app: Any, frames: Any, tab: Any) -> None:
    from bench.ui import until

    await app.close_tab(tab)
    await until(lambda: tab not in app.tabs)
    await frames.next()


async def measure(db: str, cwd: str, reps: int) -> dict[str, Any]:
    from bench.ui import running_app

    times: dict[int, list[float]] = {BIG: [], SMALL: []}
    whole: list[float] = []
    async with running_app(db, cwd) as (app, _pilot, frames):
        elapsed, _, tab = await _open(app, frames, SMALL)
        times[SMALL].append(elapsed)
        await _close(app, frames, tab)
        gc.collect()
        await asyncio.sleep(0.5)
        before = rss_mb()
        elapsed, read, tab = await _open(app, frames, BIG)
        times[BIG].append(elapsed)
        whole.append(read)
        await asyncio.sleep(0.5)  # let what opening started settle
        after = rss_mb()
        await _close(app, frames, tab)
        for _ in range(reps - 1):
            for turns in (SMALL, BIG):
                elapsed, read, tab = await _open(app, frames, turns)
                times[turns].append(elapsed)
                if turns == BIG:
                    whole.append(read)
                await _close(app, frames, tab)
    return {"times": times, "whole": whole, "before": before, "after": after}


def row6(ctx: Context) -> list[Figure]:
    db = str(ctx.scratch / "row6.db")
    cwd = str(ctx.workdir)
    info = run_child(ctx, "bench.opening:prepare", 120, db=db, cwd=cwd)
    runs = [
        run_child(ctx, "bench.opening:measure", 300, db=db, cwd=cwd, reps=ctx.reps(3, 2))
        for _ in range(ctx.reps(3, 1))
    ]
    big = Figure(f"open a {BIG:,}-turn session: enter to painted", "ms",
                 [t for r in runs for t in r["times"][str(BIG)]],
                 note=f"the two sessions hold {info['entries']:,} entries")  # fmt: skip
    small = Figure(f"open a {SMALL}-turn session: enter to painted", "ms",
                   [t for r in runs for t in r["times"][str(SMALL)]])  # fmt: skip
    read = Figure(f"open a {BIG:,}-turn session: enter to all turns read", "ms",
                  [t for r in runs for t in r["whole"]])  # fmt: skip
    growth = Figure(f"app RSS growth from opening the {BIG:,}-turn session", "MB",
                    [r["after"] - r["before"] for r in runs])  # fmt: skip
    after = Figure("app RSS after it opened", "MB", [r["after"] for r in runs])
    result = [
        small,
        big,
        at_most(ratio(f"{BIG:,} turns / {SMALL} turns", big, small), 2),
        read,
        at_most(growth, 100),
        after,
    ]
    for suffix in ("", "-wal", "-shm"):
        Path(f"{db}{suffix}").unlink(missing_ok=True)
    return result
