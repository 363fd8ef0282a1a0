"""What can go wrong opening or using the database, as messages a person can act on.

Every error's ``str()`` is one line that names the file and says what to do; the app
prints it instead of a traceback. None of them is raised after anything was written to
a file that is not ours.
"""

from __future__ import annotations

from pathlib import Path

_ELSEWHERE = "choose another file with --db or AGENT_TUI_DB"


class StoreError(Exception):
    """Base class: ``str(error)`` is a one-line message for the user."""


class DatabaseFileError(StoreError):
    """Something about the database file itself; ``path`` names it."""

    def __init__(self, path: str | Path, message: str) -> None:
        super().__init__(message)
        self.path = Path(path)


class CannotOpenDatabaseError(DatabaseFileError):
    """The file or its folder cannot be created, read or written."""

    def __init__(self, path: str | Path, reason: str) -> None:
        super().__init__(
            path,
            f"Cannot open the agent-tui database {path}: {reason}. "
            f"Check the path and its permissions, or {_ELSEWHERE}.",
        )
        self.reason = reason


class NotADatabaseError(DatabaseFileError):
    """The file exists but is not a (readable) SQLite database."""

    def __init__(self, path: str | Path, detail: str = "it is not a SQLite database") -> None:
        super().__init__(
            path,
            f"{path} cannot be used as the agent-tui database: {detail}. "
            f"It was left untouched; move it aside or {_ELSEWHERE}.",
        )


class ForeignDatabaseError(DatabaseFileError):
    """A SQLite database that belongs to some other program."""

    def __init__(self, path: str | Path) -> None:
        super().__init__(
            path,
            f"{path} is a SQLite database of another program, not agent-tui's. "
            f"It was left untouched; {_ELSEWHERE}.",
        )


class SchemaTooNewError(DatabaseFileError):
    """Written by a newer agent-tui whose schema this version does not know."""

    def __init__(self, path: str | Path, found: int, known: int) -> None:
        super().__init__(
            path,
            f"{path} was written by a newer agent-tui (schema version {found}; this "
            f"version knows up to {known}). Upgrade agent-tui, or {_ELSEWHERE}.",
        )
        self.found = found
        self.known = known


class SessionNotFoundError(StoreError, LookupError):
    """A catalog operation named a session the catalog does not have."""

    def __init__(self, session_id: str) -> None:
        super().__init__(f"There is no session {session_id} in the session list.")
        self.session_id = session_id
