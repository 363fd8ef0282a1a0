"""The lineage of a session: its root, every fork and fork of a fork, as a tree.

Dismisses with ("open", session_id), ("fork", session_id) or None.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, ClassVar, Literal

from rich.style import Style
from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.content import Content
from textual.screen import Screen
from textual.widgets import Footer, Static, Tree
from textual.widgets._tree import TOGGLE_STYLE
from textual.widgets.tree import TreeNode

from tui.widgets.literal import one_line

if TYPE_CHECKING:
    from tui.store.catalog import SessionRow

__all__ = ["ForkTree", "ForkTreeScreen", "label_parts"]

ForkAction = Literal["open", "fork"]


LabelPart = tuple[str, Literal["title", "current", "meta", "archived"]]


def label_parts(row: SessionRow, *, current: bool, is_root: bool) -> list[LabelPart]:
    """A node's label as (text, kind) runs: title, turn count, fork point, marks."""
    title = one_line(row.title, 120) or "Untitled session"
    turns = f"{row.turn_count:,} turn{'s' if row.turn_count != 1 else ''}"
    parts: list[LabelPart] = [(title, "current" if current else "title"), (f"  {turns}", "meta")]
    if not is_root and row.fork_turn is not None:
        parts.append((f" · forked at turn {row.fork_turn}", "meta"))
    if row.archived:
        parts.append((" · archived", "archived"))
    if current:
        parts.append(("  ◀ current", "current"))
    return parts


class ForkTree(Tree[str]):
    """A Tree of sessions: labels styled from the rows (literal text, theme colours),
    left/right moving to the parent / first fork."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("left", "cursor_parent", "Parent", id="forks.parent", show=False),
        Binding("right", "cursor_child", "First fork", id="forks.child", show=False),
    ]

    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "fork-tree--title",
        "fork-tree--current",
        "fork-tree--meta",
        "fork-tree--archived",
    }

    DEFAULT_CSS = """
    ForkTree > .fork-tree--title { text-style: bold; }
    ForkTree > .fork-tree--current { color: $text-accent; text-style: bold; }
    ForkTree > .fork-tree--meta { color: $text-muted; }
    ForkTree > .fork-tree--archived { color: $text-muted; text-style: italic; }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(Text("Sessions"), id=id)
        self.labels: dict[str, list[LabelPart]] = {}

    def render_label(self, node: TreeNode[str], base_style: Style, style: Style) -> Text:
        parts = self.labels.get(node.data or "")
        if parts is None:
            return super().render_label(node, base_style, style)
        text = Text.assemble(
            *((chunk, self.get_component_rich_style(f"fork-tree--{kind}")) for chunk, kind in parts)
        )
        text.stylize(style)
        if node.allow_expand:
            icon = self.ICON_NODE_EXPANDED if node.is_expanded else self.ICON_NODE
            return Text.assemble((icon, base_style + TOGGLE_STYLE), text)
        return text

    def action_cursor_child(self) -> None:
        node = self.cursor_node
        if node is None or not node.children:
            return
        if not node.is_expanded:
            node.expand()
        self.move_cursor(node.children[0], animate=False)


class ForkTreeScreen(Screen[tuple[ForkAction, str] | None]):
    """Every fork in a session's family; the current session is highlighted."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "open", "Open", id="forks.open", priority=True),
        Binding("f", "fork", "Fork at last turn", id="forks.fork"),
        Binding("escape,ctrl+t", "close", "Close", id="forks.close"),
    ]

    def __init__(self, rows: list[SessionRow], current_id: str) -> None:
        super().__init__()
        self.rows = list(rows)
        self.current_id = current_id
        self._tree_nodes: dict[str, TreeNode[str]] = {}

    def compose(self) -> ComposeResult:
        yield Static("", id="forks-heading")
        tree = ForkTree(id="forks-tree")
        tree.auto_expand = False
        tree.guide_depth = 3
        yield tree
        yield Footer()

    def on_mount(self) -> None:
        self._build(self.current_id)
        self.query_one(ForkTree).focus()

    @property
    def fork_tree(self) -> ForkTree:
        return self.query_one("#forks-tree", ForkTree)

    @property
    def selected_id(self) -> str | None:
        node = self.fork_tree.cursor_node
        return node.data if node is not None else None

    def update_rows(self, rows: Iterable[SessionRow], current_id: str | None = None) -> None:
        """Rebuild the tree from new rows, keeping the cursor on the same session."""
        keep = self.selected_id
        self.rows = list(rows)
        if current_id is not None:
            self.current_id = current_id
        self._build(keep)

    # ---------------------------------------------------------------- building

    def _family(self) -> tuple[list[SessionRow], dict[str | None, list[SessionRow]]]:
        """The roots to show and each session's forks. Only the current session's
        family is shown when it is known; otherwise every family."""
        by_id = {row.id: row for row in self.rows}
        children: dict[str | None, list[SessionRow]] = {}
        roots: list[SessionRow] = []
        for row in self.rows:
            parent = row.parent_id if row.parent_id in by_id else None
            if parent is None:
                roots.append(row)
            else:
                children.setdefault(parent, []).append(row)
        for forks in children.values():
            forks.sort(key=lambda r: (r.fork_turn or 0, r.created, r.id))
        roots.sort(key=lambda r: (r.created, r.id))
        current = by_id.get(self.current_id)
        if current is not None:
            seen: set[str] = set()
            while current.parent_id is not None and current.parent_id in by_id:
                if current.id in seen:
                    break  # a cycle in bad data: stop climbing
                seen.add(current.id)
                current = by_id[current.parent_id]
            roots = [current]
        return roots, children

    def _build(self, cursor_id: str | None) -> None:
        tree = self.fork_tree
        roots, children = self._family()
        tree.clear()
        tree.labels = {}
        self._tree_nodes = {}
        single = len(roots) == 1
        tree.show_root = single
        if single:
            root_row = roots[0]
            tree.root.set_label(self._label(root_row, is_root=True))
            tree.root.data = root_row.id
            self._tree_nodes[root_row.id] = tree.root
            self._add_forks(tree.root, root_row.id, children, {root_row.id})
        else:
            tree.root.set_label(Text("Sessions"))
            tree.root.data = None
            for row in roots:
                node = tree.root.add(self._label(row, is_root=True), data=row.id)
                self._tree_nodes[row.id] = node
                self._add_forks(node, row.id, children, {row.id})
        tree.root.expand_all()
        count = len(self._tree_nodes)
        heading = Content.assemble(
            Content.styled("Forks", "bold"),
            Content.styled(f"  {count} session{'s' if count != 1 else ''}", "$text-muted"),
        )
        self.query_one("#forks-heading", Static).update(heading)
        target = self._tree_nodes.get(cursor_id or "") or self._tree_nodes.get(self.current_id)
        if target is not None:
            # Lines are laid out lazily; asking for the last line lays them out.
            _ = tree.last_line
            tree.move_cursor(target)

    def _label(self, row: SessionRow, *, is_root: bool) -> Text:
        parts = label_parts(row, current=row.id == self.current_id, is_root=is_root)
        self.fork_tree.labels[row.id] = parts
        # The plain text (never parsed as markup); render_label adds the styles.
        return Text("".join(chunk for chunk, _ in parts))

    def _add_forks(
        self,
        node: TreeNode[str],
        session_id: str,
        children: dict[str | None, list[SessionRow]],
        seen: set[str],
    ) -> None:
        for row in children.get(session_id, []):
            if row.id in seen:
                continue
            seen.add(row.id)
            forks = children.get(row.id)
            child = node.add(self._label(row, is_root=False), data=row.id, allow_expand=bool(forks))
            self._tree_nodes[row.id] = child
            if forks:
                self._add_forks(child, row.id, children, seen)

    # ---------------------------------------------------------------- actions

    def action_open(self) -> None:
        session_id = self.selected_id
        if session_id is not None:
            self.dismiss(("open", session_id))

    def action_fork(self) -> None:
        session_id = self.selected_id
        if session_id is not None:
            self.dismiss(("fork", session_id))

    def action_close(self) -> None:
        self.dismiss(None)

    @on(Tree.NodeSelected)
    def _selected(self, event: Tree.NodeSelected[str]) -> None:
        event.stop()
        if event.node.data is not None:
            self.dismiss(("open", event.node.data))
