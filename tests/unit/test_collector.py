"""Collector: off during start-up, start-up frozen, no full passes while a reply
streams (young generations still collected), everything undone on stop."""

from __future__ import annotations

import asyncio
import gc

import pytest

from tui import collector as collector_module
from tui.collector import Collector


@pytest.fixture
def restore_gc():
    thresholds, enabled = gc.get_threshold(), gc.isenabled()
    yield
    gc.set_threshold(*thresholds)
    gc.unfreeze()
    if enabled:
        gc.enable()


def test_start_up_is_uncollected_then_frozen(restore_gc: None) -> None:
    gc.enable()
    collector = Collector()
    collector.starting()
    assert not gc.isenabled()
    made = [[] for _ in range(1000)]
    before = gc.get_freeze_count()
    collector.started()
    assert gc.isenabled()
    assert gc.get_freeze_count() >= before + len(made)
    collector.stop()
    assert gc.get_freeze_count() == 0 and gc.isenabled()


async def test_full_passes_wait_while_streaming(
    restore_gc: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(collector_module, "RESUME_DELAY", 0.05)
    gc.enable()
    thresholds = gc.get_threshold()
    collector = Collector()
    passes: list[int] = []

    def seen(phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            passes.append(info["generation"])

    gc.callbacks.append(seen)
    try:
        collector.streaming(True)
        assert not collector.full_passes_allowed
        # Enough short-lived cycles to set off many young collections.
        for _ in range(200_000):
            a: list[object] = []
            a.append(a)
        assert 0 in passes and 2 not in passes
        collector.streaming(False)
        assert not collector.full_passes_allowed  # not at once: the last frames first
        collector.streaming(True)  # a new reply before the delay is over
        await asyncio.sleep(0.1)
        assert not collector.full_passes_allowed
        collector.streaming(False)
        await asyncio.sleep(0.1)
        assert collector.full_passes_allowed and gc.get_threshold() == thresholds
    finally:
        gc.callbacks.remove(seen)
        collector.stop()
    assert gc.get_threshold() == thresholds
