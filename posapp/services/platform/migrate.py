"""Schema migrations with Alembic, packaged inside posapp."""

from __future__ import annotations

from importlib import resources

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory

from posapp.services.platform.db import Database


def alembic_config(database: Database | None = None) -> Config:
    """Return an Alembic configuration pointing at posapp's packaged migrations."""
    config = Config()
    config.set_main_option("script_location", str(resources.files("posapp") / "migrations"))
    if database is not None:
        config.set_main_option(
            "sqlalchemy.url", database.url.render_as_string(hide_password=False).replace("%", "%%")
        )
    return config


def upgrade_database(database: Database, revision: str = "heads") -> None:
    """Bring the schema up to ``revision`` in one transaction."""
    config = alembic_config(database)
    with database.engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, revision)


def current_revision(database: Database) -> str | None:
    """Return the revision the database is at (None when it has no schema yet)."""
    with database.engine.connect() as connection:
        heads = sorted(MigrationContext.configure(connection).get_current_heads())
        return ",".join(heads) or None


def head_revision() -> str | None:
    """Return the newest revision the code knows (several heads are joined with commas)."""
    heads = sorted(ScriptDirectory.from_config(alembic_config()).get_heads())
    return ",".join(heads) or None
