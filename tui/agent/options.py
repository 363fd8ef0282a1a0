"""Per-session settings and how they become `ClaudeAgentOptions`.

The SDK is imported only inside `build_options`: a tab that never sends a prompt
never pays for `import claude_agent_sdk`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from claude_agent_sdk import ClaudeAgentOptions


@dataclass
class SessionSettings:
    cwd: Path
    model: str | None = None
    permission_mode: str = "default"
    system_prompt: str = "claude_code"
    append_system_prompt: str = ""
    setting_sources: tuple[str, ...] = ("user", "project", "local")
    # Extra environment for the CLI (the demo points it at the scripted server).
    env: dict[str, str] = field(default_factory=dict)
    cli_path: str | None = None


def build_options(
    settings: SessionSettings,
    *,
    session_id: str,
    resume: bool,
    store: Any,
    can_use_tool: Any,
    stderr: Callable[[str], None] | None = None,
) -> ClaudeAgentOptions:
    from claude_agent_sdk import ClaudeAgentOptions

    system_prompt: Any = None
    if settings.system_prompt == "claude_code":
        system_prompt = {"type": "preset", "preset": "claude_code"}
        if settings.append_system_prompt:
            system_prompt["append"] = settings.append_system_prompt
    elif settings.append_system_prompt:
        system_prompt = settings.append_system_prompt
    return ClaudeAgentOptions(
        cwd=str(settings.cwd),
        model=settings.model,
        permission_mode=settings.permission_mode,  # type: ignore[arg-type]
        system_prompt=system_prompt,
        setting_sources=list(settings.setting_sources),  # type: ignore[arg-type]
        include_partial_messages=True,
        session_store=store,
        # "eager" mirrors every transcript frame as it is written, so even a turn
        # cut short by a crash is in SQLite up to its last frame; and the SDK still
        # awaits a flush before yielding each result, so a turn we have seen
        # finish is always stored before the UI calls it done.
        session_store_flush="eager",
        # A session with stored history continues under its own id; a new one is
        # created under the id the tab already owns, so the tab never has to learn
        # its id from the CLI.
        resume=session_id if resume else None,
        session_id=None if resume else session_id,
        can_use_tool=can_use_tool,
        env=dict(settings.env),
        cli_path=settings.cli_path,
        stderr=stderr,
    )
