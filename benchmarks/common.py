"""What every benchmark suite shares: the result shape of CONTRACT §8 and percentiles."""

from __future__ import annotations

from typing import Any

Metrics = dict[str, dict[str, Any]]


def metric(value: float, unit: str, *, lower_is_better: bool) -> dict[str, Any]:
    return {"value": round(value, 4), "unit": unit, "lower_is_better": lower_is_better}


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    k = (len(ordered) - 1) * p
    lo, hi = int(k), min(int(k) + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (k - lo)
