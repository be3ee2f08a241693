"""Opening the store: the async engine behind ``DATABASE_URL`` and its schema migrations.

SQLite (through aiosqlite) is the default; a ``postgresql+asyncpg://`` URL works too. The
schema is versioned with Alembic and upgraded at start-up, so a later release migrates an
existing database in place.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import event
from sqlalchemy.engine import Connection, make_url
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

__all__ = ["Database", "StoreUnavailable"]

_log = logging.getLogger(__name__)
_MIGRATIONS = Path(__file__).with_name("migrations")


class StoreUnavailable(Exception):
    """The database could not be written: nothing was stored."""


class Database:
    """An async SQLAlchemy engine with Greenlight's schema applied.

    Use :meth:`open` rather than the constructor: it creates the SQLite folder and migrates.
    """

    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine

    @classmethod
    async def open(cls, url: str, *, migrate: bool = True) -> Database:
        """Connect to ``url``, create what SQLite needs on disk, and upgrade the schema."""
        parsed = make_url(url)
        kwargs: dict[str, Any] = {}
        if parsed.get_backend_name() == "sqlite":
            _ensure_folder(parsed.database)
            kwargs["connect_args"] = {"timeout": 30}
        engine = create_async_engine(parsed, **kwargs)
        if parsed.get_backend_name() == "sqlite":
            event.listen(engine.sync_engine, "connect", _sqlite_pragmas)
        database = cls(engine)
        if migrate:
            await database.migrate()
        return database

    async def migrate(self) -> None:
        """Bring the schema to the newest revision (a no-op when it already is).

        On SQLite, altering a table rebuilds it (copy, drop, rename), which foreign keys
        would refuse while other tables point at it: they are switched off around the
        migration (outside its transaction, where SQLite allows it) and checked after it.
        """
        sqlite = self.engine.dialect.name == "sqlite"
        async with self.engine.connect() as connection:
            if sqlite:
                await connection.exec_driver_sql("PRAGMA foreign_keys=OFF")
                await connection.commit()
            try:
                async with connection.begin():
                    await connection.run_sync(_upgrade)
                if sqlite:
                    broken = (await connection.exec_driver_sql("PRAGMA foreign_key_check")).all()
                    if broken:
                        raise RuntimeError(f"the migration broke foreign keys: {broken[:5]}")
            finally:
                if sqlite:
                    await connection.exec_driver_sql("PRAGMA foreign_keys=ON")
                    await connection.commit()

    async def close(self) -> None:
        """Release every pooled connection."""
        await self.engine.dispose()


def _ensure_folder(database: str | None) -> None:
    if database and database != ":memory:" and not database.startswith("file:"):
        Path(database).expanduser().parent.mkdir(parents=True, exist_ok=True)


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    """WAL with ``synchronous=FULL``: a commit is on disk before we answer anyone."""
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=FULL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()


def alembic_config(connection: Connection | None = None) -> Config:
    """An Alembic config pointing at our migrations, bound to ``connection`` if given."""
    config = Config()
    config.set_main_option("script_location", str(_MIGRATIONS))
    config.attributes["connection"] = connection
    return config


def _upgrade(connection: Connection) -> None:
    command.upgrade(alembic_config(connection), "head")
