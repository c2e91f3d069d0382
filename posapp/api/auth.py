"""Who calls: the ``Authorization: Bearer <token>`` header, checked per endpoint for a scope.

Each endpoint declares its scope with :func:`caller_with`; the token is checked by the staff
facade (:meth:`StaffApi.authenticate_token`), which audits the call with the token's user. The
use case then runs as that user, so the role's permissions are checked as in the app.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from starlette.exceptions import HTTPException

from posapp.services.backend import Backend
from posapp.services.platform.errors import AuthenticationError
from posapp.services.staff import ApiCaller

bearer = HTTPBearer(auto_error=False, description="An API token from `posapp token create`.")
Credentials = Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)]

NO_TOKEN = "Send an API token: Authorization: Bearer <token> (see `posapp token create`)."
TOKEN_MAX = 200


def backend_of(request: Request) -> Backend:
    """The :class:`Backend` the app was built over."""
    backend = request.app.state.backend
    assert isinstance(backend, Backend)
    return backend


def caller_with(scope: str) -> Callable[[Request, HTTPAuthorizationCredentials | None], ApiCaller]:
    """A dependency: the caller of a request whose token carries ``scope``.

    Raises (as problem+json):
        AuthenticationError: no token, or an unknown, revoked or expired one (401).
        PermissionDeniedError: the token lacks ``scope`` (403).
        HTTPException: 429 when the token sends faster than its bucket allows.
    """

    def dependency(request: Request, credentials: Credentials) -> ApiCaller:
        if credentials is None or not credentials.credentials:
            raise AuthenticationError(NO_TOKEN)
        secret = credentials.credentials
        if len(secret) > TOKEN_MAX:
            raise AuthenticationError(NO_TOKEN)
        key = hashlib.sha256(secret.encode("utf-8", "surrogatepass")).hexdigest()
        wait = request.app.state.token_buckets.take(key)
        if wait > 0:
            seconds = str(max(1, int(wait + 0.999)))
            raise HTTPException(429, "Too many requests for this token.", {"Retry-After": seconds})
        return backend_of(request).staff.authenticate_token(
            secret, scope, method=request.method, path=request.url.path
        )

    dependency.__name__ = f"caller_with_{scope.replace(':', '_')}"
    return dependency
