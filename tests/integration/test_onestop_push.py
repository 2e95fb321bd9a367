"""The one-stop push webhook (CONTRACT §4.5) over real HTTP into a real (migrated) database."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest
from alembic import command
from sqlalchemy import create_engine

from bot.app import create_app
from core.cli import alembic_config
from core.dossiers.repository import SqlDossierRepository
from core.onestop.push import sign
from core.settings import Settings
from tests.conftest import LocalServer

SECRET = "push-secret"
ROW = {
    "code": "000.00.12.H49-261101-0001",
    "procedure_code": "1.001193",
    "procedure_name": "Đăng ký khai sinh",
    "applicant_name": "Lê Văn Cường",
    "phone": "0912 345 678",
    "status": "processing",
    "received_at": "2026-11-01T08:00:00",
    "due_at": "2026-11-05T17:00:00",
    "result_ready_at": None,
    "returned_at": None,
    "office": "Bộ phận một cửa UBND phường Hồng Gai",
    "note": None,
}


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.storage)])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path}/push.db"
    else:
        url = request.getfixturevalue("postgres_url")
        command.downgrade(alembic_config(url), "base")
    command.upgrade(alembic_config(url), "head")
    return url


@pytest.fixture
def gateway(database_url: str, local_server: Callable[[Any], LocalServer]) -> LocalServer:
    settings = Settings(database_url=database_url, onestop_webhook_secret=SECRET)
    return local_server(create_app(settings))


def push(gateway: LocalServer, body: bytes, signature: str | None = "auto") -> httpx.Response:
    headers = {"content-type": "application/json"}
    if signature == "auto":
        headers["X-Motcua-Signature"] = sign(body, SECRET)
    elif signature is not None:
        headers["X-Motcua-Signature"] = signature
    return httpx.post(f"{gateway.url}/webhooks/onestop", content=body, headers=headers)


def batch(*rows: dict[str, Any]) -> bytes:
    return json.dumps({"dossiers": list(rows)}, ensure_ascii=False).encode()


def stored(database_url: str, code: str) -> Any:
    engine = create_engine(database_url)
    try:
        return SqlDossierRepository(engine).get(code)
    finally:
        engine.dispose()


def test_a_signed_batch_is_upserted_and_status_changes_counted(
    gateway: LocalServer, database_url: str
) -> None:
    first = push(gateway, batch(ROW))
    assert first.status_code == 200
    assert first.json() | {"rejected": []} == {
        "received": 1, "created": 1, "updated": 0, "unchanged": 0, "status_changes": 1,
        "rejected": [],
    }  # fmt: skip
    again = push(gateway, batch(ROW))
    assert again.json()["unchanged"] == 1
    assert again.json()["status_changes"] == 0
    ready = push(gateway, batch(ROW | {"status": "result_ready"}))
    assert ready.json()["status_changes"] == 1
    dossier = stored(database_url, ROW["code"])
    assert dossier.status == "result_ready"
    assert dossier.phone == "+84912345678"


@pytest.mark.parametrize(
    "signature",
    [None, "sha256=" + "0" * 64, "sha256=deadbeef", sign(b"other body", SECRET), "md5=abc"],
    ids=["missing", "zeros", "short", "other-body", "other-scheme"],
)
def test_forged_requests_change_nothing(
    gateway: LocalServer, database_url: str, signature: str | None
) -> None:
    response = push(gateway, batch(ROW), signature=signature)
    assert response.status_code == 401
    assert stored(database_url, ROW["code"]) is None


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        (b"not json", "not valid JSON"),
        (b"[]", "'dossiers' list"),
        (b'{"dossiers": {}}', "'dossiers' list"),
    ],
)
def test_malformed_batches_are_400(gateway: LocalServer, body: bytes, reason: str) -> None:
    response = push(gateway, body)
    assert response.status_code == 400
    assert reason in response.text


def test_bad_rows_are_reported_and_good_rows_kept(gateway: LocalServer, database_url: str) -> None:
    good = ROW | {"code": "000.00.12.H49-261101-0002"}
    response = push(gateway, batch(ROW | {"status": "lost"}, "not a row", good))
    body = response.json()
    assert response.status_code == 200
    assert body["created"] == 1
    assert [r["index"] for r in body["rejected"]] == [0, 1]
    assert "status" in body["rejected"][0]["reason"]
    assert stored(database_url, good["code"]) is not None
    assert stored(database_url, ROW["code"]) is None


def test_oversized_body_is_refused(gateway: LocalServer) -> None:
    body = b'{"dossiers": [' + b" " * (9 * 1024 * 1024) + b"]}"
    assert push(gateway, body).status_code == 413


def test_off_without_a_secret(tmp_path: Path, local_server: Callable[[Any], LocalServer]) -> None:
    url = f"sqlite:///{tmp_path}/off.db"
    server = local_server(create_app(Settings(database_url=url)))
    assert push(server, batch(ROW)).status_code == 404
