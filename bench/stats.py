"""Percentiles for benchmark reports."""

from __future__ import annotations

import numpy as np


def p50_p99(samples_ms: list[float]) -> tuple[float, float]:
    """Median and 99th percentile of a list of milliseconds."""
    arr = np.asarray(samples_ms, dtype=np.float64)
    return float(np.percentile(arr, 50)), float(np.percentile(arr, 99))
