"""Issue #16, defect 8: a user name that looks like an existing one is refused.

``mаnager1`` with a Cyrillic "а" was accepted beside ``manager1`` and could log in. Names are
compared by their confusable skeleton (UTS #39, a table of Latin, Cyrillic, Greek and Armenian
look-alikes). Look-alikes already in a database still log in. On both databases.
"""

from __future__ import annotations

import pytest

from posapp.models import User
from posapp.services.backend import Backend
from posapp.services.platform.errors import ConflictError
from posapp.services.staff import auth, users
from posapp.services.staff.passwords import hash_password
from posapp.services.staff.usernames import username_key, username_skeleton

PW = "correct horse battery"


@pytest.mark.parametrize(
    "look_alike",
    [
        "m\u0430nager1",  # Cyrillic а
        "MAN\u0410GER1",  # Cyrillic А
        "man\u03b1ger1",  # Greek α
        "rnanager1",  # r n for m
        "managerl",  # l for 1
        "manager|",
        "\uff4d\uff41\uff4e\uff41\uff47\uff45\uff52\uff11",  # full-width
    ],
)
def test_a_look_alike_of_an_existing_name_is_refused(backend: Backend, look_alike: str) -> None:
    users.add_user(backend.uow(), None, "manager1", PW, "manager")
    before = users.count_users(backend.read_uow())
    with pytest.raises(ConflictError, match=r"looks like the existing user 'manager1'|is taken"):
        users.add_user(backend.uow(), None, look_alike, PW, "manager")
    assert users.count_users(backend.read_uow()) == before


@pytest.mark.parametrize("different", ["manager2", "manaqer1", "mánager1", "boss"])
def test_names_that_only_look_different_are_fine(backend: Backend, different: str) -> None:
    users.add_user(backend.uow(), None, "manager1", PW, "manager")
    assert users.add_user(backend.uow(), None, different, PW, "manager").username == different


def test_the_check_also_refuses_a_latin_name_beside_a_cyrillic_one(backend: Backend) -> None:
    users.add_user(backend.uow(), None, "\u0441\u0430\u0455h", PW, "cashier")  # саѕh
    with pytest.raises(ConflictError, match="looks like"):
        users.add_user(backend.uow(), None, "cash", PW, "cashier")


def test_look_alikes_already_in_a_database_still_log_in(backend: Backend) -> None:
    users.add_user(backend.uow(), None, "manager1", PW, "manager")
    spoof = "m\u0430nager1"
    with backend.uow() as uow:  # as an older version let it in
        uow.session.add(
            User(
                username=spoof,
                username_key=username_key(spoof),
                role="manager",
                password_hash=hash_password(PW + "!"),
            )
        )
        uow.commit()
    assert auth.authenticate(backend.uow(), "manager1", PW).username == "manager1"
    assert auth.authenticate(backend.uow(), spoof, PW + "!").username == spoof


def test_skeletons() -> None:
    assert username_skeleton("m\u0430nager1") == username_skeleton("manager1")
    assert username_skeleton("\u0412ob") == username_skeleton("bob")  # Cyrillic capital В
    assert username_skeleton("\u0432ob") != username_skeleton("bob")  # its small в does not
    assert username_skeleton("b0ss") == username_skeleton("BOSS")
