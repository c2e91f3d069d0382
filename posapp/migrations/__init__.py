"""Alembic migrations of the posapp schema (run by ``posapp db upgrade`` and at start-up)."""
