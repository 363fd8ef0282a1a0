"""Shared fixtures.

End-to-end tests drive the real bundled Claude CLI through ``claude_agent_sdk``
against :class:`tui.demo.ScriptedServer`; the ``cli_env`` fixture points every
``ClaudeSDKClient`` a test starts at that server and at a throwaway HOME.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from claude_agent_sdk import ClaudeAgentOptions

from tui.demo import ScriptedServer
from tui.demo import cli_env as build_cli_env

# Variables from the outer environment that could send the CLI elsewhere,
# change its model or credentials, or make it think it runs inside another
# Claude session. cli_env() sets what the CLI needs afresh.
_SCRUB_PREFIXES = ("ANTHROPIC_", "CLAUDE_CODE_", "CLAUDE_CONFIG_DIR")
_SCRUB_NAMES = ("CLAUDECODE", "HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy", "all_proxy")  # fmt: skip

# How often the CLI retries a 5xx/529 in tests: enough for `overloaded 2`,
# and a persistent `error 500` gives up within a couple of seconds.
CLI_MAX_RETRIES = 2


@pytest.fixture(scope="session")
def _guard_config_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("claude-config-guard")


@pytest.fixture(autouse=True)
def _no_real_claude_config(monkeypatch: pytest.MonkeyPatch, _guard_config_dir: Path) -> None:
    """Even a test that forgets ``cli_env`` cannot write into the real ~/.claude."""
    monkeypatch.setenv("CLAUDE_CONFIG_DIR", str(_guard_config_dir))


@pytest.fixture
def scripted_server() -> Iterator[ScriptedServer]:
    """A started scripted Messages-API server on a free loopback port."""
    with ScriptedServer() as server:
        yield server


@dataclass(frozen=True)
class CliEnv:
    """What the ``cli_env`` fixture set up."""

    env: dict[str, str]  # the variables now in os.environ
    home: Path  # HOME for the CLI
    config_dir: Path  # CLAUDE_CONFIG_DIR (home/.claude)
    workdir: Path  # an empty directory, the default cwd for options()
    server: ScriptedServer

    @property
    def url(self) -> str:
        return self.server.url

    def options(self, **overrides: Any) -> ClaudeAgentOptions:
        """``ClaudeAgentOptions`` for this environment: cwd=workdir, partial
        messages on, env passed explicitly too; keyword overrides win."""
        kwargs: dict[str, Any] = {
            "cwd": self.workdir,
            "include_partial_messages": True,
            "env": dict(self.env),
        }
        kwargs.update(overrides)
        return ClaudeAgentOptions(**kwargs)


@pytest.fixture
def cli_env(
    scripted_server: ScriptedServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> CliEnv:
    """Point every Claude CLI this test starts at ``scripted_server``, offline,
    with HOME and CLAUDE_CONFIG_DIR under ``tmp_path``."""
    real_home = Path.home()
    for name in list(os.environ):
        if name.startswith(_SCRUB_PREFIXES) or name in _SCRUB_NAMES:
            monkeypatch.delenv(name, raising=False)
    home = tmp_path / "home"
    home.mkdir()
    workdir = tmp_path / "work"
    workdir.mkdir()
    env = build_cli_env(scripted_server.url, home, max_retries=CLI_MAX_RETRIES)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    assert Path(env["HOME"]) != real_home
    assert Path(env["CLAUDE_CONFIG_DIR"]).is_relative_to(tmp_path)
    return CliEnv(
        env=env,
        home=home,
        config_dir=Path(env["CLAUDE_CONFIG_DIR"]),
        workdir=workdir,
        server=scripted_server,
    )
