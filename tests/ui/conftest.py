"""Fixtures for app-level tests: a temp database path and a frozen sidebar clock."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.ui.helpers import FROZEN_NOW_MS


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "agent-tui.db"


@pytest.fixture
def frozen_clock(monkeypatch: pytest.MonkeyPatch) -> float:
    """Relative times in the sidebar are computed against a fixed instant."""
    import tui.widgets.sidebar as sidebar

    now = FROZEN_NOW_MS / 1000
    monkeypatch.setattr(sidebar, "clock", lambda: now)
    return now
