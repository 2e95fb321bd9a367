"""Fixtures of the integration tests: a migrated database of each SQL tier."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine

from core.db import make_engine
from tests.unit.dossiers.storage import SQL_TIERS, migrated_database


@pytest.fixture(params=SQL_TIERS)
def engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    with migrated_database(request.param, request, tmp_path) as url:
        engine = make_engine(url)
        yield engine
        engine.dispose()
