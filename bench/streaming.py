"""Row 3: a 20,000-token reply streamed at full speed (``fast 20000``) by the
scripted server through the real CLI.

* baseline: a bare ``ClaudeSDKClient(include_partial_messages=True)``, timed from
  ``query()`` until the ``ResultMessage``;
* engine (informative): an ``AgentSession`` with the SQLite store, from ``send()``
  until it emits ``TurnFinished``;
* app: agent-tui, from the enter key until the first frame that shows the finished
  turn (every word in the tab's Markdown, the turn no longer live).

Each repetition is a new session whose CLI is already up (a warm-up prompt first),
so process start-up is not part of any of the three.
"""

from __future__ import annotations

import tempfile
import uuid
from pathlib import Path
from typing import Any

from bench.common import Context, Figure, at_most, now, ratio, run_child

PROMPT, TOKENS = "fast 20000", 20_000


async def bare(reps: int, cwd: str) -> list[float]:
    from claude_agent_sdk import ClaudeAgentOptions, ClaudeSDKClient, ResultMessage, StreamEvent

    times = []
    for _ in range(reps):
        async with ClaudeSDKClient(
            ClaudeAgentOptions(cwd=cwd, include_partial_messages=True)
        ) as client:
            for prompt in ("hi", PROMPT):
                deltas = 0
                start = now()
                await client.query(prompt)
                async for message in client.receive_response():
                    if isinstance(message, StreamEvent):
                        deltas += message.event.get("type") == "content_block_delta"
                    elif isinstance(message, ResultMessage):
                        elapsed = now() - start
            assert deltas == TOKENS, deltas
            times.append(elapsed * 1000)
    return times


async def engine(reps: int, cwd: str) -> list[float]:
    import asyncio

    from tui.agent.events import ErrorOccurred, TextDelta, TurnFinished
    from tui.agent.options import SessionSettings
    from tui.agent.pool import LivePool
    from tui.agent.session import AgentSession
    from tui.store import Catalog, SqliteSessionStore

    times = []
    with tempfile.TemporaryDirectory() as scratch:
        store = await SqliteSessionStore.open(Path(scratch) / "engine.db")
        catalog = Catalog(store.db, store)
        pool = LivePool()
        finished = asyncio.Event()
        state = {"words": 0, "at": 0.0}

        def emit(event: Any) -> None:
            if isinstance(event, TextDelta):
                state["words"] += len(event.text.split())
            elif isinstance(event, (TurnFinished, ErrorOccurred)):
                state["at"] = now()
                finished.set()

        try:
            for _ in range(reps):
                session = AgentSession(
                    str(uuid.uuid4()), store=store, catalog=catalog,
                    settings=SessionSettings(cwd=Path(cwd)), pool=pool, emit=emit,
                )  # fmt: skip
                for prompt in ("hi", PROMPT):
                    finished.clear()
                    state["words"] = 0
                    start = now()
                    session.send(prompt)
                    await asyncio.wait_for(finished.wait(), 120)
                assert state["words"] == TOKENS, state
                times.append((state["at"] - start) * 1000)
                await session.close()
        finally:
            await store.close()
    return times


async def app(reps: int, cwd: str, db: str) -> list[float]:
    from bench.data import remove_db
    from bench.ui import new_tab, rendered_words, run_turn, running_app

    remove_db(Path(db))  # tabs saved by an earlier run would be restored
    times = []
    async with running_app(db, cwd) as (tui, _pilot, frames):
        for rep in range(reps):
            tab = tui.active_tab if rep == 0 else await new_tab(tui, frames)
            await run_turn(tui, frames, tab, "hi")
            sent, painted = await run_turn(tui, frames, tab, PROMPT)
            shown = rendered_words(tab, 2)
            if shown != TOKENS:
                raise AssertionError(f"the finished turn shows {shown} words, not {TOKENS}")
            times.append((painted - sent) * 1000)
    return times


def row3(ctx: Context) -> list[Figure]:
    # Rounds of all three, one after the other: the machine's speed drifts over a
    # run, and a ratio of two blocks measured minutes apart would carry the drift.
    # Single replies vary by a fifth either way here, and with ten of each the ratio
    # still moved by 0.1 from run to run; hence sixteen.
    rounds, reps = ctx.reps(8, 1), ctx.reps(2, 1)
    cwd = str(ctx.workdir)
    samples: dict[str, list[float]] = {"bare": [], "engine": [], "app": []}
    for _ in range(rounds):
        samples["bare"] += run_child(ctx, "bench.streaming:bare", 300, reps=reps, cwd=cwd)
        samples["engine"] += run_child(ctx, "bench.streaming:engine", 300, reps=reps, cwd=cwd)
        db = str(ctx.scratch / "row3.db")
        samples["app"] += run_child(ctx, "bench.streaming:app", 600, reps=reps, cwd=cwd, db=db)
    base = Figure("bare ClaudeSDKClient: query to ResultMessage", "ms", samples["bare"])
    eng = Figure("AgentSession + SQLite store: send to TurnFinished", "ms", samples["engine"])
    shown = Figure("agent-tui: enter to the whole reply painted", "ms", samples["app"])
    return [
        base,
        eng,
        ratio("engine / bare client (informative)", eng, base),
        shown,
        at_most(ratio("agent-tui / bare client", shown, base), 1.15),
    ]
