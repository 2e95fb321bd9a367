"""Result notices and pickup reminders on a controlled clock, replayed through the CLI
(`motcua import-dossiers`, `motcua reminders run-once --now`) against a local SMS gateway.

Tết 2027 falls on Saturday 6 February; its days off run from Thursday 4 to Wednesday 10
February (the `holidays` calendar of Vietnam). A result ready on Tuesday 2 February 2027 at
night is announced on Wednesday 3 at 07:00; its reminders come 3 and 7 working days later, at
08:00 on Monday 15 and Friday 19 February.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from alembic import command
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route
from typer.testing import CliRunner

from core.cli import alembic_config
from core.db import make_engine
from core.messaging.identities import Identities
from core.smstext import is_gsm7, segments
from tests.conftest import LocalServer

CODE = "000.00.12.H49-270201-0007"
PHONE = "+84912345678"
HEADER = (
    "code,procedure_code,procedure_name,applicant_name,phone,status,received_at,due_at,"
    "result_ready_at,returned_at,office,note"
)


@dataclass
class FakeSms:
    sent: list[dict[str, Any]] = field(default_factory=list)
    fail_next: int = 0

    def app(self) -> Starlette:
        async def send(request: Request) -> Response:
            if self.fail_next:
                self.fail_next -= 1
                return JSONResponse({"error": "busy"}, status_code=503)
            self.sent.append(await request.json())
            return JSONResponse({"id": f"gw-{len(self.sent)}"})

        return Starlette(routes=[Route("/send", send, methods=["POST"])])


@dataclass
class Scenario:
    tmp_path: Path
    env: dict[str, str]
    sms: FakeSms
    database_url: str

    def cli(self, *args: str) -> str:
        from bot.cli import app

        result = CliRunner().invoke(app, list(args), env=self.env)
        assert result.exit_code in (0, 1), (result.output, result.exception)
        if result.exception is not None and not isinstance(result.exception, SystemExit):
            raise result.exception
        return result.output

    def status(self, status: str, *options: str, **times: str) -> None:
        row = {
            "received_at": "2027-01-25T08:00:00",
            "due_at": "2027-02-05T17:00:00",
            "result_ready_at": "",
            "returned_at": "",
        } | times
        line = (
            f"{CODE},1.000894,Đăng ký kết hôn,Nguyễn Văn An,0912 345 678,{status},"
            f"{row['received_at']},{row['due_at']},{row['result_ready_at']},{row['returned_at']},"
            "Bộ phận một cửa UBND phường Bãi Cháy,Mang theo CCCD"
        )
        path = self.tmp_path / f"{status}.csv"
        path.write_text(HEADER + "\n" + line + "\n", encoding="utf-8")
        self.cli("import-dossiers", *options, str(path))

    def run(self, now: str) -> tuple[int, int, int]:
        out = self.cli("reminders", "run-once", "--now", now)
        m = re.search(r"sent (\d+), skipped (\d+), failed (\d+)", out)
        assert m is not None, out
        return int(m[1]), int(m[2]), int(m[3])


@pytest.fixture
def scenario(tmp_path: Path, local_server: Callable[[Any], LocalServer]) -> Scenario:
    sms = FakeSms()
    server = local_server(sms.app())
    database_url = f"sqlite:///{tmp_path}/r.db"
    command.upgrade(alembic_config(database_url), "head")
    env = {
        "MOTCUA_DATABASE_URL": database_url,
        "MOTCUA_SMS_PROVIDER": "http",
        "MOTCUA_SMS_HTTP_SEND_URL": server.url + "/send",
        "MOTCUA_SMS_HTTP_TOKEN": "t0ken",
        "MOTCUA_HOTLINE": "02033 838 999",
        "MOTCUA_LOG_LEVEL": "WARNING",
    }
    return Scenario(tmp_path, env, sms, database_url)


def test_one_notice_at_a_decent_hour_then_reminders_across_tet(scenario: Scenario) -> None:
    scenario.status("processing")
    assert scenario.run("2027-02-01T10:00:00") == (0, 0, 0)
    scenario.status("result_ready", result_ready_at="2027-02-02T21:30:00")
    # ready at night: nothing before 07:00
    assert scenario.run("2027-02-02T21:30:00") == (0, 0, 0)
    assert scenario.run("2027-02-03T06:59:00") == (0, 0, 0)
    assert scenario.sms.sent == []
    assert scenario.run("2027-02-03T07:00:00") == (1, 0, 0)
    notice = scenario.sms.sent[0]
    assert notice["to"] == PHONE
    assert CODE in notice["text"]
    assert is_gsm7(notice["text"]) and segments(notice["text"]) == 1
    assert "02033838999" in notice["text"].replace(" ", "")
    # however often the worker runs, no second notice
    for now in ("2027-02-03T07:00:00", "2027-02-03T09:00:00", "2027-02-05T10:00:00"):
        assert scenario.run(now) == (0, 0, 0)
    # Tết and the weekend after it are not working days
    for now in ("2027-02-08T09:00:00", "2027-02-11T09:00:00", "2027-02-14T09:00:00"):
        assert scenario.run(now) == (0, 0, 0)
    assert scenario.run("2027-02-15T07:59:00") == (0, 0, 0)
    assert scenario.run("2027-02-15T08:00:00") == (1, 0, 0)
    assert len(scenario.sms.sent) == 2
    assert "nhac" in scenario.sms.sent[1]["text"].lower()
    # handed over before the second reminder: it is skipped, never sent
    scenario.status(
        "returned", result_ready_at="2027-02-02T21:30:00", returned_at="2027-02-16T10:00:00"
    )
    assert scenario.run("2027-02-19T09:00:00") == (0, 1, 0)
    assert len(scenario.sms.sent) == 2


def test_an_sms_opt_out_stops_the_notices(scenario: Scenario) -> None:
    scenario.status("processing")
    scenario.run("2027-02-01T10:00:00")
    engine = make_engine(scenario.database_url)
    Identities(engine).set_opted_out("sms", PHONE, True, now=datetime.now(UTC))
    engine.dispose()
    scenario.status("result_ready", result_ready_at="2027-02-02T10:00:00")
    assert scenario.run("2027-02-02T10:00:00") == (0, 0, 0)
    assert scenario.run("2027-02-11T09:00:00") == (0, 0, 0)
    assert scenario.sms.sent == []


def test_a_dossier_imported_already_ready_gets_its_notice(scenario: Scenario) -> None:
    scenario.status("result_ready", result_ready_at="2027-02-02T10:00:00")
    assert scenario.run("2027-02-02T10:05:00") == (1, 0, 0)
    assert scenario.run("2027-02-02T10:10:00") == (0, 0, 0)


def test_supplement_request_says_what_to_do(scenario: Scenario) -> None:
    scenario.status("processing")
    scenario.status("supplement_requested", due_at="2027-03-01T17:00:00")
    assert scenario.run("2027-02-01T10:00:00") == (1, 0, 0)
    assert "bo sung" in scenario.sms.sent[0]["text"].lower()


def test_a_failing_gateway_is_reported_and_retried_later(scenario: Scenario) -> None:
    scenario.sms.fail_next = 100
    scenario.status("result_ready", result_ready_at="2027-02-02T10:00:00")
    out = scenario.cli("reminders", "run-once", "--now", "2027-02-02T10:05:00")
    assert "sent 0" in out
    assert "retried" in out
    scenario.sms.fail_next = 0
    # the message stays queued and goes out with the next run, still only once
    scenario.run("2027-02-02T11:00:00")
    assert len(scenario.sms.sent) == 1


def test_an_import_without_notices_writes_to_nobody_and_later_changes_still_do(
    scenario: Scenario,
) -> None:
    """`make demo` imports with --no-notices: a configured SMS gateway never hears of the demo
    phone numbers; a real change afterwards is announced as usual."""
    # overdue (due 5 February) yet no apology
    scenario.status("processing", "--no-notices")
    assert scenario.run("2027-02-08T10:00:00") == (0, 0, 0)
    scenario.status("result_ready", "--no-notices", result_ready_at="2027-02-09T09:00:00")
    assert scenario.run("2027-02-09T10:00:00") == (0, 0, 0)
    assert scenario.run("2027-02-20T10:00:00") == (0, 0, 0)  # nor pickup reminders
    assert scenario.sms.sent == []
    scenario.status("supplement_requested", due_at="2027-03-01T17:00:00")
    sent, _skipped, failed = scenario.run("2027-02-20T10:05:00")
    assert (sent, failed) == (1, 0)
    assert [m["to"] for m in scenario.sms.sent] == ["+84912345678"]
