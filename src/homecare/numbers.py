"""Whole numbers given as text (settings, HTTP query parameters): digits only.

Why: pydantic's lax mode turns the texts "20.0", " 20", "2_0" and "+20" (and the
float 20.0) into the int 20, so a typo or a float where a count belongs would be
taken silently. `WholeNumber` refuses them with one line; an int stays an int and
the field's own bounds (ge, le) still apply after it.
"""

from __future__ import annotations

import re
from typing import Annotated

from pydantic import BeforeValidator

__all__ = ["WholeNumber"]

_DIGITS = re.compile(r"-?[0-9]+")


def _whole_number(value: object) -> object:
    """`value` unchanged if it is an int or text of decimal digits (an optional "-" first,
    so that a negative number meets the field's bound and its message); else ValueError."""
    if isinstance(value, bool | float) or (
        isinstance(value, str) and not _DIGITS.fullmatch(value)
    ):
        raise ValueError("must be a whole number written in digits, like 20")
    return value


WholeNumber = Annotated[int, BeforeValidator(_whole_number)]
"""An int field that takes an int or decimal digits only (see the module doc)."""
