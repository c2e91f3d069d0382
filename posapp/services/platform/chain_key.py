"""The audit chain's secret key, kept outside the database, and where the anchors of a database go.

The audit log's rows are chained by HMAC-SHA256 under this key: whoever can write the database
but not read the key cannot re-hash rows after editing one. The key is, in order:

1. the ``POSAPP_AUDIT_KEY`` environment variable (at least 32 characters), which every register
   of a shop on PostgreSQL sets to the same secret;
2. a file: ``audit.key`` in posapp's data folder, made on first need (0600); a SQLite database
   file may carry its own, ``<database>.audit-key`` (``posapp backup`` copies the key beside
   the backup; ``restore`` puts it beside the database when it differs).

Anchors (the chain's head written down at a moment: row count and hash) go to an append-only
text file: ``posapp.sqlite3.anchors`` beside a SQLite database, else
``audit-anchors-<database name>.txt`` in the data folder.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import hmac
import os
import re
import secrets
import tempfile
from pathlib import Path

from sqlalchemy.engine import URL

from posapp.config import data_dir
from posapp.i18n import _
from posapp.services.platform.errors import DatabaseError
from posapp.services.platform.private import FILE_MODE, make_private_folder

__all__ = [
    "ENV_AUDIT_KEY",
    "MIN_KEY_CHARS",
    "anchor_path",
    "chain_key",
    "derived_key",
    "forget_key",
    "key_id",
    "key_path",
    "load_key",
    "own_key_path",
]

ENV_AUDIT_KEY = "POSAPP_AUDIT_KEY"
_KEPT = re.compile(r"(.+)\.before-restore-(\w+)")
MIN_KEY_CHARS = 32
_KEY_BYTES = 32


def _sqlite_file(url: URL) -> Path | None:
    name = url.database
    if url.get_backend_name() != "sqlite" or not name or name == ":memory:":
        return None
    return None if name.startswith("file:") else Path(name)


def own_key_path(database: Path) -> Path:
    """The key file that travels with a SQLite database file: ``<database>.audit-key``.

    A backup carries its key so; a restore puts it beside the database when it differs from the
    data folder's. A copy kept by a restore (``….before-restore-<time>``) has the key its
    database had then, set aside by the restore as ``….audit-key.before-restore-<time>``.
    """
    kept = _KEPT.fullmatch(database.name)
    if kept is None:
        return database.with_name(database.name + ".audit-key")
    return database.with_name(f"{kept[1]}.audit-key.before-restore-{kept[2]}")


def key_path(url: URL) -> Path:
    """Where the key file of the database at ``url`` is (used without ``POSAPP_AUDIT_KEY``).

    A SQLite file's own key (:func:`own_key_path`) if it has one, else ``audit.key`` in
    posapp's data folder, which every database of this user shares (copies of a database on the
    machine need nothing else).
    """
    file = _sqlite_file(url)
    if file is not None:
        own = own_key_path(file)
        if own.is_file():
            return own
        kept = _KEPT.fullmatch(file.name)
        if kept is not None:
            return key_path(url.set(database=str(file.with_name(kept[1]))))
    return data_dir() / "audit.key"


def anchor_path(url: URL) -> Path:
    """The default anchor file of the database at ``url``."""
    file = _sqlite_file(url)
    if file is not None:
        return file.with_name(file.name + ".anchors")
    name = "".join(c if c.isalnum() or c in "-_" else "_" for c in url.database or "posapp")
    return data_dir() / f"audit-anchors-{name}.txt"


@functools.lru_cache(maxsize=16)
def key_id(key: bytes) -> str:
    """A short fingerprint of ``key`` that tells two keys apart without revealing either.

    Kept per key: every append checks it against the chain's header (two HMACs a sale, #23).
    """
    return hmac.new(key, b"posapp audit key id", hashlib.sha256).hexdigest()[:16]


def _read(path: Path) -> bytes:
    text = path.read_text(encoding="ascii").strip()
    try:
        key = bytes.fromhex(text)
    except ValueError:
        key = b""
    if len(key) < _KEY_BYTES:
        raise DatabaseError(
            _("The audit key file {path} is damaged (it needs 64 hex digits).").format(path=path)
        )
    return key


def _create(path: Path) -> bytes:
    """Write a new random key to ``path`` (0600) unless another process just did; return it."""
    make_private_folder(path.parent)
    handle, name = tempfile.mkstemp(prefix=".audit-key-", dir=path.parent)
    temporary = Path(name)
    try:
        with os.fdopen(handle, "w", encoding="ascii") as out:
            out.write(secrets.token_hex(_KEY_BYTES) + "\n")
        os.chmod(temporary, FILE_MODE)
        with contextlib.suppress(FileExistsError):  # another process made it first: use theirs
            os.link(temporary, path)  # appears complete, and never replaces another's key
    finally:
        temporary.unlink(missing_ok=True)
    return _read(path)


_KEYS: dict[str, bytes] = {}


def chain_key(url: URL, wanted_id: str | None, *, create: bool) -> bytes | None:
    """The key to chain the database at ``url`` with, kept per database for the process.

    A database keeps the key it was first used with while the process runs (a test that moves
    the data folder, a register whose variable changes); when ``wanted_id`` (the chain header's
    key fingerprint) differs from it the key is looked up again.

    Raises:
        DatabaseError: see :func:`load_key`.
    """
    name = url.render_as_string(hide_password=True)
    key = _KEYS.get(name)
    if key is None or (wanted_id is not None and key_id(key) != wanted_id):
        found = load_key(url, create=create)
        if found is None:
            return key
        key = _KEYS[name] = found
    return key


def derived_key(url: URL, purpose: str) -> bytes:
    """A secret for ``purpose`` derived from the audit key of the database at ``url``.

    The same for every process and restart over that database (a web shop's basket cookies
    survive ``posapp serve`` restarting), different for each purpose, and never the audit key
    itself (an HMAC of the purpose under it).

    Raises:
        DatabaseError: see :func:`load_key`.
    """
    key = chain_key(url, None, create=True)
    assert key is not None  # create=True gives a key or raises
    return hmac.new(key, b"posapp derived key\0" + purpose.encode(), hashlib.sha256).digest()


def forget_key(url: URL) -> None:
    """Drop the key kept for ``url`` (a restore may have put another beside it)."""
    _KEYS.pop(url.render_as_string(hide_password=True), None)


def load_key(url: URL, *, create: bool) -> bytes | None:
    """The audit key for the database at ``url``; None if there is none and ``create`` is False.

    Raises:
        DatabaseError: ``POSAPP_AUDIT_KEY`` is too short, or the key file is damaged or cannot
            be read or made.
    """
    secret = os.environ.get(ENV_AUDIT_KEY, "")
    if secret:
        if len(secret) < MIN_KEY_CHARS:
            msg = _("{env_audit_key} must be at least {min_key_chars} characters long.").format(
                env_audit_key=ENV_AUDIT_KEY, min_key_chars=MIN_KEY_CHARS
            )
            raise DatabaseError(msg)
        return hashlib.sha256(b"posapp audit key\0" + secret.encode()).digest()
    path = key_path(url)
    try:
        if path.exists():
            return _read(path)
        return _create(path) if create else None
    except OSError as exc:
        raise DatabaseError(
            _("Cannot use the audit key file {path}: {strerror}").format(
                path=path, strerror=exc.strerror
            )
        ) from exc
