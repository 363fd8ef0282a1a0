"""The prompt paints what TextArea itself would, without working its theme's styles
out of the CSS again for every key."""

from __future__ import annotations

from typing import Any

from textual._text_area_theme import TextAreaTheme
from textual.app import App, ComposeResult
from textual.geometry import Region
from textual.widgets import Button, TextArea

from tui.widgets.prompt import PromptInput


class PromptApp(App[None]):
    CSS = """
    PromptInput { height: 5; }
    PromptInput.-marked { background: darkred; }
    PromptInput.-marked .text-area--cursor-line { background: darkblue; }
    """

    def compose(self) -> ComposeResult:
        prompt = PromptInput()
        prompt.cursor_blink = False  # the cursor shows in every paint
        yield prompt
        yield Button("elsewhere")


def forget_painted_lines(prompt: PromptInput) -> None:
    # Lines painted before would come back from TextArea's cache and the widget's.
    prompt._line_cache.clear()
    prompt.refresh()


def as_textarea_paints(prompt: PromptInput) -> list[Any]:
    """The prompt's lines as TextArea paints them, with styles fresh from the CSS."""
    forget_painted_lines(prompt)
    return [list(strip) for strip in TextArea.render_lines(prompt, Region(0, 0, *prompt.size))]


def painted(prompt: PromptInput) -> list[Any]:
    forget_painted_lines(prompt)
    return [list(strip) for strip in prompt.render_lines(Region(0, 0, *prompt.size))]


async def test_typing_paints_without_looking_the_styles_up_again(monkeypatch: Any) -> None:
    calls = []
    apply_css = TextAreaTheme.apply_css
    monkeypatch.setattr(
        TextAreaTheme, "apply_css", lambda theme, area: calls.append(area) or apply_css(theme, area)
    )
    app = PromptApp()
    async with app.run_test(size=(60, 10)) as pilot:
        prompt = app.query_one(PromptInput)
        prompt.focus()
        await pilot.pause()
        painted(prompt)
        calls.clear()
        for char in "hello":
            await pilot.press(char)
            painted(prompt)
        assert prompt.text == "hello"
        assert calls == []  # five keys, five paints, no new look-up
        assert painted(prompt) == as_textarea_paints(prompt)


async def test_focus_class_and_theme_changes_paint_as_textarea_would() -> None:
    app = PromptApp()
    async with app.run_test(size=(60, 10)) as pilot:
        prompt = app.query_one(PromptInput)
        prompt.focus()
        prompt.load_text("some text")
        await pilot.pause()
        plain = painted(prompt)
        assert plain == as_textarea_paints(prompt)

        prompt.add_class("-marked")  # the text's background and the cursor line's
        await pilot.pause()
        focused = painted(prompt)
        assert focused != plain
        assert focused == as_textarea_paints(prompt)

        app.query_one(Button).focus()  # the cursor's look goes with the focus
        await pilot.pause()
        blurred = painted(prompt)
        assert blurred != focused
        assert blurred == as_textarea_paints(prompt)

        app.theme = "textual-light"  # every colour changes
        await pilot.pause()
        light = painted(prompt)
        assert light != blurred
        assert light == as_textarea_paints(prompt)

        prompt.theme = "monokai"  # another TextArea theme
        await pilot.pause()
        assert painted(prompt) == as_textarea_paints(prompt) != light
