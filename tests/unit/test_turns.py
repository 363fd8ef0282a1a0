from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from tui.agent.turns import TextPart, ThinkingPart, ToolCall, group_turns
from tui.store.entries import is_prompt


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


def test_numbering_can_start_anywhere() -> None:
    turns = group_turns(ENTRIES, first=41)
    assert [t.number for t in turns] == [41, 42, 43]


# Entries of every kind the grouping tells apart, for transcripts made at random.
_KINDS: list[Any] = [
    lambda i: user(f"p{i}", f"prompt {i}"),
    lambda i: user(f"p{i}", [{"type": "text", "text": f"prompt {i}"}]),
    lambda i: assistant(f"a{i}", f"m{i // 3}", {"type": "text", "text": f"reply {i}"}),
    lambda i: assistant(f"h{i}", f"m{i // 3}", {"type": "thinking", "thinking": "hm"}),
    lambda i: assistant(
        f"t{i}",
        f"m{i // 3}",
        {
            "type": "tool_use",
            "id": f"tool{i % 4}",
            "name": "Bash",
            "input": {"command": f"ls {i}"},
        },
    ),
    lambda i: user(
        f"r{i}", [{"type": "tool_result", "tool_use_id": f"tool{i % 4}", "content": f"out {i}"}]
    ),
    lambda i: user(f"i{i}", [{"type": "text", "text": "[Request interrupted by user]"}]),
    lambda i: user(f"meta{i}", "caveat", isMeta=True),
    lambda i: {"type": "system", "uuid": f"s{i}", "subtype": "turn_duration"},
    lambda i: {"type": "queue-operation", "operation": "enqueue", "content": "x"},
    lambda i: {
        "type": "assistant",
        "uuid": f"side{i}",
        "isSidechain": True,
        "message": {"content": []},
    },
]


@given(st.lists(st.integers(0, len(_KINDS) - 1), max_size=60), st.integers(0, 1000))
def test_a_transcript_grouped_in_two_parts_split_at_a_prompt_is_the_same(
    kinds: list[int], at: int
) -> None:
    """What opening a long session relies on: its newest turns, grouped from their
    first prompt on, join the turns before them exactly."""
    entries = [_KINDS[k](i) for i, k in enumerate(kinds)]
    whole = group_turns(entries)
    starts = [i for i, e in enumerate(entries) if is_prompt(e)]
    cut = starts[at % len(starts)] if starts else len(entries)
    before = group_turns(entries[:cut])
    after = group_turns(entries[cut:], first=len(before) + 1)
    assert before + after == whole
