"""End to end: a real trained Rasa 3.6 model, the real Rasa server, the real action server
(rasa-sdk on the app's Python) and the gateway, talking over loopback HTTP.

Slow tier: the model is trained by scripts/train.sh (reused when the training data did not
change), and each process takes a few seconds to start.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import unicodedata
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from bot.devstack import ROOT, Stack, newest_model
from tests.conftest import free_port

pytestmark = pytest.mark.slow

CODE = "000.00.12.H49-241105-0012"


@pytest.fixture(scope="module")
def model() -> Path:
    subprocess.run(["bash", "scripts/train.sh"], cwd=ROOT, check=True, capture_output=True)
    return newest_model(ROOT / "models")


@pytest.fixture(scope="module")
def stack(model: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    db = tmp_path_factory.mktemp("e2e") / "motcua.db"
    env = {k: v for k, v in os.environ.items() if not k.startswith("MOTCUA_")} | {
        "MOTCUA_DATABASE_URL": f"sqlite:///{db}",
        "MOTCUA_HOTLINE": "0203 3 123 456",
    }
    for args in (
        ["db", "upgrade"],
        ["import-procedures", "data/procedures"],
        ["import-dossiers", "data/demo/dossiers.csv"],
    ):
        subprocess.run([sys.executable, "-m", "core.cli", *args], cwd=ROOT, env=env, check=True)
    s = Stack(
        rasa_url=f"http://127.0.0.1:{free_port()}",
        http_port=free_port(),
        actions_port=free_port(),
        model_path=model,
        env=env,
    )
    s.start()
    try:
        s.wait_ready(timeout=240)
        yield s
    finally:
        s.stop()


def chat(stack: Stack, message: str, sender: str | None = None) -> list[dict[str, Any]]:
    response = httpx.post(
        f"http://127.0.0.1:{stack.http_port}/webhooks/rest/webhook",
        json={"sender": sender or f"web:{uuid.uuid4().hex}", "message": message},
        timeout=30,
    )
    assert response.status_code == 200, response.text
    replies = response.json()
    assert replies, "the gateway never answers with nothing"
    return list(replies)


def text_of(replies: list[dict[str, Any]]) -> str:
    """The replies as a citizen sees them: texts and button titles."""
    parts = []
    for reply in replies:
        parts.append(reply.get("text", ""))
        parts.extend(f"[{b['title']}]" for b in reply.get("buttons") or [])
    return "\n".join(parts)


def nfd(text: str) -> str:
    return unicodedata.normalize("NFD", text)


def test_greeting_offers_the_main_topics_as_buttons(stack: Stack) -> None:
    replies = chat(stack, "xin chào")
    assert replies[0]["text"].startswith("Dạ, xin chào")
    titles = [b["title"] for b in replies[0]["buttons"]]
    assert titles == ["Tra cứu hồ sơ", "Giấy tờ cần chuẩn bị", "Lệ phí", "Gặp cán bộ"]


# One row per intent and typing style: the reply that intent's rule gives.
CASES = [
    ("lam can cuoc can mang nhung giay to gi", "căn cước"),
    (nfd("đăng ký khai sinh cần những giấy tờ gì ạ"), "khai sinh"),
    ("le phi dang ky ket hon bn", "miễn"),
    ("lý lịch tư pháp cần giấy tờ gì", "Tờ khai yêu cầu cấp Phiếu Lý lịch tư pháp"),
    ("bộ phận một cửa phường mấy giờ mở cửa", "Ông/bà ở xã, phường nào"),
    ("ubnd phuong bai chay may gio mo cua", "Bộ phận một cửa UBND phường Bãi Cháy:"),
    ("số điện thoại một cửa phường Giếng Đáy", "UBND phường Bãi Cháy"),
    ("nop ho so online tren cong dich vu cong the nao", "Theo dõi trạng thái bằng mã hồ sơ"),
    ("tôi muốn nhận kết quả qua bưu điện được không", "phí chuyển phát trả cho bưu điện"),
    ("mat phieu hen thi lay ket qua the nao", "cán bộ sẽ tra cứu hồ sơ"),
    ("báo cho tôi khi hồ sơ có kết quả nhé", "gửi mã hồ sơ"),
    ("đừng nhắn tin cho tôi nữa", "ngừng gửi thông báo"),
    ("cho tôi gặp cán bộ", "chuyển câu hỏi đến cán bộ"),
    ("can bo o day lam viec nhiet tinh qua", "cảm ơn ông/bà đã góp ý"),
    ("bạn là người hay máy vậy", "trợ lý tự động"),
    ("cảm ơn nhiều nha", "không có gì"),
    ("tạm biệt", "chào ông/bà"),
    ("giá vàng hôm nay bao nhiêu", "chỉ hỗ trợ về thủ tục hành chính"),
    ("/ask_fee", "tên thủ tục"),
]


@pytest.mark.parametrize(("message", "expected"), CASES)
def test_citizen_questions_get_the_right_answer(stack: Stack, message: str, expected: str) -> None:
    assert expected in text_of(chat(stack, message))


@pytest.mark.parametrize(
    "typed",
    [
        "hồ sơ 000.00.12.h49 - 241105 - 0012 đến đâu rồi ạ",
        "ho so OOO.OO.12.H49-2411O5-OO12 xong chua",
        "000.00.12.H49 241105 0012",
        nfd("tra cứu hồ sơ 000.00.12.H49-241105-0012"),
    ],
)
def test_dossier_code_reaches_the_action_server_canonical(stack: Stack, typed: str) -> None:
    assert CODE in text_of(chat(stack, typed))


def test_status_dialogue_asks_for_the_code_then_uses_it(stack: Stack) -> None:
    sender = f"web:{uuid.uuid4().hex}"
    first = text_of(chat(stack, "kiểm tra tình trạng hồ sơ giúp tôi", sender))
    assert "mã hồ sơ" in first
    second = text_of(chat(stack, "000.00.12.h49-241105-0012", sender))
    assert CODE in second


READY = "000.00.21.H49-261020-0017"  # demo data: result_ready, phone 0701185020, Vũ Văn Khánh


def test_status_then_verification_then_details_and_follow_up(stack: Stack) -> None:
    sender = f"web:{uuid.uuid4().hex}"
    status = text_of(chat(stack, "hs 000.00.21.h49 - 261020 - 0017 xong chua", sender))
    assert READY in status
    assert "đã có kết quả" in status
    assert "bưu chính công ích" in status
    assert "Vũ Văn Khánh" not in status
    assert "4 số cuối" in status
    wrong = text_of(chat(stack, "1234", sender))
    assert "chưa đúng" in wrong
    assert "Vũ Văn Khánh" not in wrong
    right = text_of(chat(stack, "4 số cuối là 5020", sender))
    assert "Vũ Văn Khánh" in right
    mine = text_of(chat(stack, "hồ sơ của tôi", sender))
    assert READY in mine


def test_office_questions_use_the_dossier_of_the_conversation(stack: Stack) -> None:
    sender = f"web:{uuid.uuid4().hex}"
    chat(stack, "hs 000.00.21.h49 - 261020 - 0017 xong chua", sender)
    office = chat(stack, "mấy giờ mở cửa", sender)
    assert office[0]["text"].startswith("Dạ, Bộ phận một cửa UBND phường Cẩm Phả:")
    assert "Điện thoại:" in office[0]["text"]


def test_office_buttons_answer_the_chosen_office(stack: Stack) -> None:
    replies = chat(stack, "bộ phận một cửa ở đâu")
    assert replies[0]["text"].startswith("Dạ, Trung tâm Phục vụ hành chính công tỉnh Quảng Ninh")
    button = replies[0]["buttons"][1]
    assert button["title"] == "Phường Cẩm Phả"
    chosen = chat(stack, button["payload"])
    assert chosen[0]["text"].startswith("Dạ, Bộ phận một cửa UBND phường Cẩm Phả:")


def test_result_delivery_comes_in_two_messages(stack: Stack) -> None:
    replies = chat(stack, "nhờ người khác nhận hộ kết quả được không")
    assert len(replies) == 2
    assert "giấy ủy quyền" in replies[0]["text"]
    assert "mất phiếu hẹn" in replies[1]["text"]


def test_procedure_follow_up_keeps_the_procedure(stack: Stack) -> None:
    sender = f"web:{uuid.uuid4().hex}"
    first = text_of(chat(stack, "đăng ký kết hôn cần giấy tờ gì", sender))
    assert "kết hôn" in first.lower()
    fee = text_of(chat(stack, "còn lệ phí thì sao", sender))
    assert "miễn" in fee.lower()


def test_two_fallbacks_in_a_row_hand_over_to_a_human(stack: Stack) -> None:
    sender = f"web:{uuid.uuid4().hex}"
    first = chat(stack, "zzzq xxqv", sender)
    assert "chưa hiểu rõ" in first[0]["text"]
    assert {b["payload"] for b in first[0]["buttons"]} >= {"/check_dossier_status", "/ask_fee"}
    second = chat(stack, "qqxz vvkj", sender)
    assert "chuyển câu hỏi" in second[0]["text"]


def test_rasa_parses_codes_canonical_and_intents_without_diacritics(stack: Stack) -> None:
    rasa_url = stack.services[0].env["MOTCUA_RASA_URL"]
    parsed = httpx.post(
        f"{rasa_url}/model/parse", json={"text": "hs ooo.oo.12.h49 - 241105 - oo12 sao roi"}
    ).json()
    assert parsed["intent"]["name"] == "check_dossier_status"
    assert [(e["entity"], e["value"]) for e in parsed["entities"]] == [("dossier_code", CODE)]


def test_healthz_and_metrics_on_the_live_stack(stack: Stack) -> None:
    health = httpx.get(f"http://127.0.0.1:{stack.http_port}/healthz").json()
    assert health["status"] == "ok"
    assert health["checks"]["model"].startswith("motcua-")
    metrics = httpx.get(f"http://127.0.0.1:{stack.http_port}/metrics").text
    assert 'motcua_messages_total{channel="web",direction="in"}' in metrics


def test_zz_rasa_down_still_gets_a_polite_answer(stack: Stack) -> None:
    """Runs last in this module: it stops the Rasa server."""
    rasa = stack.services[0]
    assert rasa.name == "rasa"
    assert rasa.process is not None
    rasa.process.send_signal(signal.SIGKILL)
    rasa.process.wait(10)
    replies = chat(stack, "lệ phí làm căn cước")
    assert "hệ thống đang bận" in replies[0]["text"]
    assert "0203 3 123 456" in replies[0]["text"]
    health = httpx.get(f"http://127.0.0.1:{stack.http_port}/healthz")
    assert health.status_code == 503


def test_make_run_supervisor_prints_the_url_and_stops_everything_on_ctrl_c(
    model: Path, tmp_path: Path
) -> None:
    http_port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("MOTCUA_")} | {
        "MOTCUA_DATABASE_URL": f"sqlite:///{tmp_path}/run.db",
        "MOTCUA_HTTP_PORT": str(http_port),
        "MOTCUA_RASA_URL": f"http://127.0.0.1:{free_port()}",
        "MOTCUA_ACTIONS_PORT": str(free_port()),
    }
    log = tmp_path / "run.log"
    with log.open("w") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "bot.devstack"],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    deadline = time.monotonic() + 240
    try:
        while f"Chat here: http://127.0.0.1:{http_port}/" not in log.read_text():
            assert process.poll() is None, log.read_text()[-3000:]
            assert time.monotonic() < deadline, log.read_text()[-3000:]
            time.sleep(0.5)
        assert chat_port_answers(http_port)
        # Ctrl-C in a terminal signals the whole foreground process group.
        os.killpg(process.pid, signal.SIGINT)
        assert process.wait(60) == 0, log.read_text()[-3000:]
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
    leftovers = subprocess.run(
        ["pgrep", "-f", f"--port {env['MOTCUA_RASA_URL'].rsplit(':', 1)[1]}"],
        capture_output=True,
        text=True,
    )
    assert leftovers.stdout.strip() == "", "Rasa outlived the supervisor"
    with pytest.raises(httpx.ConnectError):
        httpx.get(f"http://127.0.0.1:{http_port}/healthz")


def chat_port_answers(port: int) -> bool:
    response = httpx.post(
        f"http://127.0.0.1:{port}/webhooks/rest/webhook",
        json={"sender": "web:run", "message": "xin chào"},
        timeout=30,
    )
    return response.status_code == 200 and "xin chào" in response.text
