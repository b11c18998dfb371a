"""The capacity forecast's arithmetic (docs/user-guide/capacity.md), apart from any data: a
log-linear growth fit on daily counts with a band from its residuals, occupancy as arrivals
convolved with a length of stay, the day capacity runs out, and the back-test (fit on the days
before D−7, project to D−1, compare).

1. Fit: log(y + 1) = a + b·t by least squares over the last N complete days (N = 7…14), t = 0…N−1.
   The daily growth is e^b − 1, the doubling (or halving) time ln 2 / |b|.
2. Projection h days ahead (t = N − 1 + h): ŷ = e^(a + b·t) − 1, and an 80 % band from the
   residuals' standard deviation s with the usual prediction-interval widening for a line,
   e^(a + b·t ± z·s·√(1 + 1/N + (t − t̄)² / Σ(t − t̄)²)) − 1, z = 1.2816.
3. Occupancy on day h: those in now who are still in (they leave evenly over one stay: the share
   max(0, 1 − h / L) remains) plus every projected arrival of the last L days (days h − L + 1 … h),
   L the length of stay in days. Computed for the projection and for each edge of the band.
4. Runs out: the first projected day whose occupancy exceeds the capacity (None within the horizon).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

Z80 = 1.2816  # two-sided 80 % band
MIN_DAYS = 7
MAX_DAYS = 14


@dataclass(frozen=True)
class Fit:
    a: float
    b: float
    n: int
    residual_sd: float
    t_mean: float
    t_ss: float

    @property
    def daily_growth(self) -> float:
        """e^b − 1: +0.25 is 25 % more each day."""
        return math.exp(self.b) - 1

    @property
    def doubling_days(self) -> float | None:
        """Days to double (b > 0) or halve (b < 0); None when flat."""
        return math.log(2) / abs(self.b) if abs(self.b) > 1e-9 else None

    def at(self, t: float) -> tuple[float, float, float]:
        """(low, expected, high) for day t of the fit's axis; never below 0."""
        centre = self.a + self.b * t
        spread = Z80 * self.residual_sd * math.sqrt(1 + 1 / self.n + ((t - self.t_mean) ** 2 / self.t_ss if self.t_ss else 0))
        return tuple(max(0.0, math.exp(v) - 1) for v in (centre - spread, centre, centre + spread))  # type: ignore[return-value]


def fit(counts: Sequence[int | float]) -> Fit:
    """Least squares of log(y + 1) on t over the last MAX_DAYS of `counts` (oldest first). Needs
    MIN_DAYS days; with fewer, ValueError."""
    ys = [math.log(max(0.0, float(y)) + 1) for y in list(counts)[-MAX_DAYS:]]
    n = len(ys)
    if n < MIN_DAYS:
        raise ValueError(f"need at least {MIN_DAYS} days, got {n}")
    ts = list(range(n))
    t_mean, y_mean = sum(ts) / n, sum(ys) / n
    t_ss = sum((t - t_mean) ** 2 for t in ts)
    b = sum((t - t_mean) * (y - y_mean) for t, y in zip(ts, ys, strict=True)) / t_ss
    a = y_mean - b * t_mean
    residuals = [y - (a + b * t) for t, y in zip(ts, ys, strict=True)]
    sd = math.sqrt(sum(r * r for r in residuals) / (n - 2)) if n > 2 else 0.0
    return Fit(a, b, n, sd, t_mean, t_ss)


@dataclass(frozen=True)
class Projection:
    """Daily arrivals for days 1…horizon after the last day fitted: expected and the band."""

    low: list[float]
    expected: list[float]
    high: list[float]


def project(f: Fit, horizon: int) -> Projection:
    rows = [f.at(f.n - 1 + h) for h in range(1, horizon + 1)]
    return Projection([r[0] for r in rows], [r[1] for r in rows], [r[2] for r in rows])


def occupancy(current: float, arrivals: Sequence[float], stay_days: float) -> list[float]:
    """People in on each day 1…len(arrivals): those in now still in (leaving evenly over one stay)
    plus the arrivals of the last `stay_days` days (a day's arrivals stay `stay_days` days, the day
    of arrival counted)."""
    stay = max(1, round(stay_days))
    out = []
    for h in range(1, len(arrivals) + 1):
        remaining = current * max(0.0, 1 - h / stay)
        recent = sum(arrivals[k] for k in range(max(0, h - stay), h))
        out.append(remaining + recent)
    return out


def runs_out(need: Sequence[float], capacity: float) -> int | None:
    """The first day (1-based) whose need exceeds the capacity, or None."""
    for h, value in enumerate(need, start=1):
        if value > capacity:
            return h
    return None


@dataclass(frozen=True)
class BackTest:
    """Fitted on the days before the cut, projected over the days after it, and compared with what happened."""

    projected: Projection
    actual: list[int]

    @property
    def within_band(self) -> int:
        return sum(1 for lo, hi, y in zip(self.projected.low, self.projected.high, self.actual, strict=True) if lo <= y <= hi)

    @property
    def mean_abs_error(self) -> float:
        return sum(abs(e - y) for e, y in zip(self.projected.expected, self.actual, strict=True)) / max(1, len(self.actual))

    @property
    def total_error(self) -> float | None:
        """(projected total − actual total) / actual total over the days tested; None if none happened."""
        actual = sum(self.actual)
        return (sum(self.projected.expected) - actual) / actual if actual else None


def back_test(counts: Sequence[int], horizon: int = 7) -> BackTest:
    """`counts` oldest first, ending with the last complete day: fit on everything before the last
    `horizon` days (at most MAX_DAYS of them), project `horizon` days, compare with the last `horizon`."""
    history, actual = list(counts[:-horizon]), list(counts[-horizon:])
    return BackTest(project(fit(history), horizon), actual)
