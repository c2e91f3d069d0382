"""A property-based fuzz of the API from its own OpenAPI document (schemathesis): no 5xx.

schemathesis generates requests for every operation (valid ones and near misses: wrong types,
huge numbers, odd text, missing fields) and the ``not_a_server_error`` check fails on any 5xx.
It runs as its command line against the real server, with an admin's token so that the
requests reach the use cases (the public catalog's and the web orders' need none, and find a
small catalog with stock in place: some generated orders are placed); the limits are opened wide
so that none answers 429 instead.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from posapp.api import ApiConfig
from posapp.api.limits import Rate
from tests.api.conftest import Catalog, Shop
from tests.api.server import Running

OPEN = Rate(burst=1_000_000, per_second=1_000_000.0)
EXAMPLES = os.environ.get("POSAPP_FUZZ_EXAMPLES", "40")
WIDE_OPEN = ApiConfig(address_rate=OPEN, token_rate=OPEN)


def fuzz(server: Running, shop: Shop, cwd: Path, *options: str) -> None:
    """Run schemathesis against ``server`` as the shop's admin; fail on any 5xx."""
    schemathesis = Path(sys.executable).with_name("schemathesis")
    result = subprocess.run(
        [
            str(schemathesis),
            "run",
            f"{server.url}/api/v1/openapi.json",
            *options,
            "--checks",
            "not_a_server_error",
            "--seed",
            "22",
            "--generation-database",
            "none",
            "--header",
            f"Authorization: Bearer {shop.tokens['admin']}",
            "--request-timeout",
            "60",
            "--no-color",
        ],
        capture_output=True,
        text=True,
        cwd=cwd,
        timeout=540,
        check=False,
    )
    assert result.returncode == 0, result.stdout[-6000:] + result.stderr[-2000:]
    print(result.stdout)  # the summary: operations, cases generated and passed


@pytest.mark.parametrize("api_config", [WIDE_OPEN])
@pytest.mark.parametrize("db_kind", ["sqlite"])
def test_a_short_fuzz_finds_no_server_error(
    server: Running,
    shop: Shop,
    catalog: Catalog,
    api_config: ApiConfig,
    db_kind: str,
    tmp_path: Path,
) -> None:
    """A few seconds in every ``make test``: random requests to each operation (the public
    catalog's over a few products, stores and categories)."""
    fuzz(server, shop, tmp_path, "--phases", "fuzzing", "--max-examples", "15")


@pytest.mark.slow
@pytest.mark.parametrize("api_config", [WIDE_OPEN])
def test_fuzzing_the_openapi_document_finds_no_server_error(
    server: Running, shop: Shop, catalog: Catalog, api_config: ApiConfig, tmp_path: Path
) -> None:
    """Every phase (coverage, fuzzing, stateful sequences of calls), on both databases."""
    fuzz(server, shop, tmp_path, "--max-examples", EXAMPLES)
