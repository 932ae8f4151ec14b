"""The bodies sent for a task notification: generic JSON, Slack and Microsoft Teams.

Slack and Teams incoming webhooks take a message, not our data: Slack a `text` with Block
Kit `blocks`, Teams a `message` carrying an Adaptive Card. The generic webhook gets the
task itself so a receiver can act on it.
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
    facts = _facts(task)
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
    return {"type": kind, "task": task}


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
