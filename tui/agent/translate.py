"""Turn the SDK's message stream into agent-tui events. One Translator per turn.

A fast reply is tens of thousands of one-word deltas, and each event costs its
consumer a call, a queue slot and a loop turn. Streamed text is therefore handed on
in runs: deltas that arrive within `TEXT_HOLD` of the first one waiting are joined
into one `TextDelta` (or `ThinkingDelta`). Any other event first sends the run
waiting before it, so the order of events is kept.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

from tui.agent import errors
from tui.agent.events import (
    AgentEvent,
    ApiRetrying,
    ErrorOccurred,
    MessageCompleted,
    TextDelta,
    ThinkingDelta,
    ToolUseFinished,
    ToolUseInput,
    ToolUseStarted,
    TurnFinished,
    TurnInterrupted,
    Usage,
)
from tui.agent.turns import tool_result_text

_INTERRUPTED_REASONS = frozenset({"aborted_streaming", "aborted_tools"})

# Seconds streamed text may wait for more to join it. The transcript shows text at
# most every 50 ms, so half that is not seen; and a fast reply is then 40 events a
# second, not 100, each of which its consumer (the app's message queue) handles.
TEXT_HOLD = 0.025


class Translator:
    def __init__(
        self, session_id: str, emit: Callable[[AgentEvent], None], *, hold: float = TEXT_HOLD
    ) -> None:
        import claude_agent_sdk as sdk

        self._sdk = sdk
        self.session_id = session_id
        self._send = emit
        self._hold = hold
        self.interrupting = False
        self.failed = False
        self._announced_tools: set[str] = set()
        # The run of streamed text waiting to be sent, and whether it is thinking.
        self._run: list[str] = []
        self._run_thinking = False
        self._flush_timer: asyncio.TimerHandle | None = None

    def _emit(self, event: AgentEvent) -> None:
        self.flush()
        self._send(event)

    def _stream(self, text: str, *, thinking: bool) -> None:
        if not text:
            return
        if self._run and thinking != self._run_thinking:
            self.flush()
        self._run.append(text)
        self._run_thinking = thinking
        if self._flush_timer is None:
            if self._hold <= 0:
                self.flush()
                return
            self._flush_timer = asyncio.get_running_loop().call_later(self._hold, self.flush)

    def flush(self) -> None:
        """Send the streamed text waiting, if any."""
        if self._flush_timer is not None:
            self._flush_timer.cancel()
            self._flush_timer = None
        if not self._run:
            return
        text = "".join(self._run)
        self._run.clear()
        sid = self.session_id
        self._send(ThinkingDelta(sid, text) if self._run_thinking else TextDelta(sid, text))

    def fail(self, message: str, hint: str) -> None:
        if not self.failed:
            self.failed = True
            self._emit(ErrorOccurred(self.session_id, message, hint))

    def feed(self, message: Any) -> bool:
        """Emit events for one SDK message; True once the turn's result arrived."""
        sdk = self._sdk
        sid = self.session_id
        if isinstance(message, sdk.StreamEvent):
            if message.parent_tool_use_id is None:
                self._stream_event(message.event)
        elif isinstance(message, sdk.AssistantMessage):
            if message.parent_tool_use_id is not None:
                return False
            if message.error is not None:
                text = "".join(b.text for b in message.content if isinstance(b, sdk.TextBlock))
                self.fail(*errors.describe_api_error(message.error, text))
            for block in message.content:
                if isinstance(block, sdk.ToolUseBlock):
                    if block.id not in self._announced_tools:
                        self._announced_tools.add(block.id)
                        self._emit(ToolUseStarted(sid, block.id, block.name))
                    self._emit(ToolUseInput(sid, block.id, block.name, dict(block.input)))
        elif isinstance(message, sdk.UserMessage):
            if isinstance(message.content, list):
                for block in message.content:
                    if isinstance(block, sdk.ToolResultBlock):
                        self._emit(
                            ToolUseFinished(
                                sid,
                                block.tool_use_id,
                                tool_result_text(block.content),
                                bool(block.is_error),
                            )
                        )
        elif isinstance(message, sdk.MirrorErrorMessage):
            self._emit(ErrorOccurred(sid, *errors.describe_store_error(message.error)))
        elif isinstance(message, sdk.SystemMessage):
            if message.subtype == "api_retry":
                d = message.data
                self._emit(
                    ApiRetrying(
                        sid,
                        attempt=int(d.get("attempt") or 0),
                        max_retries=int(d.get("max_retries") or 0),
                        delay_ms=float(d.get("retry_delay_ms") or 0),
                        error=str(d.get("error") or d.get("error_status") or "error"),
                    )
                )
        elif isinstance(message, sdk.ResultMessage):
            self._result(message)
            return True
        return False

    def _stream_event(self, event: dict[str, Any]) -> None:
        sid = self.session_id
        etype = event.get("type")
        if etype == "content_block_delta":
            delta = event.get("delta") or {}
            dtype = delta.get("type")
            if dtype == "text_delta":
                self._stream(delta.get("text", ""), thinking=False)
            elif dtype == "thinking_delta":
                self._stream(delta.get("thinking", ""), thinking=True)
        elif etype == "message_stop":
            self._emit(MessageCompleted(sid))
        elif etype == "content_block_start":
            block = event.get("content_block") or {}
            if block.get("type") == "tool_use" and block.get("id"):
                self._announced_tools.add(block["id"])
                self._emit(ToolUseStarted(sid, block["id"], block.get("name", "tool")))

    def _result(self, message: Any) -> None:
        sid = self.session_id
        interrupted = self.interrupting or message.terminal_reason in _INTERRUPTED_REASONS
        if interrupted:
            self._emit(TurnInterrupted(sid))
            return
        if message.is_error and not self.failed:
            detail = message.result or "; ".join(message.errors or []) or message.subtype
            self.fail(*errors.describe_result_error(message.api_error_status, detail))
        self._emit(
            TurnFinished(
                sid,
                usage=Usage.from_api(message.usage),
                cost_usd=message.total_cost_usd,
                duration_ms=message.duration_ms,
                is_error=bool(message.is_error) or self.failed,
            )
        )
