"""Rows 1 and 2: process start to the first full frame, in a real terminal.

Each app runs as a fresh process on a pseudo-terminal (120x40), exactly as a user
starts it (``python -m ...``). The clock starts just before the process is spawned
and stops when the terminal output holds every marker of a full frame: for
agent-tui the footer, the prompt and the sidebar's session count (which appears
only once the session list has been read), for the bare app its footer and its one
widget. The apps are then quit with ctrl+q.
"""

from __future__ import annotations

import codecs
import fcntl
import os
import pty
import re
import select
import signal
import struct
import subprocess
import termios
from pathlib import Path

from bench.common import PYTHON, REPO, Context, Figure, at_most, now, ratio
from bench.data import create_db, remove_db

COLS, ROWS = 120, 40
TIMEOUT = 30.0
# Matched in the output with escape sequences removed: the prompt's first cell
# carries the cursor and is styled apart from the rest of its placeholder.
BARE_MARKERS = ("New tab", "Type here")
APP_MARKERS = ("New tab", "Ask Claude")
_ESCAPES = re.compile(r"\x1b(?:\[[0-?]*[ -/]*[@-~]|\][^\x07\x1b]*(?:\x07|\x1b\\)|[@-Z\\-_])")


def _controlling_tty() -> None:
    os.setsid()
    fcntl.ioctl(0, termios.TIOCSCTTY, 0)


def time_to_frame(argv: list[str], env: dict[str, str], markers: tuple[str, ...]) -> float:
    """Seconds from spawning ``argv`` on a pty until all ``markers`` were drawn."""
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", ROWS, COLS, 0, 0))
    env = {**env, "TERM": "xterm-256color", "COLORTERM": "truecolor"}
    env.pop("COLUMNS", None)
    env.pop("LINES", None)
    decoder = codecs.getincrementaldecoder("utf-8")("replace")
    screen = ""
    start = now()
    proc = subprocess.Popen(
        argv,
        stdin=slave,
        stdout=slave,
        stderr=slave,
        env=env,
        cwd=REPO,
        preexec_fn=_controlling_tty,
    )
    os.close(slave)
    elapsed: float | None = None
    try:
        deadline = start + TIMEOUT
        while now() < deadline and elapsed is None:
            ready, _, _ = select.select([master], [], [], 0.2)
            if not ready:
                if proc.poll() is not None:
                    break
                continue
            try:
                data = os.read(master, 1 << 16)
            except OSError:  # EIO: the app closed the terminal
                break
            screen += decoder.decode(data)
            text = _ESCAPES.sub("", screen)
            if all(m in text for m in markers):
                elapsed = now() - start
        if elapsed is None:
            raise RuntimeError(
                f"no full frame from {' '.join(argv[1:])} within {TIMEOUT:.0f} s "
                f"(exit {proc.poll()}); last output: {screen[-600:]!r}"
            )
        return elapsed
    finally:
        _quit(proc, master)


def _quit(proc: subprocess.Popen[bytes], master: int) -> None:
    """ctrl+q, as a user would, reading the terminal meanwhile so the app never
    blocks on a full pty; a hung app is killed."""
    try:
        os.write(master, b"\x11")
    except OSError:
        pass
    deadline = now() + 15
    while proc.poll() is None and now() < deadline:
        ready, _, _ = select.select([master], [], [], 0.1)
        if ready:
            try:
                os.read(master, 1 << 16)
            except OSError:
                break
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    os.close(master)


def _app_argv(db: Path, cwd: Path) -> list[str]:
    return [PYTHON, "-m", "tui", "--db", str(db), "--cwd", str(cwd)]


def _measure(
    runs: dict[str, tuple[list[str], tuple[str, ...]]], env: dict[str, str], reps: int
) -> dict[str, list[float]]:
    """Start each app once untimed (page cache, bytecode, first-run state), then
    alternate them, so drift in the machine's load hits all of them alike."""
    for argv, markers in runs.values():
        time_to_frame(argv, env, markers)
    times: dict[str, list[float]] = {name: [] for name in runs}
    for _ in range(reps):
        for name, (argv, markers) in runs.items():
            times[name].append(time_to_frame(argv, env, markers) * 1000)
    return times


def _startup_env(ctx: Context) -> dict[str, str]:
    """The environment both apps start in, with bytecode caching on.

    An installed package comes with compiled bytecode, and so does Textual in
    site-packages; but with PYTHONDONTWRITEBYTECODE set (as some shells and CI images
    do) the checkout's own modules would be compiled from source on every start,
    which the bare app, nearly all of it Textual, never pays. A bytecode cache in the
    scratch folder, filled by each app's untimed first start (see ``_measure``), puts
    both on the same footing without writing into the checkout or site-packages."""
    env = dict(ctx.env)
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env["PYTHONPYCACHEPREFIX"] = str(ctx.scratch / "pycache")
    return env


def _empty_db(ctx: Context) -> Path:
    path = ctx.scratch / "empty.db"
    if not path.exists():
        create_db(path)
    return path


def _row1_figures(ctx: Context) -> tuple[Figure, Figure]:
    """Bare app and agent-tui on an empty database; cached for row 2's baseline."""
    if "startup" not in ctx.cache:
        app_run = (_app_argv(_empty_db(ctx), ctx.workdir), (*APP_MARKERS, "0 sessions"))
        bare_run = ([PYTHON, "-m", "bench.bare_app"], BARE_MARKERS)
        times = _measure({"bare": bare_run, "app": app_run}, _startup_env(ctx), ctx.reps(7, 3))
        ctx.cache["startup"] = (
            Figure(
                "bare Textual app (Header, Footer, TextArea): start to first frame",
                "ms",
                times["bare"],
            ),
            Figure("agent-tui, empty database: start to first full frame", "ms", times["app"]),
        )
    figures: tuple[Figure, Figure] = ctx.cache["startup"]
    return figures


def row1(ctx: Context) -> list[Figure]:
    bare, app = _row1_figures(ctx)
    return [bare, app, at_most(ratio("agent-tui / bare app", app, bare), 1.3)]


SESSIONS, ENTRIES = 10_000, 500_000


def row2(ctx: Context) -> list[Figure]:
    """The baseline is row 1's agent-tui on an empty database, started again here
    in turns with the large one: on a shared two-core machine a minute's drift in
    load can move start-up times by more than the 20% this row is about."""
    from bench.data import fill_db

    db = ctx.scratch / "big.db"
    start = now()
    info = fill_db(db, sessions=SESSIONS, entries=ENTRIES, cwd=str(ctx.workdir))
    built = now() - start
    runs = {
        "empty": (_app_argv(_empty_db(ctx), ctx.workdir), (*APP_MARKERS, "0 sessions")),
        "big": (_app_argv(db, ctx.workdir), (*APP_MARKERS, f"{SESSIONS:,} sessions")),
    }
    times = _measure(runs, _startup_env(ctx), ctx.reps(7, 3))
    note = (
        f"database: {info['sessions']:,} sessions, {info['entries']:,} entries, "
        f"{info['bytes'] / 2**20:,.0f} MB, built in {built:.0f} s"
    )
    big = Figure(
        f"agent-tui, {SESSIONS:,} sessions / {ENTRIES:,} entries: start to full frame",
        "ms",
        times["big"],
        note=note,
    )
    empty = Figure(
        "agent-tui, empty database (row 1), in turns with the above", "ms", times["empty"]
    )
    remove_db(db)
    return [big, empty, at_most(ratio("large database / empty database", big, empty), 1.2)]
