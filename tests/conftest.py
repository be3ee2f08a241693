"""Fixtures shared by every test package.

``database`` is SQLite on disk; a test or module marked ``@pytest.mark.postgres_too`` runs it
on PostgreSQL too (ids ``sqlite`` / ``postgresql``), on the server that
``GREENLIGHT_TEST_DATABASE_URL`` names (``.ci/run`` starts one). Each pytest worker gets a
database of its own, migrated once; its tables are emptied before every test.
The browser fixtures (``browser``, ``phone_page``, ``desktop_page``) are in ``tests/browser.py``.
"""

from __future__ import annotations

import asyncio
import contextlib
import decimal
import os
import uuid
from collections.abc import AsyncIterator, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import NoReturn

import pytest
from sqlalchemy import text
from sqlalchemy.engine import URL, make_url
from sqlalchemy.ext.asyncio import create_async_engine

from trading.store.database import Database

pytest_plugins = ("tests.browser",)

DATA = Path(__file__).parent / "data"
POSTGRES_ENV = "GREENLIGHT_TEST_DATABASE_URL"
POSTGRES_HOWTO = (
    f"set {POSTGRES_ENV}=postgresql+asyncpg://user:pass@host:port/db (.ci/run starts one)"
)
BACKENDS = ("sqlite", "postgresql")
_SESSION_TASKS: set[asyncio.Task[object]] = set()
_UNAVAILABLE: set[str] = set()


def in_ci() -> bool:
    """``CI=true``: what a test needs must be there."""
    return os.environ.get("CI", "").lower() in ("true", "1", "yes")


def unavailable(tests: str, howto: str) -> NoReturn:
    """Skip ``tests`` for want of what ``howto`` tells how to get; under ``CI=true``, fail."""
    if in_ci():
        pytest.fail(f"{tests} cannot run and CI=true does not skip them: {howto}", pytrace=False)
    message = f"{tests} skipped: {howto}"
    _UNAVAILABLE.add(message)
    pytest.skip(message)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> pytest.TestReport:
    """Fold the skips of :func:`unavailable` into one summary line each, not one a test."""
    report: pytest.TestReport = yield
    if report.skipped and isinstance(report.longrepr, tuple):
        reason = report.longrepr[2]
        if reason.removeprefix("Skipped: ") in _UNAVAILABLE:
            report.longrepr = (str(Path(__file__)), None, reason)
    return report


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """Give ``postgres_too`` tests that use ``database`` a PostgreSQL twin."""
    if "database_backend" in metafunc.fixturenames and metafunc.definition.get_closest_marker(
        "postgres_too"
    ):
        metafunc.parametrize("database_backend", BACKENDS, indirect=True, ids=BACKENDS)


@pytest.fixture
def database_backend(request: pytest.FixtureRequest) -> str:
    """``sqlite``, or ``postgresql`` for the twin of a ``postgres_too`` test."""
    return getattr(request, "param", "sqlite")


@pytest.fixture(autouse=True)
def _default_decimal_context() -> None:
    """Start every test with Python's default decimal context (rounding half-even).

    ccxt's ``decimal_to_precision`` changes the current context in place (rounding half-up,
    Underflow trapped) for the rest of the process: without this, how a test rounds would
    depend on whether a test that used ccxt ran before it on the same worker.
    """
    decimal.setcontext(decimal.Context())


def keep_running(tasks: Iterable[asyncio.Task[object]]) -> None:
    """Spare ``tasks`` (a session fixture's own, such as the browser's) the cancelling below."""
    _SESSION_TASKS.update(tasks)


@pytest.fixture(autouse=True)
async def _cancel_leftover_tasks() -> AsyncIterator[None]:
    """Cancel the tasks a test leaves running, as closing a loop of its own would have.

    Tests share their worker's event loop (see pyproject.toml): without this, a task left
    by one test (a view's timeout, a hung call ended by pytest-timeout) would run in later ones.
    """
    before = asyncio.all_tasks()
    yield
    spared = before | _SESSION_TASKS | {asyncio.current_task()}
    left = [task for task in asyncio.all_tasks() - spared if not task.done()]
    for task in left:
        task.cancel()
    if left:
        await asyncio.wait(left, timeout=5)


@pytest.fixture(scope="session")
def postgres_admin_url() -> URL:
    """The server and database ``GREENLIGHT_TEST_DATABASE_URL`` names (skip when unset)."""
    raw = os.environ.get(POSTGRES_ENV, "").strip()
    if not raw:
        unavailable("PostgreSQL tests", POSTGRES_HOWTO)
    url = make_url(raw)
    if url.get_backend_name() != "postgresql":
        pytest.fail(f"{POSTGRES_ENV} is not a PostgreSQL URL: {url!r}", pytrace=False)
    try:
        import asyncpg  # noqa: F401
    except ImportError:
        unavailable("PostgreSQL tests", "pip install asyncpg (it is in the test extra)")
    return url.set(drivername="postgresql+asyncpg")


@contextlib.asynccontextmanager
async def postgres_database(admin: URL, name: str) -> AsyncIterator[str]:
    """An empty database ``name`` on ``admin``'s server, dropped afterwards; yields its URL."""
    engine = create_async_engine(admin, isolation_level="AUTOCOMMIT")
    try:
        async with engine.connect() as connection:
            await connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            await connection.execute(text(f'CREATE DATABASE "{name}"'))
        yield admin.set(database=name).render_as_string(hide_password=False)
    finally:
        async with engine.connect() as connection:
            await connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        await engine.dispose()


def _database_name(config: pytest.Config, admin: URL, purpose: str) -> str:
    """A name no other worker or concurrent run uses: ``<db>_<worker>_<purpose>_<random>``."""
    worker = getattr(config, "workerinput", {}).get("workerid", "main")
    return f"{admin.database or 'greenlight'}_{worker}_{purpose}_{uuid.uuid4().hex[:8]}".lower()


@dataclass(frozen=True)
class PostgresWorker:
    """This worker's PostgreSQL database, migrated once, and the server it is on."""

    admin: URL
    url: str
    tables: tuple[str, ...]

    async def open_emptied(self) -> Database:
        """The database with every table emptied (the schema stays)."""
        database = await Database.open(self.url, migrate=False)
        names = ", ".join(f'"{table}"' for table in self.tables)
        async with database.engine.begin() as connection:
            # a connection some earlier test left open would block this: say so, do not hang
            await connection.execute(text("SET LOCAL lock_timeout = '10s'"))
            await connection.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
        return database


@pytest.fixture(scope="session")
async def postgres_worker(
    request: pytest.FixtureRequest, postgres_admin_url: URL
) -> AsyncIterator[PostgresWorker]:
    """Create and migrate this worker's database, once per session; drop it at the end."""
    name = _database_name(request.config, postgres_admin_url, "tests")
    async with postgres_database(postgres_admin_url, name) as url:
        database = await Database.open(url)
        try:
            async with database.engine.connect() as connection:
                rows = await connection.execute(
                    text(
                        "SELECT tablename FROM pg_tables WHERE schemaname = current_schema()"
                        " AND tablename <> 'alembic_version' ORDER BY tablename"
                    )
                )
                tables = tuple(row[0] for row in rows)
        finally:
            await database.close()
        yield PostgresWorker(postgres_admin_url, url, tables)


@pytest.fixture
def postgres(request: pytest.FixtureRequest, database_backend: str) -> PostgresWorker | None:
    """This worker's PostgreSQL for a ``postgresql`` twin, else None.

    A plain fixture, so that the session's server is set up (or the test skipped) before any
    async fixture runs: an async fixture cannot set up another one itself.
    """
    if database_backend != "postgresql":
        return None
    worker: PostgresWorker = request.getfixturevalue("postgres_worker")
    return worker


@pytest.fixture
async def database(postgres: PostgresWorker | None, tmp_path: Path) -> AsyncIterator[Database]:
    """A fresh store on the newest schema: SQLite on disk, or the PostgreSQL twin's."""
    if postgres is not None:
        db = await postgres.open_emptied()
    else:
        db = await Database.open(f"sqlite+aiosqlite:///{tmp_path}/greenlight.db")
    yield db
    await db.close()


@pytest.fixture
async def empty_database_url(
    request: pytest.FixtureRequest, postgres: PostgresWorker | None, tmp_path: Path
) -> AsyncIterator[str]:
    """The URL of an empty database (no tables) on the test's backend, for migrations."""
    if postgres is not None:
        name = _database_name(request.config, postgres.admin, "empty")
        async with postgres_database(postgres.admin, name) as url:
            yield url
    else:
        yield f"sqlite+aiosqlite:///{tmp_path}/empty.db"
