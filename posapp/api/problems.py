"""Errors as RFC 9457 problem+json, never a stack trace: a service's words or a generic 500.

A :class:`~posapp.services.platform.errors.ServiceError` carries a message written for a person,
so it goes out as the ``detail``, with a status by its kind. Anything else is a bug: the client
gets a generic body with an id, and the log gets the traceback under the same id.
"""

from __future__ import annotations

import json
import logging
import uuid
from collections.abc import Awaitable, Callable
from http import HTTPStatus

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException

from posapp.services.platform.errors import (
    AuthenticationError,
    ConflictError,
    DatabaseError,
    NotFoundError,
    PermissionDeniedError,
    ServiceError,
    ValidationError,
)
from posapp.services.staff import SessionEndedError

log = logging.getLogger("posapp.api")

PROBLEM = "application/problem+json"

# The first match wins: SessionEndedError (the token's user was deactivated) is a 401.
_STATUS: tuple[tuple[type[ServiceError], int], ...] = (
    (SessionEndedError, 401),
    (AuthenticationError, 401),
    (PermissionDeniedError, 403),
    (NotFoundError, 404),
    (ConflictError, 409),
    (ValidationError, 422),
    (DatabaseError, 503),
)


def problem(
    status: int, detail: str, *, headers: dict[str, str] | None = None, **extra: object
) -> JSONResponse:
    """A problem+json response with ``status``, its standard title and ``detail``."""
    body: dict[str, object] = {
        "type": "about:blank",
        "title": HTTPStatus(status).phrase,
        "status": status,
        "detail": detail,
        **extra,
    }
    return JSONResponse(body, status_code=status, media_type=PROBLEM, headers=headers)


def status_of(error: ServiceError) -> int:
    """The HTTP status of a service's refusal (400 for a kind not named here)."""
    for kind, status in _STATUS:
        if isinstance(error, kind):
            return status
    return 400


async def _service_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, ServiceError)
    status = status_of(exc)
    if isinstance(exc, DatabaseError):  # its words may name files: they stay in the log
        incident = uuid.uuid4().hex[:12]
        log.error("database error %s on %s %s: %s", incident, request.method, request.url.path, exc)
        return problem(status, "The database cannot be used right now.", incident=incident)
    headers = {"WWW-Authenticate": "Bearer"} if status == 401 else None  # noqa: PLR2004
    return problem(status, str(exc), headers=headers)


async def _http_error(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, HTTPException)
    headers = None if exc.headers is None else dict(exc.headers)
    return problem(exc.status_code, str(exc.detail), headers=headers)


async def _invalid_request(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    errors = [
        {"where": ".".join(str(part) for part in error.get("loc", ())), "message": error["msg"]}
        for error in exc.errors()
    ]
    return problem(422, "The request is not valid: see errors.", errors=errors)


async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
    incident = uuid.uuid4().hex[:12]
    log.error(
        "unexpected error %s on %s %s", incident, request.method, request.url.path, exc_info=exc
    )
    detail = "Something went wrong on the server; it has been logged."
    return problem(500, detail, incident=incident)


HtmlErrors = Callable[[Request, int, str], Response]
"""Renders an error as a web page: the request, its status and the sentence for a person."""
_Handler = Callable[[Request, Exception], Awaitable[Response]]


def _or_page(handler: _Handler, html: HtmlErrors | None) -> _Handler:
    """``handler`` for the API's paths; a page with the same status and detail elsewhere."""
    if html is None:
        return handler

    async def either(request: Request, exc: Exception) -> Response:
        answer = await handler(request, exc)
        if request.url.path.startswith("/api/"):
            return answer
        detail = "That page does not exist: check the address."
        if isinstance(answer, JSONResponse) and not isinstance(exc, RequestValidationError):
            said = str(json.loads(bytes(answer.body)).get("detail", ""))
            if said and said != HTTPStatus(answer.status_code).phrase:  # Starlette's "Not Found"
                detail = said
        return await run_in_threadpool(html, request, answer.status_code, detail)

    return either


def install(app: FastAPI, html: HtmlErrors | None = None) -> None:
    """Answer every error of ``app`` as problem+json (as a page from ``html`` outside /api/)."""
    app.add_exception_handler(ServiceError, _or_page(_service_error, html))
    app.add_exception_handler(HTTPException, _or_page(_http_error, html))
    app.add_exception_handler(RequestValidationError, _or_page(_invalid_request, html))
    app.add_exception_handler(Exception, _or_page(_unexpected, html))
