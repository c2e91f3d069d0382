"""A second process loading the machine while a figure is measured (``--load``; issue #23).

The search figures are asked to hold "also with a second process loading the machine": the
loader is a child Python process that runs SQLite queries and hashing in a loop on one core
until it is stopped, so the figure and its floor (timed in turn, keystroke by keystroke) share
the machine with it. The child is ours: it is stopped by its own id when the figure ends.
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager

_LOOP = """
import hashlib, sqlite3
conn = sqlite3.connect(":memory:")
conn.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT)")
conn.executemany("INSERT INTO t (v) VALUES (?)", ((f"row {i}",) for i in range(50_000)))
data = b"x" * 65_536
while True:
    conn.execute("SELECT count(*) FROM t WHERE v LIKE '%9%'").fetchone()
    for _ in range(20):
        data = hashlib.sha256(data).digest() * 2_048
"""


@contextmanager
def second_process(enabled: bool) -> Iterator[None]:
    """Run the block with a busy child process when ``enabled`` (else just run it)."""
    if not enabled:
        yield
        return
    child = subprocess.Popen(
        [sys.executable, "-c", _LOOP],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        yield
    finally:
        child.terminate()
        try:
            child.wait(timeout=10)
        except subprocess.TimeoutExpired:
            child.kill()
            child.wait()
