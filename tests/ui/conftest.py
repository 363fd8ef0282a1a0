"""Fixtures for app-level tests: a temp database path and a frozen sidebar clock."""

from __future__ import annotations

import gc
from collections.abc import Iterator
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


@pytest.fixture(autouse=True)
def collector_restored() -> Iterator[None]:
    """Every app puts the cycle collector back as it found it when it exits: on,
    nothing frozen, the usual thresholds."""
    thresholds = gc.get_threshold()
    yield
    assert gc.isenabled(), "the app left the cycle collector off"
    assert gc.get_freeze_count() == 0, "the app left objects frozen"
    assert gc.get_threshold() == thresholds
