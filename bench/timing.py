"""Timing shared by the benchmarks: warm up, repeat, and read p50 and p95 off the samples."""

import statistics
import time
from collections.abc import Callable
from typing import Any


def percentiles(samples: list[float]) -> tuple[float, float]:
    """(p50, p95) of the samples (one sample: itself twice)."""
    if len(samples) == 1:
        return samples[0], samples[0]
    return statistics.median(samples), statistics.quantiles(samples, n=20, method="inclusive")[18]


def timed(call: Callable[[], Any], *, repeat: int) -> list[float]:
    """Warm up (three calls, fewer when slow), then `repeat` timed calls in ms."""
    spent = 0.0
    for _ in range(3):
        t = time.perf_counter()
        call()
        spent += time.perf_counter() - t
        if spent > 2:
            break
    samples = []
    for _ in range(repeat):
        t = time.perf_counter()
        call()
        samples.append((time.perf_counter() - t) * 1000)
    return samples
