"""Task notifications: an outbox written with the task change, delivered with retries.

Channels are configured per task role or per definition (`statewright tasks channel-add`,
`POST /api/v1/notification-channels`); formats are a generic JSON webhook, Slack and
Microsoft Teams incoming webhooks.
"""

from runtime.people.notifications.delivery import DELIVERY_HEADER, deliver_due
from runtime.people.notifications.outbox import enqueue
from runtime.people.notifications.settings import (
           add_channel,
           list_channels,
           list_outbox,
           remove_channel,
)

__all__ = ["DELIVERY_HEADER", "add_channel", "deliver_due", "enqueue", "list_channels",
           "list_outbox", "remove_channel"]
