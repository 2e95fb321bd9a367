"""Kill -9 in the middle of traffic, with real processes: the gateway and the worker over one
SQLite file, a Rasa stand-in and an SMS gateway stand-in that counts every call per message id
(the benchmark's own harness, on a smaller run)."""

from __future__ import annotations

import pytest

from benchmarks.channels import bench_crash
from benchmarks.common import Metrics

pytestmark = pytest.mark.slow


def test_a_killed_gateway_loses_nothing_and_no_send_is_repeated() -> None:
    """The gateway makes no platform call, so its death leaves none in doubt."""
    results: Metrics = {}
    bench_crash(results, victim="gateway", n=600, kills=2, rate=150)
    assert results["crash_kills"]["value"] == 2
    assert results["crash_lost_messages"]["value"] == 0
    assert results["crash_duplicate_replies"]["value"] == 0
    assert results["crash_provider_repeats_same_key"]["value"] == 0


def test_a_killed_worker_loses_nothing_and_repeats_only_under_the_same_id() -> None:
    """A send in flight when the worker dies is made again after its lease, with the same id
    (which the SMS gateway drops); no reply goes out twice under two ids."""
    results: Metrics = {}
    bench_crash(results, victim="worker", n=600, kills=2, rate=150)
    assert results["crash_worker_kills"]["value"] == 2
    assert results["crash_worker_lost_messages"]["value"] == 0
    assert results["crash_worker_duplicate_replies"]["value"] == 0
