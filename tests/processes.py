"""Finding the Claude CLI processes a test started, through /proc."""

from __future__ import annotations

import os
from pathlib import Path


def cli_children() -> list[int]:
    """PIDs of the Claude CLI processes this test process started."""
    me = os.getpid()
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            ppid = int(stat.rsplit(")", 1)[1].split()[1])
            cmd = (entry / "cmdline").read_bytes()
        except (OSError, ValueError, IndexError):
            continue
        if ppid == me and b"claude" in cmd:
            found.append(int(entry.name))
    return found
