"""``posapp serve`` (the HTTP API on uvicorn) and ``posapp token create|list|revoke``.

A thin edge like :mod:`posapp.cli.users`: the token commands act as the trusted local admin
(``actor=None``); the server builds :func:`posapp.api.create_app` over the configured database.
"""

from __future__ import annotations

import argparse
import sys
from datetime import datetime

from posapp.app_services import ServiceOptions, start_services
from posapp.cli.kit import (
    EXIT_ERROR,
    EXIT_OK,
    PROG,
    Commands,
    command,
    group,
    open_backend,
    table,
)
from posapp.config import AppConfig
from posapp.events import null_publisher
from posapp.services.platform.chain_key import derived_key
from posapp.services.staff import SCOPES, create_token, find_user, list_tokens, revoke_token

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8080


def _port(text: str) -> int:
    try:
        port = int(text)
    except ValueError:
        port = 0
    if not 1 <= port <= 65535:  # noqa: PLR2004 - the TCP range
        msg = f"not a TCP port: {text!r} (1-65535)"
        raise argparse.ArgumentTypeError(msg)
    return port


def register_cli(commands: Commands) -> None:
    """Add ``serve`` and the ``token`` group to ``posapp``'s parser."""
    serve = command(
        commands,
        "serve",
        serve_api,
        "serve the HTTP JSON API",
        "Serve the HTTP JSON API (docs/API.md) until Ctrl+C. It listens on the loopback "
        "address by default; put a TLS-terminating reverse proxy in front of any other.",
    )
    serve.add_argument("--host", default=DEFAULT_HOST, help=f"address (default {DEFAULT_HOST})")
    serve.add_argument(
        "--port", type=_port, default=DEFAULT_PORT, help=f"TCP port (default {DEFAULT_PORT})"
    )
    tokens = group(commands, "token", "API tokens for `posapp serve`")
    create = command(
        tokens,
        "create",
        token_create,
        "make an API token for a staff user",
        "Make an API token that acts as USER within the given scopes; it is printed once "
        "and only its hash is kept. Scopes: "
        + "; ".join(f"{name} ({what})" for name, what in SCOPES.items())
        + ".",
    )
    create.add_argument("user", help="username")
    create.add_argument(
        "--scope", action="append", required=True, choices=tuple(SCOPES), help="may be repeated"
    )
    create.add_argument("--expires", type=int, metavar="DAYS", help="days until it expires")
    create.add_argument("--name", default="", metavar="TEXT", help="what the token is for")
    command(tokens, "list", token_list, "list API tokens (never their secrets)")
    revoke = command(tokens, "revoke", token_revoke, "revoke an API token now")
    revoke.add_argument("id", type=int, help="the token's id (see `posapp token list`)")


def serve_api(args: argparse.Namespace, config: AppConfig) -> int:
    """``posapp serve [--host H] [--port P]``: run until interrupted."""
    try:
        import uvicorn  # noqa: PLC0415 - only the server needs it

        from posapp.api import ApiConfig, create_app  # noqa: PLC0415
    except ModuleNotFoundError as exc:
        print(
            f"{PROG}: error: the API needs the 'api' extra ({exc.name} is missing): "
            "pip install 'posapp[api]'",
            file=sys.stderr,
        )
        return EXIT_ERROR

    with open_backend(config) as plain:
        # The background services of a register (#22): a web order's events become the store
        # staff's notifications, its emails are sent from the outbox, and on PostgreSQL the
        # relay carries them to the registers, as for a sale at a till. The server sells nothing
        # at a till, so it keeps no offline cache or journal (#21).
        options = ServiceOptions(offline=False)
        services = start_services(plain.database, null_publisher, config, options)
        try:
            # Basket cookies signed with a key kept for this database: they outlive a restart.
            cookies = derived_key(plain.database.url, "storefront cookies")
            app = create_app(services.backend, ApiConfig(cookie_key=cookies))
            where = plain.database_description
            print(f"Serving the API of {where} on http://{args.host}:{args.port}")
            uvicorn.run(app, host=args.host, port=args.port, server_header=False, log_level="info")
        finally:
            services.stop()
    return EXIT_OK


def _when(at: datetime | None) -> str:
    return "-" if at is None else at.astimezone().strftime("%Y-%m-%d %H:%M")


def token_create(args: argparse.Namespace, config: AppConfig) -> int:
    """``posapp token create USER --scope S … [--expires DAYS] [--name TEXT]``."""
    with open_backend(config) as backend:
        user = find_user(backend.read_uow(), args.user)
        made = create_token(
            backend.uow(), None, user.id, args.scope, name=args.name, expires_days=args.expires
        )
    token = made.token
    until = "never expires" if token.expires_at is None else f"expires {_when(token.expires_at)}"
    print(f"API token {token.id} for '{token.username}' ({' '.join(token.scopes)}; {until}):")
    print(made.secret)
    print("Keep it now: it is shown only this once.")
    return EXIT_OK


def token_list(_args: argparse.Namespace, config: AppConfig) -> int:
    """``posapp token list``."""
    with open_backend(config) as backend:
        found = list_tokens(backend.read_uow(), None)
    rows = [
        (
            str(t.id),
            t.username,
            t.prefix + "…",
            " ".join(t.scopes),
            _when(t.expires_at),
            "revoked" if t.revoked_at else "active",
            _when(t.last_used_at),
            t.name,
        )
        for t in found
    ]
    header = ("ID", "USER", "TOKEN", "SCOPES", "EXPIRES", "STATE", "LAST USED", "NAME")
    print(table(header, rows))
    return EXIT_OK


def token_revoke(args: argparse.Namespace, config: AppConfig) -> int:
    """``posapp token revoke ID``."""
    with open_backend(config) as backend:
        token = revoke_token(backend.uow(), None, args.id)
    print(f"Revoked API token {token.id} of '{token.username}'")
    return EXIT_OK
