"""What every `motcua` command shares: settings, the database, exit codes, a progress bar."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Final, NoReturn

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeElapsedColumn
from sqlalchemy import Engine, inspect
from sqlalchemy.exc import SQLAlchemyError

from core.db import make_engine
from core.logging import configure_logging
from core.settings import Settings, SettingsError, load_settings

EXIT_OK: Final = 0
EXIT_PARTIAL: Final = 1  # some inputs were rejected; all the others were processed
EXIT_UNUSABLE: Final = 2  # nothing could be done: bad settings, input or database


def fail(message: str, code: int = EXIT_UNUSABLE) -> NoReturn:
    typer.echo(message, err=True)
    raise typer.Exit(code)


def command_settings() -> Settings:
    """The settings, with logging configured; invalid settings end the command (exit 2)."""
    try:
        settings = load_settings()
    except SettingsError as exc:
        fail(str(exc))
    configure_logging(level=settings.log_level, fmt=settings.log_format)
    return settings


def open_database(settings: Settings, *, table: str) -> Engine:
    """An engine on a database that answers and has `table`; else the command ends (exit 2)."""
    engine = make_engine(settings.database_url)
    try:
        has_table = inspect(engine).has_table(table)
    except SQLAlchemyError as exc:
        engine.dispose()
        fail(f"cannot connect to the database ({type(exc).__name__}): {exc}")
    if not has_table:
        engine.dispose()
        fail(f"the database has no {table} table: run `motcua db upgrade` first")
    return engine


@contextmanager
def progress_bar(description: str) -> Iterator[Callable[[int, int], None]]:
    """Yields `advance(done, total)`; the bar shows on a terminal only, not in pipes and logs."""
    progress = Progress(
        "[progress.description]{task.description}",
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=Console(),
        disable=not sys.stdout.isatty(),
        transient=True,
    )
    with progress:
        task = progress.add_task(description, total=None)

        def advance(done: int, total: int) -> None:
            progress.update(task, completed=done, total=total)

        yield advance
