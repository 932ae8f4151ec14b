"""What the aggregate updater last wrote of each instance it follows, kept between batches.

It spares a batch its read of `analytics_instances`. An entry is used only when the instance's
next event is the one right after the last it folded: an instance's events are appended one
after another under its row lock, so then nobody else has folded one since (not another
process, and not a batch that rolled back, whose events never landed and are appended again
with the same numbers). Any other instance is read from the table as before.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from runtime.analytics.tracked import Tracked

KEPT = 20_000  # instances remembered; the least recently changed are forgotten first
Read = Callable[[list[str]], dict[str, Tracked]]


class Followed:
    def __init__(self, kept: int = KEPT) -> None:
        self._kept = kept
        self._known: OrderedDict[str, tuple[int, Tracked]] = OrderedDict()
        self._lock = threading.Lock()  # writers of several threads share one updater

    def recall(self, rows: Sequence[Mapping[str, Any]], read: Read
               ) -> tuple[dict[str, Tracked], dict[str, int]]:
        """Where each instance of `rows` stood before them (remembered, else from `read`),
        and the seq of its last event in `rows`."""
        first_seq: dict[str, int] = {}
        last_seq: dict[str, int] = {}
        for row in rows:
            first_seq.setdefault(row["instance_id"], row["seq"])
            last_seq[row["instance_id"]] = row["seq"]
        tracked: dict[str, Tracked] = {}
        with self._lock:
            for iid, seq in first_seq.items():
                known = self._known.get(iid)
                if known is not None and known[0] == seq - 1:
                    tracked[iid] = known[1]
        unknown = sorted(iid for iid, seq in first_seq.items()
                         if seq > 1 and iid not in tracked)  # seq 1: it starts in `rows`
        if unknown:
            tracked.update(read(unknown))
        return tracked, last_seq

    def remember(self, written: dict[str, tuple[int, Tracked]]) -> None:
        """Keep what was just written: `{instance: (last seq folded, its state)}`."""
        for _, who in written.values():
            who.had_task = who.task is not None  # as the write left its task row
        with self._lock:
            self._known.update(written)
            for iid in written:
                self._known.move_to_end(iid)
            while len(self._known) > self._kept:
                self._known.popitem(last=False)
