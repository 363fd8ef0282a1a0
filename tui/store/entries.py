"""Reading the CLI's transcript entries: which are real prompts, what text they carry.

Pure functions over the JSON dicts the CLI writes (one per transcript line). The store
uses them to count turns and feed search; the agent layer uses them to rebuild a
conversation. Anything unexpected in an entry's shape reads as "not this kind".
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal

INTERRUPT_PREFIX = "[Request interrupted by user"

# User-typed text never starts with these: the CLI wraps slash commands and their
# output in such tags and stores them as user entries.
_COMMAND_PREFIXES = (
    "<command-name>",
    "<command-message>",
    "<local-command-stdout>",
    "<local-command-stderr>",
)

SearchKind = Literal["prompt", "reply"]


def _content(entry: Mapping[str, Any], role: str) -> Any:
    if entry.get("type") != role:
        return None
    message = entry.get("message")
    if not isinstance(message, Mapping):
        return None
    return message.get("content")


def _text_blocks(content: Any) -> list[str]:
    if isinstance(content, str):
        return [content]
    if not isinstance(content, list):
        return []
    return [
        block["text"]
        for block in content
        if isinstance(block, Mapping)
        and block.get("type") == "text"
        and isinstance(block.get("text"), str)
    ]


def _has_tool_result(content: Any) -> bool:
    return isinstance(content, list) and any(
        isinstance(block, Mapping) and block.get("type") == "tool_result" for block in content
    )


def prompt_text(entry: Mapping[str, Any]) -> str:
    """The text of a user entry: its string content, or its text blocks joined by blank
    lines. Empty for anything that is not a user entry."""
    return "\n\n".join(_text_blocks(_content(entry, "user")))


def assistant_text(entry: Mapping[str, Any]) -> str:
    """The visible text of an assistant entry (text blocks only, no thinking or tool
    calls), joined by blank lines. Empty for anything that is not an assistant entry."""
    return "\n\n".join(_text_blocks(_content(entry, "assistant")))


def is_interrupt_marker(entry: Mapping[str, Any]) -> bool:
    """The user entry the CLI writes when a turn is interrupted."""
    return prompt_text(entry).lstrip().startswith(INTERRUPT_PREFIX)


def is_prompt(entry: Mapping[str, Any]) -> bool:
    """A prompt the user actually typed: not CLI bookkeeping (meta, compaction summary,
    sidechain, tool results, interrupt markers, slash-command wrappers)."""
    content = _content(entry, "user")
    if content is None or _has_tool_result(content):
        return False
    if entry.get("isMeta") or entry.get("isCompactSummary") or entry.get("isSidechain"):
        return False
    text = "\n\n".join(_text_blocks(content)).lstrip()
    if not text:
        return False
    return not text.startswith(INTERRUPT_PREFIX) and not text.startswith(_COMMAND_PREFIXES)


def entry_model(entry: Mapping[str, Any]) -> str | None:
    """The model that wrote an assistant entry; None for other entries and for the
    placeholder the CLI puts on messages it made itself (``<synthetic>``)."""
    if entry.get("type") != "assistant":
        return None
    message = entry.get("message")
    if not isinstance(message, Mapping):
        return None
    model = message.get("model")
    if not isinstance(model, str) or not model or model.startswith("<"):
        return None
    return model


def search_text(entry: Mapping[str, Any]) -> tuple[SearchKind, str] | None:
    """What full-text search indexes for an entry: a prompt's text or a reply's text."""
    if is_prompt(entry):
        return "prompt", prompt_text(entry)
    text = assistant_text(entry)
    if text.strip():
        return "reply", text
    return None
