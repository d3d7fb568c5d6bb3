"""Numbers given as text (settings, HTTP query parameters): digits only.

Why: pydantic's lax mode turns the texts "20.0", " 20", "2_0" and "+20" (and the
float 20.0) into the int 20, so a typo or a float where a count belongs would be
taken silently; float() likewise takes "1_0", "inf" and "nan". `WholeNumber` and
`DecimalNumber` refuse them with one line (errors `whole_number`, `decimal_number`);
a number stays a number and the field's own bounds (ge, le, gt) still apply after.
"""

from __future__ import annotations

import math
import re
from typing import Annotated

from pydantic import BeforeValidator
from pydantic_core import PydanticCustomError

__all__ = ["DECIMAL_TEXT", "DIGITS", "DecimalNumber", "WholeNumber"]

DIGITS = re.compile(r"-?[0-9]+")
"""A whole number as text (fullmatch): decimal digits, an optional "-" first."""
DECIMAL_TEXT = re.compile(r"-?[0-9]+(\.[0-9]+)?")
"""A number as text (fullmatch): digits with an optional fraction, an optional "-" first."""
_DECIMAL = "Must be a number written in digits, like 60 or 0.5."


def _whole_number(value: object) -> object:
    """`value` unchanged if it is an int or text of decimal digits (an optional "-" first,
    so that a negative number meets the field's bound and its message); else the error
    `whole_number`."""
    if isinstance(value, bool | float) or (isinstance(value, str) and not DIGITS.fullmatch(value)):
        raise PydanticCustomError(
            "whole_number", "Must be a whole number written in digits, like 20."
        )
    return value


def _decimal_number(value: object) -> object:
    """`value` unchanged if it is a finite int or float, or text of decimal digits with
    an optional fraction ("60", "0.5"); else the error `decimal_number` (float() would
    also take "1_0", "inf" and "nan")."""
    if isinstance(value, bool) or (isinstance(value, float) and not math.isfinite(value)):
        raise PydanticCustomError("decimal_number", _DECIMAL)
    if isinstance(value, str) and not DECIMAL_TEXT.fullmatch(value):
        raise PydanticCustomError("decimal_number", _DECIMAL)
    return value


WholeNumber = Annotated[int, BeforeValidator(_whole_number)]
"""An int field that takes an int or decimal digits only (see the module doc)."""

DecimalNumber = Annotated[float, BeforeValidator(_decimal_number)]
"""A float field that takes a finite number or decimal digits with an optional fraction."""
