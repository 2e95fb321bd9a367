"""`make bench`: runs every benchmark and writes benchmarks/results/latest.json (CONTRACT §8).

Speed figures are compared with a baseline measured in the same run (ratios), since the
machines are shared and noisy; nothing here asserts a threshold.
"""

from __future__ import annotations

import importlib
import json
import os
import platform
import socket
import sys
from datetime import UTC, datetime
from pathlib import Path

RESULTS = Path(__file__).resolve().parent / "results"
# Each suite is a module benchmarks/<name>.py with run(free_port) -> {metric: value}.
SUITES = ("nlu", "search", "dossiers", "channels", "reminders")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def machine() -> str:
    return (
        f"{platform.node()} {platform.machine()} {os.cpu_count()} cores, "
        f"Python {platform.python_version()}"
    )


def main() -> int:
    from core.logging import configure_logging

    configure_logging(level="WARNING", fmt="console")  # the suites' own logs stay quiet
    results: dict[str, dict[str, object]] = {}
    names = sys.argv[1:] or list(SUITES)
    unknown = set(names) - set(SUITES)
    if unknown:
        print(f"unknown benchmark(s): {', '.join(sorted(unknown))}; known: {', '.join(SUITES)}")
        return 2
    for name in names:
        print(f"[bench] {name} …", flush=True)
        bench = importlib.import_module(f"benchmarks.{name}").run
        for metric, value in bench(free_port).items():
            results[metric] = value
            print(f"  {metric:50s} {value['value']:>12} {value['unit']}", flush=True)
    RESULTS.mkdir(parents=True, exist_ok=True)
    latest = RESULTS / "latest.json"
    if set(names) != set(SUITES) and latest.exists():
        # A partial run updates its own metrics and keeps the others' last figures.
        results = json.loads(latest.read_text())["results"] | results
    out = {"machine": machine(), "when": datetime.now(UTC).isoformat(), "results": results}
    (RESULTS / "latest.json").write_text(json.dumps(out, indent=2, ensure_ascii=False) + "\n")
    print(f"[bench] wrote {RESULTS / 'latest.json'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
