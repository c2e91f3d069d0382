"""Errors a service raises for the UI or CLI to show: each message is for a person to read."""

from __future__ import annotations


class ServiceError(Exception):
    """Base of every error a user may see; ``str(error)`` is a clear one-line message."""


class ValidationError(ServiceError):
    """What the user entered cannot be accepted."""


class NotFoundError(ServiceError):
    """The object asked for does not exist."""


class ConflictError(ServiceError):
    """Someone else changed the object first, or a unique value is taken."""


class PermissionDeniedError(ServiceError):
    """The acting user's role does not allow this action."""


class AuthenticationError(ServiceError):
    """Log-in failed; the message never says whether the user exists."""


class DatabaseError(ServiceError):
    """The database could not be opened, migrated or reached."""
