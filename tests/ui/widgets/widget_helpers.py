"""Shared helpers for the widget tests: transcript entries in the CLI's shapes, turns
built from them with the real `group_turns`, a harness app for `ChatView`, and one
for a screen of the test's own."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Iterator
from itertools import count
from typing import Any

from textual.app import App, ComposeResult
from textual.message import Message
from textual.screen import Screen

from tui.agent.turns import Turn, group_turns
from tui.paths import styles_dir
from tui.widgets.chat import ChatView
from tui.widgets.keys_first import KeysFirstApp

SID = "sess-1"
CSS_PATHS = [str(styles_dir() / "chat.tcss"), str(styles_dir() / "modals.tcss")]

_ids = count(1)


def user(text: str) -> dict[str, Any]:
    return {
        "type": "user",
        "uuid": f"u{next(_ids)}",
        "message": {"role": "user", "content": text},
    }


def assistant(
    *blocks: dict[str, Any],
    model: str = "claude-sonnet-4-5",
    usage: dict[str, int] | None = None,
) -> dict[str, Any]:
    return {
        "type": "assistant",
        "uuid": f"a{next(_ids)}",
        "message": {
            "id": f"msg{next(_ids)}",
            "role": "assistant",
            "model": model,
            "content": list(blocks),
            "usage": usage or {"input_tokens": 1200, "output_tokens": 340},
        },
    }


def text(t: str) -> dict[str, Any]:
    return {"type": "text", "text": t}


def thinking(t: str) -> dict[str, Any]:
    return {"type": "thinking", "thinking": t}


def tool_use(tool_id: str, name: str, tool_input: dict[str, Any]) -> dict[str, Any]:
    return {"type": "tool_use", "id": tool_id, "name": name, "input": tool_input}


def tool_result(tool_id: str, content: str, *, is_error: bool = False) -> dict[str, Any]:
    return {
        "type": "user",
        "uuid": f"r{next(_ids)}",
        "message": {
            "role": "user",
            "content": [
                {
                    "type": "tool_result",
                    "tool_use_id": tool_id,
                    "content": content,
                    "is_error": is_error,
                }
            ],
        },
    }


def interrupt_marker() -> dict[str, Any]:
    return user("[Request interrupted by user]")


def simple_turns(n: int) -> list[Turn]:
    entries: list[dict[str, Any]] = []
    for i in range(1, n + 1):
        entries.append(user(f"Question number {i}"))
        entries.append(assistant(text(f"Answer number {i}, with *some* emphasis.")))
    return group_turns(entries)


def sample_turns() -> list[Turn]:
    """Three turns: plain text, a tool call with a code block after it, interrupted."""
    return group_turns(
        [
            user("What does this project do?"),
            assistant(text("It is a **terminal app** for working with Claude agents.")),
            user("List the files, then show me a hello world in Python."),
            assistant(
                thinking("The user wants a listing first."),
                tool_use("t1", "Bash", {"command": "ls -la", "description": "List files"}),
            ),
            tool_result("t1", "total 3\nREADME.md\npyproject.toml\ntui"),
            assistant(
                text("Here it is:\n\n```python\ndef hello() -> None:\n    print('hi')\n```\n"),
                usage={"input_tokens": 5000, "output_tokens": 900},
            ),
            user("Now refactor everything"),
            assistant(text("Starting with the")),
            interrupt_marker(),
        ]
    )


class ChatApp(App[None]):
    """Mounts one ChatView and records the messages it posts."""

    CSS_PATH = CSS_PATHS  # type: ignore[assignment]

    def __init__(self, turns: list[Turn] | None = None, session_id: str = SID) -> None:
        super().__init__()
        self.initial = turns
        self.session_id = session_id
        self.posted: list[Message] = []

    def compose(self) -> ComposeResult:
        chat = ChatView(self.session_id, id="chat")
        if self.initial is not None:
            chat.show_turns(self.initial)
        yield chat

    @property
    def chat(self) -> ChatView:
        return self.query_one(ChatView)

    def on_chat_view_fork_requested(self, message: ChatView.ForkRequested) -> None:
        self.posted.append(message)

    def on_chat_view_edit_requested(self, message: ChatView.EditRequested) -> None:
        self.posted.append(message)

    def on_chat_view_copy_requested(self, message: ChatView.CopyRequested) -> None:
        self.posted.append(message)

    def on_chat_view_cursor_left(self, message: ChatView.CursorLeft) -> None:
        self.posted.append(message)


class FrameApp(KeysFirstApp[None]):
    """An app on a screen of the given type."""

    def __init__(self, screen: type[Screen[Any]]) -> None:
        super().__init__()
        self._screen_type = screen

    def get_default_screen(self) -> Screen[Any]:
        return self._screen_type()


async def wait_for(
    condition: Callable[[], bool], *, timeout: float = 10.0, interval: float = 0.01
) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("condition not met in time")
        await asyncio.sleep(interval)


async def settle(chat: ChatView, pilot: Any, rounds: int = 3) -> None:
    """Let the chat's worker, the Markdown streams and layout catch up."""
    for _ in range(rounds):
        await chat.wait_idle()
        await pilot.pause()
        await asyncio.sleep(0.02)
    await pilot.pause()


def rendered_text(widget: Any) -> str:
    """Plain text of what a widget and its descendants render, in DOM order."""
    from textual.widgets import Static

    from tui.widgets.reply import ReplyMarkdown

    parts: list[str] = []

    def walk(node: Any) -> Iterator[Any]:
        yield node
        for child in node.children:
            yield from walk(child)

    for node in walk(widget):
        if isinstance(node, Static):
            parts.append(str(node.render()))
        elif isinstance(node, ReplyMarkdown):
            parts.append(node.rendered_text())
    return "\n".join(parts)


def line_colours(widget: Any, needle: str) -> set[Any]:
    """Foreground colours of the visible text on the first reply line (in `widget`'s
    replies) that contains `needle`; empty if there is none. Highlighted code has
    several, plain text one."""
    from tui.widgets.reply import ReplyMarkdown

    for reply in widget.query(ReplyMarkdown):
        for line in reply.rendered_lines():
            if needle in line.text:
                return {seg.style.color for seg in line if seg.text.strip() and seg.style}
    return set()
