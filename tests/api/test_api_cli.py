"""``posapp token create|list|revoke`` and ``posapp serve`` as a real process (issue #22)."""

from __future__ import annotations

import socket
import subprocess
import sys
import time

import httpx
import pytest

from posapp.cli.main import main
from posapp.services.backend import Backend
from posapp.services.platform.db import Database
from posapp.services.staff import add_user, list_tokens

PW = "correct horse battery"


@pytest.fixture
def url(database: Database, backend: Backend) -> str:
    add_user(backend.uow(), None, "root", PW, "admin")
    return database.url.render_as_string(hide_password=False)


def test_token_create_list_revoke(
    url: str, backend: Backend, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = ["--database-url", url, "token", "create", "ROOT", "--scope", "users:read"]
    assert main([*argv, "--scope", "users:write", "--expires", "30", "--name", "sync"]) == 0
    printed = capsys.readouterr().out.splitlines()
    assert printed[0].startswith("API token 1 for 'root' (users:read users:write; expires ")
    secret = printed[1]
    assert secret.startswith("posapp_")
    assert "only this once" in printed[2]
    assert backend.staff.authenticate_token(secret, "users:write").user.username == "root"

    assert main(["--database-url", url, "token", "list"]) == 0
    listing = capsys.readouterr().out
    assert "root" in listing
    assert secret not in listing
    assert secret[:13] + "…" in listing

    assert main(["--database-url", url, "token", "revoke", "1"]) == 0
    assert "Revoked API token 1 of 'root'" in capsys.readouterr().out
    assert list_tokens(backend.read_uow(), None)[0].revoked_at is not None

    assert main(["--database-url", url, "token", "revoke", "7"]) == 1
    assert "No API token with id 7" in capsys.readouterr().err
    assert main(["--database-url", url, "token", "create", "nobody", "--scope", "users:read"]) == 1
    assert main(["--database-url", url, "token", "create", "root"]) == 2  # a scope is required
    assert main([*argv, "--expires", "0"]) == 1
    assert "1 to 3650 days" in capsys.readouterr().err
    assert main(["--database-url", url, "token", "create", "root", "--scope", "all"]) == 2
    assert main(["--database-url", url, "serve", "--port", "70000"]) == 2


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_posapp_serve_runs_the_api(url: str, capsys: pytest.CaptureFixture[str]) -> None:
    argv = ["--database-url", url, "token", "create", "root", "--scope", "users:read"]
    assert main(argv) == 0
    secret = capsys.readouterr().out.splitlines()[1]
    port = _free_port()
    command = [sys.executable, "-m", "posapp.cli.main", "--database-url", url, "serve"]
    server = subprocess.Popen(
        [*command, "--port", str(port)], stdout=subprocess.PIPE, stderr=subprocess.STDOUT
    )
    try:
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 120
        while True:
            try:
                httpx.get(f"{base}/api/v1/openapi.json", timeout=5)
                break
            except httpx.TransportError:
                assert server.poll() is None, "posapp serve stopped"
                assert time.monotonic() < deadline, "posapp serve did not start"
                time.sleep(0.1)
        answer = httpx.get(f"{base}/api/v1/users", headers={"Authorization": f"Bearer {secret}"})
        assert answer.status_code == 200
        assert [u["username"] for u in answer.json()["items"]] == ["root"]
        assert "server" not in answer.headers  # uvicorn does not name itself
    finally:
        server.terminate()
        output, _ = server.communicate(timeout=60)
    assert f"on http://127.0.0.1:{port}" in output.decode()
