"""agent-tui lets Textual paint up to 120 frames a second, unless the user says otherwise."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]

CODE = (
    "import tui.app, textual.constants as c, textual.screen as s; print(c.MAX_FPS, s.UPDATE_PERIOD)"
)


def _frame_rate(**env: str) -> list[str]:
    clean = {k: v for k, v in os.environ.items() if k != "TEXTUAL_FPS"}
    out = subprocess.run(
        [sys.executable, "-c", CODE],
        env={**clean, **env},
        cwd=REPO,
        capture_output=True,
        text=True,
        check=True,
    )
    return out.stdout.split()


def test_frames_may_follow_each_other_twice_as_often_as_textual_s_default() -> None:
    fps, period = _frame_rate()
    assert fps == "120" and float(period) == 1 / 120


def test_the_user_s_own_setting_wins() -> None:
    assert _frame_rate(TEXTUAL_FPS="30")[0] == "30"
