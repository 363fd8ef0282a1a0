"""Proof, end to end: the real CLI mirrors its transcript into our SQLite store, and a
new client in a new process resumes from SQLite alone."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from claude_agent_sdk import (
    ClaudeSDKClient,
    ResultMessage,
    get_session_messages_from_store,
)

from tui.store import SqliteSessionStore

pytestmark = pytest.mark.cli

RESUME_IN_ANOTHER_PROCESS = """
import asyncio, sys
from claude_agent_sdk import ClaudeAgentOptions, ClaudeSDKClient, ResultMessage
from tui.store import SqliteSessionStore

async def main(db, sid, cwd):
    store = await SqliteSessionStore.open(db)
    try:
        opts = ClaudeAgentOptions(cwd=cwd, resume=sid, session_store=store)
        async with ClaudeSDKClient(opts) as client:
            await client.query("third, from another process")
            async for m in client.receive_response():
                if isinstance(m, ResultMessage):
                    print("RESULT", m.session_id, m.is_error)
    finally:
        await store.close()

asyncio.run(main(*sys.argv[1:]))
"""


async def two_turns(store: SqliteSessionStore, cli_env: Any) -> str:
    session_id = ""
    async with ClaudeSDKClient(cli_env.options(session_store=store)) as client:
        for prompt in ("first", "second"):
            await client.query(prompt)
            async for m in client.receive_response():
                if isinstance(m, ResultMessage):
                    assert not m.is_error
                    session_id = m.session_id
    return session_id


async def test_transcript_lands_in_sqlite_and_resumes_in_a_new_process(
    tmp_path: Path, cli_env: Any, scripted_server: Any
) -> None:
    db = tmp_path / "agent.db"
    store = await SqliteSessionStore.open(db)
    try:
        sid = await two_turns(store, cli_env)
        messages = await get_session_messages_from_store(store, sid, directory=str(cli_env.workdir))
        users = [m for m in messages if m.type == "user"]
        assert [u.message["content"] for u in users] == ["first", "second"]
        assert [m.type for m in messages].count("assistant") >= 2
    finally:
        await store.close()

    # The other process gets an empty CLI config dir: the CLI's own copy of the
    # transcript is out of reach, so the resume can only come from SQLite.
    env = {**os.environ, "CLAUDE_CONFIG_DIR": str(tmp_path / "elsewhere")}
    (tmp_path / "elsewhere").mkdir()
    mark = scripted_server.mark()
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-c",
        RESUME_IN_ANOTHER_PROCESS,
        str(db),
        sid,
        str(cli_env.workdir),
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(proc.communicate(), 90)
    assert proc.returncode == 0, err.decode()
    assert f"RESULT {sid} False" in out.decode()
    (request,) = scripted_server.conversation_requests(since=mark)
    assert request.prompts == ("first", "second", "third, from another process")

    store = await SqliteSessionStore.open(db)
    try:
        messages = await get_session_messages_from_store(store, sid, directory=str(cli_env.workdir))
        assert [m.message["content"] for m in messages if m.type == "user"][-1] == (
            "third, from another process"
        )
    finally:
        await store.close()
