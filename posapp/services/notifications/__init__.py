"""Notifications: staff notifications by rules, the customer email outbox and the mailer."""
