"""Reply text: Markdown drawn as lines by one widget.

Textual's `Markdown` mounts a widget per block (paragraph, list item, table cell, code
fence), and every one of them is laid out again on each relayout of the screen. A
streamed reply relayouts many times a second, and a long reply has hundreds of
blocks, so the transcript draws replies itself: `ReplyMarkdown` parses the source with
markdown-it, draws each top-level block once into lines (kept per width and style)
and reports its height as the number of lines.

The look follows Textual's Markdown widget (headings, lists, quotes, fenced code
highlighted the same way, tables); raw HTML is off, so text is shown as written.

Streaming appends to the source (`write`). Blocks before the last one are final
(nothing after a block that another one follows can change it), so only new text
is parsed and only the open block at the end is drawn again; `prepare` does that
work in slices, between which the app handles keys and the engine reads on. A
paragraph of plain prose (most of a reply), final or still open, skips markdown-it
and Textual's text layout: it is its words, wrapped (`_prose_paragraph`,
`_plain_lines`).
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from markdown_it import MarkdownIt
from markdown_it.token import Token
from rich.cells import cell_len
from rich.segment import Segment
from rich.style import Style as RichStyle
from textual.await_complete import AwaitComplete
from textual.content import Content, Span
from textual.geometry import Region, Size
from textual.selection import Selection
from textual.strip import Strip
from textual.style import Style
from textual.visual import RenderOptions
from textual.widgets import Markdown
from textual.widgets.markdown import MarkdownFence

from tui.collector import paused
from tui.widgets.keys_first import step_aside
from tui.widgets.resizing import QuietResize

__all__ = ["ReplyMarkdown", "markdown_parser"]

# A top-level fence shows at most this many rows (longer code ends with a note).
FENCE_MAX_ROWS = 60
# `ReplyMarkdown.prepare` parses about this many characters at a time, and draws
# for about this long (seconds) at a time.
PARSE_SLICE = 4000
DRAW_SLICE = 0.005

_BULLETS = ("• ", "▪ ", "‣ ", "⭑ ", "◦ ")
_SPACES = re.compile(r"\s+")
# A paragraph of plain prose: lines that start with a letter and hold no character
# Markdown gives a meaning to inside a paragraph (emphasis, code, links, entities,
# escapes, tables, raw HTML), nor end with a space (two make a line break). Such a
# paragraph is its words, one space apart; "://" (a link) is ruled out separately.
_PROSE_LINE = r"[A-Za-z](?:[A-Za-z0-9 ,.;:'\"?!()%/-]*[A-Za-z0-9,.;:'\"?!()%/-])?"
_PROSE = re.compile(rf"{_PROSE_LINE}(?:\n{_PROSE_LINE})*")


def markdown_parser() -> MarkdownIt:
    # Raw HTML would be dropped silently; with it disabled, "<div>" in a reply shows
    # as the text it is.
    parser = MarkdownIt("gfm-like", {"html": False})
    # Links without a scheme are off: to that pass "app.py", "main.rs" and "setup.sh"
    # are domain names, and in a coding transcript they are file names. (It was also
    # three quarters of the parsing time.) "https://…" is still a link.
    parser.core.ruler.disable("linkify")
    return parser


# ---------------------------------------------------------------- the tree


@dataclass(eq=False)
class _Node:
    kind: str
    children: list[_Node] = field(default_factory=list)
    inline: Content | None = None
    level: int = 0
    code: str = ""
    lang: str = ""
    bullet: str = ""
    ordered: bool = False


def _inline(token: Token) -> Content:
    """Inline Markdown as Content, the way Textual's Markdown blocks build it."""
    if not token.children:
        return Content("")
    parts: list[str] = []
    spans: list[Span] = []
    stack: list[tuple[str, int]] = []
    position = 0

    def add(text: str) -> None:
        nonlocal position
        parts.append(text)
        position += len(text)

    for child in token.children:
        kind = child.type
        if kind == "text":
            add(_SPACES.sub(" ", child.content))
        elif kind == "hardbreak":
            add("\n")
        elif kind == "softbreak":
            add(" ")
        elif kind == "code_inline":
            start = position
            add(child.content)
            spans.append(Span(start, position, "@code"))
        elif kind == "em_open":
            stack.append(("italic", position))
        elif kind == "strong_open":
            stack.append(("bold", position))
        elif kind == "s_open":
            stack.append(("strike", position))
        elif kind == "link_open":
            stack.append(("underline", position))
        elif kind == "image":
            start = position
            add("🖼  ")
            alt = child.attrs.get("alt", "")
            if alt:
                add(f"({alt})")
            for grandchild in child.children or ():
                add(grandchild.content)
            spans.append(Span(start, position, "underline"))
        elif kind.endswith("_close") and stack:
            style, start = stack.pop()
            spans.append(Span(start, position, style))
    return Content("".join(parts), spans=spans)


def _tree(tokens: Iterable[Token]) -> list[_Node]:
    root = _Node("root")
    stack = [root]
    for token in tokens:
        kind = token.type
        if kind in ("fence", "code_block"):
            code = token.content.rstrip()
            stack[-1].children.append(_Node("fence", code=code, lang=token.info.strip()))
        elif kind == "hr":
            stack[-1].children.append(_Node("hr"))
        elif kind == "inline":
            stack[-1].inline = _inline(token)
        elif kind.endswith("_open"):
            node = _Node(kind[:-5])
            if node.kind == "heading":
                node.level = int(token.tag[1:]) if token.tag[1:].isdigit() else 1
            elif node.kind == "list_item":
                if token.info:
                    node.ordered = True
                    node.bullet = token.info
                else:
                    depth = sum(1 for n in stack if n.kind == "list_item" and not n.ordered)
                    node.bullet = _BULLETS[depth % len(_BULLETS)]
            stack[-1].children.append(node)
            stack.append(node)
        elif kind.endswith("_close") and len(stack) > 1:
            stack.pop()
    return root.children


def _top_level(tokens: list[Token]) -> list[tuple[int, list[Token]]]:
    """Tokens grouped into top-level blocks: (first source line, tokens)."""
    groups: list[tuple[int, list[Token]]] = []
    depth = 0
    for token in tokens:
        if depth == 0:
            line = token.map[0] if token.map else (groups[-1][0] if groups else 0)
            groups.append((line, [token]))
        else:
            groups[-1][1].append(token)
        depth += token.nesting
    return groups


# ---------------------------------------------------------------- rendering


@dataclass
class _Context:
    """What rendering needs from the widget: its style and the theme."""

    base: Style
    dark: bool
    ansi: bool
    styles: dict[str, Style] = field(default_factory=dict)

    def style(self, spec: str) -> Style:
        style = self.styles.get(spec)
        if style is None:
            style = self.styles[spec] = Style.parse(spec)
        return style

    def resolve(self, spec: str | Style) -> Style:
        """Styles of Content spans."""
        if isinstance(spec, Style):
            return spec
        if spec == "@code":
            spec = (
                "$text-warning 95% on $warning 10%" if self.dark else "$text-error 95% on $error 5%"
            )
        return self.style(spec)


# A drawn line as kept for later: its segments and its width in cells. A Strip
# carries seven small caches; a long reply has thousands of lines, and the garbage
# collector would walk all of those objects again and again.
_Line = tuple[list[Segment], int]

_WRAP = {"text_wrap": "wrap", "text_overflow": "fold"}
_NO_WRAP = {"text_wrap": "nowrap", "text_overflow": "fold"}


def _text(
    content: Content,
    width: int,
    style: Style,
    ctx: _Context,
    *,
    wrap: bool = True,
    align: str = "left",
    fill: bool = False,
) -> list[Strip]:
    width = max(width, 1)
    strips: list[Strip] | None = None
    if wrap and align == "left" and _is_plain(content):
        lines = _plain_lines(content.plain, width, style)
        if lines is not None:
            strips = [Strip(*line) for line in lines]
    if strips is None:
        rules: dict[str, Any] = dict(_WRAP if wrap else _NO_WRAP)
        rules["text_align"] = align
        options = RenderOptions(ctx.resolve, rules)  # type: ignore[arg-type]
        strips = content.render_strips(width, None, style, options)
    if not strips:
        strips = [Strip.blank(0)]
    if fill:
        rich = style.rich_style
        strips = [strip.extend_cell_length(width, rich) for strip in strips]
    return strips


def _breaks(text: str, width: int) -> list[int] | None:
    """Where Rich's `divide_line` breaks `text` (printable ASCII, so a cell is a
    character) to fit `width`, found a line at a time rather than a word at a time;
    None if a word is wider than the line (Rich folds it)."""
    stripped = text.lstrip(" ")
    first = stripped.split(" ", 1)[0]
    # The first word counts the spaces before it, as in Rich.
    if len(text) - len(stripped) + len(first) > width or max(map(len, text.split(" "))) > width:
        return None if stripped else []
    breaks: list[int] = []
    end = len(text.rstrip(" "))
    start = 0
    while start + width < end:
        limit = start + width
        if text[limit] == " ":  # the line ends at a word's end: the next word starts it
            start = limit
            while text[start] == " ":
                start += 1
        else:  # the word across `limit` starts the next line
            start = text.rfind(" ", start, limit) + 1
        breaks.append(start)
    return breaks


def _plain_lines(text: str, width: int, style: Style) -> list[_Line] | None:
    """What `Content.render_strips` makes of one line of unstyled printable ASCII,
    wrapped at `width` and aligned left, without the machinery it needs for styles,
    wide characters and alignment: most of a reply is such prose, and this draws it
    several times faster. None if a word is wider than the line (Textual folds it).

    The segments carry no selection offsets: `render_line` sets every segment's
    offset as it paints (`Strip.apply_offsets`), replacing any drawn in."""
    breaks = _breaks(text, width)
    if breaks is None:
        return None
    rich = style.rich_style
    lines: list[_Line] = []
    starts = [0, *breaks]
    ends = [*breaks, len(text)]
    last = len(starts) - 1
    for index, (start, end) in enumerate(zip(starts, ends, strict=True)):
        piece = text[start:end]
        if index != last:
            piece = piece.rstrip()
        piece = piece[:width]
        lines.append(([Segment(piece, rich)], len(piece)))
    return lines


def _is_plain(content: Content) -> bool:
    plain = content.plain
    return not content.spans and plain.isascii() and plain.isprintable()


def _blank(width: int, style: Style) -> Strip:
    return Strip.blank(width, style.rich_style)


@dataclass
class _Rendered:
    lines: list[Strip]
    top: int = 0
    bottom: int = 0


def _stack(
    parts: list[_Rendered], width: int, style: Style, previous: int | None = None
) -> tuple[list[Strip], int | None]:
    """Children of a vertical container with margins collapsed between siblings (the
    first child's top margin kept, against `previous`, the bottom margin of what came
    before). Returns the lines and the last bottom margin."""
    lines: list[Strip] = []
    for part in parts:
        gap = part.top if previous is None else max(previous, part.top)
        lines.extend(_blank(width, style) for _ in range(gap))
        lines.extend(part.lines)
        previous = part.bottom
    return lines, previous


def _render_children(
    node: _Node, width: int, ctx: _Context, style: Style | None = None
) -> list[Strip]:
    style = ctx.base if style is None else style
    parts = [_render(child, width, ctx, parent=node.kind) for child in node.children]
    lines, bottom = _stack(parts, width, style)
    lines.extend(_blank(width, style) for _ in range(bottom or 0))
    return lines


def _render(node: _Node, width: int, ctx: _Context, *, parent: str = "root") -> _Rendered:
    """One block. `parent` is the kind of block it sits in ("root" at the top): as
    with Textual's Markdown CSS, only top-level paragraphs have a bottom margin, and
    only top-level fences use the transcript's compact style."""
    kind = node.kind
    base = ctx.base
    top_level = parent == "root"
    if kind == "paragraph":
        lines = _text(node.inline or Content(""), width, base, ctx)
        return _Rendered(lines, 0, 1 if top_level else 0)
    if kind == "heading":
        level = min(max(node.level, 1), 6)
        style = base + ctx.style(
            f"$markdown-h{level}-color on $markdown-h{level}-background "
            f"$markdown-h{level}-text-style"
        )
        align = "center" if level == 1 else "left"
        lines = _text(node.inline or Content(""), width, style, ctx, align=align)
        if level != 3:
            # The heading's background spans the width (h3 is as wide as its text).
            fill = (base + ctx.style(f"on $markdown-h{level}-background")).rich_style
            lines = [line.extend_cell_length(width, fill) for line in lines]
        return _Rendered(lines, 2 if level <= 2 else 1, 1)
    if kind == "hr":
        rule = Strip([Segment("─" * width, (base + ctx.style("$secondary")).rich_style)], width)
        return _Rendered([_blank(width, base), rule], 0, 1)
    if kind == "fence":
        return _fence(node, width, ctx, top_level=top_level)
    if kind == "blockquote":
        return _quote(node, width, ctx)
    if kind in ("bullet_list", "ordered_list"):
        return _list(node, width, ctx, in_list=parent == "list_item")
    if kind == "table":
        return _table(node, width, ctx)
    # Anything else: its text, if it has any.
    if node.inline is not None:
        return _Rendered(_text(node.inline, width, base, ctx), 0, 1 if top_level else 0)
    return _Rendered(_render_children(node, width, ctx), 0, 0)


def _fence(node: _Node, width: int, ctx: _Context, *, top_level: bool) -> _Rendered:
    background = "" if ctx.ansi else (" on black 10%" if ctx.dark else " on white 30%")
    style = ctx.base + ctx.style("rgb(210,210,210)" + background)
    # The transcript's CSS makes top-level fences compact; nested ones keep
    # Textual's defaults.
    pad_y, pad_x, margin = (0, 1, 0) if top_level else (1, 2, 1)
    inner = max(width - 2 * pad_x, 1)
    code = node.code
    omitted = 0
    if top_level:
        rows = FENCE_MAX_ROWS
        code_lines = code.split("\n")
        if len(code_lines) > rows:
            omitted = len(code_lines) - (rows - 1)
            code = "\n".join(code_lines[: rows - 1])
    highlighted = MarkdownFence.highlight(code, node.lang, ansi=ctx.ansi, dark=ctx.dark)
    lines = _text(highlighted, inner, style, ctx, wrap=False, fill=True)
    if omitted:
        noun = "line" if omitted == 1 else "lines"
        note = Content.styled(f"… {omitted:,} more {noun}", "$text-muted italic")
        lines += _text(note, inner, style, ctx, fill=True)
    rich = style.rich_style
    if pad_x:
        side = Segment(" " * pad_x, rich)
        lines = [Strip([side, *line, side], inner + 2 * pad_x) for line in lines]
    blank = _blank(width, style)
    lines = [blank] * pad_y + lines + [blank] * pad_y
    return _Rendered(lines, margin, 1)


def _quote(node: _Node, width: int, ctx: _Context) -> _Rendered:
    style = ctx.base + ctx.style("on $boost")
    bar = ctx.style("$text-primary 50%" if ctx.dark else "$text-secondary")
    inner = max(width - 3, 1)
    sub = _Context(style, ctx.dark, ctx.ansi, ctx.styles)
    body = _render_children(node, inner, sub, style)
    rich = style.rich_style
    left = [Segment("▌", (style + bar).rich_style), Segment(" ", rich)]
    right = Segment(" ", rich)
    lines = [
        Strip([*left, *line.extend_cell_length(inner, rich), right], inner + 3) for line in body
    ]
    return _Rendered(lines, 1, 1)


def _list(node: _Node, width: int, ctx: _Context, *, in_list: bool) -> _Rendered:
    items = [child for child in node.children if child.kind == "list_item"]
    if node.kind == "ordered_list":
        start = int(items[0].bullet) if items and items[0].bullet.isdigit() else 1
        numbers = [f"{number}. " for number in range(start, start + len(items))]
        size = max((len(n) for n in numbers), default=0)
        bullets = [n.rjust(size + 1) for n in numbers]
    else:
        bullets = [item.bullet for item in items]
    base = ctx.base.rich_style
    bullet_style = (
        ctx.base + ctx.style("$text-primary" if ctx.dark else "$text-secondary")
    ).rich_style
    lines: list[Strip] = []
    for item, bullet in zip(items, bullets, strict=True):
        indent = cell_len(bullet)
        inner = max(width - indent, 1)
        body = _render_children(item, inner, ctx) or [_blank(inner, ctx.base)]
        mark = Segment(bullet, bullet_style)
        pad = Segment(" " * indent, base)
        for index, line in enumerate(body):
            lines.append(Strip([mark if index == 0 else pad, *line], indent + line.cell_length))
    # A list in a list has no margin of its own.
    return _Rendered(lines, 0, 0 if in_list else 1)


def _table(node: _Node, width: int, ctx: _Context) -> _Rendered:
    header: list[Content] = []
    rows: list[list[Content]] = []
    for section in node.children:
        for row in section.children:
            cells = [cell.inline or Content("") for cell in row.children]
            if section.kind == "thead":
                header = cells
            else:
                rows.append(cells)
    columns = max([len(header), *(len(r) for r in rows)], default=0)
    if not columns:
        return _Rendered([], 0, 1)
    header += [Content("")] * (columns - len(header))
    rows = [r + [Content("")] * (columns - len(r)) for r in rows]
    natural = [
        max(cell_len(c.plain) for c in [header[i], *(r[i] for r in rows)]) + 2
        for i in range(columns)
    ]
    available = max(width - (columns + 1), 3 * columns)
    total = sum(natural)
    widths: list[int] = []
    if total <= available:
        # Spread to the full width in proportion, as Textual's table grid does.
        done = 0
        for i in range(columns):
            edge = round(sum(natural[: i + 1]) * available / total)
            widths.append(edge - done)
            done = edge
    else:
        # Too wide: the widest columns give up space first (their text wraps),
        # down to their longest word.
        widths = list(natural)
        least = [
            max(
                3,
                *(
                    max((cell_len(w) for w in c.plain.split()), default=0) + 2
                    for c in [header[i], *(r[i] for r in rows)]
                ),
            )
            for i in range(columns)
        ]
        for i in sorted(range(columns), key=lambda i: -natural[i]):
            excess = sum(widths) - available
            if excess <= 0:
                break
            widths[i] = max(least[i], widths[i] - excess)
        excess = sum(widths) - available
        for i in sorted(range(columns), key=lambda i: -widths[i]):
            if excess <= 0:
                break
            cut = min(excess, widths[i] - 3)
            widths[i] -= cut
            excess -= cut
    table = ctx.base if ctx.dark else ctx.base + ctx.style("on white 30%")
    ctx = _Context(table, ctx.dark, ctx.ansi, ctx.styles)
    base = table.rich_style
    line_style = (table + ctx.style("$foreground 20%")).rich_style
    head_style = table + ctx.style("$primary")

    def rule(left: str, middle: str, right: str) -> Strip:
        text = left + middle.join("─" * w for w in widths) + right
        return Strip([Segment(text, line_style)], cell_len(text))

    def row_lines(cells: list[Content], style: Style, *, bottom: bool) -> list[Strip]:
        rendered = [_text(c, max(w - 2, 1), style, ctx) for c, w in zip(cells, widths, strict=True)]
        height = max(len(r) for r in rendered)
        bar = Segment("│", line_style)
        space = Segment(" ", base)
        out: list[Strip] = []
        for y in range(height):
            segments: list[Segment] = [bar]
            for cell, w in zip(rendered, widths, strict=True):
                # Header cells sit at the bottom of their row, body cells at the top.
                offset = height - len(cell) if bottom else 0
                part = cell[y - offset] if 0 <= y - offset < len(cell) else Strip.blank(0)
                segments += [space, *part.extend_cell_length(w - 2, base), space, bar]
            out.append(Strip(segments))
        return out

    lines = [rule("┌", "┬", "┐"), *row_lines(header, head_style, bottom=True)]
    for cells in rows:
        lines.append(rule("├", "┼", "┤"))
        lines += row_lines(cells, ctx.base, bottom=False)
    lines.append(rule("└", "┴", "┘"))
    return _Rendered(lines, 0, 1)


# ---------------------------------------------------------------- the document


@dataclass
class _Part:
    """A drawn block: its lines and margins."""

    lines: list[_Line]
    top: int
    bottom: int


@dataclass(eq=False)
class _Block:
    """One top-level block, and what it looked like at the width and style it was
    last drawn at. (Only the tree is kept, not markdown-it's tokens: a long reply
    has tens of thousands of them.)"""

    nodes: list[_Node]
    key: object = None
    rendered: list[_Part] = field(default_factory=list)

    @classmethod
    def parse(cls, tokens: list[Token]) -> _Block:
        return cls(_tree(tokens))

    def render(self, width: int, ctx: _Context, key: object) -> list[_Part]:
        if self.key != key:
            self.rendered = [_draw_node(node, width, ctx) for node in self.nodes]
            self.key = key
        return self.rendered


def _draw_node(node: _Node, width: int, ctx: _Context) -> _Part:
    """A top-level block drawn as lines. A paragraph of plain prose (most of a reply)
    goes straight to lines, as `_render` would draw it, without strips between."""
    inline = node.inline
    if node.kind == "paragraph" and inline is not None and _is_plain(inline):
        lines = _plain_lines(inline.plain, max(width, 1), ctx.base)
        if lines is not None:
            return _Part(lines, 0, 1)
    drawn = _render(node, width, ctx)
    return _Part([(list(line), line.cell_length) for line in drawn.lines], drawn.top, drawn.bottom)


@dataclass
class _Staged:
    """Final blocks drawn but not shown yet: their lines, how many blocks are drawn
    in all, and the bottom margin after the last."""

    lines: list[_Line]
    drawn: int
    bottom: int | None


def _assemble(
    parts: list[_Part], width: int, style: Style, previous: int | None, out: list[_Line]
) -> int | None:
    """Append the parts' lines to `out`, with margins collapsed as in `_stack`;
    returns the last bottom margin."""
    blank: _Line = ([Segment(" " * width, style.rich_style)], width)
    for part in parts:
        gap = part.top if previous is None else max(previous, part.top)
        out.extend([blank] * gap)
        out.extend(part.lines)
        previous = part.bottom
    return previous


def _prose_paragraph(text: str) -> _Block | None:
    """`text` as a paragraph block if it is plain prose (see `_PROSE`): its words,
    one space apart."""
    if "://" in text or not _PROSE.fullmatch(text):
        return None
    return _Block([_Node("paragraph", inline=Content(" ".join(text.split())))])


class _Document:
    """A Markdown source as final blocks, and the source of the open block at its end
    (with the blocks it parses to right now)."""

    def __init__(self) -> None:
        self.parser = markdown_parser()
        self.blocks: list[_Block] = []
        self.tail = ""
        self.tail_blocks: list[_Block] = []
        self.tail_parsed = True
        self.final = False

    def set(self, source: str) -> None:
        self.blocks = [_Block.parse(tokens) for _, tokens in _top_level(self.parser.parse(source))]
        self.tail = ""
        self.tail_blocks = []
        self.tail_parsed = True
        self.final = True

    def append(self, text: str) -> None:
        self.tail += text
        self.tail_parsed = False
        self.final = False

    def finish(self) -> None:
        """No more text: the open block is final too."""
        self.parse_tail()
        self.blocks.extend(self.tail_blocks)
        self.tail = ""
        self.tail_blocks = []
        self.final = True

    def parse_tail(self, limit: int | None = None) -> bool:
        """Parse the text added since the last call: all of it, or (given `limit`)
        only about that many characters if some blocks become final that way.
        Returns whether all of it is parsed."""
        if self.tail_parsed:
            return True
        self._seal_prose()
        if not self.tail:
            self.tail_parsed = True
            self.tail_blocks = []
            return True
        if (paragraph := _prose_paragraph(self.tail.rstrip(" \n"))) is not None:
            # The open paragraph as markdown-it would read it at the end of the text:
            # trailing spaces and line ends break nothing there.
            self.tail_parsed = True
            self.tail_blocks = [paragraph]
            return True
        if limit is not None and len(self.tail) > 2 * limit:
            cut = self.tail.find("\n\n", limit)
            if cut != -1 and self._seal(_top_level(self.parser.parse(self.tail[: cut + 2]))):
                return False
        self.tail_parsed = True
        groups = _top_level(self.parser.parse(self.tail))
        if self._seal(groups):
            groups = groups[-1:]
        self.tail_blocks = [_Block.parse(tokens) for _, tokens in groups]
        return True

    def _seal_prose(self) -> None:
        """Make the paragraphs of plain prose at the start of the tail final, without
        markdown-it: the tail starts a block, a blank line ends a paragraph, and
        nothing after can change one (markdown-it parses ten times slower, and most
        of a reply is prose)."""
        tail = self.tail
        start = 0
        while (end := tail.find("\n\n", start)) != -1:
            paragraph = _prose_paragraph(tail[start:end])
            if paragraph is None:
                break
            self.blocks.append(paragraph)
            start = end + 2
            while tail.startswith("\n", start):
                start += 1
        if start:
            self.tail = tail[start:]

    def _seal(self, groups: list[tuple[int, list[Token]]]) -> bool:
        """Make every block but the last of `groups` (parsed from the start of the
        tail) final, and drop their text from the tail: once another block follows
        a block, nothing after can change it. Returns whether there were any."""
        start = groups[-1][0] if len(groups) > 1 else 0
        if start <= 0:
            return False
        self.blocks.extend(_Block.parse(tokens) for _, tokens in groups[:-1])
        offset = 0
        for _ in range(start):
            offset = self.tail.index("\n", offset) + 1
        self.tail = self.tail[offset:]
        return True


# ---------------------------------------------------------------- the widget


def _completed() -> AwaitComplete:
    return AwaitComplete.nothing()  # type: ignore[no-untyped-call,no-any-return]


class ReplyMarkdown(QuietResize, Markdown):
    """A run of reply text, drawn as lines (see the module docstring).

    A `Markdown` as far as the rest of the app is concerned (`source`, `update`,
    `append`) but without child widgets. `write` appends streamed text and `finish`
    ends the stream. Links are shown, not opened."""

    DEFAULT_CSS = """
    ReplyMarkdown {
        height: auto;
        width: 1fr;
    }
    """

    def __init__(self, markdown: str | None = None) -> None:
        super().__init__(None, parser_factory=markdown_parser, open_links=False)
        self._document = _Document()
        self._markdown = markdown or ""
        if markdown is not None:
            with paused():
                self._document.set(markdown)
        # The lines of the final blocks, as drawn at `_width` in `_style`, and the
        # bottom margin after them; then the lines of the open block (and the last
        # margin). `_tail_ok` while they show all the text; blocks drawn since,
        # not shown yet, wait in `_staged`.
        self._width = 0
        self._style: tuple[Style, bool, bool] | None = None
        self._lines: list[_Line] = []
        self._drawn = 0
        self._bottom: int | None = None
        self._tail_lines: list[_Line] = []
        self._tail_ok = False
        self._staged: _Staged | None = None
        self._preparing = False
        # While text drawn ahead waits to be shown: how many lines are shown. Any
        # layout meanwhile keeps that height, so it neither shows the text nor
        # repaints the transcript around a taller reply.
        self._hidden = False
        self._shown_count = 0
        # How many of the final blocks' lines were there when text was last shown:
        # those rows look the same since (see `_show`).
        self._shown_final = 0
        # While a frame paints rows of this reply (`render_lines`).
        self._painting = False

    # -- a Markdown to the app, a leaf to the layout

    @property
    def is_container(self) -> bool:
        return False

    async def _on_mount(self, event: Any) -> None:  # type: ignore[override]
        # Markdown's own handler would parse the source again and mount blocks.
        event.prevent_default()

    def update(self, markdown: str) -> AwaitComplete:
        self._markdown = markdown
        with paused():
            self._document.set(markdown)
        self._style = None
        self.refresh(layout=True)
        return _completed()

    def append(self, markdown: str) -> AwaitComplete:
        self.write(markdown)
        self.refresh(layout=True)
        return _completed()

    def write(self, text: str) -> None:
        """Append streamed text (already sanitized). It shows after `prepare`."""
        if not text:
            return
        self._markdown += text
        self._document.append(text)
        self._tail_ok = False

    def finish(self) -> None:
        """The stream has ended: the last block is final."""
        if self._document.final:
            return
        self._document.finish()
        self._tail_ok = False
        self.refresh(layout=True)

    async def prepare(self, *, show: bool = True) -> None:
        """Draw what `write` added, a slice at a time with the event loop free in
        between (the engine reads on; a key on its way goes first), then show it
        (unless `show` is False: then it shows with `reveal`, or the next `prepare`
        that shows). A reply not laid out yet is drawn by its first layout instead."""
        if not show and not self._hidden:
            self._shown_count = self._count()
        if self._width and self._style is not None and not self._tail_ok:
            self._preparing = True
            try:
                while True:
                    with paused():
                        parsed = self._document.parse_tail(limit=PARSE_SLICE)
                    if parsed:
                        break
                    await step_aside(self)
                while not self._tail_ok:
                    with paused():
                        done = self._draw(self._width, until=time.monotonic() + DRAW_SLICE)
                    if not done:
                        await step_aside(self)
            finally:
                self._preparing = False
        self._hidden = not show
        if show:
            self._show()

    def reveal(self) -> None:
        """Show what `prepare(show=False)` drew."""
        if self._hidden:
            self._hidden = False
            self._show()

    def _show(self) -> None:
        """Lay out and repaint the rows that may have changed since text was last
        shown: those of the open block, and of the blocks finished since. A final
        block's lines stay as they were drawn, and a long reply's rows above them
        keep what was painted."""
        first = self._shown_final
        self._shown_final = len(self._lines)
        if not self._width:
            self.refresh(layout=True)
            return
        end = max(self._count(), self.size.height)
        self.refresh(Region(0, first, self._width, max(end - first, 1)), layout=True)

    # -- drawing

    def _height(self, width: int, *, paint: bool = False) -> int:
        """Bring the lines up to date for `width` and return how many there are. The
        final blocks are drawn once; the open block again after each write. A new
        style (a theme, the cursor's background) only matters for painting: layout
        keeps the lines it has, so a reply off screen is not drawn again. While
        `prepare` is drawing, the lines shown so far stay as they are."""
        width = max(width, 1)
        app = self.app
        style = (self.visual_style, app.current_theme.dark, app.native_ansi_color)
        if width != self._width or self._style is None or (paint and style != self._style):
            self._width = width
            self._style = style
            self._lines = []
            self._drawn = 0
            self._bottom = None
            self._tail_ok = False
            self._staged = None
            self._hidden = False  # (a count of lines at another width means nothing)
            self._shown_final = 0
        elif self._tail_ok or self._preparing:
            return self._count()
        with paused():
            self._draw(width)
        return self._count()

    def _count(self) -> int:
        """How many lines show: those drawn, or as many as showed before text was
        drawn ahead (see `prepare`)."""
        count = len(self._lines) + len(self._tail_lines)
        return min(count, self._shown_count) if self._hidden else count

    def _draw(self, width: int, until: float | None = None) -> bool:
        """Draw the final blocks not drawn yet, then the open block, and show them;
        or stop once `until` (a time) has passed, keeping what was drawn for the
        next call. Returns whether it got to the end."""
        assert self._style is not None
        base, dark, ansi = self._style
        ctx = _Context(base, dark, ansi)
        key = (width, self._style)
        document = self._document
        document.parse_tail()
        blocks = document.blocks
        staged = self._staged
        if staged is None:
            staged = self._staged = _Staged([], self._drawn, self._bottom)
        while staged.drawn < len(blocks):
            drawn = blocks[staged.drawn].render(width, ctx, key)
            staged.bottom = _assemble(drawn, width, base, staged.bottom, staged.lines)
            staged.drawn += 1
            if until is not None and time.monotonic() > until:
                return False
        parts: list[_Part] = []
        for block in document.tail_blocks:
            parts += block.render(width, ctx, key)
        tail: list[_Line] = []
        bottom = _assemble(parts, width, base, staged.bottom, tail)
        _assemble([_Part([], bottom or 0, 0)], width, base, None, tail)
        self._lines += staged.lines
        self._drawn = staged.drawn
        self._bottom = staged.bottom
        self._tail_lines = tail
        self._tail_ok = True
        self._staged = None
        return True

    def _line(self, y: int) -> _Line | None:
        lines = self._lines
        if y < len(lines):
            return lines[y]
        y -= len(lines)
        tail = self._tail_lines
        return tail[y] if y < len(tail) else None

    def rendered_lines(self, width: int | None = None) -> list[Strip]:
        """The lines as drawn at `width` (the current width by default)."""
        width = self.content_size.width if width is None else width
        height = self._height(width, paint=True)
        return [Strip(*line) for y in range(height) if (line := self._line(y)) is not None]

    def rendered_text(self, width: int | None = None) -> str:
        """What the lines show, as plain text (trailing spaces removed)."""
        return "\n".join(line.text.rstrip() for line in self.rendered_lines(width))

    def get_content_width(self, container: Size, viewport: Size) -> int:
        return container.width

    def get_content_height(self, container: Size, viewport: Size, width: int) -> int:
        return self._height(width)

    def render_lines(self, crop: Region) -> list[Strip]:
        # The lines are brought up to date once for all the rows a frame paints.
        self._height(self.content_size.width, paint=True)
        self._painting = True
        try:
            return super().render_lines(crop)
        finally:
            self._painting = False

    def render_line(self, y: int) -> Strip:
        width = self.content_size.width
        if not self._painting:
            self._height(width, paint=True)
        line = self._line(y) if y >= 0 else None
        if line is None:
            return Strip.blank(width, self.visual_style.rich_style)
        strip = Strip(*line).apply_offsets(0, y)
        selection = self.text_selection
        if selection is not None and (span := selection.get_span(y)) is not None:
            strip = self._select(strip, *span)
        return strip

    def _select(self, strip: Strip, start: int, end: int) -> Strip:
        if end == -1:
            end = strip.cell_length
        if end <= start:
            return strip
        style = Style.from_styles(self.screen.get_component_styles("screen--selection"))
        rich: RichStyle = style.rich_style
        middle = Strip(
            [Segment(t, (s + rich) if s else rich, c) for t, s, c in strip.crop(start, end)]
        )
        return Strip.join([strip.crop(0, start), middle, strip.crop(end)])

    def get_selection(self, selection: Selection) -> tuple[str, str] | None:
        return selection.extract(self.rendered_text()), "\n"
