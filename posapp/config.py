"""Where posapp keeps its data, which database it opens and what this register is called."""

from __future__ import annotations

import os
import socket
from dataclasses import dataclass
from pathlib import Path

import platformdirs

APP_NAME = "posapp"
ENV_DATABASE_URL = "POSAPP_DATABASE_URL"
ENV_DATA_DIR = "POSAPP_DATA_DIR"
ENV_REGISTER = "POSAPP_REGISTER"


def data_dir() -> Path:
    """Return the user's data folder for posapp (``POSAPP_DATA_DIR`` overrides it)."""
    override = os.environ.get(ENV_DATA_DIR)
    if override:
        return Path(override)
    return Path(platformdirs.user_data_dir(APP_NAME, appauthor=False))


def default_database_url() -> str:
    """Return the URL of the embedded SQLite database in the data folder."""
    return f"sqlite:///{data_dir() / 'posapp.sqlite3'}"


def register_name() -> str:
    """Return this register's name: ``POSAPP_REGISTER``, or the machine's host name."""
    return os.environ.get(ENV_REGISTER) or socket.gethostname() or "register"


@dataclass(frozen=True, slots=True)
class AppConfig:
    """What the application was started with."""

    database_url: str
    register: str
    demo_if_empty: bool = False


def resolve_config(database_url: str | None, *, demo_if_empty: bool = False) -> AppConfig:
    """Pick the database URL: the argument, then ``POSAPP_DATABASE_URL``, then embedded SQLite."""
    url = database_url or os.environ.get(ENV_DATABASE_URL) or default_database_url()
    return AppConfig(database_url=url, register=register_name(), demo_if_empty=demo_if_empty)
