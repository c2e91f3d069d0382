"""Calls to the server awaited only while it answers (#21): answers, errors, silence, threads.

A real link over a real cache and journal; its probe is the test's switch. The calls here stand
for the server's: one answers, one fails, one never answers until the test lets it.
"""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from posapp.services.platform.errors import ValidationError
from posapp.services.sales.offline import OfflineCache, OfflineJournal, Snapshot
from posapp.services.sales.offline.inflight import CALL_THREADS, ServerCalls, Unanswered
from posapp.services.sales.offline.link import LinkState, ServerLink

KEY = bytes(range(32))
WAIT_S = 30.0


@pytest.fixture
def link(tmp_path: Path) -> ServerLink:
    def read(_since: object) -> Snapshot:
        raise AssertionError("not read here")

    return ServerLink(
        probe=lambda: None,
        read=read,
        place=lambda sale: "",
        cache=OfflineCache.open(tmp_path / "cache.sqlite3"),
        journal=OfflineJournal.open(tmp_path / "journal.sqlite3", KEY),
    )


def test_an_answer_or_an_error_comes_back_as_it_is(link: ServerLink) -> None:
    calls = ServerCalls(link)
    assert calls.answer(lambda: 42) == 42

    def refuse() -> int:
        raise ValidationError("refused in time")

    with pytest.raises(ValidationError, match="refused in time"):
        calls.answer(refuse)
    for n in range(3 * CALL_THREADS):
        assert calls.answer(lambda n=n: n) == n  # type: ignore[misc]
    assert 1 <= calls.threads <= CALL_THREADS  # reused: nothing grows per call
    calls.close()
    assert calls.threads == 0  # the register quits: its worker threads end


def test_the_link_going_offline_ends_the_wait(link: ServerLink) -> None:
    calls = ServerCalls(link, limit_s=10 * WAIT_S)  # only the link can end this wait
    release = threading.Event()
    started = threading.Event()

    def silent() -> str:
        started.set()
        release.wait(WAIT_S)
        return "late"

    def lose() -> None:
        assert started.wait(WAIT_S)
        link.lost("The server does not answer.")

    threading.Thread(target=lose, daemon=True).start()
    with pytest.raises(Unanswered, match="does not answer") as silence:
        calls.answer(silent)
    assert silence.value.link_offline
    assert link.status.state is LinkState.OFFLINE
    release.set()


def test_the_backstop_ends_the_wait_when_the_link_says_nothing(link: ServerLink) -> None:
    calls = ServerCalls(link, limit_s=0.2)
    release = threading.Event()
    try:
        with pytest.raises(Unanswered, match="did not answer within") as silence:
            calls.answer(lambda: release.wait(WAIT_S))
        assert not silence.value.link_offline
        # every worker held by a silent call: the next call waits its turn, then is abandoned
        # before it ever runs (cancelled), and no thread beyond the few is started
        for _ in range(CALL_THREADS):
            with pytest.raises(Unanswered):
                calls.answer(lambda: release.wait(WAIT_S))
        assert calls.threads == CALL_THREADS
    finally:
        release.set()
    assert calls.answer(lambda: "back") == "back"
