"""Numbers written for people, for the prose of the chapters.

Glue format specs such as ``:.1e`` print program output ("1.5e-03"). The
chapters glue the strings made here instead: "1.5 × 10⁻³", with a real
multiplication sign and superscript digits, which read the same in the HTML
page, in a notebook and in a terminal.
"""

from __future__ import annotations

import math

from ._validation import as_float, as_int

__all__ = ["times_ten"]

_SUPERSCRIPT = str.maketrans("-0123456789", "⁻⁰¹²³⁴⁵⁶⁷⁸⁹")


def times_ten(value, digits: int = 1) -> str:
    """Scientific notation for prose: ``times_ten(0.00153) == "1.5 × 10⁻³"``.

    Parameters
    ----------
    value : float
        Any finite number. Zero is written "0"; a mantissa that rounds to 1
        is dropped ("10⁻⁶", not "1.0 × 10⁻⁶").
    digits : int >= 0, default 1
        Digits after the decimal point of the mantissa.

    Returns
    -------
    str
    """
    value = as_float(value, "value")
    digits = as_int(digits, "digits", minimum=0)
    if not math.isfinite(value):
        raise ValueError(f"value must be finite, got {value!r}")
    if value == 0.0:
        return "0"
    sign = "−" if value < 0 else ""
    mantissa, exponent = f"{abs(value):.{digits}e}".split("e")
    power = "10" + str(int(exponent)).translate(_SUPERSCRIPT)
    if float(mantissa) == 1.0:
        return sign + power
    return f"{sign}{mantissa} × {power}"
