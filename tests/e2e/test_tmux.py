"""`agent-tui --demo` in a real terminal (tmux): send a prompt, fork it, quit, and
start again to find both tabs back. The terminal is read with `capture-pane`."""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

pytestmark = pytest.mark.cli

REPO = Path(__file__).resolve().parents[2]


class Tmux:
    def __init__(self, socket: str) -> None:
        self.socket = socket

    def __call__(self, *args: str, check: bool = True) -> str:
        done = subprocess.run(
            # -f /dev/null: no user or system tmux.conf changes sizes or keys.
            ["tmux", "-L", self.socket, "-f", "/dev/null", *args],
            capture_output=True,
            text=True,
            check=False,
        )
        if check and done.returncode != 0:
            raise AssertionError(f"tmux {' '.join(args)} failed: {done.stderr.strip()}")
        return done.stdout

    def alive(self, session: str) -> bool:
        done = subprocess.run(
            ["tmux", "-L", self.socket, "has-session", "-t", session], capture_output=True
        )
        return done.returncode == 0

    def screen(self, session: str) -> str:
        return self("capture-pane", "-p", "-t", session)

    def wait(
        self, session: str, predicate: Callable[[str], bool], what: str, timeout: float = 30
    ) -> str:
        deadline = time.monotonic() + timeout
        text = ""
        while time.monotonic() < deadline:
            if not self.alive(session):
                raise AssertionError(f"the app exited while waiting for {what}\n{text}")
            text = self.screen(session)
            if predicate(text):
                return text
            time.sleep(0.1)
        raise AssertionError(f"timed out waiting for {what}; the screen was:\n{text}")


@pytest.fixture
def tmux() -> Iterator[Tmux]:
    if shutil.which("tmux") is None:
        pytest.skip("tmux is not installed; the real-terminal test needs it")
    # One server per test: a socket name shared between tests lets the next test's
    # new-session reach the previous server while it is still shutting down.
    server = Tmux(f"agent-tui-test-{os.getpid()}-{uuid.uuid4().hex[:8]}")
    try:
        yield server
    finally:
        server("kill-server", check=False)


def _command(tmp_path: Path) -> str:
    env = {
        "HOME": str(tmp_path / "home"),
        "XDG_DATA_HOME": str(tmp_path / "data"),
        "XDG_CONFIG_HOME": str(tmp_path / "config"),
        "XDG_CACHE_HOME": str(tmp_path / "cache"),
        "PYTHONPATH": str(REPO),
        "TERM": "xterm-256color",
    }
    for folder in ("home", "data", "config", "cache", "work"):
        (tmp_path / folder).mkdir(exist_ok=True)
    installed = shutil.which("agent-tui", path=str(Path(sys.executable).parent))
    program = [installed] if installed else [sys.executable, "-m", "tui"]
    argv = [
        *program,
        "--demo",
        "--db",
        str(tmp_path / "agent-tui.db"),
        "--cwd",
        str(tmp_path / "work"),
    ]
    # COLUMNS/LINES from the outer environment would override the pane's real size.
    return (
        "env -u COLUMNS -u LINES "
        + " ".join(f"{k}={shlex.quote(v)}" for k, v in env.items())
        + " "
        + shlex.join(argv)
    )


def _start(tmux: Tmux, session: str, command: str) -> None:
    tmux("new-session", "-d", "-s", session, "-x", "120", "-y", "36", command)


def test_demo_prompt_fork_quit_and_restore(tmux: Tmux, tmp_path: Path) -> None:
    command = _command(tmp_path)
    _start(tmux, "first", command)
    screen = tmux.wait("first", lambda s: "New session" in s and "DEMO" in s, "the first frame")
    assert "f1 Keys" in screen

    tmux("send-keys", "-t", "first", "-l", "hello from tmux")
    time.sleep(0.2)
    tmux("send-keys", "-t", "first", "Enter")
    # The turn's footer line ("#1 · … tokens") appears once the turn has finished.
    tmux.wait(
        "first",
        lambda s: 'Seen 1 prompt: 1) "hello from tmux"' in s and "tokens" in s and "ready" in s,
        "the reply",
    )

    tmux("send-keys", "-t", "first", "Escape")
    time.sleep(0.3)
    tmux("send-keys", "-t", "first", "f")
    # The fork's tab, and its session in the sidebar (read back from the database,
    # so it may come a frame later).
    tmux.wait(
        "first",
        lambda s: "⑂1" in s.splitlines()[0] and "2 sessions" in s,
        "the fork tab and its session",
    )

    tmux("send-keys", "-t", "first", "C-q")
    deadline = time.monotonic() + 20
    while tmux.alive("first") and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not tmux.alive("first"), "ctrl+q quits"

    _start(tmux, "second", command)
    screen = tmux.wait(
        "second",
        lambda s: (
            "⑂1" in s.splitlines()[0]
            and 'Seen 1 prompt: 1) "hello from tmux"' in s
            and "2 sessions" in s
        ),
        "the restored tabs and sessions",
    )
    tab_bar = screen.splitlines()[0].lower()
    assert tab_bar.index("1 hello from tmux") < tab_bar.index("2 hello from tmux ⑂1")
    tmux("send-keys", "-t", "second", "C-q")


def test_sigkill_loses_nothing_completed(tmux: Tmux, tmp_path: Path) -> None:
    command = _command(tmp_path)
    _start(tmux, "doomed", command)
    tmux.wait("doomed", lambda s: "New session" in s and "DEMO" in s, "the first frame")
    # Text and enter in one burst, then more typing at once: nothing may be merged
    # into the sent prompt or lost from the next one.
    tmux("send-keys", "-t", "doomed", "-l", "survive this")
    tmux("send-keys", "-t", "doomed", "Enter")
    tmux("send-keys", "-t", "doomed", "-l", "half-typed draft")
    tmux.wait(
        "doomed",
        lambda s: 'Seen 1 prompt: 1) "survive this"' in s and "tokens" in s,
        "the reply",
    )
    tmux.wait("doomed", lambda s: "half-typed draft" in s, "the draft in the prompt")
    time.sleep(1.0)  # drafts are saved after a short pause in typing
    pid = int(tmux("display-message", "-p", "-t", "doomed", "#{pane_pid}").strip())
    os.kill(pid, 9)
    deadline = time.monotonic() + 10
    while tmux.alive("doomed") and time.monotonic() < deadline:
        time.sleep(0.1)

    _start(tmux, "reborn", command)
    screen = tmux.wait(
        "reborn",
        lambda s: 'Seen 1 prompt: 1) "survive this"' in s and "half-typed draft" in s,
        "the restored tab, transcript and draft",
    )
    assert "survive this" in screen.splitlines()[0].lower()
    tmux("send-keys", "-t", "reborn", "C-q")
