"""Several paired rounds of a side-by-side benchmark, summed up robustly.

On a shared, noisy machine one run of ours against one run of the peer can land either side
of a load spike, so the ratio swings several-fold between runs. Each round runs ours and then
the peer back to back; the rounds' ratios are paired in time and their median is the figure
reported, with the spread beside it.
"""

from __future__ import annotations

import statistics
from collections.abc import Callable
from typing import Any

# Faults counted over all rounds: a step recorded twice in any round matters.
_SUMMED = ("duplicates", "lost", "unfinished", "dbos_lost")


def paired_rounds(rounds: int, one_round: Callable[[], dict[str, Any]]) -> dict[str, Any]:
    """Run `one_round` `rounds` times; the median round's measurements, the faults summed
    over all rounds, each round's steps/s and ratio, and the median ratio as `ratio`."""
    results = [one_round() for _ in range(rounds)]
    if rounds == 1:
        return results[0]
    ordered = sorted(results, key=lambda r: r["steps_per_s"])
    combined = {**ordered[len(ordered) // 2], "rounds": rounds,
                "steps_per_s_rounds": [r["steps_per_s"] for r in results]}
    for key in _SUMMED:
        if all(key in r for r in results):
            combined[key] = sum(r[key] for r in results)
    ratios = [r["ratio"] for r in results if r.get("ratio") is not None]
    if ratios:
        combined.update(
            dbos_steps_per_s_rounds=[r.get("dbos_steps_per_s") for r in results],
            ratio_rounds=ratios, ratio=round(statistics.median(ratios), 2),
            ratio_min=min(ratios), ratio_max=max(ratios))
    return combined
