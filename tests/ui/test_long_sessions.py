"""Long sessions open newest turns first; closed tabs and footer rebuilds leave
nothing behind. No CLI runs here: sessions are written through the store."""

from __future__ import annotations

import gc
import weakref
from pathlib import Path
from typing import Any

from textual.pilot import Pilot
from textual.widgets._footer import FooterKey

from tests.ui.helpers import active, make_app, open_store, seed_session, started, wait_for
from tui.app import AgentTuiApp, Tab
from tui.widgets.chat import ChatView

LONG = "44444444-4444-4444-8444-444444444444"
TURNS = 400


async def _seed(db_path: Path) -> None:
    db, store, _catalog = await open_store(db_path)
    try:
        turns = [(f"question {n}", f"Answer {n}.") for n in range(1, TURNS + 1)]
        await seed_session(store, LONG, "A long session", turns)
    finally:
        await db.close()


async def _open_whole(pilot: Pilot[Any], app: AgentTuiApp) -> Tab:
    tab = await app.open_session(LONG)
    assert tab is not None
    chat = tab.pane.chat
    await wait_for(pilot, lambda: chat.history_pending == 0, what="the older turns")
    return tab


async def test_a_long_session_shows_its_newest_turns_then_reads_the_rest(
    db_path: Path, tmp_path: Path, monkeypatch: Any
) -> None:
    await _seed(db_path)
    # What the transcript is first given: the newest turns, and how many come later.
    # (Read as it happens: the older turns may well be in by the time
    # `open_session` returns.)
    first: list[tuple[int, int]] = []
    show_turns = ChatView.show_turns

    def recording(self: ChatView, turns: list[Any], *, older: int = 0) -> None:
        first.append((len(turns), older))
        show_turns(self, turns, older=older)

    monkeypatch.setattr(ChatView, "show_turns", recording)
    app = make_app(db_path, tmp_path)
    async with app.run_test(size=(120, 36)) as pilot:
        await started(pilot)
        first.clear()
        tab = await app.open_session(LONG)
        assert tab is not None and tab is active(app)
        chat = tab.pane.chat
        # Numbered as in the whole session from the start.
        assert chat.turn_count == TURNS
        assert chat.turn(TURNS).prompt == f"question {TURNS}"  # type: ignore[union-attr]
        shown, older = first[0]
        assert shown <= ChatView.INITIAL_TURNS and shown + older == TURNS and older > 0
        await wait_for(pilot, lambda: chat.history_pending == 0, what="older turns")
        assert chat.turn_count == TURNS
        assert chat.turn(1).prompt == "question 1"  # type: ignore[union-attr]
        history = tab.pane.prompt.prompt_history
        assert history[0] == "question 1" and history[-1] == f"question {TURNS}"
        assert len(history) == TURNS


async def test_closed_tabs_and_rebuilt_footers_are_freed(db_path: Path, tmp_path: Path) -> None:
    await _seed(db_path)
    app = make_app(db_path, tmp_path)
    async with app.run_test(size=(120, 36)) as pilot:
        await started(pilot)
        prompts: list[weakref.ref[object]] = []
        keys: list[weakref.ref[object]] = []
        for _ in range(3):
            tab = await _open_whole(pilot, app)
            # The transcript has other keys than the prompt: the footer is rebuilt.
            keys += [weakref.ref(k) for k in app.screen.query(FooterKey)]
            tab.pane.chat.focus()
            await pilot.pause()
            keys += [weakref.ref(k) for k in app.screen.query(FooterKey)]
            tab.pane.prompt.focus()
            await pilot.pause()
            prompts.append(weakref.ref(tab.pane.prompt))
            await app.close_tab(tab)
            del tab
            await pilot.pause()
        shown = set(app.screen.query(FooterKey))

        def freed() -> bool:
            gc.collect()  # (a widget's timers stop a moment after it is removed)
            # Textual's layout keeps the last removed pane until the next layout of
            # its container: the tabs closed before it must be gone.
            return all(p() is None for p in prompts[:-1])

        await wait_for(pilot, freed, what="the closed tabs' prompts to be freed")
        stale = [k() for k in keys if k() is not None and k() not in shown]
        # Textual's layout, again, may keep the row shown before this one.
        assert len(stale) <= len(shown), f"{len(stale)} footer keys no longer shown are alive"


async def test_starting_a_turn_relabels_the_footer_keys_in_place(
    db_path: Path, tmp_path: Path
) -> None:
    app = make_app(db_path, tmp_path)
    async with app.run_test(size=(120, 36)) as pilot:
        await started(pilot)
        prompt = active(app).pane.prompt
        prompt.focus()
        await pilot.pause()
        before = list(app.screen.query(FooterKey))
        assert "Turns" in [k.description for k in before]
        # What each frame painted from now on showed in the footer.
        painted: list[list[str]] = []
        screen = app.screen
        original = screen._compositor_refresh

        def recording() -> None:
            painted.append([k.description for k in screen.query(FooterKey)])
            original()

        screen._compositor_refresh = recording  # type: ignore[method-assign]
        prompt.insert("x")  # something else to paint, as when enter clears the prompt
        prompt.set_busy(True)
        await wait_for(
            pilot,
            lambda: "Interrupt" in [k.description for k in app.screen.query(FooterKey)],
            what="the footer to offer an interrupt",
        )
        await wait_for(pilot, lambda: bool(painted), what="a frame")
        assert "Interrupt" in painted[0]  # in the first frame showing the change
        del screen._compositor_refresh
        after = list(app.screen.query(FooterKey))
        assert after == before  # the same widgets, relabelled
        assert "Turns" not in [k.description for k in after]
        prompt.set_busy(False)
        await wait_for(
            pilot,
            lambda: "Turns" in [k.description for k in app.screen.query(FooterKey)],
            what="the footer to offer the turns again",
        )
        assert list(app.screen.query(FooterKey)) == before
