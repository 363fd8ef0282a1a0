"""Persistence: one SQLite file with transcripts, the session catalog, fork lineage,
tabs, drafts and full-text search. Never imports Textual; imports the Claude Agent SDK
only once an agent is writing (it is slow to import and this is on the start-up path)."""

from .catalog import MATCH_END, MATCH_START, Catalog, SearchHit, SessionRow, TabRow
from .db import Database
from .errors import (
    CannotOpenDatabaseError,
    DatabaseFileError,
    ForeignDatabaseError,
    NotADatabaseError,
    SchemaTooNewError,
    SessionNotFoundError,
    StoreError,
)
from .schema import SCHEMA_VERSION
from .session_store import SqliteSessionStore

__all__ = [
    "MATCH_END",
    "MATCH_START",
    "SCHEMA_VERSION",
    "CannotOpenDatabaseError",
    "Catalog",
    "Database",
    "DatabaseFileError",
    "ForeignDatabaseError",
    "NotADatabaseError",
    "SchemaTooNewError",
    "SearchHit",
    "SessionNotFoundError",
    "SessionRow",
    "SqliteSessionStore",
    "StoreError",
    "TabRow",
]
