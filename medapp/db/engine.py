"""Database engine for the case store: embedded SQLite (WAL) by default, PostgreSQL when configured.

The schema is managed by Alembic; `open_engine` upgrades the database to the latest revision on
first use, so a fresh ./var/medapp.db or an empty PostgreSQL database is ready without a manual step.
"""
from __future__ import annotations

import logging
import os
import threading
from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, create_engine, event, exc, make_url, text
from sqlalchemy.orm import Session, sessionmaker

from ..config import database_url
from . import reference_index

MIGRATIONS = Path(__file__).parent / "migrations"
log = logging.getLogger(__name__)
_engines: dict[str, Engine] = {}
_lock = threading.Lock()


def _sqlite_pragmas(dbapi_connection, _record) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")  # readers never block the writer
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=30000")  # concurrent writers wait instead of failing
    # REPLACE INTO deletes the row it replaces without firing DELETE triggers unless this is on: it rewrote an audit
    # row and a kept model card past the append-only triggers (a quality auditor's re-check)
    cursor.execute("PRAGMA recursive_triggers=ON")
    cursor.close()


MIGRATE_LOCK = 0x6D656461 + 1  # an advisory lock key of medapp's own, beside reference_index's


def migrate(engine: Engine) -> None:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    with engine.begin() as connection:
        if connection.dialect.name == "postgresql":
            # processes started together on an empty (or older) database upgraded it at once: two of three died on
            # a duplicate catalogue row (an IT review). They take it in turn; the later ones find it at head.
            connection.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": MIGRATE_LOCK})
        cfg.attributes["connection"] = connection
        command.upgrade(cfg, "heads")  # branches (0002_review, 0002_service) apply side by side
        reference_index.ensure(connection)  # held back by case references that differ only in capitals until renamed


class StoreUnavailable(RuntimeError):
    """The case database cannot be opened or reached: a setting to fix or a server to start, said in one line
    (a mistyped MEDAPP_DATABASE_URL, a stopped PostgreSQL or an unwritable MEDAPP_VAR_DIR ended in a traceback)."""


# What a lost connection, a locked or stopped database, an exhausted pool or an unwritable blob folder raises while
# the app runs: the store is unavailable, not broken, and the pages, API and CLI say so in words.
DATABASE_DOWN: tuple[type[BaseException], ...] = (StoreUnavailable, exc.OperationalError, exc.InterfaceError,
                                                  exc.TimeoutError)


def first_line(error: BaseException, limit: int = 300) -> str:
    """The error's first line, for a message or a log line (a driver's message can run to many lines)."""
    text = str(getattr(error, "orig", None) or error).strip()
    return text.splitlines()[0][:limit] if text else type(error).__name__


def unavailable(error: BaseException, url: str | None = None) -> StoreUnavailable:
    """The one-line reason for `error`, naming the database without its password."""
    try:
        shown = make_url(url).render_as_string(hide_password=True) if url else "the case database"
    except exc.ArgumentError:
        shown = repr(url)
    reason = first_line(error)
    return StoreUnavailable(f"the case database {shown} cannot be used: {reason}")


def _owner_only(path: str | None) -> None:
    """Keep the SQLite file readable by its owner only (it holds password and token hashes; it was created
    -rw-r--r--, readable by every user of the machine): a new file is created so, and a file the owner restored
    from a backup, or copied in, with group or other access has that access taken away, with its -wal and -shm
    files (SQLite gives those the database's mode). A file owned by someone else is left as it is."""
    if not path or path == ":memory:":
        return
    if not Path(path).exists():
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT, 0o600))
        return
    for part in (Path(path), Path(f"{path}-wal"), Path(f"{path}-shm")):
        try:
            mode = part.stat().st_mode
            if mode & 0o077 and part.stat().st_uid == os.geteuid():
                part.chmod(mode & 0o700)
                log.warning("%s was readable by other users of this machine; it is now readable by its owner only",
                            part.name)
        except FileNotFoundError:
            continue


def require_existing(url: str | None = None) -> None:
    """Refuse, in one line, an embedded database file that does not exist, for commands that read or change what is
    there (users list, audit, tokens, blobs collect): opening it created an empty database in a mistyped
    MEDAPP_VAR_DIR and answered "no accounts yet" (an IT review). Creating the first admin, the app and `serve`
    still create it."""
    url = url or database_url(create=False)
    if not url.startswith("sqlite"):
        return
    path = make_url(url).database
    if path and path != ":memory:" and not Path(path).exists():
        raise StoreUnavailable(f"there is no case database at {path} (check MEDAPP_VAR_DIR or MEDAPP_DATABASE_URL); "
                               "`python -m medapp users add --admin NAME` or the app's first start creates it")


def open_engine(url: str | None = None) -> Engine:
    """The engine for `url` (default: MEDAPP_DATABASE_URL or ./var/medapp.db), migrated, one per process."""
    try:
        url = url or database_url()
    except OSError as error:  # MEDAPP_VAR_DIR cannot be created
        raise StoreUnavailable(f"the data folder cannot be used (MEDAPP_VAR_DIR): {error}") from error
    with _lock:
        engine = _engines.get(url)
        if engine is None:
            try:
                if url.startswith("sqlite"):
                    _owner_only(make_url(url).database)
                    engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30})
                    event.listen(engine, "connect", _sqlite_pragmas)
                else:
                    engine = create_engine(url, pool_pre_ping=True, pool_size=10, max_overflow=20)
                migrate(engine)
            except (exc.ArgumentError, exc.OperationalError, exc.InterfaceError, exc.NoSuchModuleError,
                    OSError) as error:
                raise unavailable(error, url) from error
            _engines[url] = engine
    return engine


def session_factory(url: str | None = None) -> sessionmaker[Session]:
    return sessionmaker(open_engine(url), expire_on_commit=False)


def dispose_all() -> None:
    with _lock:
        for engine in _engines.values():
            engine.dispose()
        _engines.clear()
