"""Instance events as sentences people read ("Started by admin with amount 12,000", "Moved
from review to approved on approve", "Action check_credit failed: …"); the raw event stays
one click away on the page. Values of variables the viewer may not see read `***`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from designer.components.shown_values import shown
from runtime.core.events import Event
from shared.sensitivity import masked

LISTED = 3  # variables named in one sentence; the rest are counted


def sentence(event: Event, hidden: frozenset[str] = frozenset()) -> str:
    """`event` in plain words, with the values of `hidden` variables masked."""
    data = masked(event.data, hidden)
    who = event.actor or "system"
    say = _SENTENCES.get(event.type)
    text = say(data, who) if say else f"{event.type.replace('_', ' ').capitalize()} ({who})"
    branch = data.get("branch")
    return f"{text} (branch {branch})" if branch and event.type not in _BRANCHING else text


def _values(values: dict[str, Any] | None, joint: str = " ") -> str:
    """`amount 12,000, applicant Ada and 2 more`."""
    items = list((values or {}).items())
    named = [f"{name}{joint}{shown(value)}" for name, value in items[:LISTED]]
    more = len(items) - LISTED
    if more > 0:
        named.append(f"{more} more")
    if len(named) > 1:
        return ", ".join(named[:-1]) + " and " + named[-1]
    return "".join(named)


def _when(text: Any) -> str:
    """An ISO time as `2026-01-31 09:30` (UTC)."""
    return str(text)[:16].replace("T", " ") if text else "no time"


def _started(d: dict[str, Any], who: str) -> str:
    key = f" as {d['business_key']}" if d.get("business_key") else ""
    values = _values(d.get("variables"))
    return f"Started by {who}{key}" + (f" with {values}" if values else "")


def _transition(d: dict[str, Any], who: str) -> str:
    on = f" on {d['event']}" if d.get("event") else ""
    ended = f": the instance {d['status']}" if d.get("status") else ""
    if not d.get("from"):
        return f"Entered {d.get('to')}{on}{ended}"
    return f"Moved from {d.get('from')} to {d.get('to')}{on}{ended}"


def _failed(d: dict[str, Any], who: str) -> str:
    what = "Compensation" if d.get("compensation") else "Action"
    then = (f"; retry at {_when(d['retry_at'])}" if d.get("retry_at")
            else "; no retry left" if d.get("final") else "")
    return (f"{what} {d.get('action')} failed: {d.get('error') or 'no error given'} "
            f"(attempt {d.get('attempt')}{then})")


def _delegated(d: dict[str, Any], who: str) -> str:
    to = f"user {d['to_user']}" if d.get("to_user") else f"role {d.get('to_role')}"
    away = " while out of office" if d.get("reason") == "out_of_office" else ""
    return f"Task delegated by {who}{away} to {to}"


def _task_created(d: dict[str, Any], who: str) -> str:
    due = f", due {_when(d['due_at'])}" if d.get("due_at") else ""
    return f"Task for {d.get('role')} created ({d.get('priority') or 'normal'} priority{due})"


def _operator(verb: str) -> Callable[[dict[str, Any], str], str]:
    def say(d: dict[str, Any], who: str) -> str:
        return f"{verb} by {who}" + (f": {d['reason']}" if d.get("reason") else "")
    return say


def _moved(d: dict[str, Any], who: str) -> str:
    return (f"Moved by {who} from {d.get('from')} to {d.get('to')}"
            + (f": {d['reason']}" if d.get("reason") else ""))


def _migrated(d: dict[str, Any], who: str) -> str:
    return (f"Migrated by {who} from version {d.get('from_version')} to "
            f"{d.get('to_version')}" + (f": {d['reason']}" if d.get("reason") else ""))


def _erased(d: dict[str, Any], who: str) -> str:
    names = ", ".join(d.get("erased") or []) or "none"
    return (f"Sensitive values erased by {who} ({names})"
            + (f": {d['reason']}" if d.get("reason") else ""))


def _dlp(d: dict[str, Any], who: str) -> str:
    found = ", ".join(f"{f.get('variable')} ({f.get('kind')})" for f in d.get("findings") or [])
    return f"DLP {d.get('action') or 'flagged'} personal data from {d.get('source')}: {found}"


def _forked(d: dict[str, Any], who: str) -> str:
    branches = d.get("branches") or []
    return f"Forked at {d.get('fork')} into {len(branches)} branches: {', '.join(branches)}"


def _joined(d: dict[str, Any], who: str) -> str:
    return f"Joined {len(d.get('branches') or [])} branches at {d.get('join')}"


_SENTENCES: dict[str, Callable[[dict[str, Any], str], str]] = {
    "instance_started": _started,
    "transition": _transition,
    "variables_set": lambda d, who: f"Set {_values(d.get('values'), ' to ') or 'nothing'}",
    "action_started": lambda d, who: f"Action {d.get('action')} started "
                                     f"(attempt {d.get('attempt')})",
    "action_succeeded": lambda d, who: f"Action {d.get('action')} succeeded "
                                       f"(attempt {d.get('attempt')})",
    "action_failed": _failed,
    "timer_set": lambda d, who: f"Timer set: {d.get('event')} at {_when(d.get('due_at'))}",
    "timer_fired": lambda d, who: f"Timer fired: {d.get('event')}",
    "task_created": _task_created,
    "task_claimed": lambda d, who: f"Task claimed by {d.get('assignee') or who}",
    "task_unclaimed": lambda d, who: f"Task given back by {d.get('previous') or who}",
    "task_delegated": _delegated,
    "task_completed": lambda d, who: f"Task completed by {who} with {d.get('outcome')}",
    "task_escalated": lambda d, who: f"Task escalated from {d.get('from_role')} to "
                                     f"{d.get('to_role')} ({d.get('priority')} priority)",
    "subprocess_started": lambda d, who: f"Subprocess {d.get('definition')} "
                                         f"v{d.get('version')} started as "
                                         f"{str(d.get('child'))[:8]}",
    "subprocess_ended": lambda d, who: f"Subprocess {str(d.get('child'))[:8]} ended: "
                                       f"{d.get('status')}",
    "branches_started": _forked,
    "branches_joined": _joined,
    "incident": lambda d, who: f"Incident: {d.get('reason') or 'no reason recorded'}",
    "cancelled": lambda d, who: "Cancelled" + (f": {d['reason']}" if d.get("reason") else ""),
    "suspended": _operator("Suspended"),
    "resumed": _operator("Resumed"),
    "retried": _operator("Retried"),
    "moved": _moved,
    "migrated": _migrated,
    "rollback_requested": _operator("Rollback requested"),
    "erased": _erased,
    "dlp_flagged": _dlp,
    "compensation_started": lambda d, who: f"Compensation {d.get('action')} started for "
                                           f"{d.get('state')} (undoing event #{d.get('of_seq')})",
    "compensation_done": lambda d, who: f"Compensation {d.get('action')} done for "
                                        f"{d.get('state')}",
    "compensation_failed": lambda d, who: f"Compensation {d.get('action')} failed: "
                                          f"{d.get('error') or 'no error given'}",
}
# Their sentence already names the branches: no "(branch …)" after it.
_BRANCHING = frozenset({"branches_started", "branches_joined"})
