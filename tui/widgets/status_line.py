"""The status line under the chat: model, permission mode, cwd, context and cost of
the active tab, its live state, and a DEMO badge when talking to the scripted server."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar

from rich.text import Text
from textual.widget import Widget

STATE_LABELS: dict[str, tuple[str, str]] = {
    "idle": ("ready", "status-line--idle"),
    "connecting": ("◌ starting Claude…", "status-line--busy"),
    "streaming": ("● streaming", "status-line--busy"),
    "permission": ("? waiting for permission", "status-line--permission"),
    "error": ("! error", "status-line--error"),
}

MODE_LABELS = {
    "default": "ask before edits",
    "acceptEdits": "accept edits",
    "plan": "plan mode",
    "bypassPermissions": "bypass permissions",
}


def short_tokens(n: int) -> str:
    if n < 1000:
        return str(n)
    if n < 100_000:
        return f"{n / 1000:.1f}k"
    if n < 1_000_000:
        return f"{n // 1000}k"
    return f"{n / 1_000_000:.1f}M"


def short_path(path: Path | str) -> str:
    text = str(path)
    home = os.path.expanduser("~")
    if home and home != "/" and (text == home or text.startswith(home + os.sep)):
        text = "~" + text[len(home) :]
    return text


@dataclass
class StatusInfo:
    model: str | None = None
    mode: str = "default"
    cwd: str = ""
    context_tokens: int = 0
    cost_usd: float = 0.0
    state: str = "idle"
    queued: int = 0
    demo: bool = False
    note: str = ""


class StatusLine(Widget):
    DEFAULT_CSS = """
    StatusLine {
        height: 1;
        width: 1fr;
        background: $panel;
        color: $text-muted;
        padding: 0 1;
    }
    StatusLine > .status-line--demo { background: $warning; color: $background; text-style: bold; }
    StatusLine > .status-line--model { color: $text; text-style: bold; }
    StatusLine > .status-line--mode { color: $text; }
    StatusLine > .status-line--mode-plan { color: $accent; text-style: bold; }
    StatusLine > .status-line--mode-edits { color: $warning; text-style: bold; }
    StatusLine > .status-line--idle { color: $text-muted; }
    StatusLine > .status-line--busy { color: $success; text-style: bold; }
    StatusLine > .status-line--permission { color: $warning; text-style: bold; }
    StatusLine > .status-line--error { color: $error; text-style: bold; }
    """

    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "status-line--demo",
        "status-line--model",
        "status-line--mode",
        "status-line--mode-plan",
        "status-line--mode-edits",
        "status-line--idle",
        "status-line--busy",
        "status-line--permission",
        "status-line--error",
    }

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.info = StatusInfo()

    def show(self, info: StatusInfo) -> None:
        if info == self.info:
            return  # (every engine event of the tab asks)
        self.info = info
        self.refresh()

    def render(self) -> Text:
        info = self.info
        comp = self.get_component_rich_style
        out = Text(no_wrap=True, overflow="ellipsis")
        sep = " · "
        if info.demo:
            out.append(" DEMO ", comp("status-line--demo"))
            out.append(" ")
        out.append(info.model or "default model", comp("status-line--model"))
        out.append(sep)
        mode_class = {
            "plan": "status-line--mode-plan",
            "acceptEdits": "status-line--mode-edits",
            "bypassPermissions": "status-line--mode-edits",
        }.get(info.mode, "status-line--mode")
        out.append(MODE_LABELS.get(info.mode, info.mode), comp(mode_class))
        label, cls = STATE_LABELS.get(info.state, (info.state, "status-line--idle"))
        out.append(sep)
        out.append(label, comp(cls))
        if info.queued:
            out.append(f" (+{info.queued} queued)", comp("status-line--busy"))
        if info.context_tokens:
            out.append(sep)
            out.append(f"ctx {short_tokens(info.context_tokens)}")
        if info.cost_usd:
            out.append(sep)
            out.append(f"${info.cost_usd:.4f}" if info.cost_usd < 1 else f"${info.cost_usd:.2f}")
        if info.note:
            out.append(sep)
            out.append(info.note)
        # The cwd goes last and gives way first: elided from the left to fit.
        path = short_path(info.cwd)
        room = self.size.width - self.gutter.width - out.cell_len - len(sep)
        if room >= 8:
            if len(path) > room:
                path = "…" + path[-(room - 1) :]
            out.append(sep)
            out.append(path)
        return out
