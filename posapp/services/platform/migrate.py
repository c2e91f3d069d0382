"""Schema migrations with Alembic, packaged inside posapp.

These functions take the SQLAlchemy ``Engine`` (``Database.engine``), not the ``Database``:
:func:`posapp.services.platform.db.open_database` migrates with them, so this module must not
import ``db`` back.
"""

from __future__ import annotations

from importlib import resources

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine


def alembic_config(engine: Engine | None = None) -> Config:
    """Return an Alembic configuration pointing at posapp's packaged migrations."""
    config = Config()
    config.set_main_option("script_location", str(resources.files("posapp") / "migrations"))
    if engine is not None:
        config.set_main_option(
            "sqlalchemy.url", engine.url.render_as_string(hide_password=False).replace("%", "%%")
        )
    return config


def upgrade_database(engine: Engine, revision: str = "heads") -> None:
    """Bring the schema up to ``revision`` in one transaction."""
    config = alembic_config(engine)
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, revision)


def current_revision(engine: Engine) -> str | None:
    """Return the revision the database is at (None when it has no schema yet)."""
    with engine.connect() as connection:
        heads = sorted(MigrationContext.configure(connection).get_current_heads())
        return ",".join(heads) or None


def head_revision() -> str | None:
    """Return the newest revision the code knows (several heads are joined with commas)."""
    heads = sorted(ScriptDirectory.from_config(alembic_config()).get_heads())
    return ",".join(heads) or None
