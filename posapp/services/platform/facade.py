"""A facade method that only runs a use case is declared once: ``writes(use_case)``, ``reads(…)``.

Most methods of a feature's facade open a unit of work from the facade's
:class:`~posapp.services.platform.context.ServiceContext` and call the use case with the same
arguments. Written out, each repeats the use case's signature; declared, it names the use case::

    class StockApi(Facade):
        receive_stock = writes(actions.receive_stock)  # a write unit of work
        stock_rows = reads(queries.stock_rows)  # a read one (no SQLite write lock)

``backend.stock.receive_stock`` is then the use case with its unit of work given: mypy --strict
checks each call against the use case's own parameters, and ``help()`` shows its docstring and
signature. Where a use case lets the services act as nobody (``actor: UserDTO | None``: the
trusted command line, the background runner), the facade still asks the edges for a user; a
declaration with ``trusted=True`` keeps the None for the few calls the services make themselves.

A facade runs each declared call under its :attr:`Facade.policy` (the sales facade retries
PostgreSQL's transient conflicts and words a lost connection for the cashier); a declaration
may name its own (``writes(deposit, policy=with_retry)``). Permission checks stay in the use
cases. A helper that reads inside its caller's unit of work (``shop_zone(uow)``) is declared
through :func:`in_unit_of_work`. Methods that do more than pass through (combine calls, shape a
DTO, choose a default) stay written out.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from types import MethodType
from typing import (
    TYPE_CHECKING,
    Any,
    ClassVar,
    Concatenate,
    Generic,
    Literal,
    ParamSpec,
    Protocol,
    Self,
    TypeVar,
    overload,
)

if TYPE_CHECKING:
    from posapp.services.platform.context import ServiceContext
    from posapp.services.platform.dto import UserDTO
    from posapp.services.platform.uow import UnitOfWork

P = ParamSpec("P")
R = TypeVar("R")
T = TypeVar("T")


class Policy(Protocol):
    """How a facade runs one whole unit of work: ``policy(action)`` returns what it returns."""

    def __call__(self, action: Callable[[], T], /) -> T:
        """Run ``action`` (perhaps again, perhaps turning its errors into others)."""
        ...


def run_once(action: Callable[[], T], /) -> T:
    """The plain policy: run the unit of work once and let every error through."""
    return action()


class Facade:
    """A feature's facade over one context: what the edges call as ``backend.<feature>``.

    Attributes:
        policy: How declared calls run (class attribute; a facade may set its own with
            ``policy = staticmethod(…)``).
    """

    policy: ClassVar[Policy] = staticmethod(run_once)

    def __init__(self, context: ServiceContext) -> None:
        self._context = context


class UseCase(Generic[P, R]):
    """A facade method that runs a use case in a fresh unit of work; see the module.

    Read from a facade it is a bound method taking the use case's parameters after the unit
    of work (``P``); read from the class it is this declaration.
    """

    def __init__(
        self,
        use_case: Callable[Concatenate[UnitOfWork, P], R],
        *,
        writes: bool,
        policy: Policy | None,
    ) -> None:
        def call(facade: Facade, /, *args: P.args, **kwargs: P.kwargs) -> R:
            context = facade._context
            open_uow = context.uow if writes else context.read_uow
            run = type(facade).policy if policy is None else policy
            return run(lambda: use_case(open_uow(), *args, **kwargs))

        # The name and docstring are the use case's, and ``__wrapped__`` lets inspect.signature()
        # show its parameters (a bound method then drops the first one, the unit of work).
        functools.update_wrapper(call, use_case)
        self._call = call
        self.use_case = use_case
        self.writes = writes
        self.__doc__ = use_case.__doc__

    def __set_name__(self, owner: type[Facade], name: str) -> None:
        self._call.__module__ = owner.__module__
        self._call.__name__ = name
        self._call.__qualname__ = f"{owner.__qualname__}.{name}"

    @overload
    def __get__(self, facade: None, owner: type[Facade] | None = None) -> Self: ...

    @overload
    def __get__(self, facade: Facade, owner: type[Facade] | None = None) -> Callable[P, R]: ...

    def __get__(
        self, facade: Facade | None, owner: type[Facade] | None = None
    ) -> Self | Callable[P, R]:
        """This declaration on the class; on a facade, the use case bound to its context."""
        if facade is None:
            return self
        return MethodType(self._call, facade)


class Declare:
    """What :data:`writes` and :data:`reads` are: declare a facade method from a use case.

    Args:
        writes: Whether the method runs in a write unit of work (else a read-only one).
    """

    def __init__(self, *, writes: bool) -> None:
        self._writes = writes

    # The first form that matches wins: ``trusted=True`` keeps the use case's parameters as
    # they are; otherwise a use case whose second parameter is the acting user takes a
    # ``UserDTO`` there (never None), and any other keeps its parameters.

    @overload
    def __call__(
        self,
        use_case: Callable[Concatenate[UnitOfWork, P], R],
        *,
        policy: Policy | None = None,
        trusted: Literal[True],
    ) -> UseCase[P, R]: ...

    @overload
    def __call__(
        self,
        use_case: Callable[Concatenate[UnitOfWork, UserDTO, P], R],
        *,
        policy: Policy | None = None,
        trusted: Literal[False] = False,
    ) -> UseCase[Concatenate[UserDTO, P], R]: ...

    @overload
    def __call__(
        self,
        use_case: Callable[Concatenate[UnitOfWork, P], R],
        *,
        policy: Policy | None = None,
        trusted: Literal[False] = False,
    ) -> UseCase[P, R]: ...

    def __call__(
        self, use_case: Callable[..., Any], *, policy: Policy | None = None, trusted: bool = False
    ) -> UseCase[..., Any]:
        """Declare a facade method that runs ``use_case``.

        Args:
            use_case: A service function whose first parameter is the unit of work.
            policy: How to run it; None: the facade's :attr:`Facade.policy`.
            trusted: Keep an actor that may be None (for calls the services make themselves).
        """
        del trusted  # a matter of types only
        return UseCase(use_case, writes=self._writes, policy=policy)


writes = Declare(writes=True)
"""Declare a facade method that runs its use case in a write unit of work."""
reads = Declare(writes=False)
"""Declare a facade method that runs its use case in a read-only unit of work (no write lock)."""


def in_unit_of_work(
    helper: Callable[Concatenate[UnitOfWork, P], R],
) -> Callable[Concatenate[UnitOfWork, P], R]:
    """``helper``, which reads inside its caller's unit of work, as a use case that enters its own.

    For a facade method that only reads a setting: ``zone = reads(in_unit_of_work(shop_zone))``.
    """

    @functools.wraps(helper)
    def use_case(uow: UnitOfWork, /, *args: P.args, **kwargs: P.kwargs) -> R:
        with uow:
            return helper(uow, *args, **kwargs)

    return use_case
