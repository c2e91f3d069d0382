"""The card-number rule's fast path (plain ASCII) answers as the full check does."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from posapp.services.platform import cards


def full_check(text: str) -> bool:
    """The rule without the fast path: normalise, then look at every run of digit groups."""
    for groups in cards._digit_runs(cards.ascii_digits(text)):
        for start in range(len(groups)):
            digits = ""
            for group in groups[start:]:
                digits += group
                if len(digits) > cards._PAN_MAX:
                    break
                if len(digits) >= cards._PAN_MIN and cards.luhn_valid(digits):
                    return True
    return False


PIECES = st.sampled_from(
    ["4111", "1111", "4242 4242 4242 4242", "5555-5555-5555-4444", " ", "-", "  ", "/", "12/27",
     "AUTH", "x", "0", "9", "１２３４", "٣", "²"]
)  # fmt: skip


@given(st.lists(PIECES, max_size=12).map("".join))
def test_fast_path_agrees_with_the_full_check(text: str) -> None:
    assert cards.contains_card_number(text) is full_check(text)


@given(st.text(alphabet=st.characters(codec="ascii"), max_size=60))
def test_fast_path_agrees_on_any_ascii_text(text: str) -> None:
    assert cards.contains_card_number(text) is full_check(text)
