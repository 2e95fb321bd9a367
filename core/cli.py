"""The `motcua` command (CONTRACT §5)."""

from __future__ import annotations

from pathlib import Path

import typer
from alembic import command
from alembic.config import Config

from core.clitools import command_settings
from core.db import make_engine, ping
from core.dossiers import csv_import
from core.logging import get_logger
from core.procedures import store as procedure_store

app = typer.Typer(help="Một Cửa: administration commands.", no_args_is_help=True)
db_app = typer.Typer(help="Database schema.", no_args_is_help=True)
onestop_app = typer.Typer(help="The one-stop (một cửa) software.", no_args_is_help=True)
app.add_typer(onestop_app, name="onestop")
app.add_typer(db_app, name="db")
csv_import.register(app)
procedure_store.register(app)

ROOT = Path(__file__).resolve().parent.parent
log = get_logger("motcua.cli")


def alembic_config(database_url: str) -> Config:
    cfg = Config(str(ROOT / "alembic.ini"))
    cfg.set_main_option("script_location", str(ROOT / "migrations"))
    cfg.attributes["database_url"] = database_url
    return cfg


@db_app.command("upgrade")
def db_upgrade(revision: str = typer.Argument("head", help="target revision")) -> None:
    """Applies the migrations (Alembic) to MOTCUA_DATABASE_URL."""
    settings = command_settings()
    engine = make_engine(settings.database_url)
    try:
        ping(engine)
    except Exception as exc:  # noqa: BLE001 - any driver error means "cannot connect"
        typer.echo(f"cannot connect to the database ({type(exc).__name__}): {exc}", err=True)
        raise typer.Exit(1) from None
    finally:
        engine.dispose()
    command.upgrade(alembic_config(settings.database_url), revision)
    typer.echo(f"database at revision {revision}")


@onestop_app.command("pull")
def onestop_pull(
    url: str | None = typer.Option(None, help="API base URL; default MOTCUA_ONESTOP_PULL_URL"),
) -> None:
    """Pulls the dossiers changed since the last pull (the cursor is kept in the database)."""
    import asyncio

    from core.dossiers.repository import SqlDossierRepository
    from core.onestop.cursors import SqlSyncCursorStore
    from core.onestop.pull import HttpDossierSource, SourceError, pull_once

    settings = command_settings()
    base = url or settings.onestop_pull_url
    if not base:
        typer.echo("no URL: pass --url or set MOTCUA_ONESTOP_PULL_URL", err=True)
        raise typer.Exit(2)
    token = settings.onestop_pull_token
    source = HttpDossierSource(
        base, tz=settings.tz, token=token.get_secret_value() if token else None
    )
    engine = make_engine(settings.database_url)
    try:
        result = asyncio.run(
            pull_once(source, SqlDossierRepository(engine), SqlSyncCursorStore(engine))
        )
    except SourceError as exc:
        typer.echo(f"pull failed: {exc}", err=True)
        raise typer.Exit(1) from None
    finally:
        engine.dispose()
    typer.echo(
        f"pages {result.pages}, created {result.created}, updated {result.updated}, "
        f"unchanged {result.unchanged}, status changes {len(result.changes)}, "
        f"rejected {len(result.rejected)}"
    )
    for item in result.rejected:
        typer.echo(f"  page {item.page}, item {item.index}: {item.reason}")
    raise typer.Exit(1 if result.rejected else 0)


def main() -> None:
    app()


if __name__ == "__main__":
    main()
