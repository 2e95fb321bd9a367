"""Logging set up for one test and put back afterwards.

`configure_logging` binds structlog and the root handler to the `sys.stderr` of the moment; a
command run under typer's CliRunner binds them to a capture stream that is closed when the
command returns, so a later log line would fail. Tests that run commands or log use this.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager

import structlog

from core.logging import configure_logging


@contextmanager
def fresh_logging() -> Iterator[None]:
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    config = structlog.get_config()
    configure_logging()
    try:
        yield
    finally:
        structlog.configure(**config)
        root.handlers[:] = handlers
        root.setLevel(level)
