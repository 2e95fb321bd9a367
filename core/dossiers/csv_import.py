"""Dossier CSV import (CONTRACT §6) and the `motcua import-dossiers FILE` command.

The file is UTF-8 (a BOM is tolerated), comma separated, with a header row naming all twelve §6
columns in any order (names are case-insensitive; unknown columns are ignored and reported).
Before anything is imported the whole file is checked to be UTF-8 and the header to have every
column; either failure is a `CsvFormatError` and nothing is written.

Then the rows stream through in batches: each row is validated by `core.dossiers.rows.parse_row`;
a bad row is reported with its line number (the line where the record starts; the header is
line 1) and its reasons, and every other row is still imported. Blank lines are skipped. A code
that appears on several lines is applied in file order, so the later row wins; it is reported
with its lines. Counts add up: created + updated + unchanged + rejected = data rows.

Memory stays flat in the file size, except for one hash per distinct code (about 60 MB for a
1,000,000-row file) to notice repeated codes; a second pass over the file, made only when some
code repeats, finds their line numbers.
"""

from __future__ import annotations

import codecs
import csv
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime, tzinfo
from pathlib import Path
from typing import Annotated, Final, TextIO

import typer

from core.clitools import EXIT_OK, EXIT_PARTIAL, command_settings, fail, open_database, progress_bar
from core.dossiers.model import ChangeSource, DossierData, UpsertResult
from core.dossiers.repository import DossierRepository, SqlDossierRepository
from core.dossiers.rows import COLUMNS, RowError, parse_row
from nlu.text.dossier_code import canonical_dossier_code

__all__ = [
    "CsvFormatError",
    "DuplicateCode",
    "ImportReport",
    "RejectedRow",
    "import_csv",
    "read_rows",
    "register",
]

DEFAULT_BATCH_SIZE: Final = 2000
_CHUNK: Final = 1 << 20


class CsvFormatError(Exception):
    """The file cannot be imported at all (unreadable, not UTF-8, no header, missing columns)."""


@dataclass(frozen=True, slots=True)
class RejectedRow:
    line: int
    reason: str
    code: str | None = None


@dataclass(frozen=True, slots=True)
class DuplicateCode:
    """A code on several lines; the rows were applied in order, so the last line won."""

    code: str
    lines: tuple[int, ...]


@dataclass(frozen=True, slots=True)
class ImportReport:
    rows: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    status_changes: int = 0
    rejected: tuple[RejectedRow, ...] = ()
    duplicates: tuple[DuplicateCode, ...] = ()
    ignored_columns: tuple[str, ...] = ()


@dataclass(slots=True)
class _Tally:
    rows: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    status_changes: int = 0
    rejected: list[RejectedRow] = field(default_factory=list)

    def add(self, result: UpsertResult) -> None:
        self.created += result.created
        self.updated += result.updated
        self.unchanged += result.unchanged
        self.status_changes += sum(1 for c in result.changes if c.old_status is not None)


def check_utf8(path: Path) -> int:
    """Reads the whole file once: raises CsvFormatError unless it is UTF-8; returns its lines."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    lines = 0
    try:
        with path.open("rb") as raw:
            while chunk := raw.read(_CHUNK):
                try:
                    decoder.decode(chunk)
                except UnicodeDecodeError as exc:
                    line = lines + chunk.count(b"\n", 0, max(exc.start, 0)) + 1
                    raise CsvFormatError(
                        f"{path}: not UTF-8 (first bad byte on line {line}); "
                        "save the file as UTF-8 and import again"
                    ) from None
                lines += chunk.count(b"\n")
            try:
                decoder.decode(b"", final=True)
            except UnicodeDecodeError:
                raise CsvFormatError(f"{path}: not UTF-8 (the file ends mid-character)") from None
    except OSError as exc:
        raise CsvFormatError(f"cannot read {path}: {exc.strerror or exc}") from None
    return lines


def _header(reader: Iterator[list[str]]) -> tuple[list[str], tuple[str, ...]]:
    """The column names (lower case) and the unknown ones; CsvFormatError if unusable."""
    try:
        names = [name.strip().lower() for name in next(reader)]
    except StopIteration:
        raise CsvFormatError("the file is empty: expected a header row") from None
    repeated = sorted({n for n in names if n and names.count(n) > 1})
    if repeated:
        raise CsvFormatError(f"columns named twice in the header: {', '.join(repeated)}")
    missing = [c for c in COLUMNS if c not in names]
    if missing:
        raise CsvFormatError(
            f"missing required columns: {', '.join(missing)} "
            f"(the header must name all of: {', '.join(COLUMNS)})"
        )
    ignored = tuple(n for n in names if n not in COLUMNS)
    return names, ignored


def read_rows(
    stream: TextIO, *, tz: tzinfo
) -> tuple[tuple[str, ...], Iterator[tuple[int, DossierData | RejectedRow]]]:
    """The ignored columns and an iterator of (line, row or rejection) for a §6 CSV stream.

    The header is read and checked (CsvFormatError) before this returns; rows are read lazily.
    """
    reader = csv.reader(stream)
    names, ignored = _header(reader)
    width = len(names)

    def rows() -> Iterator[tuple[int, DossierData | RejectedRow]]:
        line = reader.line_num + 1
        for cells in reader:
            start, line = line, reader.line_num + 1
            if not cells or (len(cells) == 1 and not cells[0].strip()):
                continue
            if len(cells) != width:
                reason = f"{len(cells)} cells, but the header has {width} columns"
                yield start, RejectedRow(start, reason)
                continue
            try:
                yield start, parse_row(dict(zip(names, cells, strict=True)), tz=tz)
            except RowError as exc:
                yield start, RejectedRow(start, str(exc), exc.code)

    return ignored, rows()


def _open(path: Path) -> TextIO:
    try:
        return path.open(encoding="utf-8-sig", newline="")
    except OSError as exc:
        raise CsvFormatError(f"cannot read {path}: {exc.strerror or exc}") from None


def _duplicate_lines(
    path: Path, codes: set[str], rejected_lines: set[int]
) -> tuple[DuplicateCode, ...]:
    """Second pass: the lines of the imported rows whose code is in `codes`."""
    lines: dict[str, list[int]] = {code: [] for code in codes}
    with _open(path) as stream:
        reader = csv.reader(stream)
        names, _ = _header(reader)
        position = names.index("code")
        line = reader.line_num + 1
        for cells in reader:
            start, line = line, reader.line_num + 1
            if start in rejected_lines or len(cells) != len(names):
                continue
            code = canonical_dossier_code(cells[position])
            if code in lines:
                lines[code].append(start)
    return tuple(
        DuplicateCode(code, tuple(found))
        for code, found in sorted(lines.items(), key=lambda item: item[1][:1])
        if len(found) > 1
    )


def import_csv(
    path: Path,
    repository: DossierRepository,
    *,
    tz: tzinfo,
    now: datetime | None = None,
    batch_size: int = DEFAULT_BATCH_SIZE,
    on_batch: Callable[[UpsertResult], None] | None = None,
    on_progress: Callable[[int, int], None] | None = None,
    notices: bool = True,
) -> ImportReport:
    """Imports a §6 CSV file into `repository` (see the module docstring).

    Each batch is one `upsert_many` call (one transaction) with source `csv` at `now` (default:
    the clock). `on_batch` receives each batch's `UpsertResult`, with its status changes, once
    it is stored; `on_progress(lines_read, total_lines)` is called as batches go out. With
    `notices=False` its status changes call for no notice (`upsert_many`).
    Raises CsvFormatError, before writing anything, when the file cannot be imported at all.
    """
    total_lines = check_utf8(path)
    at = now or datetime.now(UTC)
    tally = _Tally()
    seen: set[int] = set()
    repeated: set[str] = set()
    batch: list[DossierData] = []
    last_line = 1
    # One batch is written in a worker thread while the next one is parsed: the database
    # driver waits without holding the GIL, so parsing and writing overlap. Batches still
    # reach the repository one at a time and in file order.
    pending: Future[UpsertResult] | None = None

    def settle() -> None:
        nonlocal pending
        if pending is not None:
            result = pending.result()
            pending = None
            tally.add(result)
            if on_batch is not None:
                on_batch(result)

    with (
        ThreadPoolExecutor(max_workers=1, thread_name_prefix="dossier-import") as writer,
        _open(path) as stream,
    ):

        def flush() -> None:
            nonlocal pending
            settle()
            if batch:
                ready = list(batch)
                batch.clear()
                pending = writer.submit(
                    repository.upsert_many,
                    ready,
                    source=ChangeSource.CSV,
                    now=at,
                    notices=notices,
                )
            if on_progress is not None:
                on_progress(last_line, total_lines)

        ignored, rows = read_rows(stream, tz=tz)
        for line, row in rows:
            tally.rows += 1
            last_line = line
            if isinstance(row, RejectedRow):
                tally.rejected.append(row)
                continue
            # A hash per code keeps memory small; a collision only costs the second pass
            # below, which checks the real codes.
            key = hash(row.code)
            if key in seen:
                repeated.add(row.code)
            seen.add(key)
            batch.append(row)
            if len(batch) >= batch_size:
                flush()
        last_line = total_lines
        flush()
        settle()

    duplicates: tuple[DuplicateCode, ...] = ()
    if repeated:
        rejected_lines = {r.line for r in tally.rejected}
        duplicates = _duplicate_lines(path, repeated, rejected_lines)
    return ImportReport(
        rows=tally.rows,
        created=tally.created,
        updated=tally.updated,
        unchanged=tally.unchanged,
        status_changes=tally.status_changes,
        rejected=tuple(tally.rejected),
        duplicates=duplicates,
        ignored_columns=ignored,
    )


COMMAND_HELP: Final = (
    "Upserts dossiers from a CSV file (CONTRACT §6) and prints the counts of created, updated, "
    "unchanged and rejected rows, then each rejected row as `line N: reason`.\n\n"
    "Exit status: 0 when every row was imported; 1 when some rows were rejected (all the "
    "others were imported); 2 when nothing could be imported (unreadable file, not UTF-8, "
    "missing columns, invalid settings, database without the dossier tables)."
)


def import_dossiers_command(
    file: Annotated[Path, typer.Argument(help="CSV file in the CONTRACT §6 format")],
    batch_size: Annotated[
        int, typer.Option(min=1, help="rows per transaction")
    ] = DEFAULT_BATCH_SIZE,
    notices: Annotated[
        bool,
        typer.Option(
            "--notices/--no-notices",
            help="plan notices for the status changes; --no-notices for demo data or a "
            "history loaded after the fact (citizens are not written to)",
        ),
    ] = True,
) -> None:
    """Upserts dossiers from a CSV file (CONTRACT §6).

    Prints the counts of created, updated, unchanged and rejected rows, then each rejected row
    as `line N: reason`. Exit status: 0 when every row was imported; 1 when some rows were
    rejected (all the others were imported); 2 when nothing could be imported (unreadable file,
    not UTF-8, missing columns, invalid settings, database without the dossier tables).
    """

    settings = command_settings()
    engine = open_database(settings, table="dossiers")
    try:
        with progress_bar("importing lines") as advance:
            try:
                report = import_csv(
                    file,
                    SqlDossierRepository(engine),
                    tz=settings.tz,
                    batch_size=batch_size,
                    on_progress=advance,
                    notices=notices,
                )
            except CsvFormatError as exc:
                fail(str(exc))
    finally:
        engine.dispose()

    typer.echo(
        f"created {report.created}, updated {report.updated}, unchanged {report.unchanged}, "
        f"rejected {len(report.rejected)}"
    )
    if report.ignored_columns:
        typer.echo(f"ignored columns: {', '.join(report.ignored_columns)}")
    if report.rejected:
        typer.echo("rejected rows:")
        for row in report.rejected:
            typer.echo(f"  line {row.line}: {row.reason}")
    if report.duplicates:
        typer.echo("codes on several lines (the later row wins):")
        for dup in report.duplicates:
            typer.echo(f"  {dup.code}: lines {', '.join(map(str, dup.lines))}")
    raise typer.Exit(EXIT_PARTIAL if report.rejected else EXIT_OK)


def register(app: typer.Typer) -> None:
    """Adds `import-dossiers FILE` to the `motcua` command."""
    app.command("import-dossiers", help=COMMAND_HELP)(import_dossiers_command)
