"""The staff console under `/console`: Vietnamese pages rendered on the server.

Access rules, enforced by `_guard` for every route but the login page and the static files:
- no live session: a page redirects to the login page, an `/console/api/` path answers 401;
  neither carries any data;
- every POST must carry the session's CSRF token in the form field `csrf_token`, else 403 and
  nothing changes (a POST without a session is refused the same way).
"""

from __future__ import annotations

import asyncio
import secrets
import tempfile
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, tzinfo
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final
from urllib.parse import quote, urlsplit

from jinja2 import Environment, FileSystemLoader, select_autoescape
from starlette.requests import Request
from starlette.responses import (
    HTMLResponse,
    JSONResponse,
    PlainTextResponse,
    RedirectResponse,
    Response,
)
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from bot.console import data
from bot.console.auth import (
    LOGIN_CSRF_COOKIE,
    SESSION_COOKIE,
    SESSION_LIFETIME,
    Accounts,
    LoginThrottle,
    StaffUser,
    same_token,
)
from bot.console.chart import Bar, stacked_bars_svg
from bot.console.forms import (
    SMALL_FORM_BYTES,
    BadForm,
    BodyTooLarge,
    Form,
    parse_form,
    read_body,
)
from bot.console.questions import (
    UNLABELLED,
    Question,
    domain_intents,
    group_questions,
    rasa_nlu_yaml,
)
from bot.console.reasons import vietnamese_reason
from core.dossiers.csv_import import CsvFormatError, ImportReport, import_csv
from core.logging import get_logger
from core.people.tables import TICKET_STATES

if TYPE_CHECKING:
    from bot.app import Gateway

log = get_logger("motcua.console")

HERE: Final = Path(__file__).parent
PREFIX: Final = "/console"
UPLOAD_LIMIT_BYTES: Final = 20 * 1024 * 1024
# The multipart envelope around the file: boundaries, part headers, the CSRF field.
UPLOAD_ENVELOPE_BYTES: Final = 64 * 1024
GROUP_MEMBERS_SHOWN: Final = 6
SECURITY_HEADERS: Final = {
    "Content-Security-Policy": (
        "default-src 'none'; style-src 'self'; img-src 'self' data:; form-action 'self'; "
        "frame-ancestors 'none'; base-uri 'none'"
    ),
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "Cache-Control": "no-store",
}

TICKET_STATE_LABELS: Final = {
    "open": "Đang chờ",
    "claimed": "Đã có người nhận",
    "closed": "Đã đóng",
    "expired": "Hết thời gian chờ",
}
AUTHOR_LABELS: Final = {
    "citizen": "Công dân",
    "volunteer": "Tình nguyện viên",
    "bot": "Trợ lý ảo",
    "system": "Hệ thống",
}
OUTBOX_STATE_LABELS: Final = {
    "queued": "Chờ gửi",
    "sending": "Đang gửi",
    "sent": "Đã gửi",
    "delivered": "Đã đến máy",
    "failed": "Thất bại",
}
NOTICE_STATE_LABELS: Final = {
    "pending": "Chờ đến hạn",
    "handed_over": "Đã chuyển đi gửi",
    "skipped": "Bỏ qua",
}


def _when(value: datetime | None, tz: tzinfo) -> str:
    return value.astimezone(tz).strftime("%d/%m/%Y %H:%M") if value else "—"


_templates = Environment(
    loader=FileSystemLoader(HERE / "templates"),
    autoescape=select_autoescape(default=True, default_for_string=True),
    trim_blocks=True,
    lstrip_blocks=True,
)
_templates.filters["when"] = _when
_templates.filters["reason"] = vietnamese_reason


@dataclass
class Console:
    """Per-application state of the console."""

    gateway: Gateway
    accounts: Accounts
    throttle: LoginThrottle
    intents: tuple[str, ...] = field(default_factory=domain_intents)

    @property
    def tz(self) -> tzinfo:
        return self.gateway.settings.tz

    async def db(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Any:
        return await self.gateway.db(fn, *args, **kwargs)

    def render(
        self,
        request: Request,
        template: str,
        *,
        user: StaffUser | None,
        status: int = 200,
        **context: Any,
    ) -> HTMLResponse:
        html = _templates.get_template(template).render(
            user=user,
            tz=self.tz,
            path=request.url.path,
            prefix=PREFIX,
            **context,
        )
        return HTMLResponse(html, status_code=status, headers=SECURITY_HEADERS)


def _console(request: Request) -> Console:
    console: Console | None = getattr(request.app.state, "console", None)
    if console is None:
        gateway: Gateway = request.app.state.gateway
        console = Console(
            gateway=gateway,
            accounts=Accounts(gateway.engine),
            throttle=LoginThrottle(gateway.limiter),
        )
        request.app.state.console = console
    return console


def _client(request: Request) -> str:
    return request.client.host if request.client else "unknown"


def _is_api(request: Request) -> bool:
    return request.url.path.startswith(f"{PREFIX}/api/")


def _refused(status: int, message: str) -> Response:
    return PlainTextResponse(message, status_code=status, headers=SECURITY_HEADERS)


def _safe_next(value: str) -> str:
    """Only a path inside the console: never another site (`//host`, `https://…`)."""
    parts = urlsplit(value)
    if (
        not parts.scheme
        and not parts.netloc
        and value.startswith(f"{PREFIX}/")
        and not value.startswith("//")
        and "\\" not in value
    ):
        return value
    return f"{PREFIX}/tickets"


Handler = Callable[[Request, Console, StaffUser, Form], Awaitable[Response]]


def _guard(handler: Handler, *, body_limit: int = SMALL_FORM_BYTES) -> Callable[..., Any]:
    """Wraps a console handler with the access rules of the module docstring."""

    async def endpoint(request: Request) -> Response:
        console = _console(request)
        token = request.cookies.get(SESSION_COOKIE, "")
        user: StaffUser | None = await console.db(console.accounts.user, token)
        if request.method == "POST":
            if user is None:
                return _refused(403, "Phiên đăng nhập không hợp lệ.")
            try:
                body = await read_body(request, limit=body_limit)
                form = await asyncio.to_thread(
                    parse_form, request.headers.get("content-type", ""), body
                )
            except BodyTooLarge:
                return console.render(
                    request,
                    "error.html",
                    user=user,
                    status=413,
                    message="Tệp quá lớn: tối đa 20 MB.",
                )
            except BadForm:
                # Not a form of ours, so it carries no token either.
                form = Form()
            if not same_token(user.csrf_token, form.get("csrf_token")):
                log.warning("console POST without a valid CSRF token", path=request.url.path)
                return _refused(403, "Mã chống giả mạo (CSRF) không hợp lệ; hãy tải lại trang.")
            return await handler(request, console, user, form)
        if user is None:
            if _is_api(request):
                return JSONResponse(
                    {"error": "login required"}, status_code=401, headers=SECURITY_HEADERS
                )
            target = quote(request.url.path, safe="/")
            return RedirectResponse(
                f"{PREFIX}/login?next={target}", status_code=303, headers=SECURITY_HEADERS
            )
        return await handler(request, console, user, Form())

    return endpoint


# Login and logout


async def login_page(request: Request) -> Response:
    console = _console(request)
    user = await console.db(console.accounts.user, request.cookies.get(SESSION_COOKIE, ""))
    if user is not None:
        return RedirectResponse(f"{PREFIX}/tickets", status_code=303)
    return _login_form(request, console, next_path=request.query_params.get("next", ""))


def _login_form(
    request: Request,
    console: Console,
    *,
    next_path: str,
    error: str | None = None,
    username: str = "",
    status: int = 200,
) -> Response:
    csrf = request.cookies.get(LOGIN_CSRF_COOKIE) or secrets.token_urlsafe(32)
    response = console.render(
        request,
        "login.html",
        user=None,
        status=status,
        csrf_token=csrf,
        next_path=_safe_next(next_path) if next_path else "",
        error=error,
        username=username,
    )
    response.set_cookie(
        LOGIN_CSRF_COOKIE,
        csrf,
        path=f"{PREFIX}/login",
        httponly=True,
        samesite="strict",
        secure=request.url.scheme == "https",
    )
    return response


async def login(request: Request) -> Response:
    console = _console(request)
    try:
        body = await read_body(request, limit=SMALL_FORM_BYTES)
        form = parse_form(request.headers.get("content-type", ""), body)
    except BodyTooLarge:
        return _refused(413, "Biểu mẫu quá lớn.")
    except BadForm as exc:
        return _refused(400, str(exc))
    if not same_token(request.cookies.get(LOGIN_CSRF_COOKIE, ""), form.get("csrf_token")):
        return _refused(403, "Mã chống giả mạo (CSRF) không hợp lệ; hãy tải lại trang.")
    username = form.get("username").strip()[:64]
    password = form.get("password")
    next_path = form.get("next")
    client = _client(request)
    if await console.throttle.locked(username, client):
        log.warning("console login refused: too many failures")
        return _login_form(
            request,
            console,
            next_path=next_path,
            username=username,
            status=429,
            error="Dạ, đăng nhập sai quá nhiều lần. Vui lòng thử lại sau 15 phút.",
        )
    credentials = await console.db(console.accounts.find, username) if username else None
    ok = await asyncio.to_thread(console.accounts.verify, credentials, password)
    if not ok or credentials is None:
        await console.throttle.failed(username, client)
        await console.db(console.accounts.record_failure, username, client=client)
        return _login_form(
            request,
            console,
            next_path=next_path,
            username=username,
            status=401,
            error="Tên đăng nhập hoặc mật khẩu không đúng.",
        )
    new = await console.db(console.accounts.open_session, credentials.staff_id)
    log.info("console login", actor=new.user.actor)
    response = RedirectResponse(_safe_next(next_path), status_code=303, headers=SECURITY_HEADERS)
    response.set_cookie(
        SESSION_COOKIE,
        new.token,
        max_age=int(SESSION_LIFETIME.total_seconds()),
        path=PREFIX,
        httponly=True,
        samesite="strict",
        secure=request.url.scheme == "https",
    )
    response.delete_cookie(LOGIN_CSRF_COOKIE, path=f"{PREFIX}/login")
    return response


async def logout(request: Request, console: Console, user: StaffUser, form: Form) -> Response:
    await console.db(console.accounts.logout, request.cookies.get(SESSION_COOKIE, ""))
    response = RedirectResponse(f"{PREFIX}/login", status_code=303, headers=SECURITY_HEADERS)
    response.delete_cookie(SESSION_COOKIE, path=PREFIX, httponly=True, samesite="strict")
    return response


# Pages


async def home(request: Request, console: Console, user: StaffUser, form: Form) -> Response:
    return RedirectResponse(f"{PREFIX}/tickets", status_code=303)


async def tickets(request: Request, console: Console, user: StaffUser, form: Form) -> Response:
    state = request.query_params.get("state", "open")
    if state not in TICKET_STATES:
        return _refused(400, "Trạng thái không hợp lệ.")
    counts = await console.db(data.ticket_counts, console.gateway.engine)
    rows = await console.db(data.list_tickets, console.gateway.engine, state)
    return console.render(
        request,
        "tickets.html",
        user=user,
        state=state,
        states=TICKET_STATES,
        state_labels=TICKET_STATE_LABELS,
        counts=counts,
        tickets=rows,
    )


async def ticket(request: Request, console: Console, user: StaffUser, form: Form) -> Response:
    detail = await console.db(
        data.ticket_detail, console.gateway.engine, int(request.path_params["ticket_id"])
    )
    if detail is None:
        return console.render(
            request, "error.html", user=user, status=404, message="Không có phiếu hỗ trợ này."
        )
    return console.render(
        request,
        "ticket.html",
        user=user,
        detail=detail,
        state_labels=TICKET_STATE_LABELS,
        author_labels=AUTHOR_LABELS,
    )


async def questions(request: Request, console: Console, user: StaffUser, form: Form) -> Response:
    found: list[Question] = await console.db(data.not_understood, console.gateway.engine)
    groups = await asyncio.to_thread(group_questions, found)
    return console.render(
        request,
        "questions.html",
        user=user,
        groups=groups,
        intents=console.intents,
        unlabelled=UNLABELLED,
        shown=GROUP_MEMBERS_SHOWN,
        join_ids=data.join_ids,
    )


def _ids(value: str) -> list[int]:
    return [int(part) for part in value.split(",") if part.strip().isdigit()]


async def export_questions(
    request: Request, console: Console, user: StaffUser, form: Form
) -> Response:
    """The chosen groups (or all shown) as Rasa NLU YAML, each under the intent picked for it.
    A group is named by its key; its members are the question ids the page showed."""
    keys = form.getlist("shown") if form.get("scope") == "all" else form.getlist("group")
    allowed = {*console.intents, UNLABELLED}
    chosen: list[tuple[str, list[int]]] = []
    for key in keys:
        if not key.isdigit():
            return _refused(400, "Nhóm câu hỏi không hợp lệ.")
        intent = form.get(f"intent_{key}", UNLABELLED)
        if intent not in allowed:
            return _refused(400, "Ý định (intent) không hợp lệ.")
        chosen.append((intent, _ids(form.get(f"members_{key}"))))
    if not chosen:
        return console.render(
            request,
            "error.html",
            user=user,
            status=400,
            message="Chưa chọn nhóm câu hỏi nào để xuất.",
        )
    found: dict[int, Question] = await console.db(
        data.questions_by_id, console.gateway.engine, [i for _, ids in chosen for i in ids]
    )
    labelled = [(intent, [found[i].text for i in ids if i in found]) for intent, ids in chosen]
    text = rasa_nlu_yaml(labelled)
    examples = sum(len(texts) for _, texts in labelled)
    await console.db(
        data.record_audit,
        console.gateway.engine,
        actor=user.actor,
        action="export",
        target="questions",
        detail=f"groups={len(chosen)} examples={examples}",
    )
    stamp = datetime.now(console.tz).strftime("%Y%m%d-%H%M")
    return Response(
        text,
        media_type="application/x-yaml; charset=utf-8",
        headers={
            **SECURITY_HEADERS,
            "Content-Disposition": f'attachment; filename="nlu-cau-hoi-{stamp}.yml"',
        },
    )


async def delivery(request: Request, console: Console, user: StaffUser, form: Form) -> Response:
    current = await console.db(data.delivery_status, console.gateway.engine)
    return console.render(
        request,
        "delivery.html",
        user=user,
        delivery=current,
        outbox_labels=OUTBOX_STATE_LABELS,
        notice_labels=NOTICE_STATE_LABELS,
    )


async def dossiers(request: Request, console: Console, user: StaffUser, form: Form) -> Response:
    return console.render(request, "dossiers.html", user=user, limit_mb=UPLOAD_LIMIT_BYTES >> 20)


def _import_upload(content: bytes, *, tz: tzinfo, console: Console) -> ImportReport:
    with tempfile.TemporaryDirectory(prefix="motcua-upload-") as folder:
        path = Path(folder) / "upload.csv"
        path.write_bytes(content)
        return import_csv(path, console.gateway.dossiers, tz=tz, now=datetime.now(UTC))


async def upload_dossiers(
    request: Request, console: Console, user: StaffUser, form: Form
) -> Response:
    upload = form.files.get("file")
    if upload is None or not upload.data:
        return console.render(
            request,
            "dossiers.html",
            user=user,
            status=400,
            limit_mb=UPLOAD_LIMIT_BYTES >> 20,
            error="Chưa chọn tệp CSV, hoặc tệp trống.",
        )
    if len(upload.data) > UPLOAD_LIMIT_BYTES:
        return console.render(
            request, "error.html", user=user, status=413, message="Tệp quá lớn: tối đa 20 MB."
        )
    filename = Path(upload.filename).name[:120]
    try:
        report = await asyncio.to_thread(
            _import_upload, upload.data, tz=console.tz, console=console
        )
    except CsvFormatError as exc:
        await console.db(
            data.record_audit,
            console.gateway.engine,
            actor=user.actor,
            action="upload_refused",
            target=f"file:{filename}"[:128],
        )
        return console.render(
            request,
            "dossiers.html",
            user=user,
            status=422,
            limit_mb=UPLOAD_LIMIT_BYTES >> 20,
            error="Không nhập được tệp này: không có dòng nào được ghi.",
            detail=str(exc).replace("upload.csv", filename),
        )
    await console.db(
        data.record_audit,
        console.gateway.engine,
        actor=user.actor,
        action="upload",
        target=f"file:{filename}"[:128],
        detail=(
            f"rows={report.rows} created={report.created} updated={report.updated} "
            f"unchanged={report.unchanged} rejected={len(report.rejected)}"
        ),
    )
    log.info(
        "dossier CSV uploaded",
        actor=user.actor,
        created=report.created,
        updated=report.updated,
        unchanged=report.unchanged,
        rejected=len(report.rejected),
    )
    return console.render(request, "report.html", user=user, report=report, filename=filename)


async def _stats(console: Console) -> data.Stats:
    stats: data.Stats = await console.db(
        data.daily_stats, console.gateway.engine, tz=console.tz, now=datetime.now(UTC)
    )
    return stats


async def stats(request: Request, console: Console, user: StaffUser, form: Form) -> Response:
    result = await _stats(console)
    chart = stacked_bars_svg(
        [Bar(d.day.strftime("%d/%m"), d.messages) for d in result.days],
        series=result.channels,
        title="Số tin nhắn mỗi ngày theo kênh, 14 ngày gần nhất",
    )
    return console.render(request, "stats.html", user=user, stats=result, chart=chart)


async def stats_api(request: Request, console: Console, user: StaffUser, form: Form) -> Response:
    result = await _stats(console)
    return JSONResponse(
        {
            "days": [
                {
                    "day": d.day.isoformat(),
                    "messages": d.messages,
                    "tickets_opened": d.tickets_opened,
                    "tickets_claimed": d.tickets_claimed,
                    "tickets_expired": d.tickets_expired,
                    "ratings": d.ratings,
                    "average_rating": d.average_rating,
                }
                for d in result.days
            ],
            "top_intents": [{"intent": i, "count": c} for i, c in result.top_intents],
            "top_procedures": [
                {"code": code, "name": name, "count": c} for code, name, c in result.top_procedures
            ],
            "ratings": result.ratings,
            "average_rating": result.average_rating,
        },
        headers=SECURITY_HEADERS,
    )


async def invites(request: Request, console: Console, user: StaffUser, form: Form) -> Response:
    return await _invites_page(request, console, user)


async def _invites_page(
    request: Request,
    console: Console,
    user: StaffUser,
    *,
    created: data.InviteView | None = None,
    error: str | None = None,
    status: int = 200,
) -> Response:
    unused = await console.db(data.unused_invites, console.gateway.engine)
    return console.render(
        request,
        "invites.html",
        user=user,
        invites=unused,
        created=created,
        error=error,
        status=status,
    )


async def create_invite(
    request: Request, console: Console, user: StaffUser, form: Form
) -> Response:
    name = " ".join(form.get("name").split())
    if not name or len(name) > 120:
        return await _invites_page(
            request,
            console,
            user,
            status=400,
            error="Hãy nhập họ tên tình nguyện viên (tối đa 120 ký tự).",
        )
    created = await console.db(
        data.create_invite, console.gateway.engine, name=name, staff_id=user.staff_id
    )
    log.info("volunteer invite created", actor=user.actor)
    return await _invites_page(request, console, user, created=created, status=201)


def mount() -> Mount:
    """The console's routes, to add to the gateway's route list."""
    upload_limit = UPLOAD_LIMIT_BYTES + UPLOAD_ENVELOPE_BYTES
    return Mount(
        PREFIX,
        routes=[
            Route("/", _guard(home), methods=["GET"]),
            Route("/login", login_page, methods=["GET"]),
            Route("/login", login, methods=["POST"]),
            Route("/logout", _guard(logout), methods=["POST"]),
            Route("/tickets", _guard(tickets), methods=["GET"]),
            Route("/tickets/{ticket_id:int}", _guard(ticket), methods=["GET"]),
            Route("/questions", _guard(questions), methods=["GET"]),
            Route("/questions/export", _guard(export_questions), methods=["POST"]),
            Route("/delivery", _guard(delivery), methods=["GET"]),
            Route("/dossiers", _guard(dossiers), methods=["GET"]),
            Route(
                "/dossiers/upload",
                _guard(upload_dossiers, body_limit=upload_limit),
                methods=["POST"],
            ),
            Route("/stats", _guard(stats), methods=["GET"]),
            Route("/api/stats", _guard(stats_api), methods=["GET"]),
            Route("/invites", _guard(invites), methods=["GET"]),
            Route("/invites", _guard(create_invite), methods=["POST"]),
            Mount("/static", app=StaticFiles(directory=HERE / "static"), name="console-static"),
        ],
    )
