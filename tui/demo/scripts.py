"""What the scripted Messages-API server says back: pure functions, no sockets.

A request body goes through three steps here:

1. :func:`extract_user_prompts` pulls out the prompts a person typed (the CLI
   wraps them with ``<system-reminder>`` blocks, tool results and other
   bookkeeping that must not count).
2. :func:`classify_request` tells a main-conversation turn from the CLI's side
   calls (session titles, prompt suggestions, compaction, tool-free helpers).
3. :func:`choose_script` picks a script by the first word of the newest prompt
   and the script builds a :class:`Reply` (content blocks to stream) or an
   :class:`ErrorReply` (an HTTP error in Anthropic's shape).

Everything is deterministic: the same request always gets the same reply, apart
from the per-prompt attempt counter the server passes in for ``overloaded``.
"""

from __future__ import annotations

import hashlib
import json
import re
import shlex
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

# ---------------------------------------------------------------------------
# Prompt extraction
# ---------------------------------------------------------------------------

_REMINDER_RE = re.compile(r"<system-reminder>.*?(?:</system-reminder>|\Z)", re.DOTALL)

# Text the CLI itself writes into user messages; none of it is a prompt.
_CLI_TEXT_PREFIXES = (
    "<system-reminder>",
    "[Request interrupted by user",
    "<local-command-stdout>",
    "<local-command-stderr>",
    "<local-command-caveat>",
    # The summary the CLI puts in place of a compacted conversation.
    "This session is being continued from a previous conversation",
)


def strip_system_reminders(text: str) -> str:
    """Remove every ``<system-reminder>…</system-reminder>`` section from ``text``
    (an unclosed one runs to the end)."""
    if "<system-reminder>" not in text:
        return text
    return _REMINDER_RE.sub("", text)


def _prompt_from_text(text: str) -> str | None:
    text = strip_system_reminders(text).strip()
    if not text or text.startswith(_CLI_TEXT_PREFIXES):
        return None
    return text


def message_prompts(message: Mapping[str, Any]) -> list[str]:
    """The prompts in one API message: each text block of a ``user`` message that
    is not a reminder, a tool result, CLI bookkeeping or empty, whitespace-trimmed.

    One message can hold several prompts: when turns fail (an API error leaves no
    assistant reply) the CLI merges the consecutive user messages into one, one
    text block per prompt, each but the last with a newline appended."""
    if message.get("role") != "user":
        return []
    content = message.get("content")
    texts: list[str] = []
    if isinstance(content, str):
        texts.append(content)
    elif isinstance(content, list):
        for block in content:
            if isinstance(block, Mapping) and block.get("type") == "text":
                text = block.get("text")
                if isinstance(text, str):
                    texts.append(text)
    prompts: list[str] = []
    for text in texts:
        prompt = _prompt_from_text(text)
        if prompt is not None:
            prompts.append(prompt)
    return prompts


def extract_user_prompts(messages: Any) -> list[str]:
    """Every user prompt in a Messages-API ``messages`` list, oldest first."""
    if not isinstance(messages, list):
        return []
    prompts: list[str] = []
    for message in messages:
        if isinstance(message, Mapping):
            prompts.extend(message_prompts(message))
    return prompts


@dataclass(frozen=True)
class ToolResult:
    tool_use_id: str
    text: str
    is_error: bool


def _tool_result_text(content: Any) -> str:
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        parts = [
            str(block.get("text", ""))
            for block in content
            if isinstance(block, Mapping) and block.get("type") == "text"
        ]
        return "\n".join(parts)
    return ""


def pending_tool_results(messages: Any) -> list[ToolResult]:
    """The tool results in the newest ``user`` message (the answer to the tool
    calls of the assistant message just before it)."""
    if not isinstance(messages, list):
        return []
    for message in reversed(messages):
        if not isinstance(message, Mapping):
            continue
        role = message.get("role")
        if role == "assistant":
            return []
        if role != "user":
            continue
        content = message.get("content")
        if not isinstance(content, list):
            return []
        return [
            ToolResult(
                tool_use_id=str(block.get("tool_use_id", "")),
                text=_tool_result_text(block.get("content")),
                is_error=bool(block.get("is_error", False)),
            )
            for block in content
            if isinstance(block, Mapping) and block.get("type") == "tool_result"
        ]
    return []


def system_text(body: Mapping[str, Any]) -> str:
    system = body.get("system")
    if isinstance(system, str):
        return system
    if isinstance(system, list):
        return "\n".join(
            str(block.get("text", "")) for block in system if isinstance(block, Mapping)
        )
    return ""


# ---------------------------------------------------------------------------
# Request classification
# ---------------------------------------------------------------------------

RequestKind = Literal[
    "conversation",  # a main-conversation turn: scripts answer these
    "title",  # session-title generation (structured JSON {"title": ...})
    "structured",  # any other structured-output helper call
    "suggestion",  # "what would the user type next" fork
    "away_summary",  # recap fork after the user was away
    "compact",  # conversation compaction (/compact or auto-compact)
    "helper",  # any other tool-free helper call (tool-use labels, model checks, …)
]

_TITLE_MARKER = "You are naming a coding session"
_SUGGESTION_MARKER = "[SUGGESTION MODE"
_AWAY_MARKER = "The user stepped away and is coming back"
_COMPACT_MARKER = "create a detailed summary of the conversation"


def _output_schema(body: Mapping[str, Any]) -> Mapping[str, Any] | None:
    config = body.get("output_config")
    if not isinstance(config, Mapping):
        return None
    fmt = config.get("format")
    if not isinstance(fmt, Mapping) or fmt.get("type") != "json_schema":
        return None
    schema = fmt.get("schema")
    return schema if isinstance(schema, Mapping) else {}


def _newest_user_text(body: Mapping[str, Any]) -> str:
    """Raw text of the newest user message, reminders included (side-call markers
    can sit anywhere in it)."""
    messages = body.get("messages")
    if not isinstance(messages, list):
        return ""
    for message in reversed(messages):
        if isinstance(message, Mapping) and message.get("role") == "user":
            content = message.get("content")
            if isinstance(content, str):
                return content
            if isinstance(content, list):
                return "\n".join(
                    str(block.get("text", ""))
                    for block in content
                    if isinstance(block, Mapping) and block.get("type") == "text"
                )
            return ""
    return ""


def classify_request(body: Mapping[str, Any]) -> RequestKind:
    """Tell a main-conversation turn from the CLI's side calls.

    What the bundled CLI sends (observed on the wire):

    * conversation turns carry ``tools`` and ``thinking``; the system prompt is
      the agent's, and the environment description travels as a ``role: system``
      message inside ``messages``;
    * tool-free helpers (session title, tool-use summary labels, model checks)
      carry neither ``tools`` nor ``thinking``; the title call has its own system
      prompt ("You are naming a coding session…") and asks for structured output
      through ``output_config.format`` with a ``{"title": string}`` schema;
    * forked helpers (prompt suggestions, away summaries, compaction) reuse the
      conversation's system prompt and tools but end with a fixed instruction
      as the newest user message.
    """
    system = system_text(body)
    schema = _output_schema(body)
    if _TITLE_MARKER in system:
        return "title"
    if schema is not None:
        props = schema.get("properties")
        if isinstance(props, Mapping) and set(props) == {"title"}:
            return "title"
        return "structured"
    newest = _newest_user_text(body)
    if newest.lstrip().startswith(_SUGGESTION_MARKER):
        return "suggestion"
    if _AWAY_MARKER in newest:
        return "away_summary"
    if _COMPACT_MARKER in newest:
        return "compact"
    if "tools" not in body and "thinking" not in body:
        return "helper"
    return "conversation"


# ---------------------------------------------------------------------------
# Replies
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class TextPart:
    """A text block, streamed one delta per chunk."""

    chunks: tuple[str, ...]

    @property
    def text(self) -> str:
        return "".join(self.chunks)


@dataclass(frozen=True)
class ThinkingPart:
    """A thinking block: thinking deltas, then one signature delta."""

    chunks: tuple[str, ...]
    signature: str

    @property
    def thinking(self) -> str:
        return "".join(self.chunks)


@dataclass(frozen=True)
class ToolUsePart:
    """A ``tool_use`` block; its input is streamed as ``input_json_delta``s."""

    id: str
    name: str
    input: Mapping[str, Any]


Part = TextPart | ThinkingPart | ToolUsePart


@dataclass(frozen=True)
class Reply:
    parts: tuple[Part, ...]
    stop_reason: str = "end_turn"
    # Seconds between deltas; None means the server's default pace.
    delay: float | None = None

    @property
    def text(self) -> str:
        return "".join(p.text for p in self.parts if isinstance(p, TextPart))


@dataclass(frozen=True)
class ErrorReply:
    status: int
    error_type: str
    message: str
    headers: Mapping[str, str] = field(default_factory=dict)

    def body(self) -> dict[str, Any]:
        return {"type": "error", "error": {"type": self.error_type, "message": self.message}}


_WORD_RE = re.compile(r"\s*\S+\s*|\s+")


def chunk_words(text: str) -> tuple[str, ...]:
    """Split ``text`` into word-sized deltas that join back to ``text``."""
    chunks = tuple(m.group(0) for m in _WORD_RE.finditer(text))
    return chunks or ("",)


def text_reply(text: str, *, delay: float | None = None) -> Reply:
    return Reply(parts=(TextPart(chunk_words(text)),), delay=delay)


# ---------------------------------------------------------------------------
# Scripts
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Turn:
    """What a script gets to look at."""

    prompts: tuple[str, ...]  # every user prompt in the request, oldest first
    args: tuple[str, ...]  # the newest prompt's words after the script keyword
    tool_results: tuple[ToolResult, ...]  # results in the newest user message
    attempt: int  # 1 for the first request of this turn, 2 for its first retry, …
    key: str  # stable id of this turn (session + context), for deterministic ids

    @property
    def prompt(self) -> str:
        return self.prompts[-1] if self.prompts else ""


Script = Callable[[Turn], "Reply | ErrorReply"]

SCRIPT_HELP = (
    "Scripts: slow [seconds] · fast N · markdown · tool PATH · error 400|401|500 · overloaded [K]"
)


def quote(text: str) -> str:
    """JSON string quoting: parseable back with :func:`json.loads`."""
    return json.dumps(text, ensure_ascii=False)


def echo_text(prompts: Sequence[str]) -> str:
    """``Seen 2 prompts: 1) "first" 2) "second"`` — see :func:`parse_echo`."""
    n = len(prompts)
    listed = " ".join(f"{i}) {quote(p)}" for i, p in enumerate(prompts, 1))
    head = f"Seen {n} prompt{'s' if n != 1 else ''}:"
    return f"{head} {listed}" if listed else head


_ECHO_ITEM_RE = re.compile(r'(\d+)\) ("(?:[^"\\]|\\.)*")')


def parse_echo(text: str) -> list[str]:
    """The prompts an echo reply names, oldest first (inverse of :func:`echo_text`)."""
    start = text.find("Seen ")
    if start < 0:
        return []
    line = text[start:].split("\n", 1)[0]
    return [json.loads(m.group(2)) for m in _ECHO_ITEM_RE.finditer(line)]


def echo(turn: Turn) -> Reply:
    text = echo_text(turn.prompts)
    if len(turn.prompts) == 1:
        text += "\n\n" + SCRIPT_HELP
    return text_reply(text)


def _number(args: Sequence[str], default: float, *, lo: float, hi: float) -> float:
    try:
        value = float(args[0]) if args else default
    except ValueError:
        value = default
    if value != value:  # NaN
        value = default
    return min(max(value, lo), hi)


SLOW_TICK = 0.1  # seconds between deltas of the slow script


def slow(turn: Turn) -> Reply:
    seconds = _number(turn.args, 8.0, lo=0.0, hi=600.0)
    ticks = max(1, round(seconds / SLOW_TICK))
    chunks = tuple(f"tick {i}/{ticks}{' ' if i < ticks else ''}" for i in range(1, ticks + 1))
    return Reply(parts=(TextPart(chunks),), delay=SLOW_TICK)


FAST_WORDS = (
    "alpha", "bravo", "charlie", "delta", "echo", "foxtrot", "golf", "hotel",
    "india", "juliet", "kilo", "lima", "mike", "november", "oscar", "papa",
)  # fmt: skip


def fast_tokens(n: int) -> tuple[str, ...]:
    """``n`` one-word tokens; every 12th ends a line, every 96th a paragraph."""
    out: list[str] = []
    for i in range(n):
        sep = " "
        if (i + 1) % 96 == 0:
            sep = "\n\n"
        elif (i + 1) % 12 == 0:
            sep = "\n"
        out.append(FAST_WORDS[i % len(FAST_WORDS)] + (sep if i + 1 < n else ""))
    return tuple(out)


def fast(turn: Turn) -> Reply:
    n = int(_number(turn.args, 1000, lo=0, hi=1_000_000))
    return Reply(parts=(TextPart(fast_tokens(n)),), delay=0.0)


MARKDOWN_THINKING = (
    "The user asked for the markdown sample. I will show a heading, a short list "
    "and a fenced Python block so every renderer path gets exercised."
)

MARKDOWN_TEXT = """\
# Markdown sample

Here is what the renderer should handle:

- **bold** and *italic* text
- `inline code`
- a [link](https://example.com)

```python
def greet(name: str) -> str:
    return f"Hello, {name}!"


print(greet("agent-tui"))
```

That is all."""


def _signature(seed: str) -> str:
    return "sig_" + hashlib.sha256(seed.encode()).hexdigest()[:32]


def markdown(turn: Turn) -> Reply:
    return Reply(
        parts=(
            ThinkingPart(chunk_words(MARKDOWN_THINKING), signature=_signature(turn.key)),
            TextPart(chunk_words(MARKDOWN_TEXT)),
        )
    )


DEFAULT_TOOL_PATH = "agent-tui-demo.txt"


def tool_command(path: str) -> str:
    quoted = shlex.quote(path)
    return f"echo agent-tui > {quoted} && echo wrote {quoted}"


def tool_answer(results: Sequence[ToolResult]) -> str:
    """The final answer after a tool call: quotes each result and says whether it
    was an error, e.g. ``Tool result (error: no): "…"``."""
    return "\n".join(
        f"Tool result (error: {'yes' if r.is_error else 'no'}): {quote(r.text)}" for r in results
    )


def tool(turn: Turn) -> Reply:
    if turn.tool_results:
        return text_reply(tool_answer(turn.tool_results))
    path = turn.args[0] if turn.args else DEFAULT_TOOL_PATH
    tool_id = "toolu_" + hashlib.sha256(turn.key.encode()).hexdigest()[:24]
    return Reply(
        parts=(
            TextPart(chunk_words(f"Writing {path}.")),
            ToolUsePart(
                id=tool_id,
                name="Bash",
                input={"command": tool_command(path), "description": f"Write {path}"},
            ),
        ),
        stop_reason="tool_use",
    )


ERROR_TYPES: Mapping[int, str] = {
    400: "invalid_request_error",
    401: "authentication_error",
    403: "permission_error",
    404: "not_found_error",
    413: "request_too_large",
    429: "rate_limit_error",
    500: "api_error",
    529: "overloaded_error",
}


def error(turn: Turn) -> ErrorReply:
    try:
        status = int(turn.args[0]) if turn.args else 400
    except ValueError:
        status = 400
    if status not in ERROR_TYPES:
        status = 400
    error_type = ERROR_TYPES[status]
    return ErrorReply(status, error_type, f"Scripted {status} {error_type}")


def overloaded(turn: Turn) -> Reply | ErrorReply:
    k = int(_number(turn.args, 1, lo=0, hi=100))
    if turn.attempt <= k:
        return ErrorReply(
            529, "overloaded_error", f"Overloaded (scripted attempt {turn.attempt} of {k})"
        )
    return echo(turn)


# The script table: first word of the newest prompt (lower-cased) -> script.
SCRIPTS: dict[str, Script] = {
    "slow": slow,
    "fast": fast,
    "markdown": markdown,
    "tool": tool,
    "error": error,
    "overloaded": overloaded,
}


def split_command(prompt: str) -> tuple[str, tuple[str, ...]]:
    """``"Tool /tmp/x"`` -> ``("tool", ("/tmp/x",))``."""
    words = prompt.split()
    if not words:
        return "", ()
    return words[0].lower(), tuple(words[1:])


def choose_script(prompt: str) -> tuple[str, Script, tuple[str, ...]]:
    """(script name, script, args) for the newest prompt; echo by default."""
    word, args = split_command(prompt)
    script = SCRIPTS.get(word)
    if script is None:
        return "echo", echo, args
    return word, script, args


# ---------------------------------------------------------------------------
# Side-call replies
# ---------------------------------------------------------------------------


def title_for(prompt: str) -> str:
    """A short session title from a prompt: its first five words, capitalised."""
    words = re.sub(r"<[^>]+>", " ", prompt).split()[:5]
    title = " ".join(words).strip(" .,:;!?") or "Demo session"
    return title[:1].upper() + title[1:]


_SESSION_RE = re.compile(r"<session>\s*(.*?)\s*</session>", re.DOTALL)


def _schema_value(schema: Any, hint: str) -> Any:
    if not isinstance(schema, Mapping):
        return hint
    kind = schema.get("type")
    if "enum" in schema and isinstance(schema["enum"], list) and schema["enum"]:
        return schema["enum"][0]
    if kind == "object" or "properties" in schema:
        props = schema.get("properties")
        if not isinstance(props, Mapping):
            return {}
        return {name: _schema_value(sub, hint) for name, sub in props.items()}
    if kind == "array":
        return []
    if kind in ("integer", "number"):
        return 0
    if kind == "boolean":
        return False
    if kind == "null":
        return None
    return hint


def side_reply(kind: RequestKind, body: Mapping[str, Any]) -> Reply:
    """Answers for the CLI's side calls."""
    newest = _newest_user_text(body)
    prompts = extract_user_prompts(body.get("messages"))
    if kind == "title":
        match = _SESSION_RE.search(newest)
        title = title_for(match.group(1) if match else newest)
        return Reply(parts=(TextPart((json.dumps({"title": title}),)),), delay=0.0)
    if kind == "structured":
        value = _schema_value(_output_schema(body), title_for(newest))
        return Reply(parts=(TextPart((json.dumps(value),)),), delay=0.0)
    if kind == "suggestion":
        return Reply(parts=(TextPart(("",)),), delay=0.0)
    if kind == "compact":
        # The conversation's own prompts, minus the compaction instruction.
        seen = [p for p in prompts if _COMPACT_MARKER not in p]
        summary = f"<analysis>Scripted.</analysis>\n<summary>{echo_text(seen)}</summary>"
        return text_reply(summary, delay=0.0)
    if kind == "away_summary":
        seen = [p for p in prompts if _AWAY_MARKER not in p]
        return text_reply(f"Recap: {echo_text(seen)}", delay=0.0)
    return text_reply("OK", delay=0.0)


def output_token_count(reply: Reply) -> int:
    """Tokens a reply streams: one per delta."""
    count = 0
    for part in reply.parts:
        if isinstance(part, TextPart):
            count += len(part.chunks)
        elif isinstance(part, ThinkingPart):
            count += len(part.chunks) + 1
        else:
            count += 1
    return count


def estimate_tokens(chars: int) -> int:
    return max(1, (chars + 3) // 4)
