from __future__ import annotations

import pytest

from core.settings import Settings, SettingsError, load_settings


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path: object) -> None:
    import os

    for key in list(os.environ):
        if key.startswith("MOTCUA_"):
            monkeypatch.delenv(key)
    monkeypatch.chdir(str(tmp_path))  # no .env file


def test_defaults_are_the_embedded_ones() -> None:
    s = load_settings()
    assert s.database_url == "sqlite:///var/motcua.db"
    assert s.redis_url is None
    assert (s.http_host, s.http_port) == ("127.0.0.1", 8000)
    assert s.rasa_url == "http://127.0.0.1:5005"
    assert s.actions_port == 5055
    assert s.action_endpoint == "http://127.0.0.1:5055/webhook"
    assert s.timezone == "Asia/Ho_Chi_Minh"
    assert s.telegram_api_base_url == "https://api.telegram.org/bot"
    assert not (s.telegram_enabled or s.zalo_enabled or s.sms_enabled)
    # the worker sends; the gateway only queues
    assert s.gateway_delivery is False
    assert s.delivery_poll_seconds == 0.1
    assert s.worker_metrics_port is None


def test_the_gateway_can_be_told_to_deliver(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MOTCUA_GATEWAY_DELIVERY", "true")
    monkeypatch.setenv("MOTCUA_DELIVERY_POLL_SECONDS", "0.5")
    s = load_settings()
    assert s.gateway_delivery is True
    assert s.delivery_poll_seconds == 0.5


def test_env_and_dotenv_are_read(monkeypatch: pytest.MonkeyPatch, tmp_path: object) -> None:
    from pathlib import Path

    Path(str(tmp_path), ".env").write_text("MOTCUA_HTTP_PORT=9001\nMOTCUA_HOTLINE=1022\n")
    monkeypatch.setenv("MOTCUA_REDIS_URL", "redis://127.0.0.1:6379/2")
    s = load_settings()
    assert s.http_port == 9001
    assert s.hotline == "1022"
    assert s.redis_url == "redis://127.0.0.1:6379/2"


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("MOTCUA_HTTP_PORT", "eighty"),
        ("MOTCUA_HTTP_PORT", "70000"),
        ("MOTCUA_DATABASE_URL", "mysql://x"),
        ("MOTCUA_REDIS_URL", "http://127.0.0.1:6379"),
        ("MOTCUA_TIMEZONE", "Mars/Olympus"),
        ("MOTCUA_RASA_URL", "localhost:5005"),
        ("MOTCUA_ACTIONS_PORT", "0"),
        ("MOTCUA_SMS_PROVIDER", "carrier-pigeon"),
        ("MOTCUA_GATEWAY_DELIVERY", "sometimes"),
        ("MOTCUA_DELIVERY_POLL_SECONDS", "0"),
        ("MOTCUA_WORKER_METRICS_PORT", "-1"),
    ],
)
def test_invalid_value_names_the_variable(
    monkeypatch: pytest.MonkeyPatch, variable: str, value: str
) -> None:
    monkeypatch.setenv(variable, value)
    with pytest.raises(SettingsError, match=variable):
        load_settings()


def test_telegram_needs_its_secret_token(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MOTCUA_TELEGRAM_TOKEN", "123:abc")
    with pytest.raises(SettingsError, match="MOTCUA_TELEGRAM_SECRET_TOKEN"):
        load_settings()
    monkeypatch.setenv("MOTCUA_TELEGRAM_SECRET_TOKEN", "s3cret")
    assert load_settings().telegram_enabled


def test_secrets_never_show_in_repr() -> None:
    s = Settings(telegram_token="123:abc", telegram_secret_token="s3cret")
    assert "123:abc" not in repr(s)
    assert "s3cret" not in repr(s)
