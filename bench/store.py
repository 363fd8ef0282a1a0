"""Row 8: ``SqliteSessionStore`` against the SDK's ``InMemorySessionStore``.

Append 100,000 CLI-shaped entries in batches of 100 (100 sessions of 1,000 entries,
the way the CLI mirrors a busy day), then load one 10,000-entry session. The SDK is
imported before any timing: it is always loaded when an agent writes.
"""

from __future__ import annotations

import gc
import tempfile
from pathlib import Path
from typing import Any

from bench.common import Context, Figure, at_least, at_most, median, now, run_child

BATCH = 100
SESSIONS, PER_SESSION = 100, 1000
BIG = 10_000
CWD = "/home/user/project"


def _batches() -> list[tuple[dict[str, str], list[dict[str, Any]]]]:
    from claude_agent_sdk import project_key_for_directory

    from bench.data import session_ids, transcript

    project = project_key_for_directory(CWD)
    out = []
    for sid in session_ids(SESSIONS, "row8"):
        entries = transcript(sid, PER_SESSION // 4 + 10, cwd=CWD, seed=8)[:PER_SESSION]
        key = {"project_key": project, "session_id": sid}
        out += [(key, entries[i : i + BATCH]) for i in range(0, PER_SESSION, BATCH)]
    return out


async def _append_rate(store: Any, batches: list[Any]) -> float:
    gc.collect()
    start = now()
    for key, batch in batches:
        await store.append(key, batch)
    return SESSIONS * PER_SESSION / (now() - start)


async def _load_ms(store: Any, reps: int) -> list[float]:
    from claude_agent_sdk import project_key_for_directory

    from bench.data import transcript

    key = {"project_key": project_key_for_directory(CWD), "session_id": "big-session"}
    entries = transcript(key["session_id"], BIG // 4 + 20, cwd=CWD, seed=8)[:BIG]
    for i in range(0, BIG, 500):
        await store.append(key, entries[i : i + 500])
    times = []
    for _ in range(reps):
        gc.collect()
        start = now()
        loaded = await store.load(key)
        times.append((now() - start) * 1000)
        assert loaded is not None and len(loaded) == BIG
        del loaded
    return times


async def measure(kind: str, append_reps: int, load_reps: int) -> dict[str, list[float]]:
    """In a child process: append rates (entries/s) and load times (ms)."""
    import claude_agent_sdk

    from tui.store import SqliteSessionStore

    batches = _batches()
    rates, loads = [], []
    with tempfile.TemporaryDirectory() as scratch:
        for rep in range(append_reps):
            if kind == "sqlite":
                store: Any = await SqliteSessionStore.open(Path(scratch) / f"r{rep}.db")
            else:
                store = claude_agent_sdk.InMemorySessionStore()
            rates.append(await _append_rate(store, batches))
            if rep == append_reps - 1:
                loads = await _load_ms(store, load_reps)
            if kind == "sqlite":
                await store.close()
    return {"append": rates, "load": loads}


def row8(ctx: Context) -> list[Figure]:
    reps, loads = ctx.reps(3, 1), ctx.reps(9, 5)
    sql = run_child(
        ctx, "bench.store:measure", 300, kind="sqlite", append_reps=reps, load_reps=loads
    )
    mem = run_child(
        ctx, "bench.store:measure", 300, kind="memory", append_reps=reps, load_reps=loads
    )
    append = at_least(
        Figure("SqliteSessionStore: append 100,000 entries, batches of 100", "/s", sql["append"]),
        20_000,
    )
    base_append = Figure("InMemorySessionStore: the same appends", "/s", mem["append"])
    load = at_most(
        Figure("SqliteSessionStore: load a 10,000-entry session", "ms", sql["load"]), 100
    )
    base_load = Figure("InMemorySessionStore: the same load", "ms", mem["load"])
    speed = Figure(
        "append rate, SQLite / in-memory", "x", value=median(sql["append"]) / median(mem["append"])
    )
    return [append, base_append, speed, load, base_load]
