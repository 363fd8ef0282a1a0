"""Tabs, drafts and transcripts survive a restart; a bad database file is refused."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.processes import cli_children
from tests.ui.helpers import (
    active,
    make_app,
    send_and_wait,
    started,
    type_prompt,
    wait_for,
)


@pytest.mark.cli
async def test_tabs_drafts_and_transcripts_are_restored(db_path: Path, cli_env: Any) -> None:
    app = make_app(db_path, cli_env.workdir)
    async with app.run_test(size=(120, 36)) as pilot:
        await started(pilot)
        first = await send_and_wait(pilot, "first tab prompt")
        await type_prompt(pilot, "draft in tab one")
        await pilot.press("ctrl+n")
        await wait_for(pilot, lambda: len(app.tabs) == 2, what="second tab")
        second = await send_and_wait(pilot, "second tab prompt")
        await type_prompt(pilot, "draft\nin tab two")
        await pilot.press("ctrl+pageup")
        assert active(app) is first
        order = [t.session_id for t in app.tabs]
        await pilot.press("ctrl+q")
    assert not cli_children(), "quitting closes every CLI"
    assert order == [first.session_id, second.session_id]

    app = make_app(db_path, cli_env.workdir)
    async with app.run_test(size=(120, 36)) as pilot:
        await started(pilot)
        assert [t.session_id for t in app.tabs] == order
        assert active(app).session_id == first.session_id
        assert [t.pane.prompt.text for t in app.tabs] == ["draft in tab one", "draft\nin tab two"]
        chat = active(app).pane.chat
        await wait_for(pilot, lambda: chat.turn_count == 1, what="transcript")
        assert chat.turn(1).prompt == "first tab prompt"
        # Only the active tab's transcript is read at start; the other loads when shown.
        assert not app.tabs[1].loaded
        await pilot.press("ctrl+pagedown")
        assert app.tabs[1].loaded
        assert app.tabs[1].pane.chat.turn(1).prompt == "second tab prompt"
        # Nothing connected: a restored tab starts its CLI only on a prompt.
        await wait_for(pilot, app.recovered.is_set, what="recovery")
        assert all(not t.session.connected for t in app.tabs)
        assert app.pool.live_ids == []
        assert not cli_children()
        # The sidebar shows both sessions; the tree of each is intact.
        assert {r.id for r in app.session_list.rows} == set(order)


async def test_first_start_opens_one_new_tab(db_path: Path, tmp_path: Path) -> None:
    app = make_app(db_path, tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await started(pilot)
        assert len(app.tabs) == 1
        assert active(app).pane.chat.turn_count == 0
        assert app.focused is active(app).pane.prompt
        # The new tab is saved at once.
        assert app.catalog is not None
        saved = await app.catalog.load_tabs()
        assert [t.tab_id for t in saved] == [active(app).tab_id]


async def test_a_file_that_is_not_a_database_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = tmp_path / "notes.txt"
    bad.write_text("these are my notes, not a database\n")
    before = bad.read_bytes()
    app = make_app(bad, tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause(0.5)
    assert app.return_code == 2
    err = " ".join(capsys.readouterr().err.split())
    assert f"agent-tui: {bad} cannot be used as the agent-tui database" in err
    assert "not a SQLite database" in err
    assert "Traceback" not in err
    assert bad.read_bytes() == before, "the file is left untouched"
