"""Catch SQLite up with what the CLI wrote to its own transcript files but never
mirrored (the app died between the two). The store's append is idempotent on uuid,
so importing what is already there is harmless."""

from __future__ import annotations

import json
import logging
import os
import tempfile
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from tui.store import SqliteSessionStore

log = logging.getLogger(__name__)
BATCH = 500


def claude_config_dir(env: dict[str, str] | None = None) -> Path:
    env = {**os.environ, **(env or {})}
    configured = env.get("CLAUDE_CONFIG_DIR")
    return Path(configured) if configured else Path(env.get("HOME", "~")).expanduser() / ".claude"


def leftover_resume_dirs() -> list[Path]:
    """Temp config dirs the SDK materializes for a resume; normally removed on
    disconnect, left behind only when the app was killed."""
    return sorted(Path(tempfile.gettempdir()).glob("claude-resume-*"))


async def _append_jsonl(store: SqliteSessionStore, path: Path, key: dict[str, Any]) -> int:
    batch: list[Any] = []
    count = 0
    with path.open(encoding="utf-8", errors="replace") as fh:
        for line in fh:
            try:
                entry = json.loads(line)
            except ValueError:
                continue  # a line torn by the crash
            if isinstance(entry, dict) and isinstance(entry.get("type"), str):
                batch.append(entry)
            if len(batch) >= BATCH:
                await store.append(key, batch)  # type: ignore[arg-type]
                count += len(batch)
                batch = []
    if batch:
        await store.append(key, batch)  # type: ignore[arg-type]
        count += len(batch)
    return count


async def recover_sessions(
    store: SqliteSessionStore,
    sessions: Iterable[tuple[str, str | None]],
    *,
    env: dict[str, str] | None = None,
) -> list[str]:
    """Import unsynced local entries for (session_id, cwd) pairs; returns the ids
    that had a local transcript. Fresh sessions live in the CLI's own config dir
    (imported with the SDK's `import_session_to_store`); resumed ones were written
    into a temp dir that only survives a crash. Those are read but not removed:
    another running agent-tui may still own one."""
    from claude_agent_sdk import import_session_to_store

    wanted = dict(sessions)
    found: list[str] = []
    projects = claude_config_dir(env) / "projects"
    for sid, cwd in wanted.items():
        if not projects.is_dir() or not any(projects.glob(f"*/{sid}.jsonl")):
            continue
        try:
            await import_session_to_store(sid, store, directory=cwd)  # type: ignore[arg-type]
            found.append(sid)
        except (FileNotFoundError, ValueError) as exc:
            log.debug("nothing to import for %s: %s", sid, exc)
    for tmp in leftover_resume_dirs():
        for path in tmp.glob("projects/*/*.jsonl"):
            sid = path.stem
            if sid in wanted:
                key = {"project_key": path.parent.name, "session_id": sid}
                await _append_jsonl(store, path, key)
                found.append(sid)
    return found
