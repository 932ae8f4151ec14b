"""Version over version: did a new version of a definition make its cycle time, or the time in
one of its states, slower? A Mann-Whitney U test on the duration sketches of both versions.

The aggregates keep durations as log-scale histograms (`sketch`, buckets 10% wide), so the
samples arrive grouped: every duration in a bucket counts as a tie at the bucket's value.
U is computed from mid-ranks over the merged buckets, with the normal approximation, the tie
correction of its variance and a continuity correction, the same as the textbook formula
for the raw samples when no two durations share a bucket (ties inside a bucket make the test
slightly conservative). The p-values of one comparison (cycle time and each state) are
Holm-adjusted. A version is flagged slower when an adjusted p < `ALPHA` says the durations
moved up and the median grew by more than `MIN_SLOWDOWN` (twice the sketch's error).
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from itertools import pairwise
from typing import Any

from sqlalchemy import Connection

from runtime.analytics.queries import histograms_by_subject
from runtime.analytics.sketch import percentile, value_of

ALPHA = 0.05
MIN_SLOWDOWN = 1.10  # median ratio: sketches are exact to 4.76%
MIN_SAMPLES = 5  # per version, for a test at all


@dataclass(frozen=True)
class UTest:
    """Mann-Whitney U of `after` against `before`: `u` counts pairs where after > before
    (ties count half); `p` is two-sided; `prob_slower` = u / (n_before * n_after)."""

    u: float
    z: float
    p: float
    prob_slower: float


def mann_whitney(before: Iterable[tuple[float, int]], after: Iterable[tuple[float, int]]
                 ) -> UTest | None:
    """The test on grouped samples `(value, count)`; None when either side is empty or every
    value is the same (no ranking to test)."""
    a, b = _grouped(before), _grouped(after)
    n1, n2 = sum(a.values()), sum(b.values())
    if n1 == 0 or n2 == 0:
        return None
    n = n1 + n2
    rank_sum_b, below, ties = 0.0, 0, 0.0
    for value in sorted(a.keys() | b.keys()):
        group = a.get(value, 0) + b.get(value, 0)
        mid_rank = below + (group + 1) / 2
        rank_sum_b += mid_rank * b.get(value, 0)
        ties += group**3 - group
        below += group
    u = rank_sum_b - n2 * (n2 + 1) / 2
    mean = n1 * n2 / 2
    variance = n1 * n2 / 12 * ((n + 1) - ties / (n * (n - 1))) if n > 1 else 0.0
    if variance <= 0:
        return None
    shift = u - mean
    z = (shift - math.copysign(0.5, shift) if abs(shift) >= 0.5 else 0.0) / math.sqrt(variance)
    return UTest(u, z, min(1.0, math.erfc(abs(z) / math.sqrt(2))), u / (n1 * n2))


def holm(p_values: list[float]) -> list[float]:
    """Holm-Bonferroni adjusted p-values, in the input order."""
    order = sorted(range(len(p_values)), key=lambda i: p_values[i])
    adjusted, running = [0.0] * len(p_values), 0.0
    for rank, i in enumerate(order):
        running = max(running, min(1.0, (len(p_values) - rank) * p_values[i]))
        adjusted[i] = running
    return adjusted


@dataclass(frozen=True)
class Change:
    """One measure (cycle time or a state) of version `after` against version `before`."""

    subject: str  # "cycle" or a state id
    n_before: int
    n_after: int
    p50_before: float | None
    p50_after: float | None
    test: UTest | None
    p_adjusted: float | None

    @property
    def ratio(self) -> float | None:
        if not self.p50_before or self.p50_after is None:
            return None
        return self.p50_after / self.p50_before

    @property
    def slower(self) -> bool:
        return (self.test is not None and self.p_adjusted is not None
                and self.p_adjusted < ALPHA and self.test.prob_slower > 0.5
                and self.ratio is not None and self.ratio > MIN_SLOWDOWN)

    @property
    def faster(self) -> bool:
        return (self.test is not None and self.p_adjusted is not None
                and self.p_adjusted < ALPHA and self.test.prob_slower < 0.5
                and self.ratio is not None and self.ratio < 1 / MIN_SLOWDOWN)

    def to_json(self) -> dict[str, Any]:
        test = self.test
        return {"subject": self.subject, "n_before": self.n_before, "n_after": self.n_after,
                "p50_before": self.p50_before, "p50_after": self.p50_after,
                "ratio": self.ratio, "u": test.u if test else None,
                "z": test.z if test else None, "p": test.p if test else None,
                "p_adjusted": self.p_adjusted,
                "prob_slower": test.prob_slower if test else None,
                "slower": self.slower, "faster": self.faster}


@dataclass(frozen=True)
class VersionComparison:
    key: str
    before: int
    after: int
    changes: list[Change]  # cycle time first, then the states both versions visited

    @property
    def slower(self) -> bool:
        return any(c.slower for c in self.changes)

    def to_json(self) -> dict[str, Any]:
        return {"definition": self.key, "before": self.before, "after": self.after,
                "slower": self.slower, "changes": [c.to_json() for c in self.changes]}


def compare_versions(conn: Connection, key: str, versions: list[int], *,
                     since: datetime | None = None, until: datetime | None = None
                     ) -> list[VersionComparison]:
    """Each version against the one before it (of `versions`), newest first."""
    ordered = sorted(versions)
    sketches = {v: (histograms_by_subject(conn, "cycle", key, v, since, until).get("", []),
                    histograms_by_subject(conn, "state_time", key, v, since, until))
                for v in ordered}
    return [_compare(key, old, new, sketches[old], sketches[new])
            for old, new in reversed(list(pairwise(ordered)))]


def _compare(key: str, old: int, new: int, before: Any, after: Any) -> VersionComparison:
    subjects = [("cycle", before[0], after[0])] + [
        (state, before[1][state], after[1][state])
        for state in sorted(before[1].keys() & after[1].keys())]
    measured = []
    for subject, b, c in subjects:
        nb, nc = sum(n for _, n in b), sum(n for _, n in c)
        test = (mann_whitney(_values(b), _values(c))
                if nb >= MIN_SAMPLES and nc >= MIN_SAMPLES else None)
        measured.append((subject, nb, nc, percentile(b, 0.5), percentile(c, 0.5), test))
    tested = [m[5].p for m in measured if m[5] is not None]
    adjusted = iter(holm(tested))
    changes = [Change(s, nb, nc, pb, pc, test, next(adjusted) if test is not None else None)
               for s, nb, nc, pb, pc, test in measured]
    return VersionComparison(key, old, new, changes)


def _values(buckets: list[tuple[int, int]]) -> list[tuple[float, int]]:
    return [(value_of(bucket), n) for bucket, n in buckets]


def _grouped(samples: Iterable[tuple[float, int]]) -> dict[float, int]:
    out: dict[float, int] = {}
    for value, count in samples:
        if count > 0:
            out[value] = out.get(value, 0) + count
    return out
