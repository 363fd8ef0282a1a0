"""Helpers for driving AgentTuiApp with Pilot: waiting on conditions (never fixed
sleeps), sending prompts, reading the screen, and seeding a database with
deterministic sessions written through the store."""

from __future__ import annotations

import io
import time
import uuid
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from rich.console import Console
from textual.pilot import Pilot

from tui.app import AgentTuiApp, Tab
from tui.config import Config
from tui.store import Catalog, Database, SqliteSessionStore

# Every seeded session is "updated" relative to this instant (ms); tests that
# render relative times freeze the sidebar clock here.
FROZEN_NOW_MS = 1_767_225_600_000  # 2026-01-01 00:00:00 UTC
DEMO_CWD = "/projects/agent-demo"
_NS = uuid.UUID("6f1c1d52-3f59-4a8e-9d8a-1a1f0c0de000")


def make_app(
    db_path: Path, cwd: Path | str, config: Config | None = None, *, demo: bool = False
) -> AgentTuiApp:
    return AgentTuiApp(db_path=db_path, cwd=Path(cwd), config=config or Config(), demo=demo)


async def wait_for(
    pilot: Pilot[Any],
    predicate: Callable[[], Any],
    *,
    timeout: float = 30.0,
    what: str = "condition",
) -> None:
    deadline = time.monotonic() + timeout
    while True:
        if predicate():
            return
        if time.monotonic() > deadline:
            text = screen_text(pilot.app)
            raise AssertionError(f"timed out after {timeout}s waiting for {what}\n{text}")
        await pilot.pause(0.05)


async def started(pilot: Pilot[Any]) -> AgentTuiApp:
    app: AgentTuiApp = pilot.app  # type: ignore[assignment]
    await wait_for(pilot, app.ready.is_set, what="start-up")
    await wait_for(pilot, app.sidebar_ready.is_set, what="sidebar")
    return app


def active(app: AgentTuiApp) -> Tab:
    assert app.active_tab is not None
    return app.active_tab


async def type_prompt(pilot: Pilot[Any], text: str) -> None:
    """Put `text` into the active prompt (as if typed) without sending it."""
    app: AgentTuiApp = pilot.app  # type: ignore[assignment]
    prompt = active(app).pane.prompt
    prompt.focus()
    prompt.load_text(text)
    prompt.move_cursor(prompt.document.end)
    await pilot.pause()


async def send(pilot: Pilot[Any], text: str) -> Tab:
    await type_prompt(pilot, text)
    await pilot.press("enter")
    app: AgentTuiApp = pilot.app  # type: ignore[assignment]
    return active(app)


async def wait_turn_done(pilot: Pilot[Any], tab: Tab, turns: int, timeout: float = 60.0) -> None:
    chat = tab.pane.chat
    await wait_for(
        pilot,
        lambda: chat.turn_count >= turns and not tab.running and chat.is_idle,
        timeout=timeout,
        what=f"turn {turns} to finish",
    )


async def send_and_wait(pilot: Pilot[Any], text: str, timeout: float = 60.0) -> Tab:
    app: AgentTuiApp = pilot.app  # type: ignore[assignment]
    tab = active(app)
    before = tab.pane.chat.turn_count
    await send(pilot, text)
    await wait_turn_done(pilot, tab, before + 1, timeout)
    return tab


def screen_text(app: Any) -> str:
    """The current screen as plain text."""
    try:
        width, height = app.size
        console = Console(
            width=width,
            height=height,
            file=io.StringIO(),
            force_terminal=True,
            color_system=None,
            record=True,
            legacy_windows=False,
            safe_box=False,
        )
        console.print(
            app.screen._compositor.render_update(full=True, screen_stack=app._background_screens)
        )
        return console.export_text()
    except Exception as exc:  # the app may be gone already
        return f"<no screen: {exc!r}>"


# ------------------------------------------------------------------ seeding


def _iso(ms: int) -> str:
    from datetime import datetime, timezone

    return datetime.fromtimestamp(ms / 1000, tz=timezone.utc).isoformat().replace("+00:00", "Z")


def transcript_entries(
    session_id: str,
    cwd: str,
    title: str,
    turns: Sequence[tuple[str, str]],
    *,
    model: str = "claude-sonnet-4-5",
    start_ms: int = FROZEN_NOW_MS - 3_600_000,
) -> list[dict[str, Any]]:
    """Transcript lines shaped like the CLI's: prompt, reply, a title line."""
    out: list[dict[str, Any]] = []
    parent: str | None = None
    for i, (prompt, reply) in enumerate(turns):
        ts = _iso(start_ms + i * 60_000)
        user_id = str(uuid.uuid5(_NS, f"{session_id}/{i}/user"))
        reply_id = str(uuid.uuid5(_NS, f"{session_id}/{i}/assistant"))
        common = {
            "sessionId": session_id,
            "cwd": cwd,
            "timestamp": ts,
            "isSidechain": False,
            "userType": "external",
            "version": "2.0.0",
        }
        out.append(
            {
                **common,
                "type": "user",
                "uuid": user_id,
                "parentUuid": parent,
                "message": {"role": "user", "content": prompt},
            }
        )
        out.append(
            {
                **common,
                "type": "assistant",
                "uuid": reply_id,
                "parentUuid": user_id,
                "message": {
                    "id": f"msg_{uuid.uuid5(_NS, reply_id).hex[:20]}",
                    "type": "message",
                    "role": "assistant",
                    "model": model,
                    "content": [{"type": "text", "text": reply}],
                    "stop_reason": "end_turn",
                    "usage": {
                        "input_tokens": 1800 + 700 * i,
                        "output_tokens": 60 + 10 * i,
                        "cache_read_input_tokens": 0,
                        "cache_creation_input_tokens": 0,
                    },
                },
            }
        )
        parent = reply_id
    out.append({"type": "ai-title", "aiTitle": title, "sessionId": session_id})
    return out


async def seed_session(
    store: SqliteSessionStore,
    session_id: str,
    title: str,
    turns: Sequence[tuple[str, str]],
    *,
    cwd: str = DEMO_CWD,
) -> None:
    from claude_agent_sdk import project_key_for_directory

    key = {"project_key": project_key_for_directory(cwd), "session_id": session_id}
    await store.append(key, transcript_entries(session_id, cwd, title, turns))  # type: ignore[arg-type]


async def set_times(db: Database, session_id: str, minutes_ago: float) -> None:
    """Pin a session's created/updated times to `minutes_ago` before FROZEN_NOW_MS."""
    ms = int(FROZEN_NOW_MS - minutes_ago * 60_000)
    async with db.transaction() as conn:
        await conn.execute(
            "UPDATE sessions SET created = ?, updated = ? WHERE id = ?", (ms, ms, session_id)
        )


async def open_store(path: Path) -> tuple[Database, SqliteSessionStore, Catalog]:
    db = await Database.open(path)
    store = SqliteSessionStore(db)
    return db, store, Catalog(db, store)
