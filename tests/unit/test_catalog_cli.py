"""``posapp import products`` and ``posapp export products`` (run in-process)."""

from __future__ import annotations

import argparse
import codecs
from pathlib import Path

import pytest

from posapp.cli.catalog import register_cli
from posapp.config import AppConfig
from posapp.services.backend import Backend
from posapp.services.catalog import products as catalog
from posapp.services.platform.db import Database
from posapp.services.platform.dto import UserDTO
from tests.integration.catalog_support import add_staff, draft


@pytest.fixture
def config(sqlite_database: Database) -> AppConfig:
    return AppConfig(sqlite_database.url.render_as_string(hide_password=False), "test-till")


@pytest.fixture
def admin(sqlite_database: Database) -> UserDTO:
    return add_staff(Backend(sqlite_database))["admin"]


def parse(*argv: str) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="posapp")
    commands = parser.add_subparsers()
    register_cli(commands)
    register_cli(commands)  # registering twice (or beside another "import") is harmless
    return parser.parse_args(argv)


def run(config: AppConfig, *argv: str) -> int:
    args = parse(*argv)
    return int(args.handler(args, config))


def test_import_then_export(
    config: AppConfig,
    admin: UserDTO,
    sqlite_database: Database,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    source = tmp_path / "in.csv"
    source.write_bytes(b"sku;name;price\nA-1;Apples;1,20\nB-2;=Bananas;2\n")
    assert run(config, "import", "products", str(source)) == 0
    assert capsys.readouterr().out.strip() == "Imported 2 rows: 2 new, 0 updated."
    target = tmp_path / "out.csv"
    assert run(config, "export", "products", str(target)) == 0
    assert "Exported 2 products" in capsys.readouterr().out
    text = target.read_bytes()
    assert text.startswith(codecs.BOM_UTF8)
    assert b"'=Bananas" in text
    assert b"1.20" in text
    backend = Backend(sqlite_database)
    apples = catalog.lookup_code(backend.read_uow(), "a-1")
    assert apples is not None
    assert apples.price_minor == 120


def test_a_bad_file_prints_every_problem_and_imports_nothing(
    config: AppConfig,
    admin: UserDTO,
    sqlite_database: Database,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    catalog.create_product(Backend(sqlite_database).uow(), admin, draft(sku="OLD"))
    source = tmp_path / "bad.csv"
    source.write_bytes(b"sku,name,price,extra\nX,Fine,1,\nY,,1,\nold,Dup,abc,\n")
    assert run(config, "import", "products", str(source)) == 1
    err = capsys.readouterr().err
    assert f"{source}:3: name: Enter a name." in err
    assert f"{source}:4: price: Enter an amount like 12.50 (not 'abc')." in err
    assert "posapp: warning: Ignored unknown columns: extra." in err
    assert "posapp: error: Nothing imported: 2 problems found." in err
    assert catalog.lookup_code(Backend(sqlite_database).read_uow(), "X") is None
    assert run(config, "import", "products", "--update", str(source)) == 1


def test_options(config: AppConfig, admin: UserDTO, tmp_path: Path) -> None:
    source = tmp_path / "latin.csv"
    source.write_bytes("sku,name,price\nA,Crème,1\n".encode("latin-1"))
    args = parse("import", "products", "--encoding", "latin-1", "--decimal-dot", str(source))
    assert args.encoding == "latin-1"
    assert args.decimal_dot
    assert run(config, "import", "products", "--encoding", "latin-1", str(source)) == 0
    with pytest.raises(SystemExit):
        parse("import", "products", "--decimal-comma", "--decimal-dot", str(source))
    args = parse("export", "products", "--active-only", str(tmp_path / "x.csv"))
    assert args.active_only
