"""Plain-language descriptions of what went wrong and what to do about it.
Every function returns (message, hint)."""

from __future__ import annotations

import re

_LOGIN_HINT = (
    "Check ANTHROPIC_API_KEY, or run `claude /login` to sign in again; then send the prompt again."
)

_API_ERRORS: dict[str, tuple[str, str]] = {
    "authentication_failed": ("Not logged in, or the API key was rejected (401).", _LOGIN_HINT),
    "billing_error": (
        "The account has a billing problem.",
        "Check the plan or credits on the account, then send again.",
    ),
    "rate_limit": ("Rate limited by the API.", "Wait a moment and send the prompt again."),
    "invalid_request": (
        "The API rejected the request (400).",
        "Shorten or change the prompt, or switch model from the command palette.",
    ),
    "server_error": (
        "The API had a server error.",
        "It was retried already; send the prompt again in a moment.",
    ),
}


def _tail(lines: list[str], n: int = 3) -> str:
    text = " | ".join(line.strip() for line in lines[-n:] if line.strip())
    return f" ({text})" if text else ""


_STATUS_KINDS = {400: "invalid_request", 401: "authentication_failed", 429: "rate_limit"}


def describe_api_error(kind: str, text: str) -> tuple[str, str]:
    # The CLI tags several failures "unknown" and puts the HTTP status in the text.
    match = re.search(r"API Error: (\d{3})", text)
    if kind == "unknown" and match:
        status = int(match.group(1))
        kind = _STATUS_KINDS.get(status, "server_error" if status >= 500 else kind)
    message, hint = _API_ERRORS.get(kind, ("The API returned an error.", "Send the prompt again."))
    if text.strip():
        message = f"{message} {text.strip()}"
    return message, hint


def describe_result_error(status: int | None, detail: str) -> tuple[str, str]:
    if status == 401:
        return describe_api_error("authentication_failed", detail)
    if status == 400:
        return describe_api_error("invalid_request", detail)
    if status in (429,):
        return describe_api_error("rate_limit", detail)
    if status is not None and status >= 500:
        return describe_api_error("server_error", detail)
    return f"The turn ended with an error: {detail}", "Send the prompt again."


def describe_connect_error(exc: BaseException, stderr: list[str]) -> tuple[str, str]:
    from claude_agent_sdk import CLINotFoundError

    if isinstance(exc, CLINotFoundError):
        return (
            "The Claude Code CLI was not found.",
            "Reinstall agent-tui (the SDK ships the CLI), or set cli_path to a `claude` binary.",
        )
    if isinstance(exc, (FileNotFoundError, NotADirectoryError)):
        return (f"Cannot start Claude here: {exc}.", "Check that the working directory exists.")
    return (
        f"Could not start Claude: {exc}{_tail(stderr)}",
        "Send the prompt again to retry; check your network or API settings if it persists.",
    )


def describe_turn_error(exc: BaseException | None, stderr: list[str]) -> tuple[str, str]:
    reason = f": {exc}" if exc is not None else ""
    return (
        f"The Claude process stopped in the middle of the turn{reason}{_tail(stderr)}",
        "Nothing saved was lost. Send a prompt to reconnect; "
        "the conversation resumes from what was saved.",
    )


def describe_store_error(detail: str) -> tuple[str, str]:
    return (
        f"Could not save the transcript to the database: {detail}",
        "The CLI's own copy still has it; agent-tui imports it on the next start. "
        "Check free disk space and the database file's permissions.",
    )
