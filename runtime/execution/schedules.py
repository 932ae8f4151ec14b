"""Cron-started processes: a definition's `schedule` starts an instance of its latest version.

APScheduler holds one cron job per scheduled definition (re-read every `sync_s`, so a new
version's schedule takes over). Each firing starts the latest fire time not later than now,
with the idempotency key `sched-{key}-{time}`; so a firing that two `serve` processes both
make, or that is repeated, starts one instance. At start-up the same call catches up a run
missed while no process was up (once: only the latest missed time, and never one from before
the version was published).
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol

from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.cron import CronTrigger

from runtime.core.clock import Clock
from runtime.core.errors import EngineError
from runtime.core.views import DefinitionSummary, DefinitionVersion

log = logging.getLogger("statewright.schedules")
SCHEDULER_ACTOR = "scheduler"
LOOKBACK = (timedelta(hours=1), timedelta(days=1), timedelta(days=31), timedelta(days=366))


class Publications(Protocol):
    """What schedules need: the published definitions, and a way to start an instance."""

    clock: Clock

    def definitions(self) -> list[DefinitionSummary]: ...

    def version(self, key: str, version: int | None = None) -> DefinitionVersion: ...

    def start(self, key: str, variables: dict[str, Any] | None = None, actor: str | None = None,
              version: int | None = None, idempotency_key: str | None = None,
              business_key: str | None = None) -> str: ...


class ScheduleInvalid(EngineError):
    code = "schedule-invalid"
    status = 422


def cron_trigger(expression: str) -> CronTrigger:
    """The trigger of a 5-field cron expression (UTC); `ScheduleInvalid` names what is wrong."""
    try:
        return CronTrigger.from_crontab(expression, timezone=UTC)
    except (ValueError, TypeError) as exc:
        raise ScheduleInvalid(f"schedule {expression!r} is not a cron expression "
                              f"(minute hour day month weekday): {exc}") from None


def latest_fire_time(trigger: CronTrigger, since: datetime, now: datetime) -> datetime | None:
    """The last time `trigger` fires in (since, now], or None."""
    for window in LOOKBACK:
        start = max(since, now - window)
        moment = trigger.get_next_fire_time(None, start)
        if moment is not None and moment <= start:  # `start` itself is not "after since"
            moment = trigger.get_next_fire_time(moment, start + timedelta(seconds=1))
        if moment is None or moment > now:
            if start == since:
                return None
            continue
        latest = moment
        while True:
            moment = trigger.get_next_fire_time(latest, latest + timedelta(seconds=1))
            if moment is None or moment > now:
                return latest
            latest = moment
    return None


def run_key(key: str, moment: datetime) -> str:
    return f"sched-{key}-{moment.astimezone(UTC).strftime('%Y%m%dT%H%M%SZ')}"


def start_due(engine: Publications, key: str) -> str | None:
    """Start the latest due run of `key`'s schedule (a no-op if it started); its instance id."""
    version = engine.version(key)
    expression = version.document.get("schedule")
    if not expression:
        return None
    now = engine.clock.now()
    moment = latest_fire_time(cron_trigger(expression), version.published_at, now)
    if moment is None:
        return None
    iid = engine.start(key, {}, actor=SCHEDULER_ACTOR, idempotency_key=run_key(key, moment))
    log.info("schedule %r of %s: run of %s is instance %s", expression, key,
             moment.isoformat(), iid)
    return iid


class Schedules:
    """The APScheduler side of `serve`: one cron job per scheduled definition."""

    def __init__(self, engine: Publications, sync_s: float = 30.0) -> None:
        self.engine = engine
        self.scheduler = BackgroundScheduler(timezone=UTC)
        self.sync_s = sync_s
        self._crons: dict[str, str] = {}

    def start(self) -> Schedules:
        self.sync()
        self.scheduler.add_job(self.sync, "interval", seconds=self.sync_s, id="schedules-sync",
                               coalesce=True, max_instances=1)
        self.scheduler.start()
        return self

    def stop(self) -> None:
        if self.scheduler.running:
            self.scheduler.shutdown(wait=False)

    def sync(self) -> None:
        """Match the cron jobs to the latest versions' schedules, catching up missed runs."""
        wanted: dict[str, str] = {}
        for summary in self.engine.definitions():
            expression = self.engine.version(summary.key).document.get("schedule")
            if expression:
                wanted[summary.key] = expression
        for key in set(self._crons) - set(wanted):
            self.scheduler.remove_job(f"schedule:{key}")
            del self._crons[key]
        for key, expression in wanted.items():
            if self._crons.get(key) == expression:
                continue
            try:
                trigger = cron_trigger(expression)
            except ScheduleInvalid as exc:
                log.warning("definition %s: %s; not scheduled", key, exc.message)
                continue
            self.scheduler.add_job(self._fire, trigger, args=[key], id=f"schedule:{key}",
                                   replace_existing=True, coalesce=True, max_instances=1,
                                   misfire_grace_time=None)
            self._crons[key] = expression
            self._fire(key)  # a run missed while no process was up starts now, once

    def jobs(self) -> dict[str, str]:
        """Scheduled definition keys and their cron expressions."""
        return dict(self._crons)

    def _fire(self, key: str) -> None:
        try:
            start_due(self.engine, key)
        except EngineError as exc:
            log.warning("scheduled start of %s failed: %s", key, exc.message)
