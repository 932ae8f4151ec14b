"""Task notifications: an outbox written with the task change, delivered with retries.

Channels are configured per task role or per definition (`statewright tasks channel-add`,
`POST /api/v1/notification-channels`); formats are a generic JSON webhook, Slack and
Microsoft Teams incoming webhooks.
"""

from runtime.notifications.delivery import DELIVERY_HEADER, deliver_due
from runtime.notifications.outbox import add_channel, channels, enqueue, outbox_rows, remove_channel

__all__ = ["DELIVERY_HEADER", "add_channel", "channels", "deliver_due", "enqueue", "outbox_rows",
           "remove_channel"]
