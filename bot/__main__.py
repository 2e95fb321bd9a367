"""`python -m bot`: serves the gateway on MOTCUA_HTTP_HOST:MOTCUA_HTTP_PORT."""

from __future__ import annotations

import sys

import uvicorn

from bot.app import create_app
from core.logging import configure_logging
from core.settings import SettingsError, load_settings


def main() -> None:
    try:
        settings = load_settings()
    except SettingsError as exc:
        print(exc, file=sys.stderr)
        raise SystemExit(2) from None
    configure_logging(level=settings.log_level, fmt=settings.log_format)
    uvicorn.run(
        create_app(settings),
        host=settings.http_host,
        port=settings.http_port,
        log_config=None,
        access_log=False,
        server_header=False,
        proxy_headers=False,
        timeout_graceful_shutdown=5,
    )


if __name__ == "__main__":
    main()
