"""Typed events an `AgentSession` emits. Plain dataclasses: the UI turns them into
messages; tests collect them. Nothing here knows about widgets."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from typing import Any, Literal

ConnectionState = Literal["disconnected", "connecting", "connected"]
LiveState = Literal["idle", "connecting", "streaming", "permission", "error"]
PermissionChoice = Literal["allow_once", "allow_session", "deny"]


@dataclass(frozen=True)
class Event:
    session_id: str


@dataclass(frozen=True)
class ConnectionChanged(Event):
    state: ConnectionState
    # A cap-driven disconnect says so, so the UI can explain why a tab went cold.
    reason: str = ""


@dataclass(frozen=True)
class TurnStarted(Event):
    prompt: str


@dataclass(frozen=True)
class TextDelta(Event):
    """Streamed reply text: one delta, or a run of them joined (see `Translator`)."""

    text: str


@dataclass(frozen=True)
class ThinkingDelta(Event):
    text: str


@dataclass(frozen=True)
class MessageCompleted(Event):
    """The model finished a message: no more text streams into it. Tools, another
    message or the turn's result may follow, and the result can take a while."""


@dataclass(frozen=True)
class ToolUseStarted(Event):
    tool_use_id: str
    name: str


@dataclass(frozen=True)
class ToolUseInput(Event):
    """The tool's complete input, once the model has finished streaming it."""

    tool_use_id: str
    name: str
    input: dict[str, Any]


@dataclass(frozen=True)
class ToolUseFinished(Event):
    tool_use_id: str
    result: str
    is_error: bool


@dataclass(eq=False)
class PermissionRequest:
    """One pending `can_use_tool` call. The session awaits `future`; the UI resolves
    it through `answer`, which is safe to call twice (the second call is ignored)."""

    tool_name: str
    input: dict[str, Any]
    tool_use_id: str | None
    future: asyncio.Future[tuple[PermissionChoice, str]] = field(repr=False)

    def answer(self, choice: PermissionChoice, message: str = "") -> None:
        if not self.future.done():
            self.future.set_result((choice, message))


@dataclass(frozen=True)
class PermissionRequested(Event):
    request: PermissionRequest


@dataclass(frozen=True)
class PermissionResolved(Event):
    tool_name: str
    choice: PermissionChoice


@dataclass(frozen=True)
class ApiRetrying(Event):
    attempt: int
    max_retries: int
    delay_ms: float
    error: str


@dataclass(frozen=True)
class TitleChanged(Event):
    title: str


@dataclass(frozen=True)
class Usage:
    input_tokens: int = 0
    output_tokens: int = 0
    cache_read_tokens: int = 0
    cache_creation_tokens: int = 0

    @classmethod
    def from_api(cls, raw: object) -> Usage:
        """From the API's usage object (a dict with *_tokens counts); junk counts as 0."""
        d = raw if isinstance(raw, dict) else {}

        def n(key: str) -> int:
            v = d.get(key)
            return v if isinstance(v, int) else 0

        return cls(
            input_tokens=n("input_tokens"),
            output_tokens=n("output_tokens"),
            cache_read_tokens=n("cache_read_input_tokens"),
            cache_creation_tokens=n("cache_creation_input_tokens"),
        )

    @property
    def total(self) -> int:
        return (
            self.input_tokens
            + self.output_tokens
            + self.cache_read_tokens
            + self.cache_creation_tokens
        )


@dataclass(frozen=True)
class TurnFinished(Event):
    usage: Usage
    cost_usd: float | None
    duration_ms: int
    is_error: bool = False


@dataclass(frozen=True)
class TurnInterrupted(Event):
    pass


@dataclass(frozen=True)
class ErrorOccurred(Event):
    """Something went wrong; `message` says what, `hint` says what to do about it."""

    message: str
    hint: str = ""
    # A prompt that never reached the model (the connection failed first): the UI
    # hands it back to the user instead of losing it.
    unsent_prompt: str = ""


AgentEvent = (
    ConnectionChanged
    | TurnStarted
    | TextDelta
    | ThinkingDelta
    | MessageCompleted
    | ToolUseStarted
    | ToolUseInput
    | ToolUseFinished
    | PermissionRequested
    | PermissionResolved
    | ApiRetrying
    | TitleChanged
    | TurnFinished
    | TurnInterrupted
    | ErrorOccurred
)
