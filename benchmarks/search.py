"""Procedure search benchmarks, over all procedures of the national database.

- top-1 and top-3 accuracy on tests/fixtures/procedure_queries.yml, and top-1 on the queries
  typed without diacritics (``fold(q) == q.lower()``);
- latency of ``ProcedureSearch.search`` p50/p99 over every query, several rounds, after one
  warm-up round (the index's correction caches are per process, as in the app);
- time to build the index from the entries (reading the files not included).

The data is looked for in ``MOTCUA_SHARED_DATA`` or ``../shared/data`` beside the clone;
without it the benchmark returns no metrics.
"""

from __future__ import annotations

import json
import os
import statistics
import time
from pathlib import Path
from typing import Any

import yaml

from benchmarks.common import Metrics, metric, percentile
from core.procedures.search import ProcedureSearch, SearchEntry, entries_from_raw
from nlu.text import fold

ROOT = Path(__file__).resolve().parents[1]
QUERIES = ROOT / "tests" / "fixtures" / "procedure_queries.yml"
ROUNDS = 5
BUILDS = 3


def shared_data() -> Path:
    return Path(os.environ.get("MOTCUA_SHARED_DATA") or ROOT / ".." / "shared" / "data")


def load_entries(data: Path) -> list[SearchEntry]:
    popularity_file = data / "dichvucong-popularity" / "congdan_top1000.json"
    popularity = {
        row["TTHC_MA"]: int(row["WEIGHT"])
        for row in json.loads(popularity_file.read_text(encoding="utf-8"))
    }
    return entries_from_raw(data / "dichvucong-2026" / "raw", popularity)


def load_queries() -> list[tuple[str, set[str]]]:
    items = yaml.safe_load(QUERIES.read_text(encoding="utf-8"))["queries"]
    return [
        (item["q"], {item["expect"]} if isinstance(item["expect"], str) else set(item["expect"]))
        for item in items
    ]


def run(free_port: Any = None) -> Metrics:
    data = shared_data()
    if not (data / "dichvucong-2026" / "raw").is_dir():
        print(f"[bench] search: no national procedure database at {data}; skipped")
        return {}
    entries = load_entries(data)
    queries = load_queries()

    builds = []
    for _ in range(BUILDS):
        started = time.perf_counter()
        search = ProcedureSearch(entries)
        builds.append((time.perf_counter() - started) * 1000)

    top1 = top3 = plain = plain_top1 = 0
    for query, codes in queries:  # also the warm-up round
        found = [hit.code for hit in search.search(query, limit=3)]
        hit1 = bool(found) and found[0] in codes
        top1 += hit1
        top3 += bool(codes.intersection(found))
        if fold(query) == query.lower():
            plain += 1
            plain_top1 += hit1

    latencies = []
    for _ in range(ROUNDS):
        for query, _ in queries:
            started = time.perf_counter()
            search.search(query)
            latencies.append((time.perf_counter() - started) * 1000)

    n = len(queries)
    return {
        "procedure_search_top1_accuracy": metric(top1 / n, "ratio", lower_is_better=False),
        "procedure_search_top1_accuracy_no_diacritics": metric(
            plain_top1 / max(plain, 1), "ratio", lower_is_better=False
        ),
        "procedure_search_top3_accuracy": metric(top3 / n, "ratio", lower_is_better=False),
        "procedure_search_p50_ms": metric(statistics.median(latencies), "ms", lower_is_better=True),
        "procedure_search_p99_ms": metric(percentile(latencies, 0.99), "ms", lower_is_better=True),
        "procedure_search_build_ms": metric(statistics.median(builds), "ms", lower_is_better=True),
    }


if __name__ == "__main__":
    for name, value in run().items():
        print(f"  {name:50s} {value['value']:>12} {value['unit']}")
