"""The key help (f1): every binding of every part of the app, with its id for the
config file's [keys] table, as the keymap currently has it."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import DataTable, Label

if TYPE_CHECKING:
    from textual.app import App


@dataclass(frozen=True)
class KeyRow:
    context: str
    keys: str
    description: str
    binding_id: str


def binding_sources() -> list[tuple[str, list[BindingType], list[tuple[str, str]]]]:
    """(context, bindings, extra unbound keys) for each part of the UI. Imports the
    screens lazily: the help and the keymap check are the only callers."""
    from tui.app import AgentTuiApp
    from tui.screens.dialogs import ConfirmScreen, RenameScreen
    from tui.widgets.prompt import PromptInput
    from tui.widgets.sidebar import SessionList, Sidebar

    sources: list[tuple[str, list[BindingType], list[tuple[str, str]]]] = [
        ("Everywhere", list(AgentTuiApp.BINDINGS), []),
        ("Prompt", list(PromptInput.BINDINGS), list(PromptInput.EXTRA_KEYS)),
    ]
    import importlib

    for context, module, names in (
        ("Transcript (turn cursor)", "tui.widgets.chat", ("ChatView",)),
        ("Permission request", "tui.screens.permission", ("PermissionScreen",)),
        ("Fork tree", "tui.screens.fork_tree", ("ForkTreeScreen", "ForkTree")),
    ):
        try:
            found = importlib.import_module(module)
        except ImportError:
            continue
        bindings: list[BindingType] = []
        for name in names:
            bindings.extend(getattr(getattr(found, name, None), "BINDINGS", []))
        sources.append((context, bindings, []))
    sources += [
        ("Sessions sidebar", [*SessionList.BINDINGS, *Sidebar.BINDINGS], []),
        ("Rename dialog", list(RenameScreen.BINDINGS), [("enter", "Save the title")]),
        ("Confirm dialog", list(ConfirmScreen.BINDINGS), []),
        ("Help", list(HelpScreen.BINDINGS), []),
    ]
    return sources


def all_bindings() -> Iterator[tuple[str, Binding]]:
    for context, bindings, _extra in binding_sources():
        for binding in Binding.make_bindings(bindings):
            yield context, binding


def known_binding_ids() -> set[str]:
    return {b.id for _context, b in all_bindings() if b.id}


def _keys_for(app: App[object], binding: Binding) -> str:
    keymap: dict[str, str] = getattr(app, "_keymap", {}) or {}
    keys = keymap.get(binding.id, binding.key) if binding.id else binding.key
    shown: list[str] = []
    for key in keys.split(","):
        key = key.strip()
        if key:
            display = app.get_key_display(binding.with_key(key, key_display=None))
            if display not in shown:
                shown.append(display)
    return " / ".join(shown)


def key_rows(app: App[object]) -> list[KeyRow]:
    rows: list[KeyRow] = []
    for context, bindings, extra in binding_sources():
        merged: dict[str, KeyRow] = {}
        for binding in Binding.make_bindings(bindings):
            if binding.system:
                continue
            key = binding.id or f"{binding.action}:{binding.description}"
            keys = _keys_for(app, binding)
            description = binding.description or binding.action.replace("_", " ").capitalize()
            if binding.tooltip:
                description = f"{description} — {binding.tooltip}"
            if key in merged:
                old = merged[key]
                if keys not in old.keys.split(" / "):
                    merged[key] = KeyRow(
                        context, f"{old.keys} / {keys}", old.description, old.binding_id
                    )
                continue
            merged[key] = KeyRow(context, keys, description, binding.id or "")
        rows.extend(merged.values())
        for key, description in extra:
            rows.append(KeyRow(context, key, description, ""))
    return rows


class HelpScreen(ModalScreen[None]):
    DEFAULT_CSS = """
    HelpScreen { align: center middle; background: $background 60%; }
    HelpScreen > Vertical {
        width: 110;
        max-width: 96%;
        height: 90%;
        border: round $accent;
        background: $surface;
        padding: 0 1;
    }
    HelpScreen #help-title { text-style: bold; }
    HelpScreen #help-hint { color: $text-muted; }
    HelpScreen DataTable { height: 1fr; }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,f1,q", "close", "Close", id="help.close"),
    ]

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label("Keys", id="help-title")
            yield Label(
                Content('Rebind any key in config.toml, e.g.  [keys]  app.fork_tree = "ctrl+y"'),
                id="help-hint",
            )
            yield DataTable(cursor_type="row", zebra_stripes=True, id="help-table")

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        table.add_columns("Where", "Key", "What it does", "Binding id")
        for row in key_rows(self.app):
            table.add_row(
                Text(row.context), Text(row.keys), Text(row.description), Text(row.binding_id)
            )
        table.focus()

    def action_close(self) -> None:
        self.dismiss(None)


def describe(rows: Iterable[KeyRow]) -> str:
    """Plain-text key list (for the README and `--help`-style dumps)."""
    return "\n".join(f"{r.context:28} {r.keys:22} {r.description}  [{r.binding_id}]" for r in rows)
