"""Writing the files people ask for (exports, PDFs) safely: all of it or nothing, never elsewhere.

Every export goes through :func:`atomic_target`: the data is written to a temporary file in the
target's folder and renamed over the target only when complete, so a crash or a cancel never
leaves half a file. A target that exists and is not a regular file (``/dev/null``, a folder, a
device, a pipe) is refused with a clear message: renaming over it would replace the device with a
file, which breaks the machine for everyone else.
"""

from __future__ import annotations

import os
import stat
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from posapp.i18n import _
from posapp.services.platform.errors import ValidationError

__all__ = ["FileTargetError", "atomic_target", "check_target", "write_atomic"]


class FileTargetError(ValidationError):
    """The file cannot be written there (not a regular file, no folder, no permission)."""


def check_target(path: Path) -> Path:
    """Return ``path`` if a file may be written there.

    Raises:
        FileTargetError: it is a folder, a device or anything but a regular file, or its folder
            does not exist.
    """
    try:
        mode = path.stat().st_mode
    except FileNotFoundError:
        mode = None
    except OSError as exc:
        raise FileTargetError(
            _("Cannot write {path}: {strerror}.").format(path=path, strerror=exc.strerror)
        ) from exc
    if mode is not None and stat.S_ISDIR(mode):
        raise FileTargetError(
            _("Cannot write {path}: it is a folder: give a file name.").format(path=path)
        )
    if mode is not None and not stat.S_ISREG(mode):
        raise FileTargetError(
            _(
                "Cannot write {path}: it is not a regular file: give a file name in a folder."
            ).format(path=path)
        )
    if not path.parent.is_dir():
        raise FileTargetError(
            _("Cannot write to {parent}: no such folder.").format(parent=path.parent)
        )
    return path


@contextmanager
def atomic_target(path: Path, suffix: str = ".tmp") -> Iterator[Path]:
    """Yield a temporary path next to ``path``; on success it replaces ``path``, else it goes.

    Raises:
        FileTargetError: see :func:`check_target`, or the folder cannot be written.
    """
    target = check_target(Path(path))
    try:
        handle, name = tempfile.mkstemp(prefix=".posapp-", suffix=suffix, dir=target.parent)
    except OSError as exc:
        raise FileTargetError(
            _("Cannot write to {parent}: {strerror}.").format(
                parent=target.parent, strerror=exc.strerror
            )
        ) from exc
    os.close(handle)
    temporary = Path(name)
    try:
        yield temporary
        temporary.replace(target)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise


def write_atomic(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` all at once (see :func:`atomic_target`).

    Raises:
        FileTargetError: the target is refused or cannot be written.
    """
    with atomic_target(path) as temporary:
        try:
            temporary.write_bytes(data)
        except OSError as exc:
            raise FileTargetError(
                _("Cannot write {path}: {strerror}.").format(path=path, strerror=exc.strerror)
            ) from exc
