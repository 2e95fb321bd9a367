"""`python -m actions`: the action server on MOTCUA_ACTIONS_PORT (rasa-sdk)."""

from __future__ import annotations

import os
import sys
from pathlib import Path

from rasa_sdk.endpoint import run
from rasa_sdk.executor import ActionExecutor

from core.logging import configure_logging
from core.settings import SettingsError, load_settings


def main() -> None:
    try:
        settings = load_settings()
    except SettingsError as exc:
        print(exc, file=sys.stderr)
        raise SystemExit(2) from None
    configure_logging(level=settings.log_level, fmt=settings.log_format)
    # rasa-sdk binds 0.0.0.0 unless told otherwise; only the local Rasa server calls it.
    os.environ.setdefault("SANIC_HOST", "127.0.0.1")
    executor = ActionExecutor()
    executor.register_package("actions")
    run(
        executor,
        port=settings.actions_port,
        cors_origins=[],
        auto_reload=False,
        endpoints=str(Path(__file__).resolve().parent.parent / "nlu" / "endpoints.yml"),
    )


if __name__ == "__main__":
    main()
