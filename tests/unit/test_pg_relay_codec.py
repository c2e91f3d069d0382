"""The relay's message format: every event type round-trips; anything else is refused."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest

from posapp.events import ALL_EVENT_TYPES, DomainEvent, StockLow
from posapp.services.platform import pg_relay

AT = datetime(2024, 5, 17, 9, 30, 1, 123456, tzinfo=UTC)
VALUES: dict[str, object] = {"int": 7, "str": 'Zoë <b>x</b> "q" \n', "datetime": AT}


def sample(event_type: type[DomainEvent]) -> DomainEvent:
    values = {f.name: VALUES[str(f.type)] for f in dataclasses.fields(event_type)}
    return event_type(**values)  # type: ignore[arg-type]


@pytest.mark.parametrize("event_type", ALL_EVENT_TYPES, ids=lambda t: t.__name__)
def test_every_event_type_round_trips(event_type: type[DomainEvent]) -> None:
    event = sample(event_type)
    payload = pg_relay.encode_event(event, register="till-1", origin="abc")
    envelope = pg_relay.decode_event(payload)
    assert envelope.event == event
    assert type(envelope.event) is event_type
    assert (envelope.register, envelope.origin) == ("till-1", "abc")
    assert len(payload.encode()) < pg_relay.PAYLOAD_MAX
    assert payload.startswith(pg_relay.origin_prefix("abc"))  # how a relay knows its own


def test_datetimes_keep_their_offset() -> None:
    local = AT.astimezone(timezone(timedelta(hours=-5)))
    event = StockLow(1, 2, 3, 4, local)
    decoded = pg_relay.decode_event(pg_relay.encode_event(event, register="r", origin="o"))
    assert decoded.event == event
    assert isinstance(decoded.event, StockLow)
    assert decoded.event.at.utcoffset() == timedelta(hours=-5)


def good() -> dict[str, Any]:
    message: dict[str, Any] = json.loads(
        pg_relay.encode_event(StockLow(1, 2, 3, 4, AT), register="r", origin="o")
    )
    return message


@pytest.mark.parametrize(
    "mutate",
    [
        lambda m: m.update(v=2),
        lambda m: m.update(type="Nope"),
        lambda m: m.update(type="object"),
        lambda m: m["data"].pop("on_hand"),
        lambda m: m["data"].update(extra=1),
        lambda m: m["data"].update(on_hand="3"),
        lambda m: m["data"].update(on_hand=True),
        lambda m: m["data"].update(at="2024-05-17T09:30:00"),  # naive
        lambda m: m["data"].update(at="yesterday"),
        lambda m: m.update(origin=5),
        lambda m: m.pop("register"),
    ],
)
def test_malformed_messages_are_refused(mutate: Callable[[dict[str, Any]], object]) -> None:
    message = good()
    mutate(message)
    with pytest.raises(ValueError, match="not a posapp event message"):
        pg_relay.decode_event(json.dumps(message))


@pytest.mark.parametrize("payload", ["", "null", "[]", "{", '"text"', "1"])
def test_non_json_or_foreign_payloads_are_refused(payload: str) -> None:
    with pytest.raises(ValueError, match="not a posapp event message"):
        pg_relay.decode_event(payload)


def test_only_domain_events_are_encoded() -> None:
    with pytest.raises(TypeError):
        pg_relay.encode_event(object(), register="r", origin="o")  # type: ignore[arg-type]


def test_urls() -> None:
    assert pg_relay.libpq_url("postgresql+psycopg://u:p%40ss@/db?host=/tmp/x&port=5433") == (
        "postgresql://u:p%40ss@/db?host=%2Ftmp%2Fx&port=5433"
    )
    assert pg_relay.is_supported("postgresql://u@h/db")
    assert not pg_relay.is_supported("sqlite:///x.db")
    with pytest.raises(ValueError, match="needs PostgreSQL"):
        pg_relay.PgEventRelay("sqlite://", "r", print)


def test_notify_skips_events_the_relay_delivered_and_oversized_ones() -> None:
    relay = pg_relay.PgEventRelay("postgresql://u@h/db", "till-1", lambda e: None)
    incoming = StockLow(1, 2, 3, 4, AT)
    message = pg_relay.encode_event(incoming, register="till-2", origin="other")
    relay._receive(message)  # what the listener thread does
    delivered = next(iter(relay._delivered.values()))
    assert delivered == incoming
    outgoing = [
        relay.message(delivered),  # bounced back through the bus: dropped
        relay.message(StockLow(1, 2, 3, 4, AT)),  # an equal but local event: sent
    ]
    assert len([m for m in outgoing if m is not None]) == 1
    own = pg_relay.encode_event(incoming, register="till-1", origin=relay.origin)
    relay._receive(own)
    assert len(relay._delivered) == 1  # its own message is ignored
    longer = pg_relay.encode_event(incoming, register="till-3", origin=relay.origin + "0")
    relay._receive(longer)
    assert len(relay._delivered) == 2  # an origin that merely starts with its own is another's
