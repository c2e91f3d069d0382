"""What every benchmark suite is given: the sizes, a scratch folder, the dataset cache, PostgreSQL."""

from __future__ import annotations

import contextlib
import hashlib
import os
import shutil
import sqlite3
import sys
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from posapp.services.platform.db import Database, open_database

REPO = Path(__file__).resolve().parents[1]
MIGRATIONS = REPO / "posapp" / "migrations" / "versions"


@dataclass(frozen=True, slots=True)
class Sizes:
    """Dataset sizes and repetitions (``python -m benchmarks --help`` documents each)."""

    products: tuple[int, ...] = (100_000,)
    import_rows: int = 100_000
    codes: int = 100_000
    report_codes: int = 10_000
    redemptions: int = 100_000
    movements: int = 10_000
    sales: int = 300
    warmup: int = 30
    history: int = 100_000
    """Past sales already in the store before the checkout figures (a shop that has been open)."""
    registers: int = 4
    register_sales: int = 150
    scans: int = 60
    soak_sales: int = 300
    """Keyboard sales of the register soak (growth is scaled to 1,000 sales)."""
    starts: int = 7
    names: int = 150
    typed_codes: int = 25
    lookups: int = 500
    validations: int = 1_000
    heavy_repeat: int = 3
    """Repetitions of the multi-second operations (generation, import, report, statement)."""
    table_repeat: int = 5
    api_products: int = 1_000
    """Products of the API's catalog (made through the use cases, on both databases; #22)."""
    delivery_lines: int = 10_000
    """Lines of the delivery received (and products stocked by the searched store)."""
    """Catalog tabs opened for the first-rows figure."""

    @classmethod
    def quick(cls, products: tuple[int, ...]) -> Sizes:
        """Fewer repetitions, same dataset sizes: a first look in a minute or two."""
        return cls(
            products=products,
            sales=80,
            warmup=10,
            register_sales=40,
            scans=20,
            soak_sales=200,
            starts=3,
            names=40,
            typed_codes=8,
            lookups=100,
            validations=200,
            heavy_repeat=1,
            table_repeat=3,
        )

    @classmethod
    def smoke(cls) -> Sizes:
        """Tiny sizes, each figure measured about once: proves the harness still works."""
        return cls(
            products=(2_000,),
            import_rows=300,
            codes=500,
            report_codes=50,
            redemptions=300,
            movements=200,
            sales=2,
            warmup=1,
            history=50,
            registers=2,
            register_sales=3,
            scans=2,
            soak_sales=4,
            starts=1,
            names=2,
            typed_codes=1,
            lookups=3,
            validations=3,
            heavy_repeat=1,
            table_repeat=1,
            delivery_lines=200,
        )


@dataclass
class Context:
    """Shared state of one run."""

    sizes: Sizes
    work: Path
    cache: Path | None
    pg_url: str
    pg_skip: str = ""
    """Why PostgreSQL figures are skipped (``pg_url`` is then empty)."""
    profile: bool = False
    load: bool = False
    """Search as you type measured with a second process loading the machine (``--load``)."""
    smoke: bool = False
    verbose: bool = True
    _counter: list[int] = field(default_factory=lambda: [0])
    _pg_template: list[str] = field(default_factory=list)

    def log(self, message: str) -> None:
        """Progress on stderr (the table goes to stdout)."""
        if self.verbose:
            print(f"[bench {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)

    def folder(self, name: str) -> Path:
        """A fresh scratch folder under the run's work folder."""
        self._counter[0] += 1
        path = self.work / f"{self._counter[0]:02d}-{name}"
        path.mkdir(parents=True)
        return path

    def sqlite(self, name: str) -> Database:
        """A fresh, migrated SQLite file (WAL, synchronous=FULL: posapp's own pragmas).

        Copied from a template migrated once per run: migrating costs about a second.
        """
        template = self.work / "template.sqlite3"
        if not template.exists():
            open_database(f"sqlite:///{template}").dispose()
            conn = sqlite3.connect(template)
            try:
                conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            finally:
                conn.close()
        target = self.folder(name) / "posapp.sqlite3"
        copy_sqlite(template, target)
        return Database(f"sqlite:///{target}")

    @contextlib.contextmanager
    def postgres(self, name: str) -> Iterator[Database]:
        """A fresh, migrated PostgreSQL database of its own on the server, dropped afterwards.

        Created from a template database migrated once per run (``CREATE DATABASE … TEMPLATE``).
        """
        if not self.pg_url:
            raise RuntimeError("no PostgreSQL URL")
        if not self._pg_template:
            url, template = fresh_pg_database(self.pg_url, "template")
            self._pg_template.append(template)
            open_database(url).dispose()
        url, dbname = fresh_pg_database(self.pg_url, name, template=self._pg_template[0])
        database = Database(url)
        try:
            yield database
        finally:
            database.dispose()
            drop_pg_database(self.pg_url, dbname)

    def close(self) -> None:
        """Drop the PostgreSQL template database, if one was made."""
        while self._pg_template:
            drop_pg_database(self.pg_url, self._pg_template.pop())


def child_env(ctx: Context, **extra: str) -> dict[str, str]:
    """The environment of a measured child process: offscreen Qt, compiled bytecode kept.

    A deployed posapp runs from compiled bytecode; with ``PYTHONDONTWRITEBYTECODE`` set (as in
    some shells and CI images) every start would compile every module again. The children use
    a bytecode cache of their own (``PYTHONPYCACHEPREFIX``, in the dataset cache) instead, which
    the warm-up start fills; nothing is written into the source tree.
    """
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", **extra)
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env["PYTHONPYCACHEPREFIX"] = str((ctx.cache or ctx.work) / "pycache")
    return env


def schema_key() -> str:
    """A short hash of the migrations: a cached dataset is reused only with the same schema."""
    digest = hashlib.sha256()
    for path in sorted(MIGRATIONS.glob("*.py")):
        digest.update(path.name.encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:12]


def cached_file(ctx: Context, name: str) -> Path | None:
    """The cache path for a dataset file named ``name`` (None when caching is off)."""
    if ctx.cache is None:
        return None
    ctx.cache.mkdir(parents=True, exist_ok=True)
    current = ctx.cache / f"{name}-{schema_key()}.sqlite3"
    day_ago = time.time() - 86_400
    for stale in ctx.cache.glob(f"{name}-*.sqlite3"):  # built for another schema
        same_name = stale.stem.count("-") == current.stem.count("-")
        # Another checkout may be using its own schema's file right now: only old files go.
        if stale != current and same_name and stale.stat().st_mtime < day_ago:
            stale.unlink(missing_ok=True)
    return current


def copy_sqlite(source: Path, target: Path) -> None:
    """Copy a (checkpointed) SQLite file."""
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(source, target)


def _admin_url(url: str) -> str:
    from sqlalchemy import make_url

    return make_url(url).set(database="postgres").render_as_string(hide_password=False)


def fresh_pg_database(url: str, name: str, *, template: str = "") -> tuple[str, str]:
    """Create an empty database (or a copy of ``template``) next to ``url``'s; URL and name."""
    from sqlalchemy import create_engine, make_url

    dbname = f"posapp_bench_{name}_{os.getpid()}_{uuid.uuid4().hex[:6]}".lower()
    engine = create_engine(_admin_url(url), isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as conn:
            copy = f' TEMPLATE "{template}"' if template else ""
            conn.exec_driver_sql(f'CREATE DATABASE "{dbname}"{copy}')
    finally:
        engine.dispose()
    return make_url(url).set(database=dbname).render_as_string(hide_password=False), dbname


def drop_pg_database(url: str, dbname: str) -> None:
    """Drop a database made by :func:`fresh_pg_database` (closing what is still connected)."""
    from sqlalchemy import create_engine

    engine = create_engine(_admin_url(url), isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{dbname}" WITH (FORCE)')
    finally:
        engine.dispose()


def pg_problem(url: str) -> str:
    """Why PostgreSQL cannot be used for the benchmarks ("" when it can)."""
    if not url:
        return "no PostgreSQL (set POSAPP_TEST_PG_URL, or run `make bench`)"
    try:
        import psycopg  # noqa: F401
    except ImportError:
        return "psycopg is not installed"
    try:
        test_url, dbname = fresh_pg_database(url, "probe")
        drop_pg_database(url, dbname)
    except Exception as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        return f"PostgreSQL at {url.split('?', maxsplit=1)[0]} is not usable ({first[:120]})"
    del test_url
    return ""
