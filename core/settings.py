"""Settings from `MOTCUA_*` environment variables (and a `.env` file in the working directory).

Unset means the embedded default. A value that is present but invalid stops start-up with a
message naming the variable (`SettingsError`).
"""

from __future__ import annotations

from datetime import time
from functools import cached_property
from typing import Literal
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, SecretStr, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

SmsProvider = Literal["http", "esms"]


class SettingsError(Exception):
    """A setting is present but invalid; the message names the variable."""


def _check_http_url(value: str, *, name: str) -> str:
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ValueError(f"{name} must be an http(s) URL, got {value!r}")
    return value.rstrip("/") if not value.endswith("/bot") else value


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="MOTCUA_",
        env_file=".env",
        env_file_encoding="utf-8",
        extra="ignore",
        frozen=True,
    )

    database_url: str = "sqlite:///var/motcua.db"
    redis_url: str | None = None
    http_host: str = "127.0.0.1"
    http_port: int = Field(default=8000, ge=1, le=65535)
    rasa_url: str = "http://127.0.0.1:5005"
    actions_port: int = Field(default=5055, ge=1, le=65535)
    timezone: str = "Asia/Ho_Chi_Minh"

    # Gateway behaviour
    rasa_timeout_seconds: float = Field(default=10.0, gt=0, le=120)
    max_body_bytes: int = Field(default=64 * 1024, ge=1024, le=10 * 1024 * 1024)
    hotline: str = ""
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    log_format: Literal["console", "json"] = "console"
    # Limits: how fast one sender may write, and each platform's send rate (shared by replicas)
    sender_messages_per_minute: int = Field(default=20, ge=1, le=10_000)
    telegram_messages_per_second: int = Field(default=30, ge=1, le=10_000)
    zalo_requests_per_minute: int = Field(default=4000, ge=1, le=1_000_000)
    sms_messages_per_second: int = Field(default=30, ge=1, le=100_000)
    # Notices and pickup reminders (core/reminders)
    calendar_file: str = "data/calendar/quang-ninh.yml"
    quiet_hours: str = "21:00-07:00"
    reminder_working_days: str = "3,7"
    sms_stop_number: str | None = None
    # Crash recovery: a message being sent, or an event being answered, by a process that died
    # is taken over after this long
    outbox_lease_seconds: float = Field(default=30, ge=1, le=3600)
    inbox_retry_seconds: float = Field(default=60, ge=1, le=3600)
    # Who calls the platforms: the worker (`motcua reminders worker`) sends every outbound
    # message, so a gateway that dies mid-request never leaves a send in doubt. A set-up that
    # runs the gateway alone, without a worker, turns the gateway's own delivery on.
    gateway_delivery: bool = False
    # How often an idle delivery loop looks for new messages (a reply waits at most this long)
    delivery_poll_seconds: float = Field(default=0.1, ge=0.01, le=10)
    # The worker's own Prometheus metrics (deliveries, send times), served on MOTCUA_HTTP_HOST
    # at this port; unset = none
    worker_metrics_port: int | None = Field(default=None, ge=1, le=65535)
    # Human handoff (bot/handoff): how long an open ticket waits for a volunteer to claim it,
    # and whether volunteers are reached only in the province centre's working hours (outside
    # them the citizen gets the hotline and the office hours at once)
    handoff_claim_minutes: float = Field(default=10, gt=0, le=24 * 60)
    handoff_office_hours_only: bool = True

    # Channels (CONTRACT §2); unset = channel off
    telegram_token: SecretStr | None = None
    telegram_secret_token: SecretStr | None = None
    telegram_api_base_url: str = "https://api.telegram.org/bot"
    # Local development without a public URL: fetch updates with getUpdates instead of a webhook
    telegram_polling: bool = False
    zalo_app_id: str | None = None
    zalo_secret_key: SecretStr | None = None
    zalo_oa_secret_key: SecretStr | None = None
    zalo_access_token: SecretStr | None = None
    zalo_refresh_token: SecretStr | None = None
    zalo_api_base_url: str = "https://openapi.zalo.me"
    zalo_oauth_base_url: str = "https://oauth.zaloapp.com"
    zalo_business_base_url: str = "https://business.openapi.zalo.me"
    zns_template_result_ready: str | None = None
    sms_provider: SmsProvider | None = None
    sms_http_send_url: str | None = None
    sms_http_token: SecretStr | None = None
    sms_http_price_per_part_vnd: float | None = Field(default=None, ge=0)
    # eSMS.vn (MOTCUA_SMS_PROVIDER=esms): API keys, registered brandname, callbacks
    sms_esms_api_key: SecretStr | None = None
    sms_esms_secret_key: SecretStr | None = None
    sms_esms_brandname: str | None = None
    sms_esms_base_url: str | None = None
    sms_esms_public_url: str | None = None
    sms_esms_callback_token: SecretStr | None = None
    sms_esms_mo_private_key: SecretStr | None = None
    sms_esms_mo_cpid: str | None = None
    sms_esms_sandbox: bool = False
    sms_esms_price_per_part_vnd: float | None = Field(default=None, ge=0)
    onestop_webhook_secret: SecretStr | None = None
    # Pull from the one-stop software's HTTP API (core/onestop/pull.py); unset = no pulling
    onestop_pull_url: str | None = None
    onestop_pull_token: SecretStr | None = None

    @field_validator("quiet_hours")
    @classmethod
    def _quiet_hours(cls, value: str) -> str:
        start, sep, end = value.partition("-")
        try:
            if not sep:
                raise ValueError
            time.fromisoformat(start.strip())
            time.fromisoformat(end.strip())
        except ValueError:
            raise ValueError("must be two local times like 21:00-07:00") from None
        return value

    @field_validator("reminder_working_days")
    @classmethod
    def _reminder_days(cls, value: str) -> str:
        try:
            days = [int(v) for v in value.split(",") if v.strip()]
        except ValueError:
            raise ValueError("must be working days separated by commas, like 3,7") from None
        if len(days) > 3 or any(d < 1 for d in days) or days != sorted(set(days)):
            raise ValueError("at most 3 increasing positive numbers of working days, like 3,7")
        return value

    @field_validator("database_url")
    @classmethod
    def _database_url(cls, value: str) -> str:
        if not value.startswith(("sqlite", "postgresql")):
            raise ValueError("must be a sqlite:/// or postgresql+psycopg:// SQLAlchemy URL")
        return value

    @field_validator("redis_url")
    @classmethod
    def _redis_url(cls, value: str | None) -> str | None:
        if value in (None, ""):
            return None
        assert value is not None
        if not value.startswith(("redis://", "rediss://", "unix://")):
            raise ValueError("must be a redis:// URL")
        return value

    @field_validator("timezone")
    @classmethod
    def _timezone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown time zone {value!r}") from exc
        return value

    @field_validator(
        "rasa_url",
        "telegram_api_base_url",
        "zalo_api_base_url",
        "zalo_oauth_base_url",
        "zalo_business_base_url",
    )
    @classmethod
    def _url(cls, value: str) -> str:
        return _check_http_url(value, name="the URL")

    @field_validator(
        "sms_http_send_url", "onestop_pull_url", "sms_esms_base_url", "sms_esms_public_url"
    )
    @classmethod
    def _optional_url(cls, value: str | None) -> str | None:
        return None if value in (None, "") else _check_http_url(str(value), name="the URL")

    @model_validator(mode="after")
    def _channel_requirements(self) -> Settings:
        if self.telegram_token is not None and self.telegram_secret_token is None:
            raise ValueError(
                "MOTCUA_TELEGRAM_SECRET_TOKEN is required when MOTCUA_TELEGRAM_TOKEN is set"
            )
        if self.sms_provider == "http" and (
            self.sms_http_send_url is None or self.sms_http_token is None
        ):
            raise ValueError(
                "MOTCUA_SMS_HTTP_SEND_URL and MOTCUA_SMS_HTTP_TOKEN are required "
                "when MOTCUA_SMS_PROVIDER=http"
            )
        if self.sms_provider == "esms" and not (
            self.sms_esms_api_key and self.sms_esms_secret_key and self.sms_esms_brandname
        ):
            raise ValueError(
                "MOTCUA_SMS_ESMS_API_KEY, MOTCUA_SMS_ESMS_SECRET_KEY and MOTCUA_SMS_ESMS_BRANDNAME "
                "are required when MOTCUA_SMS_PROVIDER=esms"
            )
        if self.zalo_enabled and self.zalo_secret_key is None:
            raise ValueError(
                "MOTCUA_ZALO_SECRET_KEY is required when the Zalo channel is on "
                "(it refreshes the access token)"
            )
        return self

    @cached_property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @property
    def quiet_window(self) -> tuple[time, time]:
        start, _, end = self.quiet_hours.partition("-")
        return time.fromisoformat(start.strip()), time.fromisoformat(end.strip())

    @property
    def reminder_days(self) -> tuple[int, ...]:
        return tuple(int(v) for v in self.reminder_working_days.split(",") if v.strip())

    @property
    def action_endpoint(self) -> str:
        return f"http://127.0.0.1:{self.actions_port}/webhook"

    @property
    def telegram_enabled(self) -> bool:
        return self.telegram_token is not None

    @property
    def zalo_enabled(self) -> bool:
        return self.zalo_app_id is not None and self.zalo_oa_secret_key is not None

    @property
    def sms_enabled(self) -> bool:
        return self.sms_provider is not None


def load_settings() -> Settings:
    """Reads the settings; an invalid value raises SettingsError naming the variable."""
    try:
        return Settings()
    except ValidationError as exc:
        lines = []
        for err in exc.errors():
            field = ".".join(str(p) for p in err["loc"])
            variable = f"MOTCUA_{field.upper()}" if field else "settings"
            lines.append(f"{variable}: {err['msg']}")
        raise SettingsError("invalid configuration: " + "; ".join(lines)) from None
