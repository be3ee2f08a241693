"""Fixtures shared by every test package."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from trading.store.database import Database

DATA = Path(__file__).parent / "data"


@pytest.fixture
async def database(tmp_path: Path) -> AsyncIterator[Database]:
    """A fresh SQLite store on disk, migrated to the newest schema."""
    db = await Database.open(f"sqlite+aiosqlite:///{tmp_path}/greenlight.db")
    yield db
    await db.close()
