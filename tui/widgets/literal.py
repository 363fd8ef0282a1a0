"""Showing untrusted text literally.

Model output, tool output and user prompts may contain Rich/Textual markup, ANSI
escape sequences and other control characters. None of that may reach the terminal
or be interpreted as styling: markup is avoided by always building `Content` objects
(never markup strings), and control characters are replaced by visible stand-ins.
"""

from __future__ import annotations

import re

from textual.content import Content

# C0 controls except tab and newline, DEL, and the C1 range (0x9b is a one-byte CSI
# on some terminals). Carriage returns are dropped rather than shown: they mostly come
# from CRLF line endings.
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def _stand_in(match: re.Match[str]) -> str:
    char = match.group()
    code = ord(char)
    if char == "\r":
        return ""
    if code < 0x20:
        # U+2400..U+241F: the Unicode control pictures (␛ for ESC, ␀ for NUL, ...).
        return chr(0x2400 + code)
    if code == 0x7F:
        return "␡"
    return "�"


def sanitize(text: str) -> str:
    """`text` with every control character except tab and newline made visible
    (ESC shows as ␛) and carriage returns removed. Safe to feed in fragments."""
    if not _CONTROL.search(text):
        return text
    return _CONTROL.sub(_stand_in, text)


def literal(text: str, style: str = "") -> Content:
    """Content that displays `text` exactly: no markup parsing, no control characters."""
    return Content.styled(sanitize(text), style) if style else Content(sanitize(text))


def one_line(text: str, limit: int = 160) -> str:
    """The first non-blank line of `text`, sanitized and cut to `limit` characters."""
    for line in text.splitlines():
        if line.strip():
            line = sanitize(line.strip()).replace("\t", " ")
            return line if len(line) <= limit else line[: limit - 1] + "…"
    return ""
