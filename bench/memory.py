"""Row 7: memory of 20 tabs, each sent one prompt (echo), with the default
live-client cap (6) and with the cap lifted (64).

The prompts go out one tab after another without waiting for replies, as someone
fanning out work would; once every turn has finished and things settled, the RSS of
the app process and every process under it (the CLI processes) is summed, three
readings a second apart, median. PSS (shared pages split between processes) is
shown too: RSS counts the CLI binary's shared pages once per process. The min-max
is over the readings.
"""

from __future__ import annotations

import asyncio
import os
from pathlib import Path
from typing import Any

from bench.common import Context, Figure, at_most, run_child, tree_memory

TABS = 20


async def measure(db: str, cwd: str, cap: int) -> dict[str, Any]:
    from bench.data import remove_db
    from bench.ui import new_tab, running_app, send, until

    remove_db(Path(db))  # tabs saved by an earlier run would be restored
    async with running_app(db, cwd, max_live_clients=cap) as (app, _pilot, frames):
        tabs = []
        for i in range(TABS):
            tab = app.active_tab if i == 0 else await new_tab(app, frames)
            await send(app, tab, f"hello from tab {i + 1}")
            await until(lambda tab=tab: bool(tab.running or tab.pane.chat.turn_count))
            tabs.append(tab)

        def finished() -> bool:
            return all(
                t.pane.chat.turn_count == 1 and not t.running and t.pane.chat.is_idle for t in tabs
            )

        await until(finished, 600, "every tab's turn to finish")
        failed = [t.tab_id for t in tabs if t.state == "error"]
        await asyncio.sleep(2.0)  # CLIs finish writing and settle after their turn
        readings = []
        for _ in range(3):
            readings.append(tree_memory(os.getpid()))
            await asyncio.sleep(1.0)
        live = len(app.pool.live_ids)
    return {
        "rss_mb": [r["rss_mb"] for r in readings],
        "pss_mb": [r["pss_mb"] for r in readings],
        "processes": max(r["processes"] for r in readings),
        "live": live,
        "failed": failed,
    }


def row7(ctx: Context) -> list[Figure]:
    cwd = str(ctx.workdir)
    runs: dict[int, list[dict[str, Any]]] = {6: [], 64: []}
    # One app per cap: 20 CLI start-ups take a while on two cores; the spread comes
    # from the readings.
    for cap in runs:
        db = ctx.scratch / f"row7-{cap}.db"
        runs[cap].append(run_child(ctx, "bench.memory:measure", 600, db=str(db), cwd=cwd, cap=cap))
        for suffix in ("", "-wal", "-shm"):
            Path(f"{db}{suffix}").unlink(missing_ok=True)
    figures = []
    for cap, label in ((6, "default cap (6)"), (64, "cap lifted (64)")):
        got = runs[cap]
        failed = sum(len(r["failed"]) for r in got)
        note = f"{label}: {got[-1]['live']} live CLI processes, {got[-1]['processes']} processes in the tree"
        if failed:
            note += f"; {failed} turns failed"
        figures.append(
            Figure(
                f"20 tabs, {label}: RSS of app + CLIs",
                "MB",
                [x for r in got for x in r["rss_mb"]],
                note=note,
            )
        )
        figures.append(
            Figure(
                f"20 tabs, {label}: PSS of app + CLIs (informative)",
                "MB",
                [x for r in got for x in r["pss_mb"]],
            )
        )
    capped, lifted = figures[0], figures[2]
    share = Figure("default cap / cap lifted (RSS)", "x", value=capped.value / lifted.value)  # type: ignore[operator]
    return [*figures, at_most(share, 0.35)]
