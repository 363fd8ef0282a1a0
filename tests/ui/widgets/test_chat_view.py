"""ChatView: stored turns, streaming, tool blocks, notices, literal text, following the
bottom, lazy mounting of big sessions and the turn cursor."""

from __future__ import annotations

import asyncio
import time
from typing import Any

from textual.widgets import Collapsible, Markdown
from widget_helpers import (
    SID,
    ChatApp,
    assistant,
    line_colours,
    rendered_text,
    sample_turns,
    settle,
    simple_turns,
    text,
    tool_result,
    tool_use,
    user,
    wait_for,
)

from tui.agent.events import (
    ApiRetrying,
    ConnectionChanged,
    ErrorOccurred,
    MessageCompleted,
    PermissionRequest,
    PermissionRequested,
    PermissionResolved,
    TextDelta,
    ThinkingDelta,
    TitleChanged,
    ToolUseFinished,
    ToolUseInput,
    ToolUseStarted,
    TurnFinished,
    TurnInterrupted,
    TurnStarted,
    Usage,
)
from tui.agent.turns import group_turns
from tui.widgets import keys_first
from tui.widgets.chat import ChatView
from tui.widgets.keys_first import gate
from tui.widgets.turn_view import NoteLine, PromptBlock, ThinkingFold, ToolFold, TurnView


def views(chat: ChatView) -> list[TurnView]:
    return list(chat.query_children(TurnView))


async def _streaming(
    app: ChatApp, pilot: Any, prompt: str = "go", text: str = "first words\n\n"
) -> ChatView:
    """A turn streaming after the app's stored turns, its first words on screen."""
    chat = app.chat
    await settle(chat, pilot)
    chat.handle_event(TurnStarted(SID, prompt))
    chat.handle_event(TextDelta(SID, text))
    await settle(chat, pilot)
    return chat


# ---------------------------------------------------------------- stored turns


async def test_show_turns_renders_prompts_replies_and_footer() -> None:
    app = ChatApp(sample_turns())
    async with app.run_test(size=(100, 40)) as pilot:
        chat = app.chat
        await settle(chat, pilot)
        assert chat.turn_count == 3
        shown = views(chat)
        assert [v.number for v in shown] == [1, 2, 3]
        prompts = [str(p.render()) for p in chat.query(PromptBlock)]
        assert prompts == [
            "What does this project do?",
            "List the files, then show me a hello world in Python.",
            "Now refactor everything",
        ]
        first = rendered_text(shown[0])
        assert "It is a terminal app for working with Claude agents." in first
        assert "1.5k tokens" in first
        # The second turn: thinking collapsed, then the tool, then a highlighted fence.
        second = shown[1]
        folds = list(second.query(Collapsible))
        assert [type(f) for f in folds] == [ThinkingFold, ToolFold]
        assert all(f.collapsed for f in folds)
        # The fence is highlighted: the keyword, the name and the rest differ.
        assert "def hello() -> None:" in rendered_text(second)
        assert len(line_colours(second, "def hello() -> None:")) >= 2
        assert chat.turn(2) is not None and "print('hi')" in chat.turn(2).reply  # type: ignore[union-attr]
        assert chat.turn(4) is None


async def test_interrupted_turn_is_marked() -> None:
    app = ChatApp(sample_turns())
    async with app.run_test(size=(100, 40)) as pilot:
        chat = app.chat
        await settle(chat, pilot)
        last = views(chat)[-1]
        assert last.has_class("-interrupted")
        assert "interrupted" in str(
            last.query_one(".turn-footer", expect_type=type(last._footer)).render()
        )
        assert not views(chat)[0].has_class("-interrupted")


async def test_tool_block_summary_pretty_input_and_truncated_result() -> None:
    long_output = "\n".join(f"line {i}" for i in range(1, 101))
    turns = group_turns(
        [
            user("run it"),
            assistant(
                tool_use("t1", "Bash", {"command": "seq 100\necho done", "description": "Count"}),
                tool_use("t2", "Grep", {"pattern": "TODO", "path": "src"}),
            ),
            tool_result("t1", long_output),
            tool_result("t2", "grep: src: No such file", is_error=True),
            assistant(text("Done.")),
        ]
    )
    app = ChatApp(turns)
    async with app.run_test(size=(100, 40)) as pilot:
        chat = app.chat
        await settle(chat, pilot)
        bash, grep = list(chat.query(ToolFold))
        assert str(bash._title.render()).endswith("Bash  seq 100 ✓")
        assert str(grep._title.render()) == "▸ Grep  src ✗"
        assert grep.has_class("-error")
        # Bodies are built on first expansion.
        assert not bash.query(".tool-result")
        bash.collapsed = False
        grep.collapsed = False
        await settle(chat, pilot)
        body = rendered_text(bash)
        assert "seq 100" in body and "Count" in body
        result = str(bash.query_one(".tool-result").render())
        assert "line 40" in result and "line 41" not in result
        assert "… 60 more lines" in result
        error = grep.query_one(".tool-result")
        assert error.has_class("-error")
        assert "No such file" in str(error.render())
        assert '"pattern": "TODO"' in rendered_text(grep)


async def test_enter_toggles_details_of_the_cursor_turn() -> None:
    app = ChatApp(sample_turns())
    async with app.run_test(size=(100, 40)) as pilot:
        chat = app.chat
        await settle(chat, pilot)
        chat.start_cursor()
        await pilot.press("k")
        assert chat.cursor_turn == 2
        await pilot.press("enter")
        await settle(chat, pilot)
        folds = list(views(chat)[1].query(Collapsible))
        assert folds and not any(f.collapsed for f in folds)
        assert "The user wants a listing first." in rendered_text(views(chat)[1])
        await pilot.press("enter")
        assert all(f.collapsed for f in folds)


# ---------------------------------------------------------------- streaming


async def test_streaming_deltas_accumulate_into_markdown_with_code() -> None:
    app = ChatApp(simple_turns(2))
    async with app.run_test(size=(100, 40)) as pilot:
        chat = app.chat
        await settle(chat, pilot)
        chat.handle_event(TurnStarted(SID, "Show code"))
        reply = (
            "Sure:\n\n```python\nfor i in range(3):\n    print(i)\n```\n\nThat prints **0 to 2**."
        )
        for i in range(0, len(reply), 2):
            chat.handle_event(TextDelta(SID, reply[i : i + 2]))
            await asyncio.sleep(0)
        await settle(chat, pilot)
        assert chat.turn_count == 3
        live = views(chat)[-1]
        assert live.number == 3 and live.has_class("-live")
        assert "streaming" in str(live._footer.render())
        markdown = live.query_one(Markdown)
        assert markdown.source == reply
        shown = rendered_text(live)
        assert "for i in range(3):\n     print(i)" in shown
        assert "That prints 0 to 2." in shown
        assert len(line_colours(live, "for i in range(3):")) >= 2
        chat.handle_event(TurnFinished(SID, Usage(100, 50), 0.0042, 2500))
        await settle(chat, pilot)
        assert not live.has_class("-live")
        footer = str(live._footer.render())
        assert "2.5 s" in footer and "150 tokens" in footer and "$0.0042" in footer
        turn = chat.turn(3)
        assert turn is not None and turn.reply == reply and turn.usage == Usage(100, 50)


async def test_many_tiny_deltas_are_coalesced() -> None:
    app = ChatApp(simple_turns(1))
    async with app.run_test(size=(100, 40)) as pilot:
        chat = app.chat
        await settle(chat, pilot)
        chat.handle_event(TurnStarted(SID, "long"))
        words = [f"w{i} " for i in range(5000)]
        started = time.perf_counter()
        for i, word in enumerate(words):
            chat.handle_event(TextDelta(SID, word))
            if i % 50 == 0:
                await asyncio.sleep(0)
        fed = time.perf_counter() - started
        chat.handle_event(TurnFinished(SID, Usage(), None, 10))
        await settle(chat, pilot)
        total = time.perf_counter() - started
        print(f"5000 deltas: fed in {fed:.3f}s, rendered in {total:.3f}s")
        markdown = views(chat)[-1].query_one(Markdown)
        assert markdown.source == "".join(words)
        assert total < 10


async def test_text_tool_text_keep_their_order() -> None:
    app = ChatApp([])
    async with app.run_test(size=(100, 40)) as pilot:
        chat = app.chat
        chat.handle_event(TurnStarted(SID, "look"))
        chat.handle_event(ThinkingDelta(SID, "hmm "))
        chat.handle_event(ThinkingDelta(SID, "let me look"))
        chat.handle_event(TextDelta(SID, "First I will "))
        chat.handle_event(TextDelta(SID, "list files."))
        chat.handle_event(ToolUseStarted(SID, "t1", "Bash"))
        await settle(chat, pilot)
        tool = chat.query_one(ToolFold)
        assert tool.has_class("-running")
        chat.handle_event(ToolUseInput(SID, "t1", "Bash", {"command": "ls"}))
        chat.handle_event(ToolUseFinished(SID, "t1", "a\nb", False))
        chat.handle_event(TextDelta(SID, "Found two."))
        chat.handle_event(TurnFinished(SID, Usage(1, 1), None, 900))
        await settle(chat, pilot)
        live = views(chat)[0]
        kinds = [type(w).__name__ for w in live.children]
        assert kinds == [
            "PromptBlock",
            "ThinkingFold",
            "ReplyMarkdown",
            "ToolFold",
            "ReplyMarkdown",
            "Static",
        ]
        assert "Bash  ls ✓" in str(tool._title.render())
        assert not tool.has_class("-running")
        sources = [m.source for m in live.query(Markdown)]
        assert sources == ["First I will list files.", "Found two."]
        turn = chat.turn(1)
        assert turn is not None
        assert turn.thinking == "hmm let me look"
        assert turn.reply == "First I will list files.\n\nFound two."
        assert turn.tool_calls[0].result == "a\nb"


async def test_inline_error_retry_and_permission_notes() -> None:
    app = ChatApp(simple_turns(1))
    async with app.run_test(size=(100, 40)) as pilot:
        chat = app.chat
        await settle(chat, pilot)
        chat.handle_event(TurnStarted(SID, "try"))
        chat.handle_event(ApiRetrying(SID, 1, 10, 600, "overloaded"))
        chat.handle_event(ApiRetrying(SID, 2, 10, 1200, "overloaded"))
        future: asyncio.Future[tuple[str, str]] = asyncio.get_running_loop().create_future()
        request = PermissionRequest("Bash", {"command": "rm -rf build"}, "t1", future)  # type: ignore[arg-type]
        chat.handle_event(PermissionRequested(SID, request))
        await settle(chat, pilot)
        notes = list(views(chat)[-1].query(NoteLine))
        assert [str(n.render()) for n in notes] == [
            "↻ Retrying (attempt 2/10) in 1.2 s: overloaded",
            "◆ waiting for permission: Bash",
        ]
        chat.handle_event(PermissionResolved(SID, "Bash", "allow_once"))
        chat.handle_event(ErrorOccurred(SID, "The API is overloaded.", "Try again in a minute."))
        chat.handle_event(TurnFinished(SID, Usage(), None, 100, is_error=True))
        await settle(chat, pilot)
        notes = list(views(chat)[-1].query(NoteLine))
        texts = [str(n.render()) for n in notes]
        assert texts[1] == "• Bash: allowed once"
        assert texts[2] == "✗ The API is overloaded.\n  Try again in a minute."
        assert notes[2].has_class("-error")
        assert "failed" in str(views(chat)[-1]._footer.render())


async def test_error_without_a_turn_is_a_standalone_notice() -> None:
    app = ChatApp([])
    async with app.run_test(size=(100, 40)) as pilot:
        chat = app.chat
        await settle(chat, pilot)
        chat.handle_event(ConnectionChanged(SID, "connecting"))
        chat.handle_event(ConnectionChanged(SID, "disconnected"))
        chat.handle_event(ErrorOccurred(SID, "Claude Code is not installed.", "Install it."))
        await settle(chat, pilot)
        notes = list(chat.query(NoteLine))
        assert len(notes) == 1 and notes[0].has_class("-standalone")
        assert "Claude Code is not installed." in str(notes[0].render())
        assert chat.turn_count == 0
        # After a turn, a failure shows below it, not inside a later turn.
        chat.handle_event(TurnStarted(SID, "hi"))
        chat.handle_event(TextDelta(SID, "hello"))
        chat.handle_event(ErrorOccurred(SID, "Process died.", ""))
        chat.handle_event(ConnectionChanged(SID, "disconnected"))
        await settle(chat, pilot)
        view = views(chat)[-1]
        assert "ended: disconnected" in str(view._footer.render())
        chat.handle_event(ErrorOccurred(SID, "Could not reconnect.", ""))
        await settle(chat, pilot)
        standalone = [n for n in view.query(NoteLine) if n.has_class("-standalone")]
        assert [str(n.render()) for n in standalone] == ["✗ Could not reconnect."]


async def test_live_interrupted_turn_is_marked() -> None:
    app = ChatApp([])
    async with app.run_test(size=(100, 40)) as pilot:
        chat = app.chat
        chat.handle_event(TurnStarted(SID, "go"))
        chat.handle_event(TextDelta(SID, "partial"))
        chat.handle_event(TurnInterrupted(SID))
        await settle(chat, pilot)
        view = views(chat)[0]
        assert view.has_class("-interrupted")
        assert "interrupted" in str(view._footer.render())
        turn = chat.turn(1)
        assert turn is not None and turn.interrupted and turn.reply == "partial"


async def test_events_for_other_sessions_are_ignored() -> None:
    app = ChatApp(simple_turns(1))
    async with app.run_test(size=(100, 40)) as pilot:
        chat = app.chat
        await settle(chat, pilot)
        chat.handle_event(TurnStarted("other", "not mine"))
        chat.handle_event(TextDelta("other", "nope"))
        chat.handle_event(ErrorOccurred("other", "nope"))
        chat.handle_event(TitleChanged(SID, "A title"))
        await settle(chat, pilot)
        assert chat.turn_count == 1
        assert "not mine" not in rendered_text(chat)
        assert not chat.query(NoteLine)


# ---------------------------------------------------------------- literal text


async def test_markup_and_ansi_are_shown_literally() -> None:
    nasty = "[bold]x[/] \x1b[31mred\x1b[0m [link=https://e.com]l[/link] a\x07b\r\n"
    turns = group_turns(
        [
            user("prompt " + nasty),
            assistant(
                text("reply " + nasty + "\n\n<div>html</div>"),
                tool_use("t1", "Bash", {"command": "echo " + nasty}),
            ),
            tool_result("t1", "out " + nasty),
        ]
    )
    app = ChatApp(turns)
    async with app.run_test(size=(120, 40)) as pilot:
        chat = app.chat
        await settle(chat, pilot)
        chat.handle_event(TurnStarted(SID, "live " + nasty))
        chat.handle_event(TextDelta(SID, "streamed [bold]y[/] \x1b"))
        chat.handle_event(TextDelta(SID, "[32mgreen"))
        chat.handle_event(TurnFinished(SID, Usage(), None, 1))
        for fold in chat.query(ToolFold):
            fold.collapsed = False
        await settle(chat, pilot)

        prompt = chat.query(PromptBlock).first()
        content = prompt.visual
        assert str(content) == "prompt [bold]x[/] ␛[31mred␛[0m [link=https://e.com]l[/link] a␇b"
        assert not getattr(content, "spans", [])  # no style came from the text

        shown = rendered_text(chat)
        assert "\x1b" not in shown and "\x07" not in shown and "\r" not in shown
        assert "reply [bold]x[/] ␛[31mred␛[0m" in shown
        assert "streamed [bold]y[/] ␛[32mgreen" in shown
        assert "<div>html</div>" in shown
        assert "out [bold]x[/]" in shown
        assert "echo [bold]x[/]" in str(chat.query_one(ToolFold)._title.render())

        screen = app.export_screenshot()
        assert "\x1b" not in screen
        assert "[bold]x[/]" in screen
        # The data handed to copy/edit stays exactly what the model and user wrote.
        assert chat.turn(1).prompt == "prompt " + nasty  # type: ignore[union-attr]


# ---------------------------------------------------------------- following


async def test_follows_the_bottom_only_while_at_the_bottom() -> None:
    app = ChatApp(simple_turns(30))
    async with app.run_test(size=(80, 24)) as pilot:
        chat = app.chat
        await settle(chat, pilot)
        assert chat.scroll_y == chat.max_scroll_y > 0
        chat.handle_event(TurnStarted(SID, "stream"))
        for i in range(20):
            chat.handle_event(TextDelta(SID, f"line {i}\n\n"))
        await settle(chat, pilot)
        assert chat.scroll_y == chat.max_scroll_y, "follows while at the bottom"

        chat.scroll_to(y=chat.scroll_y - 15, animate=False)
        await settle(chat, pilot)
        held = chat.scroll_y
        for i in range(20, 60):
            chat.handle_event(TextDelta(SID, f"line {i}\n\n"))
        await settle(chat, pilot)
        assert chat.scroll_y == held, "scrolled up: new text does not move the view"
        assert chat.max_scroll_y > held + 15

        chat.scroll_end(animate=False)
        await settle(chat, pilot)
        for i in range(60, 80):
            chat.handle_event(TextDelta(SID, f"line {i}\n\n"))
        await settle(chat, pilot)
        assert chat.scroll_y == chat.max_scroll_y, "back at the bottom: follows again"


# ---------------------------------------------------------------- big sessions


async def test_big_session_mounts_a_window_and_pages_in_older_turns() -> None:
    turns = simple_turns(2000)
    app = ChatApp()
    async with app.run_test(size=(100, 30)) as pilot:
        chat = app.chat
        await settle(chat, pilot)
        started = time.perf_counter()
        chat.show_turns(turns)
        await chat.wait_idle()
        await pilot.pause()
        elapsed = time.perf_counter() - started
        print(f"2,000 turns: opened in {elapsed:.3f}s")
        assert elapsed < 5
        assert chat.turn_count == 2000
        mounted = views(chat)
        # About three screens of turns: enough to fill the view and scroll a little.
        height = chat.scrollable_content_region.height
        assert 5 <= len(mounted) < ChatView.INITIAL_TURNS
        assert sum(v.outer_size.height + 1 for v in mounted) >= 2 * height
        assert mounted[-1].number == 2000
        assert chat.mounted_range == (mounted[0].number, 2000)
        assert chat.scroll_y == chat.max_scroll_y
        assert chat.scroll_y > height, "no page is needed right away"

        # Scrolling near the top mounts the previous page, and what was on screen
        # stays where it was.
        await settle(chat, pilot)
        first = views(chat)[0]
        expected = first.virtual_region.y - 2
        chat.scroll_to(y=2, animate=False)
        await settle(chat, pilot)
        assert views(chat)[0].number < first.number
        assert first.virtual_region.y - chat.scroll_y == expected

        # Home jumps to the first turn with a fresh window; end comes back.
        chat.start_cursor()
        await pilot.press("home")
        await settle(chat, pilot)
        assert chat.cursor_turn == 1
        assert views(chat)[0].number == 1
        assert len(views(chat)) <= ChatView.INITIAL_TURNS
        top = views(chat)[0]
        assert top.has_class("-cursor")
        assert chat.scroll_y <= top.virtual_region.y
        await pilot.press("end")
        await settle(chat, pilot)
        assert chat.cursor_turn == 2000
        assert views(chat)[-1].number == 2000

        # Moving the cursor above the first mounted turn mounts the page before it.
        low = views(chat)[0].number
        chat.cursor = low + 1
        await settle(chat, pilot)
        await pilot.press("k", "k", "up")
        await settle(chat, pilot)
        assert chat.cursor_turn == low - 2
        assert views(chat)[0].number <= low - 2
        cursor_view = next(v for v in views(chat) if v.number == low - 2)
        assert cursor_view.has_class("-cursor")
        region = cursor_view.virtual_region
        assert chat.scroll_y <= region.y < chat.scroll_y + chat.scrollable_content_region.height


async def test_scrolling_through_many_pages_keeps_a_bounded_window() -> None:
    app = ChatApp(simple_turns(600))
    async with app.run_test(size=(100, 30)) as pilot:
        chat = app.chat
        await settle(chat, pilot)
        for _ in range(8):
            chat.scroll_to(y=0, animate=False)
            await settle(chat, pilot)
        assert len(views(chat)) <= ChatView.MAX_MOUNTED
        _, last = chat.mounted_range
        assert last < 600, "the far (newest) side was unmounted"
        held = chat.scroll_y
        # Starting a turn (the user just sent a prompt) brings the newest turns back.
        chat.handle_event(TurnStarted(SID, "new"))
        await settle(chat, pilot)
        assert views(chat)[-1].number == 601
        assert chat.scroll_y == chat.max_scroll_y != held


async def test_streaming_into_a_session_scrolled_far_up() -> None:
    app = ChatApp(simple_turns(300))
    async with app.run_test(size=(100, 30)) as pilot:
        chat = app.chat
        await settle(chat, pilot)
        chat.start_cursor()
        await pilot.press("home")
        await settle(chat, pilot)
        assert views(chat)[-1].number < 300
        chat.handle_event(TurnStarted(SID, "more"))
        chat.handle_event(TextDelta(SID, "streamed while away"))
        await settle(chat, pilot)
        # Starting a turn brings the newest turns (and the live one) into view.
        assert views(chat)[-1].number == 301
        await wait_for(lambda: views(chat)[-1].query_one(Markdown).source == "streamed while away")


# ---------------------------------------------------------------- cursor


async def test_cursor_keys_and_messages() -> None:
    app = ChatApp(sample_turns())
    async with app.run_test(size=(100, 40)) as pilot:
        chat = app.chat
        await settle(chat, pilot)
        chat.start_cursor()
        await pilot.pause()
        assert chat.has_focus and chat.cursor_turn == 3
        assert views(chat)[2].has_class("-cursor")
        await pilot.press("k")
        assert chat.cursor_turn == 2
        assert views(chat)[1].has_class("-cursor") and not views(chat)[2].has_class("-cursor")
        await pilot.press("up")
        assert chat.cursor_turn == 1
        await pilot.press("up")
        assert chat.cursor_turn == 1
        await pilot.press("j", "down", "down")
        assert chat.cursor_turn == 3
        await pilot.press("home")
        assert chat.cursor_turn == 1
        await pilot.press("end")
        assert chat.cursor_turn == 3

        await pilot.press("k", "f", "e", "y")
        await pilot.pause()
        fork, edit, copy = app.posted
        assert isinstance(fork, ChatView.ForkRequested) and (fork.session_id, fork.turn) == (SID, 2)
        assert isinstance(edit, ChatView.EditRequested) and (edit.session_id, edit.turn) == (SID, 2)
        assert isinstance(copy, ChatView.CopyRequested) and copy.text == chat.turn(2).reply  # type: ignore[union-attr]

        app.posted.clear()
        await pilot.press("escape")
        await pilot.pause()
        assert chat.cursor_turn is None
        assert [type(m) for m in app.posted] == [ChatView.CursorLeft]
        assert not any(v.has_class("-cursor") for v in views(chat))

        chat.start_cursor()
        await pilot.press("i")
        await pilot.pause()
        assert chat.cursor_turn is None
        assert [type(m) for m in app.posted] == [ChatView.CursorLeft, ChatView.CursorLeft]


async def test_fork_on_the_live_turn_is_refused() -> None:
    app = ChatApp(simple_turns(2))
    async with app.run_test(size=(100, 40)) as pilot:
        chat = await _streaming(app, pilot, "running", "...")
        assert chat.turn_count == 3
        chat.start_cursor()
        await pilot.press("f")
        await pilot.pause()
        assert chat.cursor_turn == 3
        assert not app.posted
        assert any("still running" in n.message for n in app._notifications)
        await pilot.press("k", "f")
        await pilot.pause()
        assert [(type(m), m.turn) for m in app.posted] == [(ChatView.ForkRequested, 2)]  # type: ignore[attr-defined]


async def test_show_turns_keeps_a_live_turn() -> None:
    app = ChatApp(simple_turns(2))
    async with app.run_test(size=(100, 40)) as pilot:
        chat = await _streaming(app, pilot, "live", "part one ")
        chat.show_turns(simple_turns(5))
        chat.handle_event(TextDelta(SID, "part two"))
        await settle(chat, pilot)
        assert chat.turn_count == 6
        last = views(chat)[-1]
        assert last.number == 6
        assert last.query_one(Markdown).source == "part one part two"


async def test_turns_far_from_the_viewport_sleep_and_wake_in_place(monkeypatch: Any) -> None:
    monkeypatch.setattr(ChatView, "INITIAL_SCREENS", 40)  # all 40 turns mounted at once
    app = ChatApp(simple_turns(40))
    async with app.run_test(size=(100, 24)) as pilot:
        chat = app.chat
        await settle(chat, pilot)
        shown = views(chat)
        assert len(shown) == 40
        asleep = [v for v in shown if v.dormant]
        assert asleep and shown[0].dormant and not shown[-1].dormant
        # A sleeping turn keeps its height and its widgets; only layout skips them.
        height = shown[0].outer_size.height
        assert height > 1 and shown[0].query(PromptBlock)
        chat.scroll_home(animate=False)
        await settle(chat, pilot)
        # (The harness focuses the chat, so the cursor turn, the last, stays awake.)
        assert not shown[0].dormant and shown[-3].dormant
        assert shown[0].outer_size.height == height
        chat.scroll_end(animate=False)
        await settle(chat, pilot)
        assert not shown[-3].dormant and shown[0].dormant


async def test_g_and_shift_g_jump() -> None:
    app = ChatApp(simple_turns(10))
    async with app.run_test(size=(100, 30)) as pilot:
        chat = app.chat
        await settle(chat, pilot)
        chat.start_cursor()
        await pilot.press("g")
        assert chat.cursor_turn == 1
        await pilot.press("G")
        assert chat.cursor_turn == 10


async def test_a_hidden_chat_does_not_page_in_turns() -> None:
    app = ChatApp(simple_turns(300))
    async with app.run_test(size=(100, 30)) as pilot:
        chat = app.chat
        chat.display = False
        await settle(chat, pilot)
        before = chat.mounted_range
        chat.scroll_to(y=0, animate=False)
        await settle(chat, pilot)
        assert chat.mounted_range == before
        chat.display = True
        await settle(chat, pilot)
        assert views(chat)[-1].number == 300


async def test_a_hidden_chat_only_collects_and_catches_up_when_shown() -> None:
    app = ChatApp(simple_turns(2))
    async with app.run_test(size=(100, 30)) as pilot:
        chat = app.chat
        await settle(chat, pilot)
        chat.display = False
        await settle(chat, pilot)
        chat.handle_event(TurnStarted(SID, "while hidden"))
        for i in range(50):
            chat.handle_event(TextDelta(SID, f"word{i} "))
        await settle(chat, pilot)
        assert chat.turn_count == 3 and chat.is_idle
        assert views(chat)[-1].number == 2, "no widgets change while hidden"
        chat.display = True
        await settle(chat, pilot)
        live = views(chat)[-1]
        assert live.number == 3 and "word0 word1" in rendered_text(live)
        assert "word49" in rendered_text(live)


async def test_a_batch_of_events_is_applied_in_order() -> None:
    app = ChatApp([])
    async with app.run_test(size=(100, 30)) as pilot:
        chat = app.chat
        chat.handle_events(
            [
                TurnStarted(SID, "one"),
                ThinkingDelta(SID, "let me "),
                ThinkingDelta(SID, "think"),
                *(TextDelta(SID, f"a{i} ") for i in range(100)),
                ToolUseStarted(SID, "t1", "Bash"),
                TextDelta(SID, "after the tool"),
                TextDelta("other", "not mine"),
                TurnFinished(SID, Usage(1, 1), None, 10),
            ]
        )
        await settle(chat, pilot)
        turn = chat.turn(1)
        assert turn is not None
        assert turn.reply == "".join(f"a{i} " for i in range(100)) + "\n\nafter the tool"
        assert turn.thinking == "let me think"
        kinds = [type(w).__name__ for w in views(chat)[0].children]
        assert kinds == [
            "PromptBlock",
            "ThinkingFold",
            "ReplyMarkdown",
            "ToolFold",
            "ReplyMarkdown",
            "Static",
        ]


def _screen_text(app: Any) -> str:
    return "\n".join(strip.text for strip in app.screen._compositor.render_strips())


async def _type_for(chat: ChatView, seconds: float, feed: Any = None) -> None:
    """Keys into the tab's prompt every 40 ms for `seconds`, calling `feed(i)` between."""
    deadline = time.monotonic() + seconds
    i = 0
    while time.monotonic() < deadline:
        chat.key_typed()
        if feed is not None:
            feed(i)
        i += 1
        await asyncio.sleep(0.04)


async def test_typing_holds_streamed_text_until_typing_stops(monkeypatch: Any) -> None:
    monkeypatch.setattr(ChatView, "TYPING_HOLD", 30.0)
    app = ChatApp(simple_turns(1))
    async with app.run_test(size=(100, 30)) as pilot:
        chat = await _streaming(app, pilot)
        reply = views(chat)[-1].query_one(Markdown)
        height = reply.region.height
        assert "first words" in _screen_text(app)

        fed: list[int] = []

        def feed(i: int) -> None:
            fed.append(i)
            chat.handle_event(TextDelta(SID, f"held{i} " * 12 + "\n\n"))

        await _type_for(chat, 0.8, feed)
        await pilot.pause()
        # Typed over: nothing of it on screen, the reply as tall as before.
        assert "held0" not in _screen_text(app) and reply.region.height == height
        assert not chat.is_idle
        # The turn ends while typing goes on: still held.
        chat.handle_event(TurnFinished(SID, Usage(10, 5), None, 100))
        await _type_for(chat, 0.2)
        assert "held0" not in _screen_text(app)
        # Typing stops: everything shows, down to the last word, and the chat is idle.
        await settle(chat, pilot)
        assert chat.is_idle and reply.region.height > height + 10
        shown = _screen_text(app)
        assert len(fed) > 5 and f"held{fed[-1]} held{fed[-1]}" in shown and "15 tokens" in shown


async def test_a_complete_message_shows_at_once(monkeypatch: Any) -> None:
    """Streamed text waits for the next paced write; once the model's message is
    complete, what it wrote shows at once (the turn's result can take a while)."""
    monkeypatch.setattr(ChatView, "SYNC_INTERVAL", 5.0)
    app = ChatApp(simple_turns(1))
    async with app.run_test(size=(100, 30)) as pilot:
        chat = await _streaming(app, pilot)
        chat.handle_event(TextDelta(SID, "the last words"))
        await asyncio.sleep(0.3)
        assert "the last words" not in _screen_text(app)  # paced
        chat.handle_event(MessageCompleted(SID))
        await wait_for(lambda: "the last words" in _screen_text(app), timeout=1)
        assert views(chat)[-1].record.live
        # A new message (after a tool, say) is paced again.
        chat.handle_event(TextDelta(SID, "\n\nmore words"))
        await asyncio.sleep(0.3)
        assert "more words" not in _screen_text(app)


async def test_streamed_text_waits_for_a_key_on_its_way(monkeypatch: Any) -> None:
    """Showing streamed text takes a relayout: a key that has arrived goes first."""
    monkeypatch.setattr(keys_first, "MAX_HOLD", 30.0)  # the key's frame comes when told
    app = ChatApp(simple_turns(1))
    async with app.run_test(size=(100, 30)) as pilot:
        chat = await _streaming(app, pilot)
        keys = gate(app)
        keys.arrived()
        chat.handle_event(TextDelta(SID, "arrived behind a key\n\n"))
        await asyncio.sleep(0.05)
        assert "arrived behind" not in _screen_text(app)
        keys.shown()
        await wait_for(lambda: "arrived behind a key" in _screen_text(app), timeout=3)


async def test_streamed_text_held_by_typing_shows_after_the_hold(monkeypatch: Any) -> None:
    monkeypatch.setattr(ChatView, "TYPING_HOLD", 0.5)
    app = ChatApp(simple_turns(1))
    async with app.run_test(size=(100, 30)) as pilot:
        chat = await _streaming(app, pilot)
        chat.handle_event(TextDelta(SID, "arrived while typing\n\n"))
        shown_at = None
        deadline = time.monotonic() + 2.0
        started = time.monotonic()
        while time.monotonic() < deadline and shown_at is None:
            await _type_for(chat, 0.04)
            if "arrived while typing" in _screen_text(app):
                shown_at = time.monotonic() - started
        # Shown while typing goes on, once the hold is over: not before, not much after.
        assert shown_at is not None and 0.4 < shown_at < 1.2, shown_at


async def test_a_write_due_at_once_is_not_lost() -> None:
    # A Textual timer whose time has passed before it starts is skipped: a write
    # scheduled "now" (or late) must still happen.
    app = ChatApp(simple_turns(1))
    async with app.run_test(size=(100, 30)) as pilot:
        chat = app.chat
        await settle(chat, pilot)
        fired: list[bool] = []
        chat._sync_due = lambda: fired.append(True)  # type: ignore[method-assign]
        for delay in (0.0, -1.0, 1e-9):
            chat._sync_timer = None
            chat._sync_later(delay)
            await wait_for(lambda: len(fired) == 1, timeout=2)
            fired.clear()


async def test_only_keys_typed_into_the_prompt_count_as_typing(monkeypatch: Any) -> None:
    from textual.app import App, ComposeResult

    from tui.widgets.session_pane import SessionPane

    typed: list[str] = []
    monkeypatch.setattr(ChatView, "key_typed", lambda self: typed.append(self.session_id))

    class PaneApp(App[None]):
        def compose(self) -> ComposeResult:
            yield SessionPane("tab-1", SID)

    app = PaneApp()
    async with app.run_test(size=(80, 20)) as pilot:
        pane = app.query_one(SessionPane)
        assert pane.chat is not None  # the transcript exists from here on
        await pilot.pause()
        pane.prompt.focus()
        await pilot.press("h", "i")
        await pilot.pause()
        assert typed == [SID, SID]
        # Text the app puts in or takes out is not typing: sending clears the prompt,
        # and the reply must not wait for that.
        pane.prompt.load_text("a draft")
        pane.prompt.clear()
        await pilot.pause()
        assert typed == [SID, SID]


async def test_newest_turns_first_then_the_older_ones() -> None:
    """A long session shows its newest turns while the older ones are still read;
    nothing scrolls or moves the cursor into them until they are there."""
    turns = simple_turns(300)
    older, newest = turns[:260], turns[260:]
    app = ChatApp()
    async with app.run_test(size=(100, 30)) as pilot:
        chat = app.chat
        await settle(chat, pilot)
        chat.show_turns(newest, older=len(older))
        await settle(chat, pilot)
        assert (chat.turn_count, chat.history_pending) == (300, 260)
        assert views(chat)[-1].number == 300
        assert views(chat)[0].number > 260
        assert "↑ " in rendered_text(chat) and "earlier turns" in rendered_text(chat)
        assert chat.turn(260) is None and chat.turn(261) is newest[0]

        # Scrolling to the top, and the cursor on turn 1, wait for the older turns.
        chat.scroll_to(y=0, animate=False)
        chat.start_cursor()
        await pilot.press("home")
        await settle(chat, pilot)
        assert chat.cursor_turn == 1
        assert views(chat)[0].number > 260
        await pilot.press("f", "y")  # nothing to act on yet
        await pilot.pause()
        assert app.posted == []

        chat.fill_history(older)
        await settle(chat, pilot)
        assert chat.history_pending == 0
        assert views(chat)[0].number == 1 and views(chat)[0].has_class("-cursor")
        assert chat.turn(1) is older[0]
        await pilot.press("f")
        await pilot.pause()
        (fork,) = app.posted
        assert isinstance(fork, ChatView.ForkRequested) and fork.turn == 1


async def test_older_turns_that_do_not_fit_show_everything_again() -> None:
    """If the session changed between the two reads, the turns are shown anew, numbered
    from what was read."""
    turns = simple_turns(60)
    app = ChatApp()
    async with app.run_test(size=(100, 30)) as pilot:
        chat = app.chat
        chat.show_turns(turns[50:], older=50)
        await settle(chat, pilot)
        chat.fill_history(turns[:45])
        await settle(chat, pilot)
        assert (chat.turn_count, chat.history_pending) == (55, 0)
        assert [chat.turn(n).prompt for n in (45, 46)] == [  # type: ignore[union-attr]
            "Question number 45",
            "Question number 51",
        ]
        assert views(chat)[-1].number == 55


async def test_a_growing_reply_takes_one_layout_per_write(monkeypatch: Any) -> None:
    """The layout that makes a streaming reply taller places everything; Textual's
    follow-up layout for the new size would only repeat it, one more frame per write."""
    from textual.screen import Screen

    from tui.widgets.reply import ReplyMarkdown

    app = ChatApp(simple_turns(30))  # (the transcript scrolls from the start)
    async with app.run_test(size=(100, 30)) as pilot:
        chat = await _streaming(app, pilot)
        live = views(chat)[-1]
        reply = live.query_one(ReplyMarkdown)
        laid_out: list[set[Any]] = []
        original = Screen._refresh_layout

        def recording(self: Screen[Any], *args: Any, **kwargs: Any) -> None:
            laid_out.append(set(self._layout_widgets))
            original(self, *args, **kwargs)

        monkeypatch.setattr(Screen, "_refresh_layout", recording)
        for n in range(3):
            laid_out.clear()
            chat.handle_event(TextDelta(SID, f"line {n}.1\n\nline {n}.2\n\n"))
            await settle(chat, pilot)
            assert f"line {n}.2" in rendered_text(chat)
            # (Other layouts may come and go: turns far above falling asleep.)
            assert sum(1 for widgets in laid_out if widgets & {live, reply}) == 1
        assert chat.scroll_y == chat.max_scroll_y  # still following the end


async def test_text_waiting_for_its_write_is_drawn_ahead() -> None:
    """Text that arrives while the transcript waits between writes is drawn (not
    shown) meanwhile, so showing it, and the end of the reply, takes only a frame."""
    from tui.widgets.reply import ReplyMarkdown

    app = ChatApp(simple_turns(1))
    async with app.run_test(size=(100, 30)) as pilot:
        chat = await _streaming(app, pilot)
        reply = views(chat)[-1].query_one(ReplyMarkdown)
        chat._next_sync = time.monotonic() + 30  # the next write is far off
        chat.handle_event(TextDelta(SID, "drawn ahead\n\n"))
        await wait_for(lambda: "drawn ahead" in reply.source, timeout=5)
        await pilot.pause()
        drawn = "".join(seg.text for line, _ in reply._lines + reply._tail_lines for seg in line)
        assert "drawn ahead" in drawn and reply._tail_ok
        assert "drawn ahead" not in _screen_text(app)  # not shown before its write
        # A layout of the reply meanwhile (for anything else) does not show it
        # either, nor make the reply taller.
        height = reply.region.height
        reply.refresh(layout=True)
        await pilot.pause()
        assert reply.region.height == height and "drawn ahead" not in _screen_text(app)
        chat.handle_event(TurnFinished(SID, Usage(), None, 10))
        await settle(chat, pilot)
        assert "drawn ahead" in _screen_text(app)


async def test_a_reply_that_starts_and_ends_while_typing_is_drawn_in_slices(
    monkeypatch: Any,
) -> None:
    """A whole reply held by typing gets its (empty) widget at once, so its text is
    drawn between keys; showing it at the end does not draw the reply in one go
    inside a frame (a long reply would hold the screen still for a tenth of a second
    or more)."""
    from tui.widgets.reply import ReplyMarkdown

    monkeypatch.setattr(ChatView, "TYPING_HOLD", 30.0)
    unsliced: list[int] = []
    original = ReplyMarkdown._draw

    def draw(self: ReplyMarkdown, width: int, until: float | None = None) -> bool:
        before = self._drawn
        done = original(self, width, until)
        if until is None:  # from a layout or a paint: all at once
            unsliced.append(self._drawn - before)
        return done

    monkeypatch.setattr(ReplyMarkdown, "_draw", draw)
    app = ChatApp(simple_turns(1))
    async with app.run_test(size=(100, 30)) as pilot:
        chat = app.chat
        await settle(chat, pilot)

        fed: list[int] = []

        def feed(i: int) -> None:
            if i == 0:
                chat.handle_event(TurnStarted(SID, "typed over"))
            fed.append(i)
            chat.handle_event(TextDelta(SID, f"para{i} " * 40 + "\n\n"))

        await _type_for(chat, 0.8, feed)
        chat.handle_event(TurnFinished(SID, Usage(10, 5), None, 100))
        await _type_for(chat, 0.2)
        live = views(chat)[-1]
        reply = live.query_one(ReplyMarkdown)
        # Drawn while typing went on, not shown.
        assert reply._drawn > 5 and "para0" not in _screen_text(app)
        await settle(chat, pilot)
        shown = _screen_text(app)
        assert "15 tokens" in shown and f"para{fed[-1]} para{fed[-1]}" in shown
        assert not live.has_class("-live") and len(fed) > 5
        assert max(unsliced, default=0) <= 2, unsliced


async def test_far_turns_fall_asleep_between_keys(monkeypatch: Any) -> None:
    """Putting far turns to sleep takes a relayout: never while a key is on its way
    to the screen, and while keys are typed only right after a key's frame, when
    the next key is furthest away. Waking those that come into view does not wait."""
    monkeypatch.setattr(ChatView, "INITIAL_SCREENS", 40)
    monkeypatch.setattr(keys_first, "MAX_HOLD", 30.0)  # the key's frame comes when told
    in_key_shown = False
    asleep: list[bool] = []
    key_shown, sleep = ChatView._key_shown, TurnView.sleep

    def note_key_shown(self: ChatView) -> None:
        nonlocal in_key_shown
        in_key_shown = True
        try:
            key_shown(self)
        finally:
            in_key_shown = False

    def note_sleep(self: TurnView, height: int) -> None:
        asleep.append(in_key_shown)
        sleep(self, height)

    monkeypatch.setattr(ChatView, "_key_shown", note_key_shown)
    monkeypatch.setattr(TurnView, "sleep", note_sleep)
    app = ChatApp(simple_turns(40))
    async with app.run_test(size=(100, 24)) as pilot:
        chat = app.chat
        await settle(chat, pilot)
        shown = views(chat)
        assert shown[0].dormant
        chat.scroll_home(animate=False)
        await settle(chat, pilot)
        assert shown[-3].dormant

        keys = gate(app)
        keys.arrived()  # a key on its way
        chat.scroll_end(animate=False)  # the first turns are far now
        await asyncio.sleep(0.05)
        assert not shown[0].dormant
        assert not shown[-3].dormant  # in view: woken at once
        keys.shown()
        await wait_for(lambda: shown[0].dormant, timeout=3)

        asleep.clear()
        typing = asyncio.create_task(_type_for(chat, 0.6))
        await asyncio.sleep(0.05)
        chat.scroll_home(animate=False)  # the last turns are far now
        await wait_for(lambda: shown[-3].dormant, timeout=3)
        assert not typing.done()  # asleep while typing goes on...
        await typing
        assert asleep and all(asleep)  # ...right after a key's frame
