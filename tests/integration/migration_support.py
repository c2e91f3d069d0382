"""Migration tests: a database as it stood just before one revision, whatever came after it."""

from __future__ import annotations

from alembic.script import ScriptDirectory
from sqlalchemy import Engine

from posapp.services.platform.migrate import alembic_config
from posapp.services.platform.migrate import upgrade_database as upgrade


def upgrade_all_but(engine: Engine, revision: str) -> None:
    """Upgrade to every revision that does not need ``revision``, oldest first.

    Later branches stay applied (the tree has several heads), but nothing built on ``revision``
    can pull it in early: "every head but this one" did, once a later revision revised it.
    """
    script = ScriptDirectory.from_config(alembic_config())
    for candidate in reversed([r.revision for r in script.walk_revisions()]):
        if revision not in {r.revision for r in script.iterate_revisions(candidate, "base")}:
            upgrade(engine, candidate)
