"""Transcript entries shaped like the CLI's, for the store's tests and benchmark."""

from __future__ import annotations

import uuid as uuid_mod
from typing import Any

PROJECT = "-home-user-project"
CWD = "/home/user/project"
MODEL = "claude-sonnet-4-5"


def key(session_id: str, subpath: str | None = None, project: str = PROJECT) -> Any:
    """A SessionKey; ``subpath`` only when given, as the SDK sends them."""
    k = {"project_key": project, "session_id": session_id}
    if subpath is not None:
        k["subpath"] = subpath
    return k


def _common(session_id: str, uuid: str | None, extra: dict[str, Any]) -> dict[str, Any]:
    return {
        "parentUuid": None,
        "isSidechain": False,
        "userType": "external",
        "cwd": CWD,
        "sessionId": session_id,
        "version": "2.1.0",
        "gitBranch": "main",
        "uuid": uuid or str(uuid_mod.uuid4()),
        "timestamp": "2025-01-01T00:00:00.000Z",
        **extra,
    }


def user(session_id: str, content: Any, *, uuid: str | None = None, **extra: Any) -> dict[str, Any]:
    return {
        **_common(session_id, uuid, extra),
        "type": "user",
        "message": {"role": "user", "content": content},
    }


def assistant(
    session_id: str,
    blocks: list[dict[str, Any]] | str,
    *,
    model: str = MODEL,
    uuid: str | None = None,
    **extra: Any,
) -> dict[str, Any]:
    if isinstance(blocks, str):
        blocks = [{"type": "text", "text": blocks}]
    return {
        **_common(session_id, uuid, extra),
        "type": "assistant",
        "requestId": "req_011",
        "message": {
            "id": "msg_011",
            "type": "message",
            "role": "assistant",
            "model": model,
            "content": blocks,
            "stop_reason": None,
            "usage": {"input_tokens": 1200, "output_tokens": 300},
        },
    }


def tool_use(session_id: str, tool_id: str, name: str = "Read", **input: Any) -> dict[str, Any]:
    return assistant(
        session_id, [{"type": "tool_use", "id": tool_id, "name": name, "input": input}]
    )


def tool_result(session_id: str, tool_id: str, content: Any = "ok") -> dict[str, Any]:
    return user(session_id, [{"type": "tool_result", "tool_use_id": tool_id, "content": content}])


def turn(session_id: str, prompt: str, reply: str) -> list[dict[str, Any]]:
    """One exchange: prompt, a tool call and its result, then the reply text."""
    tool_id = "toolu_" + uuid_mod.uuid4().hex[:12]
    return [
        user(session_id, prompt),
        tool_use(session_id, tool_id, file_path=f"{CWD}/main.py"),
        tool_result(session_id, tool_id, "def main():\n    return 1\n"),
        assistant(session_id, reply),
    ]


def chain(
    entries: list[dict[str, Any]], parent: dict[str, Any] | None = None
) -> list[dict[str, Any]]:
    """Links ``entries`` into one conversation (each one's parentUuid is the one before)."""
    for entry in entries:
        entry["parentUuid"] = parent["uuid"] if parent else None
        parent = entry
    return entries


def transcript(session_id: str, count: int) -> list[dict[str, Any]]:
    """``count`` entries of whole turns (cut short at the end), ~700 characters each."""
    entries: list[dict[str, Any]] = []
    n = 0
    while len(entries) < count:
        entries += turn(
            session_id,
            f"Please look at module {n} and explain what it does",
            "Here is what I found. " * 20,
        )
        n += 1
    return chain(entries[:count])
