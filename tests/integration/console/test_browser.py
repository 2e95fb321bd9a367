"""The console driven in headless Chromium (Debian's /usr/bin/chromium through Playwright):
login, a ticket's transcript, grouping and exporting questions, uploading a dossier CSV.
Screenshots of each step are kept in tests/artifacts/console/.

Without /usr/bin/chromium these tests skip with the reason (`bash scripts/system-deps.sh`
installs it); under CI (CI=true) a missing browser is a failure."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml
from playwright.sync_api import Browser, Page, expect, sync_playwright
from sqlalchemy import select
from sqlalchemy.orm import Session

from core.dossiers.tables import dossiers
from core.people.tables import Invite
from tests.conftest import IN_CI
from tests.integration.console.conftest import (
    STAFF_NAME,
    STAFF_PASSWORD,
    STAFF_USERNAME,
    Console,
    add_notice,
    add_outbox,
    add_questions,
    add_ticket,
    add_volunteer,
)

CHROMIUM = Path("/usr/bin/chromium")
# The machine has no internet: nothing in the browser may try to reach it.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]
ARTIFACTS = Path(__file__).resolve().parents[2] / "artifacts" / "console"


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    if not CHROMIUM.exists() or shutil.which(str(CHROMIUM)) is None:
        reason = f"{CHROMIUM} is missing (install it with `bash scripts/system-deps.sh`)"
        if IN_CI:
            pytest.fail(f"{reason}; under CI a missing browser is a failure", pytrace=False)
        pytest.skip(reason)
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
        yield launched
        launched.close()


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(accept_downloads=True, locale="vi-VN")
    context.set_default_timeout(15_000)
    yield context.new_page()
    context.close()


def shot(page: Page, name: str) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=ARTIFACTS / f"{name}.png", full_page=True)


def log_in(page: Page, console: Console) -> None:
    page.goto(f"{console.base}/login")
    page.get_by_label("Tên đăng nhập").fill(STAFF_USERNAME)
    page.get_by_label("Mật khẩu").fill(STAFF_PASSWORD)
    page.get_by_role("button", name="Đăng nhập").click()
    expect(page.get_by_role("button", name="Đăng xuất")).to_be_visible()


def test_login_flow(console: Console, page: Page) -> None:
    page.goto(f"{console.base}/stats")
    expect(page).to_have_url(f"{console.base}/login?next=/console/stats")
    page.get_by_label("Tên đăng nhập").fill(STAFF_USERNAME)
    page.get_by_label("Mật khẩu").fill("mật khẩu sai")
    page.get_by_role("button", name="Đăng nhập").click()
    expect(page.get_by_role("alert")).to_have_text("Tên đăng nhập hoặc mật khẩu không đúng.")
    shot(page, "01-login-failed")
    page.get_by_label("Mật khẩu").fill(STAFF_PASSWORD)
    page.get_by_role("button", name="Đăng nhập").click()
    expect(page).to_have_url(f"{console.base}/stats")
    expect(page.get_by_text(STAFF_NAME)).to_be_visible()
    expect(page.locator("svg.chart")).to_be_visible()
    shot(page, "02-logged-in-stats")
    page.get_by_role("button", name="Đăng xuất").click()
    expect(page).to_have_url(f"{console.base}/login")
    page.goto(f"{console.base}/tickets")
    expect(page).to_have_url(f"{console.base}/login?next=/console/tickets")


def test_open_a_ticket_and_read_its_transcript(console: Console, page: Page) -> None:
    volunteer = add_volunteer(console.engine, name="Lê Văn Hùng")
    add_ticket(console.engine, state="open", summary="Hỏi lệ phí hộ chiếu")
    ticket_id = add_ticket(
        console.engine,
        state="closed",
        summary="Cần bổ sung giấy tờ cho hồ sơ đất đai",
        volunteer_id=volunteer,
        rating=4,
        transcript=[
            ("citizen", "Cho tôi gặp cán bộ ạ"),
            ("system", "Dạ, đã chuyển câu hỏi của bạn tới tình nguyện viên."),
            ("volunteer", "Dạ, chào bạn, bạn cần bổ sung bản sao sổ đỏ ạ."),
            ("citizen", "Cảm ơn bạn!"),
        ],
    )
    log_in(page, console)
    expect(page.get_by_role("cell", name="Hỏi lệ phí hộ chiếu")).to_be_visible()
    shot(page, "03-tickets-open")
    page.get_by_role("link", name="Đã đóng").click()
    page.get_by_role("link", name=f"#{ticket_id}").click()
    expect(page.get_by_role("heading", name=f"Phiếu hỗ trợ #{ticket_id}")).to_be_visible()
    lines = page.locator("ol.transcript > li")
    expect(lines).to_have_count(4)
    expect(lines.nth(2)).to_contain_text("Tình nguyện viên")
    expect(lines.nth(2)).to_contain_text("bản sao sổ đỏ")
    expect(page.locator("dd.rating")).to_have_text("4/5")
    expect(page.get_by_text("Lê Văn Hùng")).to_be_visible()
    shot(page, "04-ticket-transcript")


def test_group_questions_and_download_the_export(console: Console, page: Page) -> None:
    add_questions(
        console.engine,
        [
            ("giờ làm việc của bộ phận một cửa thứ bảy", "out_of_scope", 0.7),
            ("cho hỏi lệ phí đổi căn cước là bao nhiêu", "nlu_fallback", 0.31),
            ("le phi doi can cuoc bao nhieu", "ask_fee", 0.44),
            ("lệ phí đổi căn cước", "nlu_fallback", 0.2),
        ],
    )
    log_in(page, console)
    page.get_by_role("link", name="Câu hỏi chưa hiểu").click()
    groups = page.locator("li.group")
    expect(groups).to_have_count(2)
    expect(groups.nth(1)).to_contain_text("3 câu")
    fee_group = groups.nth(1)
    fee_group.get_by_role("checkbox").check()
    fee_group.get_by_role("combobox").select_option("ask_fee")
    shot(page, "05-questions-grouped")
    with page.expect_download() as download_info:
        page.get_by_role("button", name="Xuất các nhóm đã chọn").click()
    download = download_info.value
    assert download.suggested_filename.startswith("nlu-cau-hoi-")
    exported = yaml.safe_load(Path(download.path()).read_text(encoding="utf-8"))
    assert exported["version"] == "3.1"
    assert exported["nlu"] == [
        {
            "intent": "ask_fee",
            "examples": "- cho hỏi lệ phí đổi căn cước là bao nhiêu\n"
            "- le phi doi can cuoc bao nhieu\n"
            "- lệ phí đổi căn cước\n",
        }
    ]
    with page.expect_download() as everything:
        page.get_by_role("button", name="Xuất tất cả 2 nhóm").click()
    both = yaml.safe_load(Path(everything.value.path()).read_text(encoding="utf-8"))
    assert [block["intent"] for block in both["nlu"]] == ["unlabelled", "ask_fee"]


def test_upload_a_dossier_csv_and_read_the_report(console: Console, page: Page) -> None:
    header = (
        "code,procedure_code,procedure_name,applicant_name,phone,status,received_at,due_at,"
        "result_ready_at,returned_at,office,note\n"
    )
    row = (
        "000.00.31.H49-261015-{seq},1.000656,Thủ tục đăng ký khai tử,Ngô Kim Hà,0815545869,"
        "{status},2026-10-15T16:26:00,2026-10-16T17:00:00,,,Bộ phận một cửa UBND phường Uông Bí,\n"
    )
    csv_text = (
        header
        + row.format(seq="0018", status="processing")
        + row.format(seq="0019", status="không-có-trạng-thái-này")
        + row.format(seq="0020", status="received")
    )
    log_in(page, console)
    page.get_by_role("link", name="Nhập hồ sơ").click()
    page.get_by_label("Tệp CSV").set_input_files(
        files=[{"name": "ho-so-thang-10.csv", "mimeType": "text/csv", "buffer": csv_text.encode()}]
    )
    shot(page, "06-upload-form")
    page.get_by_role("button", name="Tải lên và nhập").click()
    expect(page.get_by_role("heading", name="Kết quả nhập tệp ho-so-thang-10.csv")).to_be_visible()
    expect(page.locator('[data-count="created"]')).to_have_text("2")
    expect(page.locator('[data-count="rejected"]')).to_have_text("1")
    rejected = page.locator("#rejected tbody tr")
    expect(rejected).to_have_count(1)
    expect(rejected.first.locator("td").first).to_have_text("3")
    shot(page, "07-upload-report")
    with Session(console.engine) as session:
        codes = session.scalars(select(dossiers.c.code).order_by(dossiers.c.code)).all()
    assert codes == ["000.00.31.H49-261015-0018", "000.00.31.H49-261015-0020"]


def test_invite_delivery_and_stats_pages(console: Console, page: Page) -> None:
    add_outbox(console.engine, channel="sms", state="delivered", key="ok")
    add_outbox(
        console.engine, channel="sms", state="failed", key="ko", last_error="HTTP 403: hết tiền"
    )
    add_notice(console.engine, key="n1", state="skipped", outcome="quiet_hours_expired")
    add_questions(console.engine, [("xin chào", "greet", 0.99), ("lệ phí", "ask_fee", 0.9)])
    log_in(page, console)
    page.get_by_role("link", name="Mời tình nguyện viên").click()
    page.get_by_label("Họ tên tình nguyện viên").fill("Vũ Minh Anh")
    page.get_by_role("button", name="Tạo mã mời").click()
    with Session(console.engine) as session:
        code = session.scalars(select(Invite.code)).one()
    expect(page.locator("#new-invite")).to_contain_text(f"/dangky {code}")
    expect(page.locator("#invites")).to_contain_text("Vũ Minh Anh")
    shot(page, "08-invite-created")
    page.get_by_role("link", name="Gửi tin").click()
    expect(page.locator("#failures")).to_contain_text("HTTP 403: hết tiền")
    expect(page.locator("#skip-reasons")).to_contain_text("quiet_hours_expired: 1")
    shot(page, "09-delivery")
    page.get_by_role("link", name="Thống kê").click()
    expect(page.locator("#top-intents")).to_contain_text("greet: 1")
    expect(page.locator("svg.chart rect title").first).to_contain_text("zalo: 2")
    shot(page, "10-stats")
