from typing import Any

from tui.agent.turns import TextPart, ThinkingPart, ToolCall, group_turns


def user(uuid: str, content: Any, **extra: Any) -> dict[str, Any]:
    return {"type": "user", "uuid": uuid, "message": {"role": "user", "content": content}, **extra}


def assistant(uuid: str, mid: str, *blocks: dict[str, Any], out: int = 5) -> dict[str, Any]:
    return {
        "type": "assistant",
        "uuid": uuid,
        "message": {
            "id": mid,
            "role": "assistant",
            "model": "claude-test",
            "content": list(blocks),
            "usage": {"input_tokens": 10, "output_tokens": out},
        },
    }


ENTRIES: list[dict[str, Any]] = [
    {"type": "custom-title", "customTitle": "T", "sessionId": "s"},
    user("u1", "first question"),
    assistant("a1", "m1", {"type": "thinking", "thinking": "hmm"}),
    assistant("a2", "m1", {"type": "text", "text": "Let me look."}),
    assistant(
        "a3",
        "m1",
        {"type": "tool_use", "id": "t1", "name": "Bash", "input": {"command": "ls -la\necho"}},
    ),
    user(
        "r1", [{"type": "tool_result", "tool_use_id": "t1", "content": "a\nb", "is_error": False}]
    ),
    assistant("a4", "m2", {"type": "text", "text": "Two files."}, out=7),
    {"type": "system", "uuid": "sys1", "subtype": "turn_duration"},
    user("u2", [{"type": "text", "text": "second"}]),
    assistant("a5", "m3", {"type": "text", "text": "partial"}),
    user("i2", [{"type": "text", "text": "[Request interrupted by user]"}]),
    user("meta", "caveat", isMeta=True),
    user("u3", "third"),
    {"type": "assistant", "uuid": "side", "isSidechain": True, "message": {"content": []}},
]


def test_groups_prompts_with_everything_up_to_the_next_prompt() -> None:
    turns = group_turns(ENTRIES)
    assert [t.prompt for t in turns] == ["first question", "second", "third"]
    assert [t.number for t in turns] == [1, 2, 3]
    first = turns[0]
    assert [type(p) for p in first.parts] == [ThinkingPart, TextPart, ToolCall, TextPart]
    assert first.reply == "Let me look.\n\nTwo files."
    assert first.thinking == "hmm"
    (call,) = first.tool_calls
    assert (call.name, call.result, call.is_error, call.summary) == (
        "Bash",
        "a\nb",
        False,
        "ls -la",
    )
    # The fork point is the last transcript entry of the turn, system entries included.
    assert first.last_uuid == "sys1"
    # Usage is counted once per API message, though the CLI repeats it per block.
    assert first.usage is not None
    assert (first.usage.input_tokens, first.usage.output_tokens) == (20, 12)
    assert first.model == "claude-test"


def test_interrupted_turns_and_meta_entries() -> None:
    turns = group_turns(ENTRIES)
    assert turns[1].interrupted and turns[1].reply == "partial"
    assert turns[1].last_uuid == "meta"
    assert not turns[0].interrupted and not turns[2].interrupted
    # Sidechain (subagent) entries never reach the main turns.
    assert turns[2].last_uuid == "u3" and turns[2].parts == []


def test_tool_result_entries_are_never_prompts() -> None:
    only_results = [user("r", [{"type": "tool_result", "tool_use_id": "x", "content": "hi"}])]
    assert group_turns(only_results) == []


def test_error_turn_is_still_a_turn() -> None:
    err = assistant("e", "m9", {"type": "text", "text": "Invalid API key"})
    err["isApiErrorMessage"] = True
    turns = group_turns([user("u", "hi"), err])
    assert len(turns) == 1 and turns[0].error == "Invalid API key"
