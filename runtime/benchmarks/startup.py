"""How long the CLI takes to start: `statewright --help` and `statewright validate FILE`,
each as a fresh process, against a bare interpreter (`python -c pass`) run the same way.

The overhead is the command's time minus the bare interpreter's, per percentile, so a busy
machine shifts both and the difference stays readable. Wall time waits on the other processes
of a busy machine; CPU time (user + system, from the child's rusage) is what the command itself
spends, so both are reported.
"""

from __future__ import annotations

import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

SAMPLE = Path(__file__).resolve().parents[2] / "assets" / "samples" / "loan-approval.json"


def run(runs: int = 15) -> dict[str, Any]:
    """Median and p95 wall time (ms) of each command, and its overhead over a bare interpreter."""
    cli = [sys.executable, "-m", "runtime.cli"]
    commands = {
        "bare": [sys.executable, "-c", "pass"],
        "help": [*cli, "--help"],
        "validate": [*cli, "validate", str(SAMPLE)],
    }
    wall: dict[str, list[float]] = {name: [] for name in commands}
    cpu: dict[str, list[float]] = {name: [] for name in commands}
    for _ in range(runs):  # interleaved, so a burst of load hits every command alike
        for name, argv in commands.items():
            used_before = _children_cpu_s()
            started = time.perf_counter()
            subprocess.run(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
            wall[name].append((time.perf_counter() - started) * 1000)
            cpu[name].append((_children_cpu_s() - used_before) * 1000)
    result: dict[str, Any] = {"runs": runs}
    for prefix, times in (("", wall), ("cpu_", cpu)):
        for name, values in times.items():
            result[f"{name}_{prefix}p50_ms"] = round(statistics.median(values), 1)
            result[f"{name}_{prefix}p95_ms"] = round(_p95(values), 1)
        for name in ("help", "validate"):
            result[f"{name}_{prefix}overhead_p50_ms"] = round(
                result[f"{name}_{prefix}p50_ms"] - result[f"bare_{prefix}p50_ms"], 1)
    return result


def _children_cpu_s() -> float:
    """User + system CPU seconds of every finished child so far (one runs at a time here)."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
