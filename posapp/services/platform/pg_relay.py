"""Events across registers: committed events sent with PostgreSQL ``NOTIFY``, heard with ``LISTEN``.

Several registers on one PostgreSQL database each publish their committed events on their own
Qt bus. :class:`PgEventRelay` joins them up:

- sending side: :meth:`PgEventRelay.send` is a handler of every event committed on this
  register; it sends ``NOTIFY posapp_events, '<json>'`` on its own autocommit connection. It runs
  on a lane of the background runner (``posapp.services.platform.runner``), so the GUI thread
  never waits for the network;
- listening side: :meth:`PgEventRelay.listen`, a loop of the runner, ``LISTEN``s on a second
  connection, decodes each message back into the frozen dataclass of :mod:`posapp.events`, drops
  this relay's own messages, and calls ``on_event`` (the bus's ``publish``: Qt queues it onto the
  GUI thread).

:meth:`PgEventRelay.install` puts both on a runner: the ``relay-listen`` loop and the
``relay-send`` lane, added before anything that publishes, so that the listener starts first and
what is written while the services stop is still sent.

Messages are JSON: ``{"origin": …, "v": 1, "register": …, "type": "StockLow", "data": {…}}``;
datetimes are ISO 8601 with their offset. ``origin`` is a random id per relay, so a register
ignores exactly its own messages even if two registers were given the same name; it comes
first, so the listener knows its own messages (every event it sent comes back) by their first
characters, without decoding them.

Delivery is best effort, as NOTIFY is: a register that is offline misses what happens meanwhile
(the database holds the facts; screens reload them). Each thread reconnects by itself after
the server restarts. With SQLite there is one machine and the local bus is enough.

psycopg 3 is an optional dependency (``posapp[postgres]``); it is imported on the runner's threads
only.
"""

from __future__ import annotations

import dataclasses
import json
import logging
import threading
import uuid
from collections import OrderedDict
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any, Final

from sqlalchemy import make_url

from posapp.events import ALL_EVENT_TYPES, DomainEvent
from posapp.services.platform.runner import Runner

if TYPE_CHECKING:
    import psycopg

_log = logging.getLogger(__name__)

CHANNEL: Final = "posapp_events"
FORMAT_VERSION: Final = 1
SEND_BATCH: Final = 200
"""At most how many queued events the relay sends in one transaction."""
SEND_LINGER_S: Final = 0.25
"""How long the sending lane lets events gather after the first before it sends them (issue #23).

Registers ring sales back to back: sent as each sale commits, a sale's ten events cost a
transaction of a dozen round trips on another thread while the next sale runs (a tail on the
sale, PostgreSQL only); a quarter of a second later, a burst of sales costs one. The other
registers' screens hear of a sale that much later."""
PAYLOAD_MAX: Final = 7_900  # PostgreSQL refuses NOTIFY payloads of 8000 bytes or more
_REMEMBERED: Final = 4_096
_SEND: Final = (
    "SELECT pg_notify(%s, payload) FROM unnest(%b::text[]) WITH ORDINALITY AS sent(payload, n) "
    "ORDER BY n"
)
"""The list goes in binary (``%b``): psycopg writes a text array by escaping every quote of
every JSON message with a regular expression, 2.3 ms of the sending thread's CPU for a burst of
110 events, beside the sales; the binary array costs 0.1 ms (issue #23)."""

EVENT_TYPES: Final[dict[str, type[DomainEvent]]] = {t.__name__: t for t in ALL_EVENT_TYPES}
_FIELDS: Final[dict[type[DomainEvent], tuple[tuple[str, str], ...]]] = {
    t: tuple((f.name, str(f.type)) for f in dataclasses.fields(t)) for t in ALL_EVENT_TYPES
}
"""Each event type's fields, (name, type name), read once."""

EventHandler = Callable[[DomainEvent], Any]


@dataclasses.dataclass(frozen=True, slots=True)
class Envelope:
    """A decoded message: who sent it, and the event."""

    register: str
    origin: str
    event: DomainEvent


def encode_event(event: DomainEvent, *, register: str, origin: str) -> str:
    """The JSON text of ``event`` as sent on the channel.

    Raises:
        TypeError: ``event`` is not a domain event.
    """
    name = type(event).__name__
    if EVENT_TYPES.get(name) is not type(event):
        msg = f"not a domain event: {name}"
        raise TypeError(msg)
    data = {field: _encode_value(getattr(event, field)) for field, _kind in _FIELDS[type(event)]}
    envelope = {"origin": origin, "v": FORMAT_VERSION, "register": register, "type": name,
                "data": data}  # fmt: skip
    return json.dumps(envelope, ensure_ascii=False, separators=(",", ":"))


def origin_prefix(origin: str) -> str:
    """How every message :func:`encode_event` writes for ``origin`` begins."""
    return '{"origin":' + json.dumps(origin, ensure_ascii=False) + ","


def _encode_value(value: object) -> object:
    return value.isoformat() if isinstance(value, datetime) else value


def _decode_value(kind: str, value: object) -> object:
    if kind == "datetime":
        if not isinstance(value, str):
            raise TypeError("expected an ISO datetime")
        parsed = datetime.fromisoformat(value)
        if parsed.tzinfo is None:
            raise ValueError("naive datetime")
        return parsed
    expected = {"int": int, "str": str}.get(kind)
    if expected is None:
        raise TypeError(f"unsupported field type {kind}")
    if not isinstance(value, expected) or isinstance(value, bool):
        raise TypeError(f"expected {kind}")
    return value


def decode_event(payload: str) -> Envelope:
    """Decode a channel message.

    Raises:
        ValueError: not a message of this format (bad JSON, unknown event, wrong fields).
    """
    try:
        raw = json.loads(payload)
        if not isinstance(raw, dict) or raw.get("v") != FORMAT_VERSION:
            raise ValueError("unknown message format")
        event_type = EVENT_TYPES[raw["type"]]
        data = raw["data"]
        fields = _FIELDS[event_type]
        if not isinstance(data, dict) or set(data) != {name for name, _kind in fields}:
            raise ValueError("wrong fields")
        values: dict[str, Any] = {name: _decode_value(kind, data[name]) for name, kind in fields}
        register, origin = raw["register"], raw["origin"]
        if not isinstance(register, str) or not isinstance(origin, str):
            raise TypeError("bad sender")
        return Envelope(register, origin, event_type(**values))
    except (KeyError, TypeError, ValueError) as exc:
        raise ValueError(f"not a posapp event message: {exc}") from exc


def libpq_url(database_url: str) -> str:
    """Turn a SQLAlchemy PostgreSQL URL (``postgresql+psycopg://…``) into a libpq one.

    Raises:
        ValueError: not a PostgreSQL URL.
    """
    url = make_url(database_url)
    if url.get_backend_name() != "postgresql":
        msg = f"the event relay needs PostgreSQL, not {url.get_backend_name()}"
        raise ValueError(msg)
    return url.set(drivername="postgresql").render_as_string(hide_password=False)


def is_supported(database_url: str) -> bool:
    """Whether the relay can run on this database (PostgreSQL only)."""
    try:
        libpq_url(database_url)
    except ValueError:
        return False
    return True


class PgEventRelay:
    """Relays committed events between registers through PostgreSQL (see the module docstring).

    Args:
        database_url: The SQLAlchemy URL of the shared PostgreSQL database.
        register: This register's name (carried in each message, for logs).
        on_event: Called, on the listening thread, with each event from another register.
        reconnect_delay_s: The wait before reconnecting after the connection drops.
        poll_s: How often the listener checks whether it should stop.
    """

    def __init__(
        self,
        database_url: str,
        register: str,
        on_event: EventHandler,
        *,
        reconnect_delay_s: float = 1.0,
        poll_s: float = 0.5,
    ) -> None:
        self._conninfo = libpq_url(database_url)
        self.register = register
        self.origin = uuid.uuid4().hex
        self._own_prefix = origin_prefix(self.origin)
        self._on_event = on_event
        self._reconnect_delay = reconnect_delay_s
        self._poll = poll_s
        self._listening = threading.Event()
        self._send_lock = threading.Lock()
        self._send_conn: psycopg.Connection[Any] | None = None
        self.sent_transactions = 0
        """How many sending transactions this relay has committed (for the benchmarks)."""
        self._delivered: OrderedDict[int, DomainEvent] = OrderedDict()
        self._delivered_lock = threading.Lock()

    def install(
        self,
        runner: Runner,
        *,
        listen: str = "relay-listen",
        send: str = "relay-send",
        linger_s: float = SEND_LINGER_S,
    ) -> None:
        """Put the relay on ``runner``: the ``listen`` loop, then the ``send`` lane.

        Call it before adding anything that publishes: the runner stops in the reverse order,
        so the events committed while the others stop are still sent. The lane lets events
        gather for ``linger_s`` (:data:`SEND_LINGER_S`) before it sends them.
        """
        runner.add_loop(listen, self.listen)
        runner.add_lane(send, on_stop=self.close, batch_size=SEND_BATCH, linger_s=linger_s)
        runner.on_batch(ALL_EVENT_TYPES, self.send_batch, lane=send)

    # ---- sending side ------------------------------------------------------------------------

    def message(self, event: DomainEvent) -> str | None:
        """The message that sends ``event`` out, or None when it must stay here.

        Events this relay delivered itself stay (so sending what a bus carries cannot bounce
        them back), and so do messages too long for ``NOTIFY``.
        """
        if self.came_from_relay(event):
            return None
        try:
            payload = encode_event(event, register=self.register, origin=self.origin)
        except TypeError:
            _log.exception("cannot relay %r", event)
            return None
        if len(payload.encode()) > PAYLOAD_MAX:
            _log.warning("not relaying %s: the message is too long", type(event).__name__)
            return None
        return payload

    def send(self, event: DomainEvent) -> None:
        """Send a committed local event to the other registers (never raises).

        Blocks for the network: call it off the GUI thread (the runner does). What
        :meth:`message` keeps here is not sent.
        """
        self.send_batch([event])

    def send_batch(self, events: Sequence[DomainEvent]) -> None:
        """Send committed local events, one ``NOTIFY`` each, in one transaction (never raises).

        A sale commits about ten events: sent one transaction each, they cost the server ten
        commits a sale; together, one (issue #23), and one statement (one round trip, not one
        per event; PostgreSQL calls the volatile ``pg_notify`` after the ``ORDER BY``). The
        others hear them in order, at that commit; a failed transaction sent nothing, so it is
        tried again once, whole.
        """
        payloads = [p for p in (self.message(event) for event in events) if p is not None]
        if not payloads:
            return
        import psycopg  # noqa: PLC0415 - optional dependency, needed only with PostgreSQL

        with self._send_lock:
            for attempt in range(2):  # one reconnect per batch
                try:
                    if self._send_conn is None or self._send_conn.closed:
                        self._send_conn = psycopg.connect(self._conninfo, autocommit=True)
                    # One statement, one round trip: the NOTIFYs in the list's order.
                    self._send_conn.execute(_SEND, (CHANNEL, payloads))
                    self.sent_transactions += 1
                    return
                except psycopg.Error:
                    self._close_sender()
                    if attempt:
                        _log.warning("cannot send events to the other registers", exc_info=True)

    def close(self) -> None:
        """Close the sending connection (it opens again at the next :meth:`send`)."""
        with self._send_lock:
            self._close_sender()

    def _close_sender(self) -> None:
        conn, self._send_conn = self._send_conn, None
        if conn is not None:
            conn.close()

    def came_from_relay(self, event: DomainEvent) -> bool:
        """Whether ``event`` (this very object) was delivered by this relay."""
        with self._delivered_lock:
            return self._delivered.get(id(event)) is event

    # ---- listening side ----------------------------------------------------------------------

    def listen(self, stop: threading.Event) -> None:
        """``LISTEN`` and deliver other registers' events until ``stop`` is set.

        Reconnects after the connection drops. Returns within about ``poll_s`` of ``stop``.
        """
        import psycopg  # noqa: PLC0415 - optional dependency, needed only with PostgreSQL

        while not stop.is_set():
            try:
                with psycopg.connect(self._conninfo, autocommit=True) as conn:
                    conn.execute(f"LISTEN {CHANNEL}")
                    self._listening.set()
                    while not stop.is_set():
                        for message in conn.notifies(timeout=self._poll):
                            self._receive(message.payload)
            except psycopg.Error:
                _log.warning("lost the event relay connection; reconnecting", exc_info=True)
            finally:
                self._listening.clear()
            stop.wait(self._reconnect_delay)

    def wait_listening(self, timeout: float = 10.0) -> bool:
        """Wait until the listener has run ``LISTEN``; return False on timeout."""
        return self._listening.wait(timeout)

    @property
    def listening(self) -> bool:
        """Whether the listener is connected and listening."""
        return self._listening.is_set()

    def _receive(self, payload: str) -> None:
        if payload.startswith(self._own_prefix):
            return  # every message this relay sends comes back: known without decoding it
        try:
            envelope = decode_event(payload)
        except ValueError:
            _log.warning("ignoring a malformed message on %s", CHANNEL)
            return
        if envelope.origin == self.origin:
            return
        event = envelope.event
        with self._delivered_lock:
            self._delivered[id(event)] = event
            while len(self._delivered) > _REMEMBERED:
                self._delivered.popitem(last=False)
        try:
            self._on_event(event)
        except Exception:
            _log.exception("the relayed event handler failed for %r", event)
