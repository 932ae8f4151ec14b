"""Taking over the leases of a process that died on this host, at once.

A lease normally comes back when it runs out (`lease_s`, a minute by default), which is how
another machine's crashed worker is recovered. A worker restarted on the same host need not
wait: worker ids are `host:pid:nonce`, so a lease held by this host's id whose process is
gone, or whose pid is ours but whose nonce is not (a restarted container keeps its pid), is
a dead process's (unless an open ledger of this process uses it), and its jobs are made due
again when a runner starts.
"""

from __future__ import annotations

import logging
import os
import socket

import psutil
from sqlalchemy import Connection

from runtime.instances import Ledger
from runtime.instances.ledger import LIVE_WORKERS

log = logging.getLogger("statewright.runner")


def dead_on_this_host(holders: list[str], me: str) -> list[str]:
    """The lease holders among `holders` that are processes of this host no longer running."""
    host, pid = socket.gethostname(), os.getpid()
    dead = []
    for holder in holders:
        parts = holder.rsplit(":", 2)
        if holder == me or len(parts) != 3 or parts[0] != host or not parts[1].isdigit():
            continue
        if holder in LIVE_WORKERS:
            continue
        if int(parts[1]) == pid or not psutil.pid_exists(int(parts[1])):
            dead.append(holder)
    return dead


def take_over_dead(ledger: Ledger) -> int:
    """Make the jobs of this host's dead workers due now; how many there were."""
    def work(conn: Connection) -> int:
        dead = dead_on_this_host(ledger.store.lease_holders(conn), ledger.worker_id)
        return ledger.store.take_over(conn, dead, ledger.clock.now()) if dead else 0

    taken = ledger.writer.submit(work)
    if taken:
        log.info("took over %d job(s) leased by stopped processes of this host", taken)
    return taken
