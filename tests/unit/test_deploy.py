"""The deployment files: docker-compose.yml validates, setup fails clearly, CI is `make test`."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

from tests.conftest import IN_CI

ROOT = Path(__file__).resolve().parents[2]
COMPOSE = yaml.safe_load((ROOT / "docker-compose.yml").read_text(encoding="utf-8"))
SECRETS = {"MOTCUA_POSTGRES_PASSWORD": "pw", "MOTCUA_ONESTOP_WEBHOOK_SECRET": "hmac"}


def compose_command() -> list[str]:
    if shutil.which("docker-compose"):
        return ["docker-compose"]
    if (
        shutil.which("docker")
        and subprocess.run(
            ["docker", "compose", "version"], capture_output=True, check=False
        ).returncode
        == 0
    ):
        return ["docker", "compose"]
    reason = "docker-compose is not installed (make setup installs it on Debian as root)"
    if IN_CI:
        pytest.fail(reason)
    pytest.skip(reason)


def run_config(env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("MOTCUA_")}
    return subprocess.run(
        [*compose_command(), "-f", str(ROOT / "docker-compose.yml"), "config", "-q"],
        cwd=ROOT, env=clean | env, capture_output=True, text=True, check=False,
    )  # fmt: skip


def test_compose_file_is_valid() -> None:
    result = run_config(SECRETS)
    assert result.returncode == 0, result.stderr


@pytest.mark.parametrize("missing", sorted(SECRETS))
def test_compose_refuses_to_start_without_a_required_secret(missing: str) -> None:
    result = run_config({k: v for k, v in SECRETS.items() if k != missing})
    assert result.returncode != 0
    assert missing in result.stderr


def test_compose_has_the_production_services_with_healthchecks() -> None:
    services = COMPOSE["services"]
    assert set(services) >= {"rasa", "actions", "gateway", "worker", "migrate", "postgres", "redis"}
    for name in ("rasa", "actions", "gateway", "postgres", "redis"):
        assert "healthcheck" in services[name], name
    assert services["migrate"]["restart"] == "no"
    assert services["migrate"]["command"] == ["motcua", "db", "upgrade"]


def test_setup_explains_how_to_get_python_310(tmp_path: Path) -> None:
    if any(Path(d, "python3.10").exists() for d in ("/usr/bin", "/bin")):
        pytest.skip("this machine has a system python3.10")
    env = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path)}
    result = subprocess.run(
        ["bash", "scripts/setup.sh", "rasa"], cwd=ROOT, env=env, capture_output=True, text=True,
        check=False,
    )  # fmt: skip
    assert result.returncode != 0
    assert "Python 3.10 not found" in result.stderr
    assert "pyenv install 3.10" in result.stderr


def test_ci_runs_exactly_make_test() -> None:
    lines = [
        line.strip()
        for line in (ROOT / ".ci" / "run").read_text().splitlines()
        if line.strip() and not line.startswith("#")
    ]
    assert lines[-1] == "make test"
