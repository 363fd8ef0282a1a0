from __future__ import annotations

from typing import Any

import pytest
from store_fakes import MODEL, assistant, tool_result, tool_use, user

from tui.store.entries import (
    assistant_text,
    entry_model,
    is_interrupt_marker,
    is_prompt,
    prompt_text,
    search_text,
)

SID = "s1"


@pytest.mark.parametrize(
    "entry",
    [
        user(SID, "fix the bug"),
        user(SID, [{"type": "text", "text": "look at this"}, {"type": "image", "source": {}}]),
        user(SID, "  leading spaces are fine"),
        user(SID, "see [Request interrupted by user] in the log"),
        user(SID, "what does <command-name> mean?"),
    ],
)
def test_real_prompts(entry: dict[str, Any]) -> None:
    assert is_prompt(entry)
    assert search_text(entry) == ("prompt", prompt_text(entry))


@pytest.mark.parametrize(
    "entry",
    [
        user(SID, "hidden", isMeta=True),
        user(SID, "This session is being continued...", isCompactSummary=True),
        user(SID, "subagent task", isSidechain=True),
        user(SID, ""),
        user(SID, "   \n "),
        user(SID, []),
        user(SID, [{"type": "image", "source": {}}]),
        tool_result(SID, "toolu_1", "file contents"),
        user(
            SID,
            [
                {"type": "text", "text": "note"},
                {"type": "tool_result", "tool_use_id": "toolu_1", "content": "x"},
            ],
        ),
        user(SID, "[Request interrupted by user]"),
        user(SID, [{"type": "text", "text": "[Request interrupted by user for tool use]"}]),
        user(SID, "<command-name>/model</command-name>\n<command-args></command-args>"),
        user(SID, "<command-message>compact</command-message>"),
        user(SID, "<local-command-stdout>Set model to opus</local-command-stdout>"),
        user(SID, "<local-command-stderr>oops</local-command-stderr>"),
        assistant(SID, "a reply"),
        {"type": "custom-title", "customTitle": "t", "sessionId": SID},
        {"type": "summary", "summary": "s", "leafUuid": "u"},
        {"type": "system", "subtype": "compact_boundary", "content": "Conversation compacted"},
        {"type": "user"},
        {"type": "user", "message": "not a dict"},
        {"type": "user", "message": {"role": "user", "content": 42}},
    ],
)
def test_not_prompts(entry: dict[str, Any]) -> None:
    assert not is_prompt(entry)


def test_interrupt_marker() -> None:
    assert is_interrupt_marker(user(SID, "[Request interrupted by user]"))
    assert is_interrupt_marker(
        user(SID, [{"type": "text", "text": "[Request interrupted by user for tool use]"}])
    )
    assert not is_interrupt_marker(user(SID, "please don't interrupt"))
    assert not is_interrupt_marker(assistant(SID, "[Request interrupted by user]"))
    assert not is_interrupt_marker({"type": "progress"})


def test_prompt_text() -> None:
    assert prompt_text(user(SID, "plain")) == "plain"
    blocks = [
        {"type": "text", "text": "one"},
        {"type": "image", "source": {}},
        {"type": "text", "text": "two"},
        {"type": "text", "text": 3},
        "stray",
    ]
    assert prompt_text(user(SID, blocks)) == "one\n\ntwo"
    assert prompt_text(assistant(SID, "reply")) == ""
    assert prompt_text({"type": "tag", "tag": "x"}) == ""


def test_assistant_text_keeps_only_text_blocks() -> None:
    entry = assistant(
        SID,
        [
            {"type": "thinking", "thinking": "hmm", "signature": "sig"},
            {"type": "text", "text": "First."},
            {"type": "tool_use", "id": "toolu_1", "name": "Bash", "input": {"command": "ls"}},
            {"type": "text", "text": "Second."},
        ],
    )
    assert assistant_text(entry) == "First.\n\nSecond."
    assert assistant_text(user(SID, "a prompt")) == ""
    assert assistant_text({"type": "assistant", "message": None}) == ""


def test_entry_model() -> None:
    assert entry_model(assistant(SID, "hi")) == MODEL
    assert entry_model(assistant(SID, "hi", model="claude-opus-4-1")) == "claude-opus-4-1"
    assert entry_model(assistant(SID, "API Error", model="<synthetic>")) is None
    assert entry_model(assistant(SID, "hi", model="")) is None
    assert entry_model(user(SID, "hi")) is None
    assert entry_model({"type": "assistant", "message": {"content": []}}) is None


def test_search_text() -> None:
    assert search_text(assistant(SID, "the answer")) == ("reply", "the answer")
    assert search_text(tool_use(SID, "toolu_1", command="ls")) is None
    assert search_text(assistant(SID, [{"type": "thinking", "thinking": "private"}])) is None
    assert search_text(tool_result(SID, "toolu_1")) is None
    assert search_text(user(SID, "[Request interrupted by user]")) is None
    assert search_text({"type": "ai-title", "aiTitle": "t"}) is None
