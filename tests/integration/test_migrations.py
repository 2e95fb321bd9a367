"""Migrations apply and revert on SQLite and PostgreSQL, and match the models exactly."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Engine, inspect

import core.schema  # noqa: F401 - registers every table on Base.metadata
from core.cli import alembic_config
from core.db import Base, make_engine


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.storage)])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path}/m.db"
        return
    url: str = request.getfixturevalue("postgres_url")
    command.downgrade(alembic_config(url), "base")
    yield url
    command.downgrade(alembic_config(url), "base")


def _tables(engine: Engine) -> set[str]:
    return set(inspect(engine).get_table_names()) - {"alembic_version"}


def test_upgrade_matches_the_models_and_downgrade_reverts(database_url: str) -> None:
    cfg = alembic_config(database_url)
    command.upgrade(cfg, "head")
    engine = make_engine(database_url)
    try:
        assert _tables(engine) == set(Base.metadata.tables)
        with engine.connect() as conn:
            diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
        assert diff == [], f"models and migrations differ: {diff}"
        command.downgrade(cfg, "base")
        assert _tables(engine) == set()
        command.upgrade(cfg, "head")  # and again: upgrades are repeatable
        assert _tables(engine) == set(Base.metadata.tables)
    finally:
        engine.dispose()
