"""The bodies sent for a notification: generic JSON, Slack, Microsoft Teams and e-mail.

Slack and Teams incoming webhooks take a message, not our data: Slack a `text` with Block
Kit `blocks`, Teams a `message` carrying an Adaptive Card; an e-mail a subject and a plain
text. The generic webhook gets the task (or alert) itself so a receiver can act on it.
"""

from __future__ import annotations

from typing import Any

HEADLINES = {
    "task_created": "New task",
    "task_delegated": "Task delegated",
    "task_escalated": "Task escalated",
    "task_overdue": "Task overdue",
}


def render(fmt: str, kind: str, task: dict[str, Any]) -> dict[str, Any]:
    """The JSON body of a `kind` notification about `task` in channel format `fmt`."""
    headline = f"{HEADLINES.get(kind, kind)}: {task['name']}"
    return render_message(fmt, kind, headline, _facts(task), {"task": task})


def render_message(fmt: str, kind: str, headline: str, facts: list[tuple[str, Any]],
                   data: dict[str, Any]) -> dict[str, Any]:
    """A headline and facts as a Slack, Teams or e-mail message; the generic webhook gets
    `data` (the task or the alert itself) so a receiver can act on it."""
    if fmt == "slack":
        lines = "\n".join(f"*{k}:* {v}" for k, v in facts)
        return {"text": headline, "blocks": [
            {"type": "header", "text": {"type": "plain_text", "text": headline[:150]}},
            {"type": "section", "text": {"type": "mrkdwn", "text": lines}},
        ]}
    if fmt == "teams":
        return {"type": "message", "attachments": [{
            "contentType": "application/vnd.microsoft.card.adaptive",
            "content": {
                "type": "AdaptiveCard", "version": "1.4",
                "$schema": "http://adaptivecards.io/schemas/adaptive-card.json",
                "body": [
                    {"type": "TextBlock", "text": headline, "weight": "Bolder", "size": "Medium",
                     "wrap": True},
                    {"type": "FactSet", "facts": [{"title": k, "value": str(v)} for k, v in facts]},
                ],
            },
        }]}
    if fmt == "email":
        text = "\n".join(f"{k}: {v}" for k, v in facts)
        return {"subject": headline[:200], "text": f"{headline}\n\n{text}\n"}
    return {"type": kind, **data}


def _facts(task: dict[str, Any]) -> list[tuple[str, Any]]:
    facts: list[tuple[str, Any]] = [
        ("Process", task["definition"]), ("Instance", task["instance_id"]),
        ("Role", task["role"]), ("Priority", task["priority"]),
    ]
    if task.get("assignee"):
        facts.append(("Assignee", task["assignee"]))
    if task.get("due_at"):
        facts.append(("Due", task["due_at"]))
    return facts
