"""Offline demo support: a scripted Anthropic Messages-API server the bundled
Claude CLI can talk to, used by ``agent-tui --demo`` and the end-to-end tests.

    with ScriptedServer() as server:
        options = ClaudeAgentOptions(env=cli_env(server.url, home))
        ...

The newest user prompt's first word (case-insensitive) picks the reply:

=================  ==========================================================
``slow [s]``       text streamed one tick per 0.1 s for ``s`` seconds (8)
``fast N``         exactly ``N`` one-word text deltas at full speed (1000)
``markdown``       a thinking block, then Markdown with a heading, a list and
                   a fenced ``python`` block
``tool [PATH]``    a ``Bash`` tool call writing ``PATH``; once its result comes
                   back, ``Tool result (error: yes|no): "<result text>"``
``error CODE``     HTTP 400 / 401 / 500 (also 403, 404, 413, 429, 529) with
                   an Anthropic-shaped error body
``overloaded [K]`` HTTP 529 for the first ``K`` attempts (1), then echo
anything else      echo: ``Seen 2 prompts: 1) "first" 2) "second"`` (JSON
                   string quoting; :func:`parse_echo` reads it back); a first
                   prompt also gets a one-line list of these scripts
=================  ==========================================================
"""

from .scripts import (
    SCRIPTS,
    ToolResult,
    classify_request,
    echo_text,
    extract_user_prompts,
    parse_echo,
    pending_tool_results,
    strip_system_reminders,
)
from .server import RequestRecord, ScriptedServer, cli_env

__all__ = [
    "SCRIPTS",
    "RequestRecord",
    "ScriptedServer",
    "ToolResult",
    "classify_request",
    "cli_env",
    "echo_text",
    "extract_user_prompts",
    "parse_echo",
    "pending_tool_results",
    "strip_system_reminders",
]
