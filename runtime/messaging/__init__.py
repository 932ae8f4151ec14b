"""Messaging: broker subscriptions start and move instances; an outbox publishes their changes.

See docs/messaging.md. Broker clients are imported only by the adapter that needs them.
"""
