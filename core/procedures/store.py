"""Import of the curated catalog into the `procedures` table, and `motcua import-procedures PATH`.

PATH is a catalog directory (its `<code>.json` entry files; `index.json` and `sources/` are not
entries) or one entry file. Each file is validated as a `CatalogEntry`; a file that does not
validate is rejected with its reason and every other file is still imported. Rows are upserted
by code, one transaction per file, so running the import again changes nothing
(`unchanged`). Counts add up: created + updated + unchanged + rejected = files.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, Final, NamedTuple

import typer
from sqlalchemy.exc import DBAPIError, SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from core.clitools import EXIT_OK, EXIT_PARTIAL, command_settings, fail, open_database, progress_bar
from core.procedures.catalog import CatalogEntry, CatalogError, entry_files, load_entry
from core.procedures.tables import ProcedureRow

__all__ = ["ImportReport", "RejectedFile", "import_procedures", "procedure_files", "register"]

LEVEL_MAX: Final = 64  # procedures.level
FIELD_MAX: Final = 255  # procedures.field
CODE_MAX: Final = 32  # procedures.code


class RejectedFile(NamedTuple):
    """A file that was not imported, and why (a `(file, reason)` pair)."""

    file: str
    reason: str


@dataclass(frozen=True, slots=True)
class ImportReport:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: tuple[RejectedFile, ...] = ()

    @property
    def files(self) -> int:
        return self.created + self.updated + self.unchanged + len(self.rejected)


def procedure_files(path: Path) -> list[Path]:
    """The entry files of a catalog directory, or the one file given."""
    return entry_files(path) if path.is_dir() else [path]


def row_values(entry: CatalogEntry) -> dict[str, Any]:
    """The column values of an entry's row (the payload is the whole entry, as JSON)."""
    level = ", ".join(entry.levels) or None
    if len(entry.code) > CODE_MAX:
        raise CatalogError(f"code: longer than {CODE_MAX} characters")
    if level is not None and len(level) > LEVEL_MAX:
        raise CatalogError(f"levels: {level!r} is longer than {LEVEL_MAX} characters")
    if entry.field is not None and len(entry.field) > FIELD_MAX:
        raise CatalogError(f"field: longer than {FIELD_MAX} characters")
    return {
        "name": entry.name,
        "level": level,
        "field": entry.field,
        "popularity": entry.popularity,
        "payload": entry.model_dump(mode="json"),
        "source_url": entry.url,
        "verified_on": entry.verified_on,
    }


def _upsert(session: Session, code: str, values: dict[str, Any]) -> str:
    """Writes one row; returns "created", "updated" or "unchanged"."""
    row = session.get(ProcedureRow, code)
    if row is None:
        session.add(ProcedureRow(code=code, **values))
        return "created"
    if all(getattr(row, name) == value for name, value in values.items()):
        return "unchanged"
    for name, value in values.items():
        setattr(row, name, value)
    return "updated"


def import_procedures(
    session_factory: sessionmaker[Session],
    path: Path,
    *,
    progress: Callable[[int, int], None] | None = None,
) -> ImportReport:
    """Upserts the catalog entries at `path`; `progress(done, total)` is called per file."""
    files = procedure_files(path)
    counts = {"created": 0, "updated": 0, "unchanged": 0}
    rejected: list[RejectedFile] = []
    for done, file in enumerate(files, start=1):
        try:
            entry = load_entry(file)
            values = row_values(entry)
        except CatalogError as exc:
            reason = str(exc).removeprefix(f"{file.name}: ")
            rejected.append(RejectedFile(file=file.name, reason=reason))
        else:
            try:
                with session_factory() as session, session.begin():
                    counts[_upsert(session, entry.code, values)] += 1
            except SQLAlchemyError as exc:
                origin = exc.orig if isinstance(exc, DBAPIError) else exc
                message = str(origin).splitlines()[0]
                rejected.append(RejectedFile(file=file.name, reason=f"database: {message}"))
        if progress is not None:
            progress(done, len(files))
    return ImportReport(**counts, rejected=tuple(rejected))


def format_report(report: ImportReport) -> Iterable[str]:
    yield (
        f"created {report.created}, updated {report.updated}, unchanged {report.unchanged}, "
        f"rejected {len(report.rejected)}"
    )
    if report.rejected:
        yield "rejected files:"
        for rejected in report.rejected:
            yield f"  {rejected.file}: {rejected.reason}"


COMMAND_HELP: Final = (
    "Loads procedure files (the catalog's own format, data/procedures/<code>.json) into the "
    "database and prints the counts of created, updated, unchanged and rejected files, then "
    "each rejected file with its reason.\n\n"
    "Exit status: 0 when every file was imported; 1 when some files were rejected (all the "
    "others were imported); 2 when nothing could be imported (no such path, invalid settings, "
    "database without the procedures table)."
)


def import_procedures_command(
    path: Annotated[Path, typer.Argument(help="a catalog directory or one <code>.json file")],
) -> None:
    """Loads procedure files into the catalog table (CONTRACT §5)."""

    from core.db import make_sessionmaker

    if not path.exists():
        fail(f"{path}: no such file or directory")
    settings = command_settings()
    engine = open_database(settings, table=ProcedureRow.__tablename__)
    try:
        with progress_bar("importing procedures") as advance:
            report = import_procedures(make_sessionmaker(engine), path, progress=advance)
    finally:
        engine.dispose()
    for line in format_report(report):
        typer.echo(line)
    raise typer.Exit(EXIT_PARTIAL if report.rejected else EXIT_OK)


def register(app: typer.Typer) -> None:
    """Adds `import-procedures PATH` to the `motcua` command."""
    app.command("import-procedures", help=COMMAND_HELP)(import_procedures_command)
