"""Row 4: key-to-screen latency of typing into the prompt.

A key is handed to the app the way the terminal driver hands it over; the latency
runs until the first painted frame whose prompt holds the new character. Keys
follow each other at a typist's pace (every 60 ms, or as soon as the previous one
showed). Three conditions, 100 keys each (a p95 of 50 would be the third-slowest
key, and swing with one key more or less): nothing streaming (the baseline), the
row-3 reply streaming in another tab, and streaming in the same tab. A key only
counts while the reply is streaming from press to paint; the reply is sent again
if it ends before 100 keys were counted.

The p95 of 100 keys is still the fifth-slowest: one burst of load from elsewhere
on the machine moves it. So the row runs several times, each in a fresh app
process with its own baseline, and reports the median run: each run's ratio is
its streaming p95 over its own idle p95.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

from bench.common import Context, Figure, at_most, now, p95, run_child

KEYS = 100
PACE = 0.06
LETTERS = "abcdefghijklmnopqrstuvwxyz"
STREAM = "fast 20000"


async def _stream(tab: Any) -> None:
    """Start the reply in ``tab`` through its session, as the prompt would, without
    touching the prompt being typed into; return once text is flowing."""
    from bench.ui import until

    tab.session.send(STREAM)
    await until(lambda: tab.running and tab.pane.chat.turn_count > 0)
    await asyncio.sleep(0.3)


async def _type(app: Any, frames: Any, tab: Any, streaming: Any | None) -> list[float]:
    from bench.ui import press

    prompt = tab.pane.prompt
    prompt.focus()
    prompt.load_text("")
    await frames.next()
    samples: list[float] = []
    typed = 0
    while len(samples) < KEYS:
        if streaming is not None and not streaming.running:
            await _stream(streaming)  # the reply ended before enough keys were counted
        char = LETTERS[typed % len(LETTERS)]
        expected = len(prompt.text) + 1
        sent = press(app, char, char)
        shown = await frames.until(lambda expected=expected: len(prompt.text) >= expected)
        typed += 1
        if streaming is None or streaming.running:
            samples.append((shown - sent) * 1000)
        await asyncio.sleep(max(0.0, PACE - (now() - sent)))
    prompt.load_text("")
    return samples


async def measure(cwd: str, db: str) -> dict[str, list[float]]:
    from bench.data import remove_db
    from bench.ui import new_tab, press, run_turn, running_app, until

    remove_db(Path(db))  # tabs saved by an earlier run would be restored
    async with running_app(db, cwd) as (app, _pilot, frames):
        typing_tab = app.active_tab
        await run_turn(app, frames, typing_tab, "hi")
        other = await new_tab(app, frames)
        await run_turn(app, frames, other, "hi")
        press(app, "ctrl+pageup")  # back to the first tab; both CLIs are up and idle
        await until(lambda: app.active_tab is typing_tab)
        await frames.next()
        result = {"idle": await _type(app, frames, typing_tab, None)}

        await _stream(other)
        result["other tab"] = await _type(app, frames, typing_tab, other)
        await until(lambda: not other.running and other.pane.chat.is_idle, 120)

        await _stream(typing_tab)
        result["same tab"] = await _type(app, frames, typing_tab, typing_tab)
        await until(lambda: not typing_tab.running and typing_tab.pane.chat.is_idle, 120)
    return result


def row4(ctx: Context) -> list[Figure]:
    runs = [
        run_child(
            ctx,
            "bench.latency:measure",
            600,
            cwd=str(ctx.workdir),
            db=str(ctx.scratch / "row4.db"),
        )
        for _ in range(ctx.reps(3, 1))
    ]
    idle = _p95s("typing, nothing streaming: p95 key to screen", runs, "idle")
    figures = [idle]
    for where in ("other tab", "same tab"):
        fig = _p95s(f"typing while streaming in the {where}: p95 key to screen", runs, where)
        figures.append(at_most(fig, 50))
        ratios = [p95(run[where]) / p95(run["idle"]) for run in runs]
        paired = Figure(
            f"  p95 ratio, {where} / nothing streaming", "x", ratios, stat="median ratio"
        )
        figures.append(at_most(paired, 2))
    return figures


def _p95s(label: str, runs: list[dict[str, list[float]]], condition: str) -> Figure:
    """The median over runs of each run's p95 (min-max: the runs' p95s)."""
    return Figure(label, "ms", [p95(run[condition]) for run in runs], stat="median p95")
