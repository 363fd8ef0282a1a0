"""Group a stored session's entries into turns, straight from SQLite (no CLI).

A turn is one user prompt plus every assistant, thinking, tool-use and tool-result
entry up to the next prompt. Tool results and interrupt markers are never prompts;
an interrupted or failed turn is still a turn.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from tui.agent.events import Usage
from tui.store.entries import read_user

# The entry types `fork_session_via_store` keeps and can cut at; a turn's fork
# point must be one of these or the SDK will not find it.
FORKABLE_TYPES = frozenset({"user", "assistant", "attachment", "system", "progress"})


@dataclass
class TextPart:
    text: str


@dataclass
class ThinkingPart:
    text: str


@dataclass
class ToolCall:
    id: str
    name: str
    input: dict[str, Any]
    result: str | None = None
    is_error: bool = False

    @property
    def summary(self) -> str:
        """One line describing the input, the way a person would glance at it."""
        for key in ("command", "file_path", "path", "pattern", "url", "query", "prompt"):
            value = self.input.get(key)
            if isinstance(value, str) and value:
                return value.splitlines()[0] if value.strip() else value
        text = json.dumps(self.input, ensure_ascii=False)
        return text if len(text) <= 120 else text[:119] + "…"


Part = TextPart | ThinkingPart | ToolCall


@dataclass
class Turn:
    number: int
    prompt: str
    prompt_uuid: str | None = None
    parts: list[Part] = field(default_factory=list)
    last_uuid: str | None = None
    usage: Usage | None = None
    model: str | None = None
    interrupted: bool = False
    error: str | None = None

    @property
    def reply(self) -> str:
        return "\n\n".join(p.text for p in self.parts if isinstance(p, TextPart) and p.text)

    @property
    def thinking(self) -> str:
        return "\n\n".join(p.text for p in self.parts if isinstance(p, ThinkingPart))

    @property
    def tool_calls(self) -> list[ToolCall]:
        return [p for p in self.parts if isinstance(p, ToolCall)]


def tool_result_text(content: Any) -> str:
    """A tool result's content (a string or a list of blocks) as plain text."""
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return "\n".join(
            b.get("text", "") for b in content if isinstance(b, dict) and b.get("type") == "text"
        )
    return "" if content is None else json.dumps(content, ensure_ascii=False)


class _Builder:
    """Folds entries into turns in one pass; keeps per-turn bookkeeping out of Turn."""

    def __init__(self, first: int) -> None:
        self._first = first
        self.turns: list[Turn] = []
        self._tools: dict[str, ToolCall] = {}
        # The CLI writes one entry per content block, all sharing a message id
        # and a copy of the usage; count each message's usage once.
        self._usage_by_message: dict[str, Usage] = {}

    @property
    def current(self) -> Turn | None:
        return self.turns[-1] if self.turns else None

    def _close_usage(self) -> None:
        turn = self.current
        if turn is None or not self._usage_by_message:
            return
        total = Usage()
        for u in self._usage_by_message.values():
            total = Usage(
                total.input_tokens + u.input_tokens,
                total.output_tokens + u.output_tokens,
                total.cache_read_tokens + u.cache_read_tokens,
                total.cache_creation_tokens + u.cache_creation_tokens,
            )
        turn.usage = total

    def add(self, entry: Mapping[str, Any]) -> None:
        if entry.get("isSidechain"):
            return
        etype = entry.get("type")
        # A user entry's text is read once: it decides prompt, marker or tool results.
        user = read_user(entry) if etype == "user" else None
        if user is not None and user.prompt:
            self._close_usage()
            self._usage_by_message = {}
            self._tools = {}
            uuid = entry.get("uuid")
            self.turns.append(
                Turn(
                    number=self._first + len(self.turns),
                    prompt=user.text,
                    prompt_uuid=uuid if isinstance(uuid, str) else None,
                )
            )
        turn = self.current
        if turn is None:
            return  # preamble before the first prompt (titles, tags, hooks)
        if etype in FORKABLE_TYPES:
            uuid = entry.get("uuid")
            if isinstance(uuid, str):
                turn.last_uuid = uuid
        if user is not None:
            if user.interrupt:
                turn.interrupted = True
            else:
                self._add_tool_results(entry["message"])
        elif etype == "assistant":
            message = entry.get("message")
            if isinstance(message, dict):
                self._add_assistant(turn, entry, message)

    def _add_assistant(
        self, turn: Turn, entry: Mapping[str, Any], message: Mapping[str, Any]
    ) -> None:
        model = message.get("model")
        if isinstance(model, str) and model != "<synthetic>":
            turn.model = model
        mid = message.get("id")
        if isinstance(message.get("usage"), dict) and isinstance(mid, str):
            self._usage_by_message[mid] = Usage.from_api(message["usage"])
        content = message.get("content")
        blocks: Iterable[Any] = content if isinstance(content, list) else []
        if isinstance(content, str):
            blocks = [{"type": "text", "text": content}]
        for block in blocks:
            if not isinstance(block, dict):
                continue
            btype = block.get("type")
            if btype == "text" and isinstance(block.get("text"), str):
                turn.parts.append(TextPart(block["text"]))
            elif btype == "thinking" and isinstance(block.get("thinking"), str):
                turn.parts.append(ThinkingPart(block["thinking"]))
            elif btype == "tool_use":
                tool_input = block.get("input")
                call = ToolCall(
                    id=str(block.get("id", "")),
                    name=str(block.get("name", "tool")),
                    input=tool_input if isinstance(tool_input, dict) else {},
                )
                self._tools[call.id] = call
                turn.parts.append(call)
        if entry.get("isApiErrorMessage") or entry.get("error"):
            turn.error = turn.reply or str(entry.get("error"))

    def _add_tool_results(self, message: Mapping[str, Any]) -> None:
        content = message.get("content")
        if not isinstance(content, list):
            return
        for block in content:
            if isinstance(block, dict) and block.get("type") == "tool_result":
                call = self._tools.get(str(block.get("tool_use_id", "")))
                if call is not None:
                    call.result = tool_result_text(block.get("content"))
                    call.is_error = bool(block.get("is_error"))

    def finish(self) -> list[Turn]:
        self._close_usage()
        return self.turns


def group_turns(entries: Iterable[Mapping[str, Any]], *, first: int = 1) -> list[Turn]:
    """The turns in `entries`, numbered from `first`. Entries that start at a prompt
    group the same alone as in their whole transcript, so a session can be grouped in
    parts (its newest turns first)."""
    builder = _Builder(first)
    for entry in entries:
        builder.add(entry)
    return builder.finish()
