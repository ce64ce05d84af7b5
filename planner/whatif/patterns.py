"""Load patterns: requests per second, one value per simulated second.

Built-in shapes, each between a ``base`` and a ``peak`` QPS over ``duration`` seconds:

- ``step``: ``base`` until 10 % of the duration, then ``peak`` to the end (one sudden increase).
- ``ramp``: ``base`` until 10 %, a straight line to ``peak`` at 60 %, then ``peak``.
- ``diurnal``: one day compressed into the duration, lowest at the start and end:
  ``base + (peak - base) * (1 - cos(2π t / duration)) / 2``.
- ``spike``: ``base``, with ``peak`` from 30 % of the duration for 5 % of it (3 minutes in an hour).

A trace is a CSV file with a header ``t_seconds,qps`` and rows sorted by time; the QPS of a row holds
until the next row (a step function), and the trace ends one second after its last row. QPS are finite and not
negative, and a run lasts at most :data:`MAX_SECONDS`.
"""

from __future__ import annotations

import csv
import math
from pathlib import Path

import numpy as np

PATTERNS = ("step", "ramp", "diurnal", "spike")

DEFAULT_DURATION = {"step": 3600, "ramp": 3600, "diurnal": 86400, "spike": 3600}
"""Seconds simulated per pattern: an hour, or a whole day for ``diurnal``."""
MAX_SECONDS = 31 * 86400
"""The longest run, a month of seconds: the series are per second."""


def pattern(name: str, base: float, peak: float, duration: int) -> np.ndarray:
    if name not in PATTERNS:
        raise ValueError(f"unknown pattern {name!r}; choose one of {', '.join(PATTERNS)}")
    x = np.arange(duration) / duration
    if name == "step":
        return np.where(x >= 0.1, peak, base).astype(float)
    if name == "ramp":
        return base + (peak - base) * np.clip((x - 0.1) / 0.5, 0.0, 1.0)
    if name == "diurnal":
        return base + (peak - base) * (1 - np.cos(2 * np.pi * x)) / 2
    return np.where((x >= 0.3) & (x < 0.35), peak, base).astype(float)


def read_trace(path: Path) -> np.ndarray:
    """A ``t_seconds,qps`` CSV as a per-second series; ValueError naming the file and line of a bad row."""
    with path.open(newline="", encoding="utf-8-sig") as handle:  # -sig: a spreadsheet's byte-order mark
        reader = csv.DictReader(handle)
        if reader.fieldnames is None or not {"t_seconds", "qps"} <= set(reader.fieldnames):
            raise ValueError(f"{path}: the header must be t_seconds,qps")
        rows = [_trace_row(path, reader.line_num, row) for row in reader]
    if not rows:
        raise ValueError(f"{path}: no rows")
    if any(b[0] <= a[0] for a, b in zip(rows, rows[1:])) or rows[0][0] < 0:
        raise ValueError(f"{path}: t_seconds must start at 0 or later and increase row by row")
    if rows[-1][0] >= MAX_SECONDS:
        raise ValueError(f"{path}: the trace lasts {rows[-1][0]:g} s, more than {MAX_SECONDS} (31 days)")
    series: list[float] = []
    end = int(rows[-1][0]) + 1
    row = 0
    for t in range(end):
        while row + 1 < len(rows) and rows[row + 1][0] <= t:
            row += 1
        series.append(rows[row][1] if rows[row][0] <= t else 0.0)
    return np.asarray(series, dtype=float)


def _trace_row(path: Path, line: int, row: dict) -> tuple[float, float]:
    try:
        t, qps = float(row["t_seconds"]), float(row["qps"])
    except (TypeError, ValueError):
        raise ValueError(f"{path} line {line}: t_seconds and qps must be numbers, got "
                         f"{row.get('t_seconds')!r} and {row.get('qps')!r}") from None
    if not (math.isfinite(t) and math.isfinite(qps)) or qps < 0:
        raise ValueError(f"{path} line {line}: t_seconds and qps must be finite and qps not negative, got {t:g} and {qps:g}")
    return t, qps
