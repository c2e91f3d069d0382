"""A spin box for a quantity in a product's unit: ``3`` pieces or ``0.200 kg`` (#20).

The value stays an ``int`` of the unit's steps (:mod:`posapp.units`: 200 is 0.200 kg); only the
text shows and reads decimals, with the shop's decimal mark (``0,200 kg`` in a German shop), so
no float ever holds a quantity. Arrows step by one piece, or
by 0.010 of a measured unit.
"""

from __future__ import annotations

import re

from PySide6.QtGui import QValidator
from PySide6.QtWidgets import QSpinBox, QWidget
from typing_extensions import override

from posapp.formats import number_marks
from posapp.units import QuantityError, Unit, is_measured, parse_quantity, quantity_figure

_MEASURED_STEP = 10


class QuantitySpinBox(QSpinBox):
    """A :class:`QSpinBox` over steps of ``unit``; measured units show three decimals."""

    def __init__(self, unit: str = Unit.PIECE, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._unit = unit
        self._measured = is_measured(unit)
        if unit != Unit.PIECE:
            self.setSuffix(f" {unit}")
        if self._measured:
            self.setSingleStep(_MEASURED_STEP)

    def _body(self, text: str) -> str:
        return text.removesuffix(self.suffix()).strip()

    @override
    def textFromValue(self, val: int) -> str:
        return quantity_figure(val, self._unit)

    @override
    def valueFromText(self, text: str) -> int:
        try:
            return parse_quantity(self._body(text), self._unit, allow_zero=True)
        except QuantityError:
            return self.value()

    @override
    def validate(self, input: str, pos: int) -> tuple[QValidator.State, str, int]:
        body = self._body(input)
        if not self._measured:
            return super().validate(input, pos)
        decimal = re.escape(number_marks()[0])
        if re.fullmatch(rf"[0-9]*(?:{decimal}[0-9]{{0,3}})?", body) is None:
            return (QValidator.State.Invalid, input, pos)
        try:
            value = parse_quantity(body, self._unit, allow_zero=True)
        except QuantityError:
            return (QValidator.State.Intermediate, input, pos)
        if self.minimum() <= value <= self.maximum():
            return (QValidator.State.Acceptable, input, pos)
        return (QValidator.State.Intermediate, input, pos)
