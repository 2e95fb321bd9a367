"""`make bench`: runs every benchmark and writes benchmarks/results/latest.json (CONTRACT §8).

Speed figures are compared with a baseline measured in the same run (ratios), since the
machines are shared and noisy; nothing here asserts a threshold.
"""

from __future__ import annotations

import json
import os
import platform
import socket
import sys
from datetime import UTC, datetime
from pathlib import Path

from benchmarks import nlu

RESULTS = Path(__file__).resolve().parent / "results"


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
    results: dict[str, dict[str, object]] = {}
    for name, bench in (("nlu", nlu.run),):
        print(f"[bench] {name} …", flush=True)
        for metric, value in bench(free_port).items():
            results[metric] = value
            print(f"  {metric:50s} {value['value']:>12} {value['unit']}", flush=True)
    RESULTS.mkdir(parents=True, exist_ok=True)
    out = {"machine": machine(), "when": datetime.now(UTC).isoformat(), "results": results}
    (RESULTS / "latest.json").write_text(json.dumps(out, indent=2, ensure_ascii=False) + "\n")
    print(f"[bench] wrote {RESULTS / 'latest.json'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
