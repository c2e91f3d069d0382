"""Notifications in the UI: the bell, toasts, the centre, rules and the email outbox."""
