"""Storage tiers for the dossier tests: a migrated SQLite file, or a fresh PostgreSQL schema.

Each PostgreSQL test gets its own schema (dropped afterwards) selected through `search_path`,
so these tests never touch tables that other tests of the same database use at the same time.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from alembic import command
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from core.cli import alembic_config

TIERS = ["memory", "sqlite", pytest.param("postgresql", marks=pytest.mark.storage)]
SQL_TIERS = ["sqlite", pytest.param("postgresql", marks=pytest.mark.storage)]


def with_search_path(url: str, schema: str) -> str:
    return (
        make_url(url)
        .update_query_dict({"options": f"-csearch_path={schema}"})
        .render_as_string(hide_password=False)
    )


@contextmanager
def postgres_schema(url: str) -> Iterator[str]:
    """A migrated, empty schema of its own; yields a URL whose search_path selects it."""
    schema = f"dossier_test_{os.getpid()}_{uuid.uuid4().hex[:8]}"
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(text(f'CREATE SCHEMA "{schema}"'))
        scoped = with_search_path(url, schema)
        command.upgrade(alembic_config(scoped), "head")
        yield scoped
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        admin.dispose()


@contextmanager
def migrated_database(tier: str, request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """The URL of a freshly migrated database of `tier` ("sqlite" or "postgresql")."""
    if tier == "sqlite":
        url = f"sqlite:///{tmp_path}/dossiers.db"
        command.upgrade(alembic_config(url), "head")
        yield url
        return
    with postgres_schema(request.getfixturevalue("postgres_url")) as url:
        yield url
