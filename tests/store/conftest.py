from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from tui.store import Catalog, Database, SqliteSessionStore


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "agent-tui.db"


@pytest.fixture
async def db(db_path: Path) -> AsyncIterator[Database]:
    database = await Database.open(db_path)
    yield database
    await database.close()


@pytest.fixture
async def store(db: Database) -> SqliteSessionStore:
    return SqliteSessionStore(db)


@pytest.fixture
async def catalog(db: Database, store: SqliteSessionStore) -> Catalog:
    return Catalog(db, store)
