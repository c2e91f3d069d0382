"""The catalog's SQLite search index kept in step a batch at a time during a CSV import."""

from __future__ import annotations

from posapp.services.platform.uow import UnitOfWork

__all__ = ["ImportSearchIndex"]


class ImportSearchIndex:
    """On SQLite, keeps ``products_fts`` in step a batch at a time during an import.

    The FTS5 triggers (migrations 0004a, 0012) work row by row, and FTS5 writes its pending
    terms out at every statement savepoint, so 100,000 imported rows would make 100,000 tiny index
    segments to merge (about two thirds of the import's time). Inside the import's own
    transaction the insert and update triggers are dropped, the index is fed with one
    statement per batch, and the triggers are put back before the commit. DDL is
    transactional in SQLite: a failed or cancelled import rolls back to the same triggers.
    PostgreSQL maintains its trigram index itself: nothing to do there.
    """

    _TRIGGERS = ("products_fts_ai", "products_fts_au")

    def __init__(self, uow: UnitOfWork) -> None:
        self.uow = uow
        self.saved: dict[str, str] = {}
        if uow.session.get_bind().dialect.name != "sqlite":
            return
        connection = uow.session.connection()
        rows = connection.exec_driver_sql(
            "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND name IN (?, ?)",
            self._TRIGGERS,
        ).all()
        for name, sql in rows:
            connection.exec_driver_sql(f'DROP TRIGGER "{name}"')
            self.saved[str(name)] = str(sql)

    def forget(self, ids: list[int]) -> None:
        """Take rows out of the index before they change (external content: their old text)."""
        if "products_fts_au" not in self.saved or not ids:
            return
        marks = ", ".join("?" for _unused in ids)
        self.uow.session.connection().exec_driver_sql(
            "INSERT INTO products_fts(products_fts, rowid, name, sku, search_keys) "
            f"SELECT 'delete', id, name, sku, search_keys FROM products WHERE id IN ({marks})",
            tuple(ids),
        )

    def add(self, ids: list[int], *, updated: bool = False) -> None:
        """Index the current names and SKUs of ``ids``."""
        trigger = "products_fts_au" if updated else "products_fts_ai"
        if trigger not in self.saved or not ids:
            return
        marks = ", ".join("?" for _unused in ids)
        self.uow.session.connection().exec_driver_sql(
            "INSERT INTO products_fts(rowid, name, sku, search_keys) "
            f"SELECT id, name, sku, search_keys FROM products "
            f"WHERE id IN ({marks})",
            tuple(ids),
        )

    def restore(self) -> None:
        """Put the triggers back (before the commit)."""
        connection = self.uow.session.connection()
        for sql in self.saved.values():
            connection.exec_driver_sql(sql)
        self.saved = {}
