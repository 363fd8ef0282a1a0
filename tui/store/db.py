"""The one SQLite connection agent-tui keeps, how it is opened, and how it is written.

Everything lives in one file. Opening it never writes to a file that is not an
agent-tui database (or empty): the checks run first and fail with a ``StoreError``.
Several coroutines share the connection, so every write goes through
``Database.transaction()`` or ``Database.write()``; ``BEGIN IMMEDIATE`` makes a second
agent-tui process on the same file wait its turn (``busy_timeout``) instead of failing
halfway.
"""

from __future__ import annotations

import asyncio
import os
import sqlite3
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable
from contextlib import asynccontextmanager
from pathlib import Path
from types import TracebackType
from typing import Any, Concatenate, ParamSpec, TypeVar, cast

import aiosqlite

from .errors import (
    CannotOpenDatabaseError,
    ForeignDatabaseError,
    NotADatabaseError,
    SchemaTooNewError,
)
from .schema import APPLICATION_ID, MIGRATIONS, SCHEMA_VERSION

SQLITE_HEADER = b"SQLite format 3\x00"
BUSY_TIMEOUT_MS = 5000
# Copy the write-ahead log back into the database once it holds this many pages (16 MB
# at SQLite's default page size) rather than SQLite's 1000: a quarter as many
# checkpoints, each syncing the disk twice, and a page that several appends in a row
# rewrite (an index page, the search index's bookkeeping) is copied back once, not
# once per checkpoint. The log file on disk grows to about that size.
WAL_AUTOCHECKPOINT_PAGES = 4000

_P = ParamSpec("_P")
_T = TypeVar("_T")


class Database:
    """Owns the connection. ``db = await Database.open(path)`` ... ``await db.close()``."""

    def __init__(self, conn: aiosqlite.Connection, path: Path) -> None:
        self._conn = conn
        self._write_lock = asyncio.Lock()
        self.path = path

    @classmethod
    async def open(cls, path: str | os.PathLike[str], *, version: int = SCHEMA_VERSION) -> Database:
        """Open (creating if need be) and migrate the database at ``path``.

        ``version`` stops the migrations early; only tests of the migrations want that.
        Raises a ``StoreError`` subclass when the file cannot be used.
        """
        path = _prepare_file(path)
        try:
            conn = await aiosqlite.connect(path, isolation_level=None)
        except sqlite3.Error as error:
            raise _explain(path, error) from None
        db = cls(conn, path)
        try:
            await db._setup(version)
        except sqlite3.Error as error:
            await conn.close()
            raise _explain(path, error) from None
        except BaseException:
            await conn.close()
            raise
        return db

    async def _setup(self, version: int) -> None:
        conn = self._conn
        await conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        await conn.execute("PRAGMA foreign_keys = ON")
        # Read-only checks before the first write (switching to WAL writes the header).
        await self._schema_version()
        mode = await self._enter_wal()
        if str(mode).lower() != "wal":
            raise CannotOpenDatabaseError(self.path, "SQLite cannot use write-ahead logging there")
        await conn.execute("PRAGMA synchronous = NORMAL")
        await conn.execute(f"PRAGMA wal_autocheckpoint = {WAL_AUTOCHECKPOINT_PAGES}")
        if await self._schema_version() < version:
            async with self.transaction():
                # Again, under the write lock: another process may have migrated meanwhile.
                for number in range(await self._schema_version(), version):
                    await MIGRATIONS[number](conn)
                    await conn.execute(f"PRAGMA user_version = {number + 1}")
        # SQLite's lower() and LIKE fold ASCII only; the catalog's title search needs more.
        await conn.create_function("casefold", 1, _casefold, deterministic=True)

    async def _enter_wal(self) -> str:
        """Switch to WAL (persistent, so a no-op once done). The switch takes an
        exclusive lock and SQLite may report "locked" at once rather than wait through
        busy_timeout while another process is creating the same file, so retry for as
        long as busy_timeout would have waited."""
        deadline = time.monotonic() + BUSY_TIMEOUT_MS / 1000
        while True:
            try:
                (mode,) = await self.fetchone("PRAGMA journal_mode = WAL") or ("",)
                return str(mode)
            except sqlite3.OperationalError as error:
                if "locked" not in str(error) or time.monotonic() > deadline:
                    raise
                await asyncio.sleep(0.05)

    async def _schema_version(self) -> int:
        """The file's schema version; raises if the file is not ours or too new."""
        # One statement, so one snapshot: another process may be migrating the file.
        ((app_id, found, objects),) = await self.fetchall(
            """
            SELECT (SELECT application_id FROM pragma_application_id),
                   (SELECT user_version FROM pragma_user_version),
                   (SELECT count(*) FROM sqlite_master)
            """
        )
        if app_id != APPLICATION_ID:
            if app_id or objects or found:
                raise ForeignDatabaseError(self.path)
            return 0  # a new, empty database
        if found > SCHEMA_VERSION:
            raise SchemaTooNewError(self.path, found, SCHEMA_VERSION)
        return int(found)

    @property
    def conn(self) -> aiosqlite.Connection:
        """The shared connection, for reads. Write only through ``transaction()`` or
        ``write()``."""
        return self._conn

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[aiosqlite.Connection]:
        """``async with db.transaction() as conn:`` one write transaction, committed on
        normal exit and rolled back on any exception (cancellation included)."""
        async with self._write_lock:
            try:
                await self._conn.execute("BEGIN IMMEDIATE")
                yield self._conn
                await self._conn.execute("COMMIT")
            except BaseException:
                # Queued behind whatever is still running on the connection's thread
                # (a BEGIN waiting for another process, say), so it lands even when
                # this task is being cancelled and the lock is about to be released.
                try:
                    await self._conn.execute("ROLLBACK")
                except sqlite3.OperationalError:
                    pass  # SQLite already rolled back (e.g. after a full disk)
                raise

    async def write(
        self,
        work: Callable[Concatenate[sqlite3.Connection, _P], _T],
        /,
        *args: _P.args,
        **kwargs: _P.kwargs,
    ) -> _T:
        """``work(conn, *args, **kwargs)`` as one write transaction, run start to finish
        on the connection's own thread: one trip there and back, however many statements
        ``work`` runs. ``work`` gets the plain ``sqlite3.Connection`` and must neither
        commit nor touch the event loop; it may take the GIL for a while (the event loop
        still gets turns). Committed if ``work`` returns, rolled back if it raises.

        Cancelling the awaiting task does not stop ``work`` once it is queued (as soon as
        the write lock is free): it runs to the end, so the transaction still commits, or
        rolls back if ``work`` raises, and is never left half done. Writes sent after it
        by this ``Database`` wait for it; reads sent meanwhile see it whole or not at all.
        """
        async with self._write_lock:
            # Queued on the connection's thread, behind everything already sent there,
            # and ahead of anything the next holder of the write lock sends.
            return await _run_on_thread(self._conn, _in_transaction, self._conn, work, args, kwargs)

    async def fetchall(self, sql: str, params: Iterable[Any] = ()) -> list[Any]:
        return list(await self._conn.execute_fetchall(sql, tuple(params)))

    async def fetchone(self, sql: str, params: Iterable[Any] = ()) -> Any | None:
        rows = await self.fetchall(sql, params)
        return rows[0] if rows else None

    async def close(self) -> None:
        await self._conn.close()

    async def __aenter__(self) -> Database:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.close()


def _run_on_thread(conn: aiosqlite.Connection, fn: Callable[..., _T], *args: Any) -> Awaitable[_T]:
    # aiosqlite has no public way to run a callable on its connection's thread; its own
    # methods all go through ``_execute``, which queues the call in order with theirs.
    execute = cast("Callable[..., Awaitable[_T]]", conn._execute)
    return execute(fn, *args)


def _in_transaction(
    owner: aiosqlite.Connection,
    work: Callable[..., _T],
    args: tuple[Any, ...],
    kwargs: dict[str, Any],
) -> _T:
    """On the connection's thread: ``work`` between BEGIN IMMEDIATE and COMMIT."""
    conn = owner._conn  # the plain sqlite3 connection, used only on this thread
    conn.execute("BEGIN IMMEDIATE")
    try:
        result = work(conn, *args, **kwargs)
        conn.execute("COMMIT")
    except BaseException:
        if conn.in_transaction:  # SQLite may have rolled back already (a full disk, say)
            conn.execute("ROLLBACK")
        raise
    return result


def now_ms() -> int:
    """Wall-clock time in Unix epoch milliseconds, the unit of every timestamp stored."""
    return time.time_ns() // 1_000_000


def _casefold(value: object) -> object:
    return value.casefold() if isinstance(value, str) else value


def _prepare_file(name: str | os.PathLike[str]) -> Path:
    """Create the file (0600) and its missing folders (0700), or check that the
    existing file could be a SQLite database, reading it only."""
    path = Path(name).expanduser()
    if path.is_dir():
        raise CannotOpenDatabaseError(path, "that is a folder, not a file")
    _make_folders(path, path.parent)
    try:
        # Created here rather than by SQLite so it starts private; SQLite gives the
        # -wal and -shm files it makes next to it the same mode.
        fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        _check_existing(path)
        return path
    except OSError as error:
        raise CannotOpenDatabaseError(path, _reason(error)) from None
    os.close(fd)
    os.chmod(path, 0o600)  # os.open's mode passed through the umask
    return path


def _make_folders(path: Path, folder: Path) -> None:
    missing: list[Path] = []
    while not folder.exists() and folder != folder.parent:
        missing.append(folder)
        folder = folder.parent
    for created in reversed(missing):
        try:
            os.mkdir(created, 0o700)
        except FileExistsError:
            continue  # someone else made it just now: not ours to change
        except OSError as error:
            raise CannotOpenDatabaseError(
                path, f"cannot create the folder {created} ({_reason(error)})"
            ) from None
        os.chmod(created, 0o700)


def _check_existing(path: Path) -> None:
    try:
        with open(path, "rb") as file:
            header = file.read(len(SQLITE_HEADER))
    except OSError as error:
        raise CannotOpenDatabaseError(path, _reason(error)) from None
    if header and header != SQLITE_HEADER:
        raise NotADatabaseError(path)
    if not os.access(path, os.W_OK):
        raise CannotOpenDatabaseError(path, "it is read-only")


def _reason(error: OSError) -> str:
    return (error.strerror or str(error)).lower()


def _explain(path: Path, error: sqlite3.Error) -> Exception:
    if isinstance(error, sqlite3.OperationalError):
        # Locked, read-only, unopenable, I/O: the file may be fine, its access is not.
        return CannotOpenDatabaseError(path, str(error))
    if isinstance(error, sqlite3.DatabaseError):
        return NotADatabaseError(path, f"it is damaged or not a SQLite database ({error})")
    return error
