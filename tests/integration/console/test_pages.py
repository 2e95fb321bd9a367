"""What the console shows and does, over HTTP against the whole gateway: statistics, delivery
status, question export, dossier upload, invitations. Each page is checked against rows
written the way the rest of the system writes them."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import yaml
from sqlalchemy import select
from sqlalchemy.orm import Session

from core.dossiers.tables import dossiers
from core.people.tables import AuditEntry, Invite, QuestionLog, Ticket
from tests.integration.console.conftest import (
    Console,
    add_notice,
    add_outbox,
    add_questions,
    add_ticket,
)

HEADER = (
    "code,procedure_code,procedure_name,applicant_name,phone,status,received_at,due_at,"
    "result_ready_at,returned_at,office,note\n"
)
GOOD_ROW = (
    "000.00.31.H49-261015-{seq},2.001035,Chứng thực,Ngô Thành Sơn,0770333409,received,"
    "2026-10-15T14:25:00,2026-10-19T17:00:00,,,UBND phường Uông Bí,\n"
)
TZ = ZoneInfo("Asia/Ho_Chi_Minh")


def test_stats_count_messages_tickets_and_ratings_per_local_day(console: Console) -> None:
    today = datetime.now(TZ).replace(hour=12, minute=0, second=0, microsecond=0)
    yesterday = today - timedelta(days=1)
    with Session(console.engine) as session, session.begin():
        for at, channel, intent, procedure in [
            (today, "zalo", "ask_fee", "1.000656"),
            (today, "zalo", "ask_fee", None),
            (today, "telegram", "greet", None),
            (yesterday, "sms", "check_dossier_status", None),
            # 00:30 local time is the previous day in UTC: it counts for the local day.
            (today.replace(hour=0, minute=30), "web", "ask_fee", "1.000656"),
            (today - timedelta(days=20), "zalo", "greet", None),  # outside the 14 days
        ]:
            session.add(
                QuestionLog(
                    channel=channel,
                    sender_hash="0" * 16,
                    text="câu hỏi",
                    at=at.astimezone(UTC),
                    intent=intent,
                    confidence=0.9,
                    procedure_code=procedure,
                )
            )
    add_ticket(console.engine, state="closed", summary="a", rating=5, created_at=today)
    add_ticket(console.engine, state="closed", summary="b", rating=2, created_at=today)
    add_ticket(console.engine, state="expired", summary="c", created_at=yesterday)
    client, _ = console.logged_in()
    stats = client.get("/console/api/stats").json()
    days = {d["day"]: d for d in stats["days"]}
    assert len(days) == 14
    today_stats = days[today.date().isoformat()]
    assert today_stats["messages"] == {"zalo": 2, "telegram": 1, "web": 1}
    assert today_stats["tickets_opened"] == 2
    assert today_stats["tickets_claimed"] == 2
    assert today_stats["ratings"] == 2
    assert today_stats["average_rating"] == 3.5
    yesterday_stats = days[yesterday.date().isoformat()]
    assert yesterday_stats["messages"] == {"sms": 1}
    assert yesterday_stats["tickets_expired"] == 1
    assert stats["top_intents"][0] == {"intent": "ask_fee", "count": 3}
    assert stats["top_procedures"] == [{"code": "1.000656", "name": None, "count": 2}]
    assert stats["average_rating"] == 3.5
    page = client.get("/console/stats").text
    assert "<svg" in page
    assert "trung bình 3.5/5 trên 2 lượt đánh giá" in page


def test_delivery_shows_counts_failures_and_skip_reasons(console: Console) -> None:
    add_outbox(console.engine, channel="sms", state="delivered", key="a")
    add_outbox(
        console.engine, channel="sms", state="failed", key="b", last_error="HTTP 400: bad number"
    )
    add_outbox(console.engine, channel="zalo", state="queued", key="c")
    add_notice(console.engine, key="n1", state="skipped", outcome="opted_out")
    add_notice(console.engine, key="n2", state="handed_over", outcome="sent")
    client, _ = console.logged_in()
    page = client.get("/console/delivery").text
    assert "HTTP 400: bad number" in page
    assert "pub-b" in page
    assert "opted_out: 1" in page
    assert '<td class="bad">1</td>' in page


def test_export_labels_groups_and_writes_rasa_yaml(console: Console) -> None:
    ids = add_questions(
        console.engine,
        [
            ("cho hỏi lệ phí cấp đổi căn cước bao nhiêu", "nlu_fallback", 0.3),
            ("le phi cap doi can cuoc bao nhieu", "ask_fee", 0.42),
            ("giờ làm việc thứ bảy", "out_of_scope", 0.8),
            ("lệ phí làm hộ chiếu", "ask_fee", 0.95),  # understood: not listed
        ],
    )
    client, csrf = console.logged_in()
    page = client.get("/console/questions").text
    assert "lệ phí làm hộ chiếu" not in page
    fee, hours = ids[0], ids[2]
    assert f'name="members_{fee}" value="{ids[0]},{ids[1]}"' in page
    answer = client.post(
        "/console/questions/export",
        data={
            "csrf_token": csrf,
            "scope": "selected",
            "group": [str(fee), str(hours)],
            "shown": [str(fee), str(hours)],
            f"members_{fee}": f"{ids[0]},{ids[1]},{ids[3]}",  # an understood one is left out
            f"intent_{fee}": "ask_fee",
            f"members_{hours}": str(hours),
            f"intent_{hours}": "unlabelled",
        },
    )
    assert answer.status_code == 200
    assert "attachment" in answer.headers["content-disposition"]
    exported = yaml.safe_load(answer.text)
    assert exported["version"] == "3.1"
    assert exported["nlu"] == [
        {
            "intent": "ask_fee",
            "examples": "- cho hỏi lệ phí cấp đổi căn cước bao nhiêu\n"
            "- le phi cap doi can cuoc bao nhieu\n",
        },
        {"intent": "unlabelled", "examples": "- giờ làm việc thứ bảy\n"},
    ]
    assert ("staff:1", "export") in console.audit()


def test_export_refuses_an_intent_outside_the_domain(console: Console) -> None:
    ids = add_questions(console.engine, [("abc", "nlu_fallback", 0.1)])
    client, csrf = console.logged_in()
    answer = client.post(
        "/console/questions/export",
        data={
            "csrf_token": csrf,
            "scope": "all",
            "shown": str(ids[0]),
            f"members_{ids[0]}": str(ids[0]),
            f"intent_{ids[0]}": "made_up_intent",
        },
    )
    assert answer.status_code == 400
    assert ("staff:1", "export") not in console.audit()


def test_upload_imports_and_reports_rejected_lines(console: Console) -> None:
    body = (
        HEADER
        + GOOD_ROW.format(seq="0001")
        + "000.00.31.H49-261015-0002,2.001035,X,Y,không-phải-số,received,,,,,,\n"
        + GOOD_ROW.format(seq="0003")
    ).encode()
    client, csrf = console.logged_in()
    answer = client.post(
        "/console/dossiers/upload",
        data={"csrf_token": csrf},
        files={"file": ("ho-so.csv", body, "text/csv")},
    )
    assert answer.status_code == 200
    assert 'data-count="created">2<' in answer.text
    assert 'data-count="rejected">1<' in answer.text
    assert "<td>3</td>" in answer.text, "the rejected row is on line 3"
    # the reasons in Vietnamese: the phone is not a number, the received time is missing
    assert "Số điện thoại: không phải số điện thoại" in answer.text
    assert "Ngày tiếp nhận: còn trống" in answer.text
    with Session(console.engine) as session:
        codes = session.scalars(select(dossiers.c.code).order_by(dossiers.c.code)).all()
        audit = session.scalars(select(AuditEntry).where(AuditEntry.action == "upload")).one()
    assert codes == ["000.00.31.H49-261015-0001", "000.00.31.H49-261015-0003"]
    assert audit.detail == "rows=3 created=2 updated=0 unchanged=0 rejected=1"


def test_upload_of_a_file_without_the_columns_writes_nothing(console: Console) -> None:
    client, csrf = console.logged_in()
    answer = client.post(
        "/console/dossiers/upload",
        data={"csrf_token": csrf},
        files={"file": ("sai.csv", b"ma,ten\n1,2\n", "text/csv")},
    )
    assert answer.status_code == 422
    assert "missing required columns" in answer.text
    assert console.count(Ticket) == 0


def test_upload_over_20_mb_is_refused(console: Console) -> None:
    client, csrf = console.logged_in()
    big = HEADER.encode() + b"x" * (20 * 1024 * 1024 + 1)
    answer = client.post(
        "/console/dossiers/upload",
        data={"csrf_token": csrf},
        files={"file": ("lon.csv", big, "text/csv")},
    )
    assert answer.status_code == 413
    assert "tối đa 20 MB" in answer.text


def test_invite_is_created_listed_and_audited(console: Console) -> None:
    client, csrf = console.logged_in()
    answer = client.post("/console/invites", data={"csrf_token": csrf, "name": "  Vũ  Minh Anh "})
    assert answer.status_code == 201
    with Session(console.engine) as session:
        invite = session.scalars(select(Invite)).one()
    assert invite.name == "Vũ Minh Anh"
    assert invite.created_by == 1
    assert invite.expires_at - invite.created_at == timedelta(days=7)
    assert f"/dangky {invite.code}" in answer.text
    assert invite.code in client.get("/console/invites").text
    assert ("staff:1", "invite") in console.audit()
    empty = client.post("/console/invites", data={"csrf_token": csrf, "name": "  "})
    assert empty.status_code == 400
    assert console.count(Invite) == 1
