"""`import_procedures` and `motcua import-procedures PATH` on SQLite and PostgreSQL."""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
import typer
from alembic import command
from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session, sessionmaker
from typer.testing import CliRunner

from core.cli import alembic_config
from core.db import make_engine, make_sessionmaker
from core.procedures.catalog import CatalogEntry, entry_files, load_entry
from core.procedures.store import ImportReport, import_procedures, register
from core.procedures.tables import ProcedureRow

CATALOG = Path(__file__).resolve().parents[2] / "data" / "procedures"
SOME = ("1.001193", "1.004194", "2.000815")


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.storage)])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path}/catalog.db"
        command.upgrade(alembic_config(url), "head")
        yield url
        return
    url = request.getfixturevalue("postgres_url")
    command.upgrade(alembic_config(url), "head")
    _clear(url)
    yield url
    _clear(url)


def _clear(url: str) -> None:
    engine = make_engine(url)
    try:
        with engine.begin() as conn:
            conn.execute(delete(ProcedureRow))
    finally:
        engine.dispose()


@pytest.fixture
def sessions(database_url: str) -> Iterator[sessionmaker[Session]]:
    engine = make_engine(database_url)
    try:
        yield make_sessionmaker(engine)
    finally:
        engine.dispose()


def _some(tmp_path: Path, codes: tuple[str, ...] = SOME) -> Path:
    directory = tmp_path / "catalog"
    directory.mkdir(exist_ok=True)
    for code in codes:
        shutil.copy(CATALOG / f"{code}.json", directory / f"{code}.json")
    return directory


def _rows(sessions: sessionmaker[Session]) -> dict[str, ProcedureRow]:
    with sessions() as session:
        return {row.code: row for row in session.scalars(select(ProcedureRow))}


def test_the_whole_catalog_imports_and_a_second_run_changes_nothing(
    sessions: sessionmaker[Session],
) -> None:
    files = entry_files(CATALOG)
    calls: list[tuple[int, int]] = []
    first = import_procedures(sessions, CATALOG, progress=lambda d, t: calls.append((d, t)))
    assert first == ImportReport(created=len(files))
    assert calls[-1] == (len(files), len(files)) and len(calls) == len(files)
    second = import_procedures(sessions, CATALOG)
    assert second == ImportReport(unchanged=len(files))
    with sessions() as session:
        assert session.scalar(select(func.count()).select_from(ProcedureRow)) == len(files)


def test_a_row_holds_the_entry(sessions: sessionmaker[Session], tmp_path: Path) -> None:
    import_procedures(sessions, _some(tmp_path))
    row = _rows(sessions)["1.001193"]
    entry = load_entry(CATALOG / "1.001193.json")
    assert (row.name, row.level, row.field) == ("Thủ tục đăng ký khai sinh", "Cấp xã", "Hộ tịch")
    assert row.popularity == entry.popularity
    assert row.source_url == entry.url
    assert row.verified_on == entry.verified_on
    assert CatalogEntry.model_validate(row.payload) == entry


def test_a_changed_file_updates_only_its_row(
    sessions: sessionmaker[Session], tmp_path: Path
) -> None:
    directory = _some(tmp_path)
    import_procedures(sessions, directory)
    path = directory / "1.004194.json"
    data = json.loads(path.read_text(encoding="utf-8"))
    data["aliases"] = [*data["aliases"], "đăng ký tạm trú cho sinh viên"]
    data["popularity"] += 1
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    assert import_procedures(sessions, directory) == ImportReport(updated=1, unchanged=2)
    row = _rows(sessions)["1.004194"]
    assert row.popularity == data["popularity"]
    assert "đăng ký tạm trú cho sinh viên" in row.payload["aliases"]


def test_a_bad_file_is_rejected_with_its_reason_and_nothing_else_is_lost(
    sessions: sessionmaker[Session], tmp_path: Path
) -> None:
    directory = _some(tmp_path)
    broken = json.loads((directory / "2.000815.json").read_text(encoding="utf-8"))
    broken["channels"][0]["fee"]["kind"] = "cheap"
    (directory / "2.000815.json").write_text(json.dumps(broken), encoding="utf-8")
    (directory / "1.000894.json").write_text("{", encoding="utf-8")
    report = import_procedures(sessions, directory)
    assert report.created == 2
    assert [(r.file, r.reason.split(":")[0]) for r in report.rejected] == [
        ("1.000894.json", "unreadable"),
        ("2.000815.json", "channels.0.fee.kind"),
    ]
    assert set(_rows(sessions)) == {"1.001193", "1.004194"}


def test_one_file_can_be_imported(sessions: sessionmaker[Session]) -> None:
    assert import_procedures(sessions, CATALOG / "1.001193.json") == ImportReport(created=1)
    assert set(_rows(sessions)) == {"1.001193"}


# --------------------------------------------------------------------------------------------
# The command


@pytest.fixture
def cli(database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> typer.Typer:
    monkeypatch.chdir(tmp_path)  # no .env file
    monkeypatch.setenv("MOTCUA_DATABASE_URL", database_url)
    app = typer.Typer()
    register(app)

    @app.command("noop")
    def _noop() -> None:  # a second command keeps `import-procedures` a subcommand
        """Nothing."""

    return app


def test_command_prints_counts_and_exits_0(cli: typer.Typer, tmp_path: Path) -> None:
    directory = _some(tmp_path)
    result = CliRunner().invoke(cli, ["import-procedures", str(directory)])
    assert result.exit_code == 0, result.output
    assert "created 3, updated 0, unchanged 0, rejected 0" in result.output
    again = CliRunner().invoke(cli, ["import-procedures", str(directory)])
    assert "created 0, updated 0, unchanged 3, rejected 0" in again.output


def test_command_lists_rejected_files_and_exits_1(cli: typer.Typer, tmp_path: Path) -> None:
    directory = _some(tmp_path)
    (directory / "1.000894.json").write_text("[]", encoding="utf-8")
    result = CliRunner().invoke(cli, ["import-procedures", str(directory)])
    assert result.exit_code == 1, result.output
    assert "created 3, updated 0, unchanged 0, rejected 1" in result.output
    assert "rejected files:\n  1.000894.json: " in result.output


def test_command_without_the_table_or_the_path_exits_2(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("MOTCUA_DATABASE_URL", f"sqlite:///{tmp_path}/empty.db")
    app = typer.Typer()
    register(app)
    app.command("noop")(lambda: None)
    no_table = CliRunner().invoke(app, ["import-procedures", str(CATALOG / "1.001193.json")])
    assert no_table.exit_code == 2
    assert "motcua db upgrade" in no_table.output
    no_path = CliRunner().invoke(app, ["import-procedures", str(tmp_path / "missing")])
    assert no_path.exit_code == 2
    assert "no such file or directory" in no_path.output
