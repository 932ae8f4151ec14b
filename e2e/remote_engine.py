"""A second process on a server's database, as a `statewright worker` is: its own Engine and
Runner, and the one action `remote_check` that the server does not have.

    python remote_engine.py DB INSTANCE EVENT

sends EVENT to INSTANCE (so this process schedules the action job and wakes its runner as
soon as that is committed), waits until the action's outcome is committed and prints, as
JSON, the instance's state, this process's pid, the attempt that succeeded and the
wall-clock time of that commit.
"""

from __future__ import annotations

import json
import os
import sys
import threading
import time

from runtime import ActionContext, Engine, Runner
from runtime.store.changes import Change


def main(db: str, instance_id: str, event: str) -> None:
    with Engine(db) as engine:
        moved = threading.Event()
        committed: list[float] = []
        attempts: list[int] = []

        @engine.action("remote_check")
        def check(ctx: ActionContext) -> dict[str, str]:
            attempts.append(ctx.attempt)
            return {"checked_by": f"process {os.getpid()}"}

        def heard(change: Change) -> None:  # on the writer thread, right after the commit
            if change.instance_id == instance_id and "action_succeeded" in change.event_types:
                committed.append(time.time())
                moved.set()

        engine.changes.subscribe(heard)
        runner = Runner(engine, poll_s=0.2).start()
        try:
            engine.send(instance_id, event, actor="remote")
            engine.job_scheduled.set()  # the job is committed now: lease it at once
            if not moved.wait(30):
                sys.exit(f"the action of {instance_id} did not complete within 30 s")
        finally:
            runner.stop()
        print(json.dumps({"pid": os.getpid(), "state": engine.get(instance_id).state,
                          "attempt": attempts[-1], "committed_at": committed[0]}))


if __name__ == "__main__":
    main(*sys.argv[1:4])
