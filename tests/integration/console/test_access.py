"""Who may see and change what in the console, over real HTTP against the whole gateway."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from core.dossiers.tables import dossiers
from core.people.tables import AuditEntry, Invite, StaffAccount, StaffSession
from tests.integration.console.conftest import (
    STAFF_PASSWORD,
    STAFF_USERNAME,
    Console,
    add_questions,
    add_ticket,
    add_volunteer,
    csrf_of,
)

SECRET_SUMMARY = "Tôi cần hỏi về hồ sơ đất đai của ông Phạm Văn Quý"

PAGES = [
    "/console/",
    "/console/tickets",
    "/console/tickets?state=closed",
    "/console/tickets/1",
    "/console/questions",
    "/console/delivery",
    "/console/dossiers",
    "/console/stats",
    "/console/invites",
]

CSV = (
    "code,procedure_code,procedure_name,applicant_name,phone,status,received_at,due_at,"
    "result_ready_at,returned_at,office,note\n"
    "000.00.31.H49-261015-0041,2.001035,Chứng thực,Ngô Thành Sơn,0770333409,received,"
    "2026-10-15T14:25:00,2026-10-19T17:00:00,,,UBND phường Uông Bí,\n"
).encode()


def post_cases(csrf: str | None) -> list[tuple[str, dict[str, object]]]:
    """Every state-changing request of the console, with `csrf` as its token (None: absent)."""
    token = {} if csrf is None else {"csrf_token": csrf}
    return [
        ("/console/invites", {"data": {**token, "name": "Vũ Minh Anh"}}),
        (
            "/console/questions/export",
            {"data": {**token, "scope": "all", "shown": "1", "members_1": "1"}},
        ),
        (
            "/console/dossiers/upload",
            {"data": token, "files": {"file": ("hs.csv", CSV, "text/csv")}},
        ),
        ("/console/logout", {"data": token}),
    ]


def nothing_changed(console: Console) -> None:
    with Session(console.engine) as session:
        assert session.scalars(select(Invite)).all() == []
        assert session.execute(select(dossiers.c.code)).all() == []
        actions = {a.action for a in session.scalars(select(AuditEntry))}
    assert actions <= {"login"}, actions


@pytest.mark.parametrize("path", PAGES)
def test_logged_out_page_redirects_to_login_without_data(console: Console, path: str) -> None:
    add_ticket(console.engine, state="open", summary=SECRET_SUMMARY)
    with console.client() as client:
        answer = client.get(path)
    assert answer.status_code == 303
    assert answer.headers["location"].startswith("/console/login?next=/console")
    assert "Phạm Văn Quý" not in answer.text
    assert "motcua_session" not in answer.headers.get("set-cookie", "")


def test_logged_out_api_is_401_without_data(console: Console) -> None:
    add_questions(console.engine, [("hỏi thử", "ask_fee", 0.9)])
    with console.client() as client:
        answer = client.get("/console/api/stats")
    assert answer.status_code == 401
    assert answer.json() == {"error": "login required"}


@pytest.mark.parametrize(("path", "request_args"), post_cases("not-a-session-token"))
def test_logged_out_post_is_refused(
    console: Console, path: str, request_args: dict[str, object]
) -> None:
    with console.client() as client:
        answer = client.post(path, **request_args)  # type: ignore[arg-type]
    assert answer.status_code == 403
    nothing_changed(console)


@pytest.mark.parametrize("token", [None, "", "forged-token"], ids=["absent", "empty", "wrong"])
@pytest.mark.parametrize("case", range(4), ids=[p for p, _ in post_cases(None)])
def test_post_without_the_session_csrf_token_is_refused(
    console: Console, token: str | None, case: int
) -> None:
    client, _real = console.logged_in()
    path, request_args = post_cases(token)[case]
    answer = client.post(path, **request_args)  # type: ignore[arg-type]
    assert answer.status_code == 403
    assert "CSRF" in answer.text
    nothing_changed(console)
    assert client.get("/console/tickets").status_code == 200, "the session still works"


def test_csrf_token_of_another_session_is_refused(console: Console) -> None:
    first, first_token = console.logged_in()
    second, _ = console.logged_in()
    answer = second.post("/console/invites", data={"csrf_token": first_token, "name": "X"})
    assert answer.status_code == 403
    assert (
        first.post("/console/invites", data={"csrf_token": first_token, "name": "Y"}).status_code
        == 201
    )
    assert console.count(Invite) == 1


def test_login_sets_a_hardened_session_cookie_and_stores_only_its_hash(console: Console) -> None:
    with console.client() as client:
        answer = console.login(client)
        assert answer.status_code == 303
        assert answer.headers["location"] == "/console/tickets"
        cookie = answer.headers["set-cookie"]
        token = client.cookies["motcua_session"]
    attributes = {part.strip().split("=")[0].lower() for part in cookie.split(";")}
    assert {"httponly", "samesite", "max-age", "path"} <= attributes
    assert "samesite=strict" in cookie.lower()
    assert "max-age=28800" in cookie.lower()
    assert "secure" not in attributes, "plain http on loopback"
    with Session(console.engine) as session:
        stored = session.scalars(select(StaffSession)).one()
    assert stored.token_hash == hashlib.sha256(token.encode()).hexdigest()
    assert stored.token_hash != token
    assert ("staff:1", "login") in console.audit()


def test_cookie_is_secure_behind_https(console: Console) -> None:
    # uvicorn takes the scheme from X-Forwarded-Proto of a trusted proxy (loopback).
    https = {"X-Forwarded-Proto": "https"}
    with console.client() as client:
        form = client.get("/console/login", headers=https)
        assert "secure" in form.headers["set-cookie"].lower()
        answer = client.post(
            "/console/login",
            headers={**https, "Cookie": f"motcua_login_csrf={csrf_of(form.text)}"},
            data={
                "csrf_token": csrf_of(form.text),
                "username": STAFF_USERNAME,
                "password": STAFF_PASSWORD,
            },
        )
    assert answer.status_code == 303
    assert "secure" in answer.headers["set-cookie"].lower()


@pytest.mark.parametrize(
    ("username", "password"),
    [
        (STAFF_USERNAME, "sai-mật-khẩu"),
        ("khong-co-ai", STAFF_PASSWORD),
        ("Lê Văn Hùng", "bất kỳ"),  # a volunteer has no staff account
        ("", ""),
    ],
    ids=["wrong-password", "unknown-user", "volunteer", "empty"],
)
def test_failed_login_opens_no_session(console: Console, username: str, password: str) -> None:
    add_volunteer(console.engine, name="Lê Văn Hùng")
    with console.client() as client:
        form = client.get("/console/login")
        answer = client.post(
            "/console/login",
            data={"csrf_token": csrf_of(form.text), "username": username, "password": password},
        )
        assert answer.status_code == 401
        assert "Tên đăng nhập hoặc mật khẩu không đúng." in answer.text
        assert "motcua_session" not in client.cookies
        assert client.get("/console/tickets").status_code == 303
    assert console.count(StaffSession) == 0


def test_login_without_its_csrf_cookie_is_refused(console: Console) -> None:
    with console.client() as client:
        form = client.get("/console/login")
        token = csrf_of(form.text)
        client.cookies.clear()
        answer = client.post(
            "/console/login",
            data={"csrf_token": token, "username": STAFF_USERNAME, "password": STAFF_PASSWORD},
        )
    assert answer.status_code == 403
    assert console.count(StaffSession) == 0


@pytest.mark.parametrize(
    ("next_path", "landing"),
    [
        ("/console/stats", "/console/stats"),
        ("https://example.org/console/", "/console/tickets"),
        ("//example.org/console/", "/console/tickets"),
        ("/elsewhere", "/console/tickets"),
    ],
)
def test_login_returns_only_to_console_pages(
    console: Console, next_path: str, landing: str
) -> None:
    with console.client() as client:
        form = client.get("/console/login")
        answer = client.post(
            "/console/login",
            data={
                "csrf_token": csrf_of(form.text),
                "username": STAFF_USERNAME,
                "password": STAFF_PASSWORD,
                "next": next_path,
            },
        )
    assert answer.status_code == 303
    assert answer.headers["location"] == landing


def fail_login(console: Console, *, username: str, ip: str) -> httpx.Response:
    with console.client(**{"X-Forwarded-For": ip}) as client:
        form = client.get("/console/login")
        return client.post(
            "/console/login",
            data={"csrf_token": csrf_of(form.text), "username": username, "password": "sai"},
        )


def login_from(console: Console, ip: str) -> httpx.Response:
    with console.client(**{"X-Forwarded-For": ip}) as client:
        return console.login(client)


def test_five_failures_lock_the_username_from_every_address(console: Console) -> None:
    for attempt in range(4):
        assert (
            fail_login(console, username=STAFF_USERNAME, ip=f"10.0.0.{attempt}").status_code == 401
        )
    assert login_from(console, "10.0.1.1").status_code == 303, "four failures do not lock"
    assert fail_login(console, username=STAFF_USERNAME, ip="10.0.0.9").status_code == 401
    refused = login_from(console, "10.0.2.2")
    assert refused.status_code == 429
    assert "thử lại sau 15 phút" in refused.text
    assert "motcua_session" not in refused.headers.get("set-cookie", "")
    assert console.count(StaffSession) == 1, "only the session opened before the lock"


def test_five_failures_lock_the_client_address_for_every_username(console: Console) -> None:
    for attempt in range(5):
        assert fail_login(console, username=f"nguoi-{attempt}", ip="10.9.9.9").status_code == 401
    refused = login_from(console, "10.9.9.9")
    assert refused.status_code == 429
    assert "thử lại sau 15 phút" in refused.text
    assert login_from(console, "10.9.9.10").status_code == 303
    failures = [a for a in console.audit() if a[1] == "login_failed"]
    assert len(failures) == 5


def test_expired_session_gets_nothing(console: Console) -> None:
    client, _ = console.logged_in()
    assert client.get("/console/api/stats").status_code == 200
    with Session(console.engine) as session, session.begin():
        session.execute(
            update(StaffSession).values(expires_at=datetime.now(UTC) - timedelta(seconds=1))
        )
    assert client.get("/console/tickets").status_code == 303
    assert client.get("/console/api/stats").status_code == 401


def test_session_lasts_eight_hours(console: Console) -> None:
    before = datetime.now(UTC)
    console.logged_in()
    with Session(console.engine) as session:
        stored = session.scalars(select(StaffSession)).one()
    assert timedelta(hours=8) <= stored.expires_at - before <= timedelta(hours=8, minutes=1)


def test_logout_ends_the_session(console: Console) -> None:
    client, csrf = console.logged_in()
    token = client.cookies["motcua_session"]
    answer = client.post("/console/logout", data={"csrf_token": csrf})
    assert answer.status_code == 303
    assert answer.headers["location"] == "/console/login"
    assert client.get("/console/tickets").status_code == 303
    # The old cookie, replayed, opens nothing either.
    client.cookies.set("motcua_session", token)
    assert client.get("/console/tickets").status_code == 303
    assert console.count(StaffSession) == 0
    assert ("staff:1", "logout") in console.audit()


def test_deactivated_account_loses_its_session_and_cannot_log_in(console: Console) -> None:
    client, _ = console.logged_in()
    with Session(console.engine) as session, session.begin():
        session.execute(update(StaffAccount).values(active=False))
    assert client.get("/console/tickets").status_code == 303
    with console.client() as fresh:
        assert console.login(fresh).status_code == 401
