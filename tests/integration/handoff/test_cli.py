"""`motcua volunteers …` and `motcua staff …` on a migrated database of each SQL tier."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from bot.cli import app
from core.db import make_engine
from core.people.passwords import verify_password
from core.people.tables import AuditEntry, Invite, StaffAccount, Ticket
from tests.unit.dossiers.storage import migrated_database

PASSWORD = "một mật khẩu dài"


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.storage)])
def database_url(
    request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[str]:
    with migrated_database(request.param, request, tmp_path) as url:
        monkeypatch.setenv("MOTCUA_DATABASE_URL", url)
        yield url


def run(*args: str, stdin: str | None = None) -> tuple[int, str]:
    result = CliRunner().invoke(app, list(args), input=stdin)
    return result.exit_code, result.output


# (arguments, exit code, a fragment of the output), run in order on one database
VOLUNTEER_STEPS = [
    (["volunteers", "list"], 0, "no volunteers"),
    (["volunteers", "add", "--name", "Lan Anh", "--telegram", "5120482519"], 0, "volunteer #1"),
    (["volunteers", "add", "--name", "Hà", "--zalo", "8451239076512340001"], 0, "volunteer #2"),
    (["volunteers", "add", "--name", "Lan", "--telegram", "5120482519"], 2, "already volunteer #1"),
    (["volunteers", "add", "--name", "X", "--telegram", "1", "--zalo", "2"], 2, "exactly one"),
    (["volunteers", "add", "--name", "X"], 2, "exactly one"),
    (["volunteers", "add", "--name", "X", "--telegram", "abc"], 2, "not a telegram chat id"),
    (["volunteers", "list"], 0, "2\tHà\tzalo\t8451239076512340001\ton duty"),
    (["volunteers", "remove", "1"], 0, "volunteer #1 removed"),
    (["volunteers", "remove", "1"], 2, "no active volunteer #1"),
    (["volunteers", "list", "--all"], 0, "1\tLan Anh\ttelegram\t5120482519\tremoved"),
    (["volunteers", "add", "--name", "Lan Anh", "--telegram", "5120482519"], 0, "volunteer #1"),
]


def test_volunteers_are_added_listed_and_removed(database_url: str) -> None:
    for args, code, fragment in VOLUNTEER_STEPS:
        exit_code, output = run(*args)
        assert (exit_code, fragment in output) == (code, True), (args, output)
    _, listed = run("volunteers", "list")
    assert "removed" not in listed and "Lan Anh" in listed


def test_removing_a_volunteer_opens_the_tickets_they_held(database_url: str) -> None:
    """A removed volunteer will not answer: their citizens' tickets go back to the queue."""
    for name, chat in (("Lan Anh", "5120482519"), ("Hà", "5120482520")):
        assert run("volunteers", "add", "--name", name, "--telegram", chat)[0] == 0
    at = datetime(2026, 12, 1, 3, 0, tzinfo=UTC)
    engine = make_engine(database_url)
    with Session(engine) as session, session.begin():
        for state, volunteer in (("claimed", 1), ("closed", 1), ("claimed", 2), ("claimed", 1)):
            session.add(
                Ticket(
                    citizen_channel="zalo",
                    citizen_user_id="6142494823",
                    state=state,
                    reason="request_human",
                    summary="Hỏi về hồ sơ",
                    volunteer_id=volunteer,
                    created_at=at,
                    claimed_at=at,
                )
            )
    code, output = run("volunteers", "remove", "1")
    assert code == 0
    assert "tickets open again: #1, #4" in output
    with Session(engine) as session:
        tickets = session.execute(
            select(Ticket.id, Ticket.state, Ticket.volunteer_id, Ticket.claimed_at).order_by(
                Ticket.id
            )
        ).all()
        audit = session.scalars(
            select(AuditEntry.target).where(AuditEntry.action == "ticket.release")
        ).all()
    engine.dispose()
    assert tickets == [
        (1, "open", None, None),
        (2, "closed", 1, at),
        (3, "claimed", 2, at),
        (4, "open", None, None),
    ]
    assert sorted(audit) == ["ticket:1", "ticket:4"]


def test_an_invite_code_is_printed_and_stored(database_url: str) -> None:
    code, output = run("volunteers", "invite", "--name", "Tú", "--days", "2")
    assert code == 0
    engine = make_engine(database_url)
    with Session(engine) as session:
        invite = session.get(Invite, output.strip())
        assert invite is not None and invite.name == "Tú" and invite.used_at is None
    engine.dispose()


@pytest.mark.parametrize(
    ("args", "stdin", "code", "fragment"),
    [
        (["--password-stdin"], PASSWORD + "\n", 0, "staff #1 admin added"),
        ([], f"{PASSWORD}\n{PASSWORD}\n", 0, "staff #1 admin added"),
        ([], f"{PASSWORD}\nkhác hẳn đi rồi\n{PASSWORD}\n{PASSWORD}\n", 0, "do not match"),
        (["--password-stdin"], "ngắn\n", 2, "at least 10 characters"),
    ],
)
def test_a_staff_account_keeps_only_an_argon2id_hash(
    database_url: str, args: list[str], stdin: str, code: int, fragment: str
) -> None:
    exit_code, output = run(
        "staff", "add", "--username", "Admin", "--name", "Cán bộ A", *args, stdin=stdin
    )
    assert exit_code == code and fragment in output, output
    engine = make_engine(database_url)
    with Session(engine) as session:
        accounts = session.scalars(select(StaffAccount)).all()
        audit = session.scalars(select(AuditEntry.action)).all()
    engine.dispose()
    if code != 0:
        assert accounts == []
        return
    (account,) = accounts
    assert account.username == "admin"
    assert account.password_hash.startswith("$argon2id$")
    assert PASSWORD not in account.password_hash
    assert verify_password(account.password_hash, PASSWORD)
    assert not verify_password(account.password_hash, PASSWORD + "x")
    assert audit == ["staff.add"]
    assert (
        run(
            "staff",
            "add",
            "--username",
            "admin",
            "--name",
            "B",
            "--password-stdin",
            stdin=PASSWORD + "\n",
        )[0]
        == 2
    )
    _, listed = run("staff", "list")
    assert "1\tadmin\tCán bộ A\tactive" in listed
    assert PASSWORD not in listed
