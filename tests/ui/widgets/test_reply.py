"""ReplyMarkdown: replies drawn as lines look like Textual's Markdown, streaming draws
the same as the whole text, and text stays literal."""

from __future__ import annotations

import random
from typing import Any

from textual.app import App, ComposeResult
from textual.containers import Vertical
from textual.widgets import Markdown
from widget_helpers import CSS_PATHS, line_colours

from tui.agent.turns import Turn
from tui.widgets.reply import FENCE_MAX_ROWS, ReplyMarkdown, _Block, _Node, markdown_parser
from tui.widgets.turn_view import TurnRecord, TurnView

SAMPLE = """\
# Title

A paragraph with *emphasis*, **strong**, `code`, a [link](https://example.com) and
~~struck~~ text, long enough to wrap around at least once in a narrow terminal.

## Second heading

### Third

- one
- two
  - nested
  - nested two
- three

1. first
2. second with a long line of text that wraps around the width of the view nicely
   - sub a
   - sub b
10. tenth

> A quote with a list:
> - one
> - two
>
> and a paragraph.

```python
def hello(name: str) -> None:
    print(f"hi {name}")
```

#### H4 heading
##### H5
###### H6

    indented code block

| left | right | third column with long header |
|:-----|------:|---|
| a very long cell that needs wrapping maybe | b | c |
| x | y | z |

---

<div>html stays text</div>

- item with a paragraph

  and a second paragraph
- item two
"""


def _turn() -> TurnView:
    return TurnView(TurnRecord(Turn(number=1, prompt="q")), 1)


class CompareApp(App[None]):
    """Two turns: one with Textual's Markdown, one with ReplyMarkdown."""

    CSS_PATH = CSS_PATHS  # type: ignore[assignment]
    CSS = "Screen { layout: horizontal; } Screen > Vertical { width: 1fr; height: auto; }"

    def __init__(self, source: str) -> None:
        super().__init__()
        self.source = source

    def compose(self) -> ComposeResult:
        with Vertical(id="textual"):
            yield _turn()
        with Vertical(id="ours"):
            yield _turn()

    async def on_mount(self) -> None:
        theirs = self.query_one("#textual TurnView", TurnView)
        ours = self.query_one("#ours TurnView", TurnView)
        await theirs.mount(
            Markdown(self.source, parser_factory=markdown_parser), before=theirs._footer
        )
        await ours.mount(ReplyMarkdown(self.source), before=ours._footer)


def _screen_lines(app: App[None], region: object) -> list[str]:
    strips = app.screen._compositor.render_strips()
    x, y, width, height = region  # type: ignore[misc]
    return [strip.crop(x, x + width).text.rstrip() for strip in strips[y : y + height]]


async def test_looks_like_textual_markdown() -> None:
    app = CompareApp(SAMPLE)
    async with app.run_test(size=(160, 120)) as pilot:
        for _ in range(20):
            await pilot.pause(0.05)
        theirs = app.query_one("#textual Markdown", Markdown)
        ours = app.query_one("#ours ReplyMarkdown", ReplyMarkdown)
        assert theirs.region.height == ours.region.height > 50
        assert _screen_lines(app, theirs.region) == _screen_lines(app, ours.region)
        # Fenced code is highlighted: the keyword and the rest differ in colour.
        assert len(line_colours(app.query_one("#ours"), "def hello")) >= 2


class StreamApp(App[None]):
    CSS_PATH = CSS_PATHS  # type: ignore[assignment]

    def __init__(self, source: str) -> None:
        super().__init__()
        self.source = source

    def compose(self) -> ComposeResult:
        yield ReplyMarkdown(self.source)
        yield ReplyMarkdown()


async def test_streamed_in_any_pieces_draws_like_the_whole_text() -> None:
    source = SAMPLE * 3 + "".join(
        f"word{i} " + ("\n\n" if i % 40 == 39 else "") for i in range(800)
    )
    for seed in range(3):
        app = StreamApp(source)
        async with app.run_test(size=(90, 50)) as pilot:
            whole, streamed = app.query(ReplyMarkdown)
            await pilot.pause()
            rng = random.Random(seed)
            at = 0
            while at < len(source):
                size = rng.choice([1, 3, 17, 200, 3000, 9000])
                streamed.write(source[at : at + size])
                at += size
                await streamed.prepare()
                if rng.random() < 0.3:
                    await pilot.pause()
            streamed.finish()
            await pilot.pause()
            assert streamed.source == source
            assert streamed.rendered_text() == whole.rendered_text()


async def test_text_is_literal_and_long_code_is_cut() -> None:
    code = "\n".join(f"line_{i} = [bold]{i}[/]" for i in range(200))
    source = f"[red]not red[/] <b>tag</b>\n\n```\n{code}\n```\n"
    app = StreamApp(source)
    async with app.run_test(size=(90, 80)) as pilot:
        await pilot.pause()
        text = app.query(ReplyMarkdown).first().rendered_text()
        assert "[red]not red[/]" in text and "<b>tag</b>" in text
        assert "line_0 = [bold]0[/]" in text
        shown = FENCE_MAX_ROWS - 1
        assert f"line_{shown - 1} = " in text and f"line_{shown} = " not in text
        assert f"… {200 - shown} more lines" in text


def _underlined(reply: ReplyMarkdown) -> list[str]:
    """The runs of text drawn underlined (how links show)."""
    runs = []
    for line in reply.rendered_lines():
        for segment in line:
            if segment.style is not None and segment.style.underline and segment.text.strip():
                runs.append(segment.text)
    return runs


async def test_file_names_are_not_links_and_urls_are() -> None:
    source = "Edit app.py, main.rs and setup.sh; see https://example.com/docs or [the guide](x).\n"
    app = StreamApp(source)
    async with app.run_test(size=(120, 20)) as pilot:
        await pilot.pause()
        underlined = "".join(_underlined(app.query(ReplyMarkdown).first()))
        assert "https://example.com/docs" in underlined and "the guide" in underlined
        for name in ("app.py", "main.rs", "setup.sh"):
            assert name not in underlined


def test_plain_prose_is_drawn_as_textual_draws_it() -> None:
    """Unstyled ASCII lines take a shorter way to their lines (`_plain_lines`); once
    painted (which sets every segment's selection offset), they are what Textual's
    own wrapping makes, breaks, offsets and all."""
    from textual.color import Color
    from textual.content import Content
    from textual.strip import Strip
    from textual.style import Style
    from textual.visual import RenderOptions

    from tui.widgets.reply import _plain_lines

    style = Style(background=Color.parse("#102030"), foreground=Color.parse("#e0e0e0"))
    options = RenderOptions(
        lambda spec: Style(), {"text_wrap": "wrap", "text_overflow": "fold", "text_align": "left"}
    )  # type: ignore[arg-type]
    rnd = random.Random(3)
    cases = [("", 10), ("   ", 2), ("word", 4), ("  lead and trail   ", 7), ("x" * 30, 8)]
    for _ in range(5000):
        text = "".join(rnd.choice("abcdef  gh ") for _ in range(rnd.randint(0, 80)))
        cases.append((text, rnd.randint(1, 24)))
    for _ in range(300):
        words = [rnd.choice(("a", "word", "longer", "x" * 9)) for _ in range(rnd.randint(1, 120))]
        cases.append((" ".join(words) + " " * rnd.randint(0, 3), rnd.randint(10, 120)))

    def painted(strips: list[Strip]) -> list[tuple[list[object], int]]:
        return [(list(s.apply_offsets(0, y)), s.cell_length) for y, s in enumerate(strips)]

    for text, width in cases:
        ours = _plain_lines(text, width, style)
        if ours is None:  # left to Textual: only for a word wider than the line
            assert len(text) - len(text.lstrip(" ")) + max(map(len, text.split())) > width
            continue
        theirs = Content(text).render_strips(width, None, style, options)
        assert painted([Strip(*line) for line in ours]) == painted(theirs), (text, width)


def test_plain_paragraphs_skip_strips_and_draw_the_same() -> None:
    """A top-level paragraph of plain prose goes straight to lines (`_draw_node`);
    they are the lines, styles and margins the general drawing (`_render`) makes.
    Paragraphs with styles or wide characters take the general way."""
    from textual.color import Color
    from textual.style import Style

    from tui.widgets.reply import _Context, _Document, _draw_node, _render

    ctx = _Context(
        Style(background=Color.parse("#102030"), foreground=Color.parse("#eee")), True, False
    )
    rnd = random.Random(5)
    words = ("a", "word", "longer", "x" * 9, "it's", "(paren)", "1.5")
    source = "\n\n".join(
        " ".join(rnd.choice(words) for _ in range(rnd.randint(1, 60))) for _ in range(40)
    )
    source += "\n\nWith *emphasis* here.\n\nWide 字 text.\n\n" + "y" * 50
    document = _Document()
    document.set(source)
    nodes = [node for block in document.blocks for node in block.nodes]
    assert len(nodes) == 43
    for width in (8, 23, 61):
        for node in nodes:
            drawn = _render(node, width, ctx)
            general = ([(list(s), s.cell_length) for s in drawn.lines], drawn.top, drawn.bottom)
            part = _draw_node(node, width, ctx)
            assert (part.lines, part.top, part.bottom) == general, (node.inline, width)


def _tree_of(blocks: list[_Block]) -> list[object]:
    """The node trees of a document's blocks, as comparable values."""

    def node(n: _Node) -> object:
        inline = n.inline
        text = None if inline is None else (inline.plain, [tuple(s) for s in inline.spans])
        fields = (n.kind, n.level, n.code, n.lang, n.bullet, n.ordered)
        return (*fields, text, [node(c) for c in n.children])

    return [[node(n) for n in block.nodes] for block in blocks]


def test_prose_paragraphs_skip_markdown_it_and_parse_the_same(monkeypatch: Any) -> None:
    """Paragraphs of plain prose at the start of the streamed text are made final
    without markdown-it (`_Document._seal_prose`), and an open one at its end is
    read without it too. Streamed in random pieces, random documents of prose mixed
    with Markdown (and with prose that only looks plain: links, line breaks, setext
    underlines, indented lines) parse, at every step and at the end, to the trees
    that markdown-it gives the text so far, and plain prose never reaches
    markdown-it."""
    import tui.widgets.reply as reply

    verdicts: list[bool] = []
    prose = reply._PROSE

    class Counted:
        def fullmatch(self, text: str) -> object:
            found = prose.fullmatch(text)
            verdicts.append(found is not None)
            return found

    monkeypatch.setattr(reply, "_PROSE", Counted())
    words = ["alpha", "Bravo", "it's", "(paren)", "1.5", "50%", "and/or", "wait!", "why?", "x-y"]
    specials = [
        "**bold**", "`code`", "_under_", "~~gone~~", "[link](u)", "&amp;", "a\\*b", "<b>",
        "https://example.com", "mailto:a@b.c", "a|b", "snake_case",
    ]  # fmt: skip
    starts = ["- ", "1. ", "# ", "> ", "    ", "   ", "```\n", "| ", "2) ", "***\n"]
    rnd = random.Random(11)

    def line() -> str:
        parts = [rnd.choice(words) for _ in range(rnd.randint(1, 12))]
        roll = rnd.random()
        if roll < 0.1:  # Markdown inside the line
            parts.insert(rnd.randint(1, len(parts)), rnd.choice(specials))
        text = " ".join(parts)
        if 0.1 <= roll < 0.15:  # a line that starts a block
            text = rnd.choice(starts) + text
        elif 0.15 <= roll < 0.18:  # a line break, or an underline below the line
            text += rnd.choice(("  ", " ", "\n===", "\n---"))
        return text

    def document() -> str:
        paragraphs = ["\n".join(line() for _ in range(rnd.randint(1, 5))) for _ in range(12)]
        return "".join(p + rnd.choice(("\n\n", "\n\n\n", "\n")) for p in paragraphs)

    def parsed_whole(text: str) -> list[object]:
        whole = reply._Document()
        whole.set(text)
        return _tree_of(whole.blocks)

    for _ in range(300):
        source = document()
        streamed = reply._Document()
        at = 0
        while at < len(source):
            step = rnd.randint(1, 200)
            streamed.append(source[at : at + step])
            at += step
            if streamed.parse_tail(limit=rnd.choice((None, 40, 400))):
                # What is shown meanwhile: the whole text so far, as markdown-it reads it.
                shown = _tree_of(streamed.blocks + streamed.tail_blocks)
                assert shown == parsed_whole(source[:at]), source[:at]
        streamed.finish()
        assert _tree_of(streamed.blocks) == parsed_whole(source), source
    # Both ways were taken, many times.
    assert verdicts.count(True) > 200 and verdicts.count(False) > 200

    parsed: list[str] = []
    document = reply._Document()
    parse = document.parser.parse
    monkeypatch.setattr(
        document.parser, "parse", lambda text, env=None: parsed.append(text) or parse(text, env)
    )
    prose_text = "\n\n".join(
        "\n".join(
            f"Line {i} of paragraph {p}: words, (some) punctuation; 50% and/or more!"
            for i in range(3)
        )
        for p in range(6)
    )
    for at in range(0, len(prose_text), 7):  # the open paragraph too, as it grows
        document.append(prose_text[at : at + 7])
        document.parse_tail()
    document.finish()
    assert len(document.blocks) == 6 and parsed == []
