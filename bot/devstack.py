"""Runs the whole stack in the foreground: Rasa, the action server, the gateway and the reminder
worker, as `make run` does. Ctrl-C (or SIGTERM) stops all of them; if one dies, all stop.

The end-to-end tests use `Stack` to start the same processes on free ports.
"""

from __future__ import annotations

import ctypes
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import httpx

from core.settings import SettingsError, load_settings

ROOT = Path(__file__).resolve().parent.parent
RASA = ROOT / ".venv-rasa" / "bin" / "rasa"
APP_PYTHON = ROOT / ".venv" / "bin" / "python"
COLORS = {"rasa": "35", "actions": "33", "gateway": "36", "worker": "32"}


def rasa_env(base: Mapping[str, str] | None = None) -> dict[str, str]:
    """Environment for Rasa commands: our components importable, nothing phoned home."""
    env = dict(base if base is not None else os.environ)
    env["PYTHONPATH"] = str(ROOT) + (
        os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else ""
    )
    env.setdefault("RASA_TELEMETRY_ENABLED", "false")
    env.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    env.setdefault("SQLALCHEMY_SILENCE_UBER_WARNING", "1")
    env.setdefault("PYTHONWARNINGS", "ignore")
    return env


def _die_with_parent() -> None:
    """In the child: ask Linux to send SIGTERM if the supervisor dies, even by SIGKILL."""
    if sys.platform.startswith("linux"):
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG


@dataclass
class Service:
    name: str
    argv: Sequence[str]
    env: dict[str, str]
    process: subprocess.Popen[bytes] | None = None
    output: list[str] = field(default_factory=list)


class Stack:
    """Starts and stops the services; keeps the last lines each one printed."""

    def __init__(
        self,
        *,
        rasa_url: str,
        http_port: int,
        actions_port: int,
        model_path: Path,
        env: Mapping[str, str] | None = None,
        echo: bool = False,
    ) -> None:
        base = dict(os.environ if env is None else env)
        base["MOTCUA_RASA_URL"] = rasa_url
        base["MOTCUA_HTTP_PORT"] = str(http_port)
        base["MOTCUA_ACTIONS_PORT"] = str(actions_port)
        base["MOTCUA_ACTION_ENDPOINT"] = f"http://127.0.0.1:{actions_port}/webhook"
        rasa = urlsplit(rasa_url)
        self.echo = echo
        self.http_port = http_port
        self.services = [
            Service(
                "rasa",
                [
                    str(RASA),
                    "run",
                    "--enable-api",
                    "--model",
                    str(model_path),
                    "--endpoints",
                    str(ROOT / "nlu" / "endpoints.yml"),
                    "--credentials",
                    str(ROOT / "nlu" / "credentials.yml"),
                    "--interface",
                    rasa.hostname or "127.0.0.1",
                    "--port",
                    str(rasa.port or 5005),
                ],
                rasa_env(base),
            ),
            Service("actions", [str(APP_PYTHON), "-m", "actions"], base),
            Service("gateway", [str(APP_PYTHON), "-m", "bot"], base),
            # the worker also sends every reply the gateway queues
            Service("worker", [str(APP_PYTHON), "-m", "bot.cli", "reminders", "worker"], base),
        ]

    def start(self) -> None:
        # Each service gets its own process group: Ctrl-C reaches only this supervisor, which
        # stops each service once. (Sanic, under the action server, answers a second signal
        # by SIGKILLing its whole process group, which must not be ours.)
        for service in self.services:
            service.process = subprocess.Popen(
                service.argv,
                cwd=ROOT,
                env=service.env,
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                process_group=0,
                preexec_fn=_die_with_parent,
            )
            threading.Thread(target=self._pump, args=(service,), daemon=True).start()

    def _pump(self, service: Service) -> None:
        assert service.process is not None and service.process.stdout is not None
        for raw in service.process.stdout:
            line = raw.decode("utf-8", "replace").rstrip()
            service.output.append(line)
            del service.output[:-200]
            if self.echo:
                color = COLORS.get(service.name, "0")
                sys.stdout.write(f"\033[{color}m{service.name:>8} |\033[0m {line}\n")
                sys.stdout.flush()

    def dead(self) -> list[Service]:
        return [s for s in self.services if s.process is not None and s.process.poll() is not None]

    def wait_ready(self, timeout: float = 180.0) -> None:
        """Waits until the gateway's /healthz says ready (database, Redis, Rasa with a model)."""
        deadline = time.monotonic() + timeout
        url = f"http://127.0.0.1:{self.http_port}/healthz"
        while time.monotonic() < deadline:
            if self.dead():
                raise RuntimeError(self.describe_failure())
            try:
                if httpx.get(url, timeout=2).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.5)
        raise TimeoutError(f"not ready after {timeout:.0f} s\n" + self.describe_failure())

    def describe_failure(self) -> str:
        parts = []
        for s in self.services:
            code = s.process.poll() if s.process else None
            state = "running" if code is None else f"exited with {code}"
            parts.append(f"--- {s.name} ({state}):\n" + "\n".join(s.output[-25:]))
        return "\n".join(parts)

    def stop(self, timeout: float = 15.0) -> None:
        for s in self.services:
            if s.process and s.process.poll() is None:
                s.process.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + timeout
        for s in self.services:
            if s.process is None:
                continue
            try:
                s.process.wait(max(deadline - time.monotonic(), 0.1))
            except subprocess.TimeoutExpired:
                s.process.kill()
                s.process.wait()


def newest_model(models: Path) -> Path:
    found = sorted(models.glob("*.tar.gz"), key=lambda p: p.stat().st_mtime)
    if not found:
        raise FileNotFoundError(f"no trained model in {models}: run 'make train'")
    return found[-1]


def main() -> int:
    try:
        settings = load_settings()
    except SettingsError as exc:
        print(exc, file=sys.stderr)
        return 2
    # The database is brought to the current schema first (idempotent): every service needs it.
    from alembic import command

    from core.cli import alembic_config

    command.upgrade(alembic_config(settings.database_url), "head")
    stack = Stack(
        rasa_url=settings.rasa_url,
        http_port=settings.http_port,
        actions_port=settings.actions_port,
        model_path=newest_model(ROOT / "models"),
        echo=True,
    )
    stopping = threading.Event()

    def _stop(_signum: int, _frame: object) -> None:
        stopping.set()

    signal.signal(signal.SIGINT, _stop)
    signal.signal(signal.SIGTERM, _stop)
    stack.start()
    print("Starting Rasa, the action server, the gateway and the reminder worker…", flush=True)
    ready = False
    deadline = time.monotonic() + 300
    url = f"http://{settings.http_host}:{settings.http_port}/"
    while not stopping.is_set():
        if stack.dead():
            print(
                "\nA service stopped; stopping the others.\n" + stack.describe_failure(),
                file=sys.stderr,
            )
            stack.stop()
            return 1
        if not ready:
            try:
                ready = httpx.get(url + "healthz", timeout=2).status_code == 200
            except httpx.HTTPError:
                ready = False
            if ready:
                print(
                    f"\n  Một Cửa is ready. Chat here: {url}\n  (Ctrl-C stops everything)\n",
                    flush=True,
                )
            elif time.monotonic() > deadline:
                print(
                    f"Not ready after 300 s; see the logs above. Still trying {url}healthz",
                    flush=True,
                )
                deadline = float("inf")
        stopping.wait(1.0)
    print("\nStopping…", flush=True)
    stack.stop()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
