"""Reading the CLI's transcript entries: which are real prompts, what text they carry.

Pure functions over the JSON dicts the CLI writes (one per transcript line). The store
uses them to count turns and feed search; the agent layer uses them to rebuild a
conversation. Anything unexpected in an entry's shape reads as "not this kind".
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal, NamedTuple

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


class UserEntry(NamedTuple):
    """What a user entry carries, read once: its text and what kind of entry it is."""

    text: str
    prompt: bool  # a prompt the user actually typed (see `is_prompt`)
    interrupt: bool  # the marker the CLI writes when a turn is interrupted


def read_user(entry: Mapping[str, Any]) -> UserEntry | None:
    """A user entry's text and kind; None for anything that is not a user entry."""
    content = _content(entry, "user")
    if content is None:
        return None
    text = "\n\n".join(_text_blocks(content))
    stripped = text.lstrip()
    interrupt = stripped.startswith(INTERRUPT_PREFIX)
    prompt = bool(
        stripped
        and not interrupt
        and not stripped.startswith(_COMMAND_PREFIXES)
        and not _has_tool_result(content)
        and not (entry.get("isMeta") or entry.get("isCompactSummary") or entry.get("isSidechain"))
    )
    return UserEntry(text, prompt, interrupt)


def prompt_text(entry: Mapping[str, Any]) -> str:
    """The text of a user entry: its string content, or its text blocks joined by blank
    lines. Empty for anything that is not a user entry."""
    user = read_user(entry)
    return "" if user is None else user.text


def assistant_text(entry: Mapping[str, Any]) -> str:
    """The visible text of an assistant entry (text blocks only, no thinking or tool
    calls), joined by blank lines. Empty for anything that is not an assistant entry."""
    return "\n\n".join(_text_blocks(_content(entry, "assistant")))


def is_interrupt_marker(entry: Mapping[str, Any]) -> bool:
    """The user entry the CLI writes when a turn is interrupted."""
    user = read_user(entry)
    return user is not None and user.interrupt


def is_prompt(entry: Mapping[str, Any]) -> bool:
    """A prompt the user actually typed: not CLI bookkeeping (meta, compaction summary,
    sidechain, tool results, interrupt markers, slash-command wrappers)."""
    user = read_user(entry)
    return user is not None and user.prompt


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
    user = read_user(entry)
    if user is not None and user.prompt:
        return "prompt", user.text
    text = assistant_text(entry)
    if text.strip():
        return "reply", text
    return None
