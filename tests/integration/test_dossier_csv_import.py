"""CSV import (CONTRACT §6): rows, rejections with line numbers, format errors, the CLI."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import typer
from typer.testing import CliRunner

from core.db import make_engine
from core.dossiers.csv_import import (
    CsvFormatError,
    DuplicateCode,
    ImportReport,
    import_csv,
    register,
)
from core.dossiers.model import DossierStatus, UpsertResult
from core.dossiers.repository import (
    DossierRepository,
    InMemoryDossierRepository,
    SqlDossierRepository,
)
from core.dossiers.rows import COLUMNS
from tests.unit.dossiers.logging_state import fresh_logging
from tests.unit.dossiers.storage import TIERS, migrated_database

HCM = ZoneInfo("Asia/Ho_Chi_Minh")
NOW = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)
DEMO = Path(__file__).resolve().parents[2] / "data" / "demo" / "dossiers.csv"


@pytest.fixture(autouse=True)
def _logging() -> Iterator[None]:
    with fresh_logging():
        yield


@pytest.fixture(params=TIERS)
def repo(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[DossierRepository]:
    if request.param == "memory":
        yield InMemoryDossierRepository()
        return
    with migrated_database(request.param, request, tmp_path) as url:
        engine = make_engine(url)
        try:
            yield SqlDossierRepository(engine)
        finally:
            engine.dispose()


def good(seq: int, **cells: str) -> dict[str, str]:
    row = {
        "code": f"000.00.12.H49-261103-{seq:04d}",
        "procedure_code": "1.004194",
        "procedure_name": "Đăng ký tạm trú",
        "applicant_name": "Trần Văn Bình",
        "phone": "0987 654 321",
        "status": "processing",
        "received_at": "2026-11-03T08:15:00",
        "due_at": "2026-11-06T17:00:00+07:00",
        "result_ready_at": "",
        "returned_at": "",
        "office": "Bộ phận một cửa UBND phường Bãi Cháy",
        "note": "",
    }
    return row | cells


def write_csv(
    path: Path,
    rows: list[dict[str, str]],
    *,
    columns: list[str] | None = None,
    bom: bool = False,
) -> Path:
    names = columns or list(COLUMNS)
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(names)
    for row in rows:
        writer.writerow([row.get(name.strip().lower(), "") for name in names])
    path.write_bytes((b"\xef\xbb\xbf" if bom else b"") + buffer.getvalue().encode("utf-8"))
    return path


def run(path: Path, repo: DossierRepository, **kwargs: object) -> ImportReport:
    return import_csv(path, repo, tz=HCM, now=NOW, **kwargs)  # type: ignore[arg-type]


BAD_ROWS = [
    pytest.param({"code": "HS-12345"}, ["code: not a dossier code"], id="bad-code"),
    pytest.param({"code": ""}, ["code: missing"], id="no-code"),
    pytest.param({"code": "000.00.12.H49-261331-0001"}, ["code: not a dossier code"],
                 id="impossible-date-in-code"),
    pytest.param({"status": "done"}, ["status: unknown 'done'"], id="unknown-status"),
    pytest.param({"status": ""}, ["status: missing"], id="no-status"),
    pytest.param({"procedure_name": "  "}, ["procedure_name: missing"], id="no-procedure-name"),
    pytest.param({"received_at": ""}, ["received_at: missing"], id="no-received-time"),
    pytest.param({"received_at": "03/11/2026 08:15"}, ["received_at: not an ISO 8601 time"],
                 id="dd-mm-yyyy"),
    pytest.param({"due_at": "2026-11-06"}, ["due_at: needs a date and a time of day"],
                 id="date-without-time"),
    pytest.param({"result_ready_at": "2026-13-01T08:00"}, ["result_ready_at: not an ISO 8601"],
                 id="month-13"),
    pytest.param({"phone": "0241 234 567"}, ["phone: not a valid Vietnamese phone number"],
                 id="invalid-number"),
    pytest.param({"phone": "+1 415 555 0100"}, ["phone: not a valid Vietnamese"],
                 id="foreign-number"),
    pytest.param({"phone": "gọi con gái"}, ["phone: not a phone number"], id="phone-text"),
    pytest.param({"procedure_code": "1." + "0" * 40}, ["procedure_code: longer than 32"],
                 id="long-procedure-code"),
    pytest.param({"code": "x", "status": "finished", "phone": "12"},
                 ["code: not a dossier code", "status: unknown", "phone: "], id="every-problem"),
]  # fmt: skip


@pytest.mark.parametrize(("cells", "reasons"), BAD_ROWS)
def test_a_bad_row_is_reported_with_its_line_and_reasons_and_the_rest_imports(
    repo: DossierRepository, tmp_path: Path, cells: dict[str, str], reasons: list[str]
) -> None:
    path = write_csv(tmp_path / "d.csv", [good(1), good(2, **cells), good(3)])
    report = run(path, repo)
    assert (report.rows, report.created, report.updated, report.unchanged) == (3, 2, 0, 0)
    assert [r.line for r in report.rejected] == [3]
    reason = report.rejected[0].reason
    for expected in reasons:
        assert expected in reason
    assert reason.count(";") == len(reasons) - 1
    assert repo.get(good(1)["code"]) is not None and repo.get(good(3)["code"]) is not None


def test_values_are_normalized(repo: DossierRepository, tmp_path: Path) -> None:
    loose = good(
        1,
        code="ooo.oo.12.h49 - 261103 - 0001",
        phone="84987654321",
        status=" Result_Ready ",
        received_at="2026-11-03T08:15:00",
        result_ready_at="2026-11-05T01:30:00Z",
        note="  Mang theo CCCD bản gốc  ",
        applicant_name="Tra\u0302\u0300n Văn Bình",  # decomposed marks
        office="",
    )
    report = run(write_csv(tmp_path / "d.csv", [loose]), repo)
    assert report.rejected == ()
    stored = repo.get("000.00.12.H49-261103-0001")
    assert stored is not None
    assert stored.phone == "+84987654321"
    assert stored.status is DossierStatus.RESULT_READY
    assert stored.received_at == datetime(2026, 11, 3, 8, 15, tzinfo=HCM)
    assert stored.result_ready_at == datetime(2026, 11, 5, 1, 30, tzinfo=UTC)
    assert stored.due_at == datetime(2026, 11, 6, 10, 0, tzinfo=UTC)
    assert stored.note == "Mang theo CCCD bản gốc"
    assert stored.applicant_name == "Trần Văn Bình"
    assert stored.office is None


def test_bom_and_any_column_order_and_case(repo: DossierRepository, tmp_path: Path) -> None:
    columns = [c.upper() if i % 2 else f" {c} " for i, c in enumerate(reversed(COLUMNS))]
    path = write_csv(tmp_path / "d.csv", [good(1), good(2)], columns=columns, bom=True)
    assert path.read_bytes().startswith(b"\xef\xbb\xbf")
    report = run(path, repo)
    assert (report.created, report.rejected) == (2, ())
    stored = repo.get(good(2)["code"])
    assert stored is not None and stored.procedure_name == "Đăng ký tạm trú"


def test_reimport_is_idempotent(repo: DossierRepository, tmp_path: Path) -> None:
    path = write_csv(tmp_path / "d.csv", [good(i) for i in range(1, 26)])
    first = run(path, repo, batch_size=7)
    second = run(path, repo, batch_size=7)
    assert (first.created, first.updated, first.unchanged) == (25, 0, 0)
    assert (second.created, second.updated, second.unchanged, second.rejected) == (0, 0, 25, ())
    assert second.status_changes == 0


def test_status_changes_reach_on_batch(repo: DossierRepository, tmp_path: Path) -> None:
    run(write_csv(tmp_path / "a.csv", [good(1), good(2)]), repo)
    results: list[UpsertResult] = []
    changed = [good(1, status="result_ready", result_ready_at="2026-11-05T10:00"), good(2)]
    report = run(write_csv(tmp_path / "b.csv", changed), repo, on_batch=results.append)
    assert (report.updated, report.unchanged, report.status_changes) == (1, 1, 1)
    [change] = [c for r in results for c in r.changes]
    assert (change.old_status, change.new_status) == (
        DossierStatus.PROCESSING,
        DossierStatus.RESULT_READY,
    )


def test_duplicate_codes_later_row_wins_and_are_reported(
    repo: DossierRepository, tmp_path: Path
) -> None:
    rows = [
        good(1, note="first"),
        good(2),
        good(1, code="000.00.12.h49-261103-0001", note="second", status="bogus"),  # rejected
        good(3),
        good(1, note="third", status="result_ready"),
        good(2, note="again"),
    ]
    report = run(write_csv(tmp_path / "d.csv", rows), repo, batch_size=2)
    assert [r.line for r in report.rejected] == [4]
    assert report.duplicates == (
        DuplicateCode(good(1)["code"], (2, 6)),
        DuplicateCode(good(2)["code"], (3, 7)),
    )
    assert (report.created, report.updated, report.unchanged) == (3, 2, 0)
    stored = repo.get(good(1)["code"])
    assert stored is not None and stored.note == "third"


def test_line_numbers_count_physical_lines(repo: DossierRepository, tmp_path: Path) -> None:
    path = tmp_path / "d.csv"
    write_csv(path, [good(1, note="dòng 1\ndòng 2\ndòng 3"), good(2, status="?")])
    with path.open("a", encoding="utf-8", newline="") as f:
        f.write("\r\n\r\n")  # blank lines are skipped
        csv.writer(f).writerow([good(3, phone="1")[c] for c in COLUMNS])
        f.write("only,three,cells\r\n")
    report = run(path, repo)
    assert [(r.line, r.reason.split(":")[0]) for r in report.rejected] == [
        (5, "status"),
        (8, "phone"),
        (9, "3 cells, but the header has 12 columns"),
    ]
    assert (report.rows, report.created) == (4, 1)
    stored = repo.get(good(1)["code"])
    assert stored is not None and stored.note == "dòng 1\ndòng 2\ndòng 3"


FORMAT_ERRORS = [
    pytest.param(b"", "empty", id="empty-file"),
    pytest.param(b"code,status\r\n000.00.12.H49-261103-0001,received\r\n",
                 "missing required columns: procedure_code, procedure_name", id="missing-columns"),
    pytest.param(",".join([*COLUMNS, "code"]).encode() + b"\r\n", "named twice",
                 id="repeated-column"),
    pytest.param(",".join(COLUMNS).encode() + b"\r\n" + b"x," * 11 + b"Tr\xe1\xba\r\n",
                 "not UTF-8", id="cut-character"),
    pytest.param(",".join(COLUMNS).encode() + b"\r\n" + b"a,b,c,Nguy\xea\xf1,e\r\n",
                 "not UTF-8 (first bad byte on line 2)", id="latin-1"),
]  # fmt: skip


@pytest.mark.parametrize(("content", "message"), FORMAT_ERRORS)
def test_an_unusable_file_imports_nothing(
    repo: DossierRepository, tmp_path: Path, content: bytes, message: str
) -> None:
    path = tmp_path / "d.csv"
    path.write_bytes(content)
    with pytest.raises(CsvFormatError, match=re.escape(message)):
        run(path, repo)
    assert repo.count() == 0


def test_a_bad_byte_after_good_rows_still_imports_nothing(
    repo: DossierRepository, tmp_path: Path
) -> None:
    path = write_csv(tmp_path / "d.csv", [good(i) for i in range(1, 50)])
    path.write_bytes(path.read_bytes() + b"\xff\r\n")
    with pytest.raises(CsvFormatError, match="line 51"):
        run(path, repo, batch_size=5)
    assert repo.count() == 0


def test_a_missing_file_is_a_format_error(repo: DossierRepository, tmp_path: Path) -> None:
    with pytest.raises(CsvFormatError, match="cannot read"):
        run(tmp_path / "nope.csv", repo)


def test_unknown_columns_are_ignored_and_reported(repo: DossierRepository, tmp_path: Path) -> None:
    path = write_csv(tmp_path / "d.csv", [good(1)], columns=[*COLUMNS, "ma_can_bo"])
    report = run(path, repo)
    assert (report.created, report.ignored_columns) == (1, ("ma_can_bo",))


def test_the_demo_data_imports_cleanly(repo: DossierRepository) -> None:
    report = import_csv(DEMO, repo, tz=HCM, now=NOW)
    assert (report.rejected, report.duplicates) == ((), ())
    assert report.created >= 60


# The command line: run through typer with MOTCUA_DATABASE_URL pointing at a migrated database.


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.storage)])
def database_url(
    request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[str]:
    with migrated_database(request.param, request, tmp_path) as url:
        monkeypatch.setenv("MOTCUA_DATABASE_URL", url)
        yield url


def cli() -> typer.Typer:
    app = typer.Typer()

    @app.callback()
    def _root() -> None:
        """Test root, so that the command keeps its name."""

    register(app)
    return app


def test_cli_imports_prints_counts_and_exits_zero(database_url: str, tmp_path: Path) -> None:
    path = write_csv(tmp_path / "d.csv", [good(1), good(2)])
    result = CliRunner().invoke(cli(), ["import-dossiers", str(path)])
    assert result.exit_code == 0, result.output
    assert "created 2, updated 0, unchanged 0, rejected 0" in result.output
    again = CliRunner().invoke(cli(), ["import-dossiers", str(path)])
    assert "created 0, updated 0, unchanged 2, rejected 0" in again.output


def test_cli_lists_rejected_rows_and_exits_one(database_url: str, tmp_path: Path) -> None:
    rows = [good(1), good(2, status="done"), good(3, phone="123"), good(4)]
    result = CliRunner().invoke(
        cli(), ["import-dossiers", str(write_csv(tmp_path / "d.csv", rows))]
    )
    assert result.exit_code == 1
    assert "created 2, updated 0, unchanged 0, rejected 2" in result.output
    assert "  line 3: status: unknown 'done'" in result.output
    assert "  line 4: phone: " in result.output
    engine = make_engine(database_url)
    try:
        assert SqlDossierRepository(engine).count() == 2
    finally:
        engine.dispose()


def test_cli_exits_two_when_the_file_is_unusable(database_url: str, tmp_path: Path) -> None:
    missing = CliRunner().invoke(cli(), ["import-dossiers", str(tmp_path / "nope.csv")])
    assert missing.exit_code == 2
    assert "cannot read" in missing.output
    (tmp_path / "cols.csv").write_text("code,status\n", encoding="utf-8")
    columns = CliRunner().invoke(cli(), ["import-dossiers", str(tmp_path / "cols.csv")])
    assert columns.exit_code == 2
    assert "missing required columns" in columns.output


def test_cli_exits_two_without_the_tables(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MOTCUA_DATABASE_URL", f"sqlite:///{tmp_path}/empty.db")
    path = write_csv(tmp_path / "d.csv", [good(1)])
    result = CliRunner().invoke(cli(), ["import-dossiers", str(path)])
    assert result.exit_code == 2
    assert "motcua db upgrade" in result.output
