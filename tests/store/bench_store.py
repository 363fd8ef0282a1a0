"""Rough throughput figures for the store (not a test; run it by hand):

    python tests/store/bench_store.py

Appends 100,000 transcript-shaped entries in batches of 100, loads a 10,000-entry
session, and lists 10,000 catalogued sessions.
"""

from __future__ import annotations

import asyncio
import sys
import tempfile
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

import claude_agent_sdk  # noqa: F401  (loaded before timing, as when an agent runs)
from store_fakes import key, transcript

from tui.store import Catalog, SqliteSessionStore


async def main(folder: Path) -> None:
    store = await SqliteSessionStore.open(folder / "bench.db")
    catalog = Catalog(store.db, store)
    try:
        # 100 sessions x 1,000 entries, appended in batches of 100.
        batches = []
        for _ in range(100):
            session_id = str(uuid.uuid4())
            entries = transcript(session_id, 1000)
            batches += [
                (key(session_id, project="bench"), entries[i : i + 100])
                for i in range(0, 1000, 100)
            ]
        size = sum(len(repr(e)) for _, batch in batches for e in batch) / 100_000
        start = time.perf_counter()
        for k, batch in batches:
            await store.append(k, batch)
        elapsed = time.perf_counter() - start
        print(
            f"append: 100,000 entries (~{size:.0f} chars each) in {elapsed:.2f} s "
            f"= {100_000 / elapsed:,.0f} entries/s"
        )
        del batches

        big = key(str(uuid.uuid4()), project="bench")
        entries = transcript(big["session_id"], 10_000)
        for i in range(0, 10_000, 500):
            await store.append(big, entries[i : i + 500])
        times = []
        for _ in range(7):
            start = time.perf_counter()
            loaded = await store.load(big)
            times.append(time.perf_counter() - start)
            assert loaded == entries
            del loaded
        times.sort()
        print(
            f"load: 10,000 entries: best {times[0] * 1000:.0f} ms, "
            f"median {times[3] * 1000:.0f} ms, worst {times[-1] * 1000:.0f} ms"
        )

        for _ in range(10_000 - 101):
            session_id = str(uuid.uuid4())
            await store.append(key(session_id, project="bench"), transcript(session_id, 4))
        for label, query in (("no query", ""), ("query 'module 42'", "module 42")):
            start = time.perf_counter()
            rows = await catalog.list_sessions(query)
            elapsed = time.perf_counter() - start
            print(f"list_sessions ({label}): {len(rows)} rows in {elapsed * 1000:.1f} ms")
    finally:
        await store.close()


if __name__ == "__main__":
    with tempfile.TemporaryDirectory() as scratch:
        asyncio.run(main(Path(scratch)))
