"""Events across registers: committed events sent with PostgreSQL ``NOTIFY``, heard with ``LISTEN``.

Several registers on one PostgreSQL database each publish their committed events on their own
Qt bus. :class:`PgEventRelay` joins them up:

- publisher side: the composition root calls :meth:`PgEventRelay.notify` for every event
  committed on this register; a background thread sends ``NOTIFY posapp_events, '<json>'`` on
  its own autocommit connection (so the GUI thread never waits for the network);
- listener side: another thread ``LISTEN``s on a second connection, decodes each message back
  into the frozen dataclass of :mod:`posapp.events`, drops this relay's own messages, and calls
  ``on_event`` (the bus's ``publish``: Qt queues it onto the GUI thread).

Messages are JSON: ``{"v": 1, "register": …, "origin": …, "type": "StockLow", "data": {…}}``;
datetimes are ISO 8601 with their offset. ``origin`` is a random id per relay, so a register
ignores exactly its own messages even if two registers were given the same name.

Delivery is best effort, as NOTIFY is: a register that is offline misses what happens meanwhile
(the database holds the facts; screens reload them). Each thread reconnects by itself after
the server restarts. With SQLite there is one machine and the local bus is enough.

psycopg 3 is an optional dependency (``posapp[postgres]``); it is imported by the threads only.
"""

from __future__ import annotations

import dataclasses
import json
import logging
import queue
import threading
import uuid
from collections import OrderedDict
from collections.abc import Callable
from datetime import datetime
from typing import Any, Final

from sqlalchemy import make_url

from posapp.events import ALL_EVENT_TYPES, DomainEvent

_log = logging.getLogger(__name__)

CHANNEL: Final = "posapp_events"
FORMAT_VERSION: Final = 1
PAYLOAD_MAX: Final = 7_900  # PostgreSQL refuses NOTIFY payloads of 8000 bytes or more
_REMEMBERED: Final = 4_096

EVENT_TYPES: Final[dict[str, type[DomainEvent]]] = {t.__name__: t for t in ALL_EVENT_TYPES}

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
    data = {
        field.name: _encode_value(getattr(event, field.name)) for field in dataclasses.fields(event)
    }
    envelope = {"v": FORMAT_VERSION, "register": register, "origin": origin, "type": name,
                "data": data}  # fmt: skip
    return json.dumps(envelope, ensure_ascii=False, separators=(",", ":"))


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
        fields = dataclasses.fields(event_type)
        if not isinstance(data, dict) or set(data) != {f.name for f in fields}:
            raise ValueError("wrong fields")
        values: dict[str, Any] = {f.name: _decode_value(str(f.type), data[f.name]) for f in fields}
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
        on_event: Called, on the listener thread, with each event from another register.
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
        self._on_event = on_event
        self._reconnect_delay = reconnect_delay_s
        self._poll = poll_s
        self._stop = threading.Event()
        self._listening = threading.Event()
        self._outgoing: queue.SimpleQueue[str | None] = queue.SimpleQueue()
        self._sent = threading.Condition()
        self._unsent = 0
        self._delivered: OrderedDict[int, DomainEvent] = OrderedDict()
        self._delivered_lock = threading.Lock()
        self._threads: list[threading.Thread] = []

    # ---- life cycle --------------------------------------------------------------------------

    def start(self) -> None:
        """Start the listener and sender threads (a no-op while they run)."""
        if any(t.is_alive() for t in self._threads):
            return
        self._stop.clear()
        self._threads = [
            threading.Thread(target=self._listen_loop, name="posapp-relay-listen", daemon=True),
            threading.Thread(target=self._send_loop, name="posapp-relay-send", daemon=True),
        ]
        for thread in self._threads:
            thread.start()

    def stop(self, timeout: float = 5.0) -> None:
        """Send what is queued, then stop both threads (within about ``poll_s``)."""
        self._stop.set()
        self._outgoing.put(None)
        threads, self._threads = self._threads, []
        for thread in threads:
            thread.join(timeout)
        self._listening.clear()

    def wait_listening(self, timeout: float = 10.0) -> bool:
        """Wait until the listener has run ``LISTEN``; return False on timeout."""
        return self._listening.wait(timeout)

    @property
    def listening(self) -> bool:
        """Whether the listener is connected and listening."""
        return self._listening.is_set()

    # ---- publisher side ----------------------------------------------------------------------

    def notify(self, event: DomainEvent) -> None:
        """Queue a committed local event for the other registers (never raises, never blocks).

        Events this relay delivered itself are skipped, so wiring ``notify`` to a bus that also
        carries relayed events cannot bounce them back.
        """
        if self.came_from_relay(event):
            return
        try:
            payload = encode_event(event, register=self.register, origin=self.origin)
        except TypeError:
            _log.exception("cannot relay %r", event)
            return
        if len(payload.encode()) > PAYLOAD_MAX:
            _log.warning("not relaying %s: the message is too long", type(event).__name__)
            return
        with self._sent:
            self._unsent += 1
        self._outgoing.put(payload)

    def __call__(self, event: DomainEvent) -> None:
        """Same as :meth:`notify`: the relay is a ``Publisher``."""
        self.notify(event)

    def flush(self, timeout: float = 5.0) -> bool:
        """Wait until every queued message was sent (or given up); False on timeout."""
        with self._sent:
            return self._sent.wait_for(lambda: self._unsent == 0, timeout)

    def came_from_relay(self, event: DomainEvent) -> bool:
        """Whether ``event`` (this very object) was delivered by this relay."""
        with self._delivered_lock:
            return self._delivered.get(id(event)) is event

    def _send_loop(self) -> None:
        import psycopg  # noqa: PLC0415 - optional dependency, needed only with PostgreSQL

        conn: psycopg.Connection[Any] | None = None
        try:
            while True:
                payload = self._outgoing.get()
                if payload is None:
                    return
                for attempt in range(2):  # one reconnect per message
                    try:
                        if conn is None or conn.closed:
                            conn = psycopg.connect(self._conninfo, autocommit=True)
                        conn.execute("SELECT pg_notify(%s, %s)", (CHANNEL, payload))
                        break
                    except psycopg.Error:
                        if conn is not None:
                            conn.close()
                        conn = None
                        if attempt:
                            _log.warning(
                                "cannot send an event to the other registers", exc_info=True
                            )
                with self._sent:
                    self._unsent -= 1
                    self._sent.notify_all()
        finally:
            if conn is not None:
                conn.close()
            with self._sent:
                self._unsent = 0
                self._sent.notify_all()

    # ---- listener side -----------------------------------------------------------------------

    def _listen_loop(self) -> None:
        import psycopg  # noqa: PLC0415 - optional dependency, needed only with PostgreSQL

        while not self._stop.is_set():
            try:
                with psycopg.connect(self._conninfo, autocommit=True) as conn:
                    conn.execute(f"LISTEN {CHANNEL}")
                    self._listening.set()
                    while not self._stop.is_set():
                        for message in conn.notifies(timeout=self._poll):
                            self._receive(message.payload)
            except psycopg.Error:
                _log.warning("lost the event relay connection; reconnecting", exc_info=True)
            finally:
                self._listening.clear()
            self._stop.wait(self._reconnect_delay)

    def _receive(self, payload: str) -> None:
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
