"""Asking the user whether a tool may run, the way Claude Code asks.

Dismisses with `(choice, message)`: "allow_once", "allow_session", or "deny" with an
optional message telling Claude what to do instead.
"""

from __future__ import annotations

import json
from typing import Any, ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical, VerticalScroll
from textual.content import Content
from textual.highlight import highlight
from textual.screen import ModalScreen
from textual.widgets import Input, OptionList, Static
from textual.widgets.option_list import Option

from tui.agent.events import PermissionChoice, PermissionRequest
from tui.widgets.literal import literal, one_line, sanitize

__all__ = ["PermissionScreen"]

CHOICES: tuple[PermissionChoice, ...] = ("allow_once", "allow_session", "deny")

# Keys shown as the headline of a tool's input, in order of preference.
_HEADLINE_KEYS = ("command", "file_path", "path", "url", "pattern", "query", "prompt")


def input_preview(tool_name: str, data: dict[str, Any]) -> tuple[Content, Content | None]:
    """(headline, details) for a tool input: Bash shows its command highlighted and
    its description; other tools show their main argument, then all of it as JSON."""
    command = data.get("command")
    if isinstance(command, str):
        headline = highlight(sanitize(command), language="bash")
        description = data.get("description")
        rest = {k: v for k, v in data.items() if k not in ("command", "description")}
        parts: list[Content | str] = []
        if isinstance(description, str) and description.strip():
            parts.append(literal(description.strip(), "italic $text-muted"))
        if rest:
            if parts:
                parts.append("\n")
            parts.append(_json(rest))
        return headline, Content.assemble(*parts) if parts else None
    for key in _HEADLINE_KEYS:
        value = data.get(key)
        if isinstance(value, str) and value.strip():
            return literal(one_line(value, 400), "bold"), _json(data)
    return Content.styled("(no input)", "$text-muted") if not data else Content(""), (
        _json(data) if data else None
    )


def _json(data: dict[str, Any]) -> Content:
    try:
        text = json.dumps(data, indent=2, ensure_ascii=False, default=str)
    except (TypeError, ValueError):
        text = repr(data)
    return highlight(sanitize(text), language="json")


class PermissionScreen(ModalScreen[tuple[PermissionChoice, str]]):
    """Allow once / allow for the session / deny (with a message)."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("1", "choose(0)", "Yes", id="permission.allow_once"),
        Binding("2", "choose(1)", "Yes, this session", id="permission.allow_session"),
        Binding("3", "choose(2)", "No", id="permission.deny"),
        Binding("up", "move(-1)", "Up", id="permission.up", show=False),
        Binding("down", "move(1)", "Down", id="permission.down", show=False),
        Binding("enter", "confirm", "Confirm", id="permission.confirm", show=False),
        Binding("escape", "deny", "Deny", id="permission.cancel"),
    ]

    def __init__(self, request: PermissionRequest, session_title: str | None = None) -> None:
        super().__init__()
        self.request = request
        self.session_title = session_title

    @property
    def tool_name(self) -> str:
        return self.request.tool_name

    def compose(self) -> ComposeResult:
        tool = one_line(self.tool_name, 80) or "tool"
        headline, details = input_preview(self.tool_name, dict(self.request.input))
        with Vertical(id="permission-dialog"):
            title = Content.assemble("Allow ", Content.styled(tool, "bold $text-accent"), "?")
            yield Static(title, id="permission-title")
            if self.session_title:
                yield Static(literal(one_line(self.session_title, 200)), id="permission-session")
            with VerticalScroll(id="permission-input"):
                yield Static(headline, id="permission-headline")
                if details is not None:
                    yield Static(details, id="permission-details")
            yield OptionList(
                Option(Content("1. Yes"), id="allow_once"),
                Option(
                    Content.assemble(
                        "2. Yes, and don't ask again for ",
                        Content.styled(tool, "bold"),
                        " this session",
                    ),
                    id="allow_session",
                ),
                Option(Content("3. No, and tell Claude what to do differently"), id="deny"),
                id="permission-choices",
            )
            yield Input(
                placeholder="What should Claude do instead? (optional, enter to send)",
                id="permission-message",
            )
            yield Static(
                Content.styled("1/2/3 choose · ↑↓ move · enter confirm · esc deny", "$text-muted"),
                id="permission-keys",
            )

    def on_mount(self) -> None:
        choices = self.query_one(OptionList)
        choices.highlighted = 0
        choices.focus()
        self.query_one(Input).display = False

    # ---------------------------------------------------------------- helpers

    @property
    def _choices(self) -> OptionList:
        return self.query_one("#permission-choices", OptionList)

    @property
    def _message(self) -> Input:
        return self.query_one("#permission-message", Input)

    def _finish(self, choice: PermissionChoice, message: str = "") -> None:
        self.dismiss((choice, message.strip()))

    def _ask_for_message(self) -> None:
        message = self._message
        message.display = True
        message.focus()

    # ---------------------------------------------------------------- actions

    def action_choose(self, index: int) -> None:
        self._choices.highlighted = index
        if CHOICES[index] == "deny":
            self._ask_for_message()
        else:
            self._finish(CHOICES[index])

    def action_move(self, delta: int) -> None:
        choices = self._choices
        current = choices.highlighted if choices.highlighted is not None else 0
        choices.highlighted = max(0, min(len(CHOICES) - 1, current + delta))
        if not choices.has_focus:
            choices.focus()

    def action_confirm(self) -> None:
        if self._message.has_focus:
            self._finish("deny", self._message.value)
            return
        index = self._choices.highlighted
        self.action_choose(0 if index is None else index)

    def action_deny(self) -> None:
        self._finish("deny", "")

    @on(OptionList.OptionSelected, "#permission-choices")
    def _selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self.action_choose(event.option_index)

    @on(OptionList.OptionHighlighted, "#permission-choices")
    def _highlighted(self, event: OptionList.OptionHighlighted) -> None:
        # The message box belongs to "No"; it shows while that choice is highlighted.
        self._message.display = event.option_index == 2 or self._message.has_focus

    @on(Input.Submitted, "#permission-message")
    def _submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self._finish("deny", event.value)
